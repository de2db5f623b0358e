"""Demo concerns and escalations: every level the rules allow, decided with authority, timers in every state."""

from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from provider_monitor.demo import profiles
from provider_monitor.demo.seed import summarise
from provider_monitor.enums import (
    ConcernCategory,
    ConcernSource,
    ConcernStatus,
    DecisionKind,
    MeetingKind,
    Role,
    Sector,
    ServiceStatus,
    SuspensionStatus,
    TimerKind,
    TimerState,
)
from provider_monitor.extensions import db
from provider_monitor.models import (
    Action,
    Concern,
    Escalation,
    EscalationDecision,
    EscalationMeeting,
    EscalationTimer,
    Provider,
    Service,
    User,
    Visit,
    concern_visit,
)
from provider_monitor.services import escalation_rules, escalations, passwords

TODAY = date.today()


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def small_county(monkeypatch):
    """A quarter of the real market: quick to build, big enough for every part of the story."""
    smaller = {kind: max(2, count // 4) for kind, count in profiles.EXTERNAL_TARGETS.items()}
    monkeypatch.setattr(profiles, "EXTERNAL_TARGETS", smaller)


@pytest.fixture
def seeded(app, app_ctx, small_county):
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--seed", "7"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def all_of(model):
    return list(db.session.scalars(sa.select(model).order_by(model.id)))


def decisions_by_escalation() -> dict[int, list[EscalationDecision]]:
    grouped: dict[int, list[EscalationDecision]] = {}
    for decision in all_of(EscalationDecision):
        grouped.setdefault(decision.escalation_id, []).append(decision)
    return grouped


def test_there_are_red_and_amber_suspensions_and_escalations_at_several_levels(seeded):
    everything = all_of(Escalation)
    open_ = [e for e in everything if e.is_open]
    statuses = Counter(e.suspension_status for e in open_ if e.level == 3)
    assert statuses[SuspensionStatus.RED] >= 1 and statuses[SuspensionStatus.AMBER] >= 1
    levels = Counter(e.level for e in open_)
    assert levels[1] >= 1 and levels[2] >= 1 and levels[4] >= 1
    assert levels[1] + levels[2] > levels[3] + levels[4] + levels[5], "mostly levels 1 and 2"
    assert any(e.service_id is None for e in open_), "one provider-wide escalation"
    closed = [e for e in everything if not e.is_open]
    assert closed and all(e.level == 0 and e.next_review_on is None for e in closed)

    history = decisions_by_escalation()
    for escalation in everything:
        decisions = history[escalation.id]
        last = decisions[-1]
        assert (escalation.level, escalation.suspension_status) == (last.to_level, last.to_suspension)
        assert escalation.opened_on == decisions[0].decided_on and decisions[0].from_level == 0
        assert [d.decided_on for d in decisions] == sorted(d.decided_on for d in decisions)
        if escalation.is_open:
            assert escalation.next_review_on == last.next_review_on
        else:
            assert last.kind == DecisionKind.CLOSE and escalation.closed_on == last.decided_on
    amber = next(e for e in open_ if e.suspension_status == SuspensionStatus.AMBER)
    step_down = history[amber.id][-1]
    assert step_down.kind == DecisionKind.STEP_DOWN and step_down.from_suspension == SuspensionStatus.RED
    assert step_down.reason.strip()


def test_every_decision_was_taken_by_someone_with_the_authority(seeded):
    authority = escalations.load_authority(db.session)
    users = {user.id: user for user in all_of(User)}
    decisions = all_of(EscalationDecision)
    assert len(decisions) > 40
    for decision in decisions:
        role = users[decision.decided_by_id].role
        assert role == decision.decided_by_role
        assert escalation_rules.may_decide(role, max(decision.from_level, decision.to_level), authority), decision.id
        assert decision.decided_on <= TODAY and decision.reason.strip()
        if decision.to_level < decision.from_level:
            assert decision.kind in (DecisionKind.STEP_DOWN, DecisionKind.CLOSE)
        if decision.kind != DecisionKind.CLOSE:
            assert decision.next_review_on >= decision.decided_on
        if decision.to_level == 3:
            assert decision.to_suspension is not None
    assert {Role.MANAGER, Role.HEAD_OF_SERVICE, Role.DIRECTOR} <= {d.decided_by_role for d in decisions}
    kinds = Counter(d.kind for d in decisions)
    assert kinds[DecisionKind.STEP_DOWN] >= 2 and kinds[DecisionKind.CLOSE] >= 1 and kinds[DecisionKind.REVIEW] >= 5


def test_suspension_letters_are_met_missed_and_due_soon_on_the_seed_day(seeded):
    settings = escalations.load_timer_settings(db.session)
    timers = all_of(EscalationTimer)
    letters = Counter(
        escalation_rules.timer_state(t.due_on, t.met_on, TODAY, settings)
        for t in timers
        if t.kind == TimerKind.SUSPENSION_LETTER
    )
    assert letters[TimerState.MET] >= 1 and letters[TimerState.MISSED] >= 1 and letters[TimerState.DUE_SOON] >= 1
    assert any(t.met_on is None and t.due_on < TODAY for t in timers if t.kind == TimerKind.SUSPENSION_LETTER)
    for timer in timers:
        if timer.met_on is not None:
            assert timer.started_on <= timer.met_on <= TODAY
    suspensions = [d for d in all_of(EscalationDecision) if d.to_level == 3 and d.from_level != 3]
    started = Counter((t.decision_id, t.kind) for t in timers)
    for decision in suspensions:
        for kind in (TimerKind.SUSPENSION_LETTER, TimerKind.SUSPENSION_REVIEW, TimerKind.APPEAL):
            assert started[(decision.id, kind)] == 1
    reviews = {escalation_rules.timer_state(t.due_on, t.met_on, TODAY, settings) for t in timers}
    assert {TimerState.MET, TimerState.MISSED, TimerState.DUE_SOON, TimerState.RUNNING} <= reviews


def test_meetings_of_every_kind_with_partners_and_minutes(seeded):
    meetings = all_of(EscalationMeeting)
    assert {m.kind for m in meetings} == set(MeetingKind)
    assert {m.minutes_internal for m in meetings} == {True, False}
    assert all(m.held_on <= TODAY and m.attendees and m.minutes and m.decisions for m in meetings)
    assert any("CQC, ICB, Safeguarding team" in m.organisations for m in meetings)
    meeting_actions = [a for a in all_of(Action) if a.meeting_id is not None]
    assert meeting_actions


def test_concerns_come_from_every_source_with_their_confidential_parts(seeded):
    concerns = all_of(Concern)
    assert {c.source for c in concerns} == set(ConcernSource)
    assert {c.status for c in concerns} == set(ConcernStatus)
    whistleblowers = [c for c in concerns if c.source == ConcernSource.WHISTLEBLOWER]
    assert whistleblowers and all(c.source_identity and c.confidential for c in whistleblowers)
    safeguarding = [
        c for c in concerns if c.category == ConcernCategory.SAFEGUARDING or c.source == ConcernSource.SAFEGUARDING
    ]
    assert safeguarding and all(c.safeguarding_reference and c.safeguarding_detail for c in safeguarding)
    assert any(c.service_id is None for c in concerns), "a provider-wide concern"
    for concern in concerns:
        assert concern.received_on <= TODAY
        if concern.status == ConcernStatus.CLOSED:
            assert concern.closed_reason and concern.received_on <= concern.closed_on <= TODAY

    active = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Service)
        .join(Provider)
        .where(Service.status == ServiceStatus.ACTIVE, Provider.sector != Sector.COUNCIL_RUN)
    )
    with_open = {c.service_id for c in concerns if c.status == ConcernStatus.OPEN and c.service_id}
    assert 0.01 <= len(with_open) / active <= 0.1


