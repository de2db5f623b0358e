"""Escalation decisions as stored: append-only, checked by role, starting timers, and tightening the visit policy."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from provider_monitor.enums import DecisionKind, DueState, Role, SuspensionStatus, TimerKind
from provider_monitor.extensions import db
from provider_monitor.models import EscalationAuthority, EscalationDecision, EscalationTimer
from provider_monitor.services import caseload, escalations, visit_policy
from provider_monitor.services.escalations import DecisionInput
from provider_monitor.services.exceptions import EditConflict, FieldError
from tests import factories

TODAY = date(2026, 12, 17)
REVIEW = date(2027, 1, 14)


def _decide(service, by, to_level, **kwargs):
    kwargs.setdefault("reason", "Repeated medication errors")
    kwargs.setdefault("decided_on", TODAY)
    kwargs.setdefault("next_review_on", None if kwargs.get("closing") else REVIEW)
    expected_version = kwargs.pop("expected_version", None)
    decision = escalations.decide(
        db.session, provider_id=service.provider_id, service_id=service.id,
        decision=DecisionInput(to_level=to_level, **kwargs), by=by, today=TODAY, expected_version=expected_version,
    )  # fmt: skip
    db.session.commit()
    return decision


@pytest.fixture
def people(app_ctx):
    return {role: factories.UserFactory(role=role, name=role.label) for role in Role if role != Role.PROVIDER}


def test_escalate_suspend_step_down_and_close_leaves_every_decision_in_order(people):
    service = factories.ServiceFactory()
    _decide(service, people[Role.MANAGER], 1, conditions_to_step_down="Medication audit passed twice")
    _decide(service, people[Role.HEAD_OF_SERVICE], 3, suspension_status=SuspensionStatus.RED)
    _decide(service, people[Role.HEAD_OF_SERVICE], 3, suspension_status=SuspensionStatus.AMBER,
            reason="Improvement plan on track")  # fmt: skip
    _decide(service, people[Role.HEAD_OF_SERVICE], 1, reason="Placements resumed safely")
    _decide(service, people[Role.MANAGER], 0, closing=True, reason="Action plan verified complete")

    decisions = db.session.scalars(sa.select(EscalationDecision).order_by(EscalationDecision.id)).all()
    assert [(d.kind, d.from_level, d.to_level) for d in decisions] == [
        (DecisionKind.ESCALATE, 0, 1), (DecisionKind.ESCALATE, 1, 3), (DecisionKind.STEP_DOWN, 3, 3),
        (DecisionKind.STEP_DOWN, 3, 1), (DecisionKind.CLOSE, 1, 0),
    ]  # fmt: skip
    assert decisions[1].to_suspension == SuspensionStatus.RED
    assert decisions[2].from_suspension == SuspensionStatus.RED and decisions[2].to_suspension == SuspensionStatus.AMBER
    assert decisions[0].decided_by_label == "Manager (Manager)"
    assert decisions[1].decided_by_role == Role.HEAD_OF_SERVICE
    assert escalations.open_escalation(db.session, provider_id=service.provider_id, service_id=service.id) is None


def test_a_suspension_starts_its_timers_and_the_next_decision_meets_the_review(people):
    service = factories.ServiceFactory()
    _decide(service, people[Role.HEAD_OF_SERVICE], 3, suspension_status=SuspensionStatus.RED)
    timers = {t.kind: t for t in db.session.scalars(sa.select(EscalationTimer))}
    assert timers[TimerKind.SUSPENSION_LETTER].due_on == date(2026, 12, 30)
    assert timers[TimerKind.APPEAL].due_on == date(2026, 12, 24)
    assert timers[TimerKind.SUSPENSION_REVIEW].due_on == date(2027, 1, 14)
    assert timers[TimerKind.LEVEL_REVIEW].due_on == REVIEW

    escalations.meet_timer(db.session, timers[TimerKind.SUSPENSION_LETTER], on=date(2026, 12, 17), note="Sent",
                           by=people[Role.OFFICER], today=TODAY)  # fmt: skip
    with pytest.raises(FieldError, match="already been recorded"):
        escalations.meet_timer(db.session, timers[TimerKind.SUSPENSION_LETTER], on=TODAY, note=None,
                               by=people[Role.OFFICER], today=TODAY)  # fmt: skip
    db.session.commit()
    _decide(service, people[Role.HEAD_OF_SERVICE], 3, suspension_status=SuspensionStatus.RED, reason="Still unsafe")
    db.session.refresh(timers[TimerKind.LEVEL_REVIEW])
    assert timers[TimerKind.LEVEL_REVIEW].met_on == TODAY


def test_roles_without_authority_are_refused_and_nothing_is_stored(people):
    service = factories.ServiceFactory()
    for role, level in ((Role.OFFICER, 1), (Role.MANAGER, 2), (Role.HEAD_OF_SERVICE, 4), (Role.CONTRACT_MANAGER, 1)):
        with pytest.raises(FieldError) as refused:
            _decide(service, people[role], level, suspension_status=None)
        assert refused.value.field == "to_level"
        db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EscalationDecision)) == 0


def test_stepping_down_needs_the_authority_of_the_level_left(people):
    service = factories.ServiceFactory()
    _decide(service, people[Role.HEAD_OF_SERVICE], 2)
    with pytest.raises(FieldError, match="head of service or above"):
        _decide(service, people[Role.MANAGER], 1, reason="Better")


def test_authority_comes_from_the_table(people):
    db.session.add(EscalationAuthority(level=1, role=Role.OFFICER))
    db.session.commit()
    service = factories.ServiceFactory()
    assert _decide(service, people[Role.OFFICER], 1).kind == DecisionKind.ESCALATE


def test_a_decision_on_a_stale_page_is_refused(people):
    service = factories.ServiceFactory()
    first = _decide(service, people[Role.MANAGER], 1)
    version = db.session.get(type(first).escalation.property.mapper.class_, first.escalation_id).version_id
    _decide(service, people[Role.HEAD_OF_SERVICE], 2, expected_version=version)
    with pytest.raises(EditConflict):
        _decide(service, people[Role.HEAD_OF_SERVICE], 3, suspension_status=SuspensionStatus.RED,
                expected_version=version)  # fmt: skip


def test_nothing_to_step_down_from(people):
    with pytest.raises(FieldError, match="already at level 0"):
        _decide(factories.ServiceFactory(), people[Role.MANAGER], 0, closing=True)


def test_only_the_latest_decision_can_be_superseded(people):
    service = factories.ServiceFactory()
    first = _decide(service, people[Role.MANAGER], 1)
    second = _decide(service, people[Role.HEAD_OF_SERVICE], 2)
    with pytest.raises(FieldError, match="Only the latest decision"):
        _decide(service, people[Role.HEAD_OF_SERVICE], 1, reason="Entered against the wrong service",
                supersedes_id=first.id)  # fmt: skip
    db.session.rollback()
    fixed = _decide(service, people[Role.HEAD_OF_SERVICE], 1, reason="Entered against the wrong service",
                    supersedes_id=second.id)  # fmt: skip
    assert fixed.supersedes_id == second.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EscalationDecision)) == 3


def test_escalation_tightens_the_visit_policy(people):
    good = factories.ServiceFactory()
    factories.record_ratings(good, factories.rating_state("2025-01-10", overall="Good"))
    factories.VisitFactory(service=good, visited_on=date.today() - timedelta(days=120))
    ids = sa.select(sa.literal(good.id))

    assert visit_policy.due_dates(db.session, ids, date.today())[good.id].state == DueState.ON_TRACK
    # Enhanced monitoring: at most 3 months between visits, so a visit 4 months ago is now overdue.
    escalations.decide(
        db.session, provider_id=good.provider_id, service_id=good.id, by=people[Role.MANAGER], today=date.today(),
        decision=DecisionInput(to_level=1, reason="Concerns", decided_on=date.today(),
                               next_review_on=date.today() + timedelta(days=28)),
    )  # fmt: skip
    db.session.commit()
    due = visit_policy.due_dates(db.session, ids, date.today())[good.id]
    assert (due.state, due.interval_months) == (DueState.OVERDUE, 3)
    assert (due.escalation_level, due.tightened_by_escalation) == (1, True)
    assert caseload.interval_text(due, "Good", None).endswith(", tightened while at escalation level 1")


def test_a_provider_wide_escalation_applies_to_each_of_its_services(people):
    service = factories.ServiceFactory()
    escalations.decide(
        db.session, provider_id=service.provider_id, service_id=None, by=people[Role.HEAD_OF_SERVICE], today=TODAY,
        decision=DecisionInput(to_level=3, reason="Provider-wide safeguarding", decided_on=TODAY,
                               next_review_on=REVIEW, suspension_status=SuspensionStatus.AMBER),
    )  # fmt: skip
    db.session.commit()
    levels = escalations.current_levels(db.session, sa.select(sa.literal(service.id)))
    assert levels == {service.id: (3, SuspensionStatus.AMBER)}


def test_meetings_are_recorded_on_the_escalation_and_not_in_the_future(people):
    from provider_monitor.enums import MeetingKind

    service = factories.ServiceFactory()
    decision = _decide(service, people[Role.HEAD_OF_SERVICE], 2)
    escalation = escalations.open_escalation(db.session, provider_id=service.provider_id, service_id=service.id)
    data = {"kind": MeetingKind.INITIAL, "held_on": TODAY, "attendees": "QMM, ICB, CQC", "minutes": "Plan agreed"}
    meeting = escalations.record_meeting(db.session, escalation, data, by=people[Role.OFFICER], today=TODAY)
    assert (meeting.escalation_id, meeting.minutes_internal) == (decision.escalation_id, True)
    with pytest.raises(FieldError, match="today or in the past"):
        escalations.record_meeting(db.session, escalation, data | {"held_on": TODAY + timedelta(days=1)},
                                   by=people[Role.OFFICER], today=TODAY)  # fmt: skip
