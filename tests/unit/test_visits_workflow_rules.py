"""The visit report workflow's rules: draft → shared → final, cancelling, and what may still be edited."""

from datetime import UTC, date, datetime

import pytest

from provider_monitor.enums import KeyQuestion, LocalRating, Role, VisitKind, VisitPurpose, VisitStatus
from provider_monitor.models import User, Visit
from provider_monitor.models.visit import VisitFinding
from provider_monitor.services import visits
from provider_monitor.services.exceptions import FieldError
from provider_monitor.services.visit_rules import Policy

TODAY = date(2026, 11, 23)


class NoDatabase:
    """A session stand-in: these rules only flush."""

    flushed = 0

    def flush(self):
        self.flushed += 1


def _user(role: Role, user_id: int = 7) -> User:
    return User(id=user_id, role=role, name=f"{role.label} person", email="x@example.gov.uk")


def _finding(question: KeyQuestion, judgement: LocalRating | None = LocalRating.GOOD) -> VisitFinding:
    return VisitFinding(key_question=question, judgement=judgement, evidence="Seen in the records")


def _draft(**overrides) -> Visit:
    values = {
        "id": 1, "kind": VisitKind.PLANNED, "purpose": VisitPurpose.QUALITY_AUDIT, "status": VisitStatus.DRAFT,
        "visited_on": date(2026, 11, 20), "local_rating": LocalRating.GOOD, "version_id": 3,
        "findings": [_finding(q) for q in visits.FINDING_QUESTIONS], "compliance": [], "officers": [],
    }  # fmt: skip
    return Visit(**(values | overrides))


def _shared(due: date) -> Visit:
    return _draft(status=VisitStatus.SHARED, comments_due_on=due, shared_at=datetime(2026, 11, 9, tzinfo=UTC))


def test_a_complete_draft_has_nothing_stopping_it_being_shared():
    assert visits.share_problems(_draft()) == []


def test_not_judged_counts_as_an_answer():
    findings = [_finding(q, None) for q in visits.FINDING_QUESTIONS]
    assert visits.share_problems(_draft(findings=findings)) == []


def test_each_missing_part_is_named_with_the_step_that_fixes_it():
    findings = [_finding(KeyQuestion.SAFE), _finding(KeyQuestion.CARING)]
    problems = visits.share_problems(_draft(findings=findings, local_rating=None, visited_on=None))
    assert problems == [
        ("details", "Enter the date of the visit"),
        ("findings", "Choose a judgement for Effective, or ‘Not judged’"),
        ("findings", "Choose a judgement for Responsive, or ‘Not judged’"),
        ("findings", "Choose a judgement for Well-led, or ‘Not judged’"),
        ("outcome", "Choose the overall local quality rating"),
    ]


def test_overall_is_not_a_finding():
    assert KeyQuestion.OVERALL not in visits.FINDING_QUESTIONS
    assert len(visits.FINDING_QUESTIONS) == 5


def test_sharing_opens_the_comment_window_from_the_policy():
    visit, session = _draft(), NoDatabase()
    officer = _user(Role.OFFICER)
    visits.share_report(
        session, visit, by=officer, today=TODAY, policy=Policy(comment_window_days=10), expected_version=3
    )
    assert visit.status == VisitStatus.SHARED
    assert visit.shared_by_id == officer.id and visit.shared_at is not None
    assert visit.comments_due_on == date(2026, 12, 3)
    assert session.flushed == 1


def test_an_incomplete_report_is_not_shared():
    visit = _draft(local_rating=None)
    with pytest.raises(visits.ReportIncomplete) as refused:
        visits.share_report(
            NoDatabase(), visit, by=_user(Role.OFFICER), today=TODAY, policy=Policy(), expected_version=None
        )
    assert refused.value.problems == [("outcome", "Choose the overall local quality rating")]
    assert visit.status == VisitStatus.DRAFT and visit.shared_at is None


@pytest.mark.parametrize("status", [VisitStatus.PLANNED, VisitStatus.SHARED, VisitStatus.FINAL, VisitStatus.CANCELLED])
def test_only_a_draft_can_be_shared(status):
    with pytest.raises(visits.ReportStateError, match="Only a report in draft can be shared"):
        visits.share_report(
            NoDatabase(), _draft(status=status), by=_user(Role.MANAGER), today=TODAY, policy=Policy(),
            expected_version=None,
        )  # fmt: skip


