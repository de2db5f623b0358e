"""Demo visits and action plans: every report state and action status, believable timing, same seed same data."""

import statistics
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from provider_monitor.enums import (
    PROVIDER_VISIBLE_REPORT_STATUSES,
    RAG,
    ActionStatus,
    DueState,
    Role,
    ServiceStatus,
    VisitKind,
    VisitStatus,
)
from provider_monitor.extensions import db
from provider_monitor.models import (
    Action,
    ActionEvent,
    RatingSnapshot,
    Service,
    User,
    Visit,
    VisitCompliance,
    VisitFinding,
    visit_officer,
)
from provider_monitor.services import passwords, visit_policy
from provider_monitor.services.action_rules import TRANSITIONS, rag

TODAY = date.today()


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def seeded(app, app_ctx):
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--seed", "7"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def all_of(model):
    return list(db.session.scalars(sa.select(model).order_by(model.id)))


def current_overall() -> dict[int, str]:
    stmt = sa.select(RatingSnapshot.service_id, RatingSnapshot.overall).where(RatingSnapshot.is_current)
    return dict(db.session.execute(stmt).tuples().all())


def check_visits_are_in_every_report_state_and_consistent_with_it(seeded):
    visits = all_of(Visit)
    states = Counter(v.status for v in visits)
    assert set(states) == set(VisitStatus)
    assert states[VisitStatus.FINAL] > 0.8 * len(visits)
    for visit in visits:
        if visit.status in (VisitStatus.PLANNED, VisitStatus.CANCELLED):
            assert visit.visited_on is None and visit.planned_on and visit.local_rating is None
        else:
            assert visit.visited_on <= TODAY and visit.local_rating and visit.logged_at
        if visit.status == VisitStatus.PLANNED:
            assert visit.planned_on >= TODAY
        if visit.status == VisitStatus.CANCELLED:
            assert visit.cancelled_reason and visit.planned_on < TODAY
        if visit.status == VisitStatus.DRAFT:
            assert visit.shared_at is None and visit.finalised_at is None
        if visit.status in PROVIDER_VISIBLE_REPORT_STATUSES:
            assert visit.comments_due_on == visit.shared_at.date() + timedelta(days=14)
            assert visit.shared_at.date() > visit.visited_on
        if visit.status == VisitStatus.FINAL:
            assert visit.shared_at < visit.finalised_at and visit.finalised_by_id
    shared = [v for v in visits if v.status == VisitStatus.SHARED]
    assert any(v.comments_due_on >= TODAY for v in shared), "some reports are within the comment window"
    assert all(v.finalised_at is None for v in shared)


def check_logged_visits_have_officers_findings_and_a_compliance_checklist(seeded):
    logged = {v.id: v for v in all_of(Visit) if v.visited_on}
    findings, compliance, officers = Counter(), Counter(), Counter()
    for finding in all_of(VisitFinding):
        findings[finding.visit_id] += 1
        assert finding.evidence and len(finding.evidence) > 30
    for line in all_of(VisitCompliance):
        compliance[line.visit_id] += 1
    roles = dict(db.session.execute(sa.select(User.id, User.role)).tuples().all())
    for visit_id, user_id in db.session.execute(sa.select(visit_officer)):
        officers[visit_id] += 1
        assert roles[user_id] in (Role.OFFICER, Role.MANAGER)
    assert all(findings[i] == 5 and compliance[i] == 4 and officers[i] >= 1 for i in logged)
    kinds = Counter((v.kind, v.full_quality_visit) for v in logged.values())
    assert kinds[(VisitKind.UNPLANNED, True)] and kinds[(VisitKind.UNPLANNED, False)]
    assert not kinds[(VisitKind.PLANNED, True)]


def check_routine_visits_come_at_about_the_policy_interval(seeded):
    """Services rated Good on both counts are visited about yearly; Requires improvement about six-monthly."""
    overall = current_overall()
    days_by_service = defaultdict(list)
    for visit in all_of(Visit):
        if visit.kind == VisitKind.PLANNED and visit.visited_on:
            days_by_service[visit.service_id].append((visit.visited_on, visit.local_rating))
    gaps = defaultdict(list)
    for service_id, visits in days_by_service.items():
        visits.sort()
        for (first, rating), (second, _) in zip(visits, visits[1:], strict=False):
            if overall.get(service_id) in ("Good", "Requires improvement") and rating == overall[service_id]:
                gaps[overall[service_id]].append((second - first).days)
    assert 330 <= statistics.median(gaps["Good"]) <= 380
    assert 150 <= statistics.median(gaps["Requires improvement"]) <= 200