def test_concerns_are_linked_to_the_visits_and_actions_that_followed_them_up(seeded):
    concerns = {c.id: c for c in all_of(Concern)}
    links = db.session.execute(
        sa.select(concern_visit.c.concern_id, Visit.service_id, Visit.visited_on).join(
            Visit, Visit.id == concern_visit.c.visit_id
        )
    ).all()
    assert links
    for concern_id, service_id, visited_on in links:
        assert service_id == concerns[concern_id].service_id and visited_on >= concerns[concern_id].received_on
    actions = [a for a in all_of(Action) if a.concern_id is not None]
    assert actions
    for action in actions:
        concern = concerns[action.concern_id]
        assert concern.service_id in (None, action.service_id)
        assert concern.received_on <= action.created_at.date() <= TODAY


def test_a_head_of_service_and_a_director_sign_in_and_the_summary_counts_it_all(seeded):
    for role, label in ((Role.HEAD_OF_SERVICE, "Head of service"), (Role.DIRECTOR, "Director")):
        user = db.session.scalar(sa.select(User).where(User.role == role))
        assert user is not None and user.email.endswith("@nottscc.example.gov.uk")
        assert user.email in seeded and label in seeded
    line = summarise(db.session, TODAY).escalations
    assert line.startswith("Concerns: ") and "level 3 red " in line and "deadlines missed " in line


def fingerprint():
    return db.session.execute(
        sa.select(Service.name, EscalationDecision.decided_on, EscalationDecision.kind, EscalationDecision.reason)
        .select_from(EscalationDecision)
        .join(Escalation)
        .outerjoin(Service, Service.id == Escalation.service_id)
        .order_by(EscalationDecision.id)
    ).all()


def test_the_same_seed_gives_the_same_escalations(app, seeded):
    first = fingerprint()
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--seed", "7", "--reset", "--yes"])
    assert result.exit_code == 0, result.output
    assert fingerprint() == first and len(first) > 40