@pytest.mark.parametrize("role", [Role.CONTRACT_MANAGER, Role.ADMIN, Role.PROVIDER])
def test_only_officers_and_managers_share(role):
    with pytest.raises(visits.ReportStateError, match="Only a QMM officer or a manager"):
        visits.share_report(NoDatabase(), _draft(), by=_user(role), today=TODAY, policy=Policy(), expected_version=None)


@pytest.mark.parametrize("role", [Role.OFFICER, Role.CONTRACT_MANAGER, Role.ADMIN])
def test_only_a_manager_finalises(role):
    with pytest.raises(visits.ReportStateError, match="Only a manager can finalise"):
        visits.finalise_report(
            NoDatabase(), _shared(date(2026, 11, 1)), by=_user(role), today=TODAY, confirm_early=True,
            expected_version=None,
        )  # fmt: skip


@pytest.mark.parametrize("due", [date(2026, 11, 23), date(2026, 12, 7)])
def test_finalising_while_the_provider_may_still_comment_needs_confirming(due):
    visit = _shared(due)
    with pytest.raises(FieldError) as refused:
        visits.finalise_report(
            NoDatabase(), visit, by=_user(Role.MANAGER), today=TODAY, confirm_early=False, expected_version=None
        )
    assert refused.value.field == "confirm_early"
    assert "select ‘Finalise before the comment window closes’" in str(refused.value)
    assert visit.status == VisitStatus.SHARED


def test_a_manager_may_finalise_early_by_confirming():
    visit, manager = _shared(date(2026, 12, 7)), _user(Role.MANAGER, user_id=9)
    visits.finalise_report(NoDatabase(), visit, by=manager, today=TODAY, confirm_early=True, expected_version=3)
    assert visit.status == VisitStatus.FINAL
    assert visit.finalised_by_id == 9 and visit.finalised_at is not None


def test_once_the_window_has_closed_no_confirmation_is_needed():
    visit = _shared(date(2026, 11, 22))
    visits.finalise_report(
        NoDatabase(), visit, by=_user(Role.MANAGER), today=TODAY, confirm_early=False, expected_version=None
    )
    assert visit.status == VisitStatus.FINAL


@pytest.mark.parametrize("status", [VisitStatus.DRAFT, VisitStatus.FINAL, VisitStatus.PLANNED])
def test_only_a_shared_report_is_finalised(status):
    with pytest.raises(visits.ReportStateError, match="Only a report shared with the provider"):
        visits.finalise_report(
            NoDatabase(), _draft(status=status), by=_user(Role.MANAGER), today=TODAY, confirm_early=True,
            expected_version=None,
        )  # fmt: skip


def test_cancelling_needs_a_reason_and_a_planned_visit():
    officer = _user(Role.OFFICER)
    planned = _draft(status=VisitStatus.PLANNED, visited_on=None, planned_on=date(2026, 12, 1))
    with pytest.raises(FieldError, match="Enter why the visit is cancelled"):
        visits.cancel_visit(NoDatabase(), planned, by=officer, reason="  ", expected_version=None)
    with pytest.raises(visits.ReportStateError, match="Only a planned visit can be cancelled"):
        visits.cancel_visit(NoDatabase(), _draft(), by=officer, reason="Home closed", expected_version=None)
    visits.cancel_visit(NoDatabase(), planned, by=officer, reason=" Home closed for flooding ", expected_version=3)
    assert planned.status == VisitStatus.CANCELLED
    assert planned.cancelled_reason == "Home closed for flooding"


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (VisitStatus.SHARED, "was shared with the provider on 9 November 2026, so it can no longer be changed"),
        (VisitStatus.FINAL, "was finalised on"),
        (VisitStatus.CANCELLED, "was cancelled"),
    ],
)
def test_a_shared_final_or_cancelled_visit_cannot_be_edited(status, message):
    visit = _draft(status=status, shared_at=datetime(2026, 11, 9, 10, tzinfo=UTC), finalised_at=datetime.now(UTC))
    with pytest.raises(visits.ReportStateError, match=message):
        visits.save_step(
            NoDatabase(), visit, "outcome", {"local_rating": None, "summary": "x"}, expected_version=None,
            by=_user(Role.OFFICER), today=TODAY,
        )  # fmt: skip


@pytest.mark.parametrize("status", [VisitStatus.PLANNED, VisitStatus.DRAFT])
def test_planned_visits_and_drafts_are_editable(status):
    visits.check_editable(_draft(status=status))


def test_the_comment_window_includes_the_day_comments_are_due():
    assert visits.comment_window_open(_shared(TODAY), TODAY)
    assert not visits.comment_window_open(_shared(date(2026, 11, 22)), TODAY)
    assert not visits.comment_window_open(_draft(), TODAY)