def check_local_ratings_follow_the_cqc_rating(seeded):
    overall = current_overall()
    agree = Counter()
    for visit in all_of(Visit):
        if visit.local_rating and overall.get(visit.service_id) in ("Good", "Requires improvement", "Inadequate"):
            agree[visit.local_rating.value == overall[visit.service_id]] += 1
    assert agree[True] > 2 * agree[False] > 0


def check_some_services_are_overdue_some_never_visited(seeded):
    active = sa.select(Service.id).where(Service.status == ServiceStatus.ACTIVE)
    states = Counter(d.state for d in visit_policy.due_dates(db.session, active, TODAY).values())
    assert states[DueState.OVERDUE] >= 10 and states[DueState.NEVER_VISITED] >= 3
    assert states[DueState.ON_TRACK] > states[DueState.OVERDUE] and states[DueState.DUE_SOON]


def check_actions_are_in_every_status_with_a_timeline_that_leads_there(seeded):
    actions = all_of(Action)
    assert set(Counter(a.status for a in actions)) == set(ActionStatus)
    events = defaultdict(list)
    for event in all_of(ActionEvent):
        events[event.action_id].append(event)
    for action in actions:
        timeline = events[action.id]
        assert (timeline[0].from_status, timeline[0].to_status) == (None, ActionStatus.OPEN)
        for before, after in zip(timeline, timeline[1:], strict=False):
            assert after.from_status == before.to_status and after.at >= before.at
            assert after.to_status in TRANSITIONS[before.to_status], (before.to_status, after.to_status)
        assert timeline[-1].to_status == action.status and timeline[-1].at.date() < TODAY
        if action.status == ActionStatus.VERIFIED:
            assert action.verified_at == timeline[-1].at and action.verified_by_id
        else:
            assert action.verified_at is None
        if action.status == ActionStatus.RETURNED:
            assert timeline[-1].note
        assert all(e.actor_label for e in timeline)
    colours = Counter(rag(a.status, a.due_on, TODAY) for a in actions)
    assert set(colours) == set(RAG) and colours[RAG.RED] >= 10
    assert {a.kind for a in actions} == {"corrective", "developmental"} and len({a.priority for a in actions}) == 3


def check_the_demo_provider_user_has_reports_and_actions_to_see(seeded):
    provider_id = db.session.scalar(sa.select(User.provider_id).where(User.role == Role.PROVIDER))
    theirs = sa.select(Service.id).where(Service.provider_id == provider_id)
    visible = sa.select(sa.func.count(Visit.id)).where(
        Visit.service_id.in_(theirs), Visit.status.in_(PROVIDER_VISIBLE_REPORT_STATUSES)
    )
    assert db.session.scalar(visible) > 0
    assert db.session.scalar(sa.select(sa.func.count(Action.id)).where(Action.service_id.in_(theirs))) > 0


def check_the_summary_names_the_visits_and_actions(seeded):
    line = next(line for line in seeded.splitlines() if line.startswith("Visits:"))
    assert "final" in line and "overdue" in line and "RAG red" in line


def test_the_visits_are_believable(seeded):
    """One seeded market (seeding takes seconds), checked from several sides."""
    check_visits_are_in_every_report_state_and_consistent_with_it(seeded)
    check_logged_visits_have_officers_findings_and_a_compliance_checklist(seeded)
    check_routine_visits_come_at_about_the_policy_interval(seeded)
    check_local_ratings_follow_the_cqc_rating(seeded)
    check_some_services_are_overdue_some_never_visited(seeded)
    check_the_summary_names_the_visits_and_actions(seeded)


def test_the_action_plans_are_believable(seeded):
    check_actions_are_in_every_status_with_a_timeline_that_leads_there(seeded)
    check_the_demo_provider_user_has_reports_and_actions_to_see(seeded)


def fingerprint():
    """The visits and actions by service name (ids differ after a reset on PostgreSQL)."""
    visits = db.session.execute(
        sa.select(Service.name, Visit.status, Visit.planned_on, Visit.visited_on, Visit.local_rating)
        .join(Visit.service)
        .order_by(Visit.id)
    ).all()
    actions = db.session.execute(
        sa.select(Service.name, Action.description, Action.status, Action.due_on, Action.owner)
        .join(Action.service)
        .order_by(Action.id)
    ).all()
    notes = db.session.scalars(sa.select(ActionEvent.actor_label).order_by(ActionEvent.id)).all()
    return visits, actions, notes


def test_the_same_seed_gives_the_same_visits_and_actions(app, seeded):
    first = fingerprint()
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--seed", "7", "--reset", "--yes"])
    assert result.exit_code == 0, result.output
    assert fingerprint() == first
    assert len(first[0]) > 1000 and len(first[1]) > 1000
