"""The sweep against the database: every kind raised, nothing changed on a rerun, flags resolving themselves."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from provider_monitor.demo import profiles
from provider_monitor.enums import ActionStatus, FlagKind, FlagSeverity, RegistrationStatus, Role, ServiceStatus
from provider_monitor.extensions import db
from provider_monitor.models import Flag
from provider_monitor.services import escalations, flags, passwords
from tests import factories
from tests.helpers import counted_queries

TODAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 5, 30, tzinfo=UTC)


def sweep(today=TODAY, now=NOW):
    result = flags.sweep(db.session, today=today, now=now)
    db.session.commit()
    return result


def open_flags() -> dict[tuple[FlagKind, str], Flag]:
    rows = db.session.scalars(sa.select(Flag).where(Flag.resolved_at.is_(None)))
    return {(f.kind, f.subject_key): f for f in rows}


def all_flags() -> list[Flag]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Flag).order_by(Flag.id)))


def quiet_service(**kwargs):
    """An active service visited ten days ago, with nothing to flag."""
    service = factories.ServiceFactory(registration_date=date(2020, 1, 1), **kwargs)
    factories.VisitFactory(service=service, status="final", visited_on=TODAY - timedelta(days=10))
    return service


def troubled_service():
    """A service with one of nearly every kind of flag, and an overdue visit."""
    service = factories.ServiceFactory(
        registration_date=date(2020, 1, 1), contract_reference="NCC-CH-00123", contract_end=date(2026, 7, 1),
        registration_status=RegistrationStatus.DEREGISTERED,
    )  # fmt: skip
    factories.VisitFactory(service=service, status="final", visited_on=date(2025, 6, 1))
    factories.record_ratings(
        service,
        factories.rating_state("2025-01-10", overall="Good", safe="Good"),
        factories.rating_state("2026-05-01", overall="Good", safe="Requires improvement"),
    )
    action = factories.ActionFactory(service=service, due_on=date(2026, 6, 1), status="open")
    escalation = factories.EscalationFactory(
        service=service, opened_on=date(2026, 3, 1), next_review_on=date(2026, 6, 1)
    )
    timer = factories.EscalationTimerFactory(
        escalation=escalation, kind="suspension_letter", started_on=date(2026, 6, 1), due_on=date(2026, 6, 10)
    )
    return service, action, escalation, timer


def test_every_kind_is_raised_with_its_evidence(app_ctx):
    service, action, escalation, timer = troubled_service()
    new = factories.ServiceFactory(registration_date=date(2026, 6, 1))
    soon = factories.ServiceFactory(registration_date=date(2020, 1, 1))
    factories.VisitFactory(service=soon, status="final", visited_on=date(2026, 3, 25))  # 3-monthly: due 25 June
    # Another provider's, so it does not tighten the troubled service's visits.
    elsewhere = factories.ProviderFactory()
    provider_wide = factories.EscalationFactory(
        service=None, provider_id=elsewhere.id, level=3, suspension_status="red",
        opened_on=date(2026, 1, 1), next_review_on=date(2026, 6, 14),
    )  # fmt: skip

    result = sweep()

    got = open_flags()
    sid = service.id
    expected = {
        (FlagKind.VISIT_OVERDUE, f"service:{sid}"): (
            FlagSeverity.HIGH,
            "Visit due 1 September 2025; escalation level 1",
        ),
        (FlagKind.RATING_DECLINE, None): (FlagSeverity.MEDIUM, "Safe: Good → Requires improvement, report 1 May 2026"),
        (FlagKind.ACTION_OVERDUE, f"action:{action.id}"): (
            FlagSeverity.MEDIUM,
            f"Action due 1 June 2026: {action.description}",
        ),
        (FlagKind.ESCALATION_REVIEW_OVERDUE, f"escalation:{escalation.id}"): (
            FlagSeverity.MEDIUM,
            "Level 1 review due 1 June 2026",
        ),
        (FlagKind.ESCALATION_REVIEW_OVERDUE, f"escalation:{provider_wide.id}"): (
            FlagSeverity.HIGH,
            "Level 3 review (provider-wide) due 14 June 2026",
        ),
        (FlagKind.ESCALATION_TIMER_MISSED, f"timer:{timer.id}"): (
            FlagSeverity.HIGH,
            "Suspension letter with remedial action plan due 10 June 2026: not met",
        ),
        (FlagKind.CONTRACT_EXPIRING, f"service:{sid}"): (
            FlagSeverity.MEDIUM,
            "Contract NCC-CH-00123 ends 1 July 2026",
        ),
        (FlagKind.REGISTRATION_CANCELLED, f"service:{sid}"): (
            FlagSeverity.HIGH,
            "CQC registration cancelled, but the service is still active on the register",
        ),
        (FlagKind.NEVER_VISITED, f"service:{new.id}"): (
            FlagSeverity.MEDIUM,
            "Never visited; first visit due 1 June 2026",
        ),
        (FlagKind.VISIT_DUE_SOON, f"service:{soon.id}"): (FlagSeverity.LOW, "Visit due 25 June 2026"),
    }
    decline = next(f for f in got.values() if f.kind == FlagKind.RATING_DECLINE)
    assert decline.subject_key.startswith("rating_change:")
    actual = {
        (kind, None if kind == FlagKind.RATING_DECLINE else key): (f.severity, f.evidence)
        for (kind, key), f in got.items()
    }
    assert actual == expected
    assert set(result.open_by_kind) == set(FlagKind)
    assert (result.raised, result.resolved, result.updated, sum(result.open_by_kind.values())) == (10, 0, 0, 10)
    assert result.open_by_kind[FlagKind.ESCALATION_REVIEW_OVERDUE] == 2
    # Whom and what each is about, and when the condition began.
    wide = got[(FlagKind.ESCALATION_REVIEW_OVERDUE, f"escalation:{provider_wide.id}")]
    assert (wide.service_id, wide.provider_id, wide.since_on) == (None, elsewhere.id, date(2026, 6, 14))
    assert (decline.service_id, decline.since_on, decline.raised_at) == (sid, date(2026, 5, 1), NOW)


def test_a_second_sweep_the_same_day_changes_nothing(app_ctx):
    troubled_service()
    quiet_service()
    first = sweep()
    before = [(f.id, f.version_id, f.evidence, f.resolved_at) for f in all_flags()]
    second = sweep(now=NOW + timedelta(hours=3))
    assert first.raised == 7
    assert (second.raised, second.resolved, second.updated) == (0, 0, 0)
    assert second.open_by_kind == first.open_by_kind
    assert [(f.id, f.version_id, f.evidence, f.resolved_at) for f in all_flags()] == before


def test_the_next_day_leaves_flags_alone_unless_their_severity_changes(app_ctx):
    service, *_ = troubled_service()
    sweep()
    before = {key: (flag.version_id, flag.evidence) for key, flag in open_flags().items()}
    result = sweep(TODAY + timedelta(days=1), NOW + timedelta(days=1))
    # Evidence names dates, not counts of days: a new day changes nothing that was already true.
    assert (result.raised, result.resolved, result.updated) == (0, 0, 0)
    assert {key: (flag.version_id, flag.evidence) for key, flag in open_flags().items()} == before
    assert open_flags()[(FlagKind.VISIT_OVERDUE, f"service:{service.id}")].evidence.startswith(
        "Visit due 1 September 2025"
    )


def test_conditions_clearing_resolve_their_flags(app_ctx):
    service, action, escalation, timer = troubled_service()
    manager = factories.UserFactory(role=Role.MANAGER)
    sweep()
    later = NOW + timedelta(hours=8)

    factories.VisitFactory(service=service, status="draft", visited_on=TODAY)
    action.status = ActionStatus.VERIFIED
    escalations.meet_timer(db.session, timer, on=TODAY, note="Letter sent", by=manager, today=TODAY)
    escalation.next_review_on = date(2026, 7, 1)
    service.contract_end = date(2028, 3, 31)
    service.registration_status = RegistrationStatus.REGISTERED
    db.session.commit()
    result = sweep(now=later)

    assert (result.raised, result.resolved) == (0, 6)
    assert {kind for kind, _ in open_flags()} == {FlagKind.RATING_DECLINE}
    notes = {f.kind: (f.resolved_at, f.resolved_note) for f in all_flags() if f.resolved_at}
    assert all(at == later for at, _ in notes.values())
    assert notes[FlagKind.VISIT_OVERDUE][1] == "Condition cleared: the service's next visit is no longer overdue"
    assert notes[FlagKind.ACTION_OVERDUE][1].startswith("Condition cleared: the action is no longer overdue")
    assert (
        notes[FlagKind.ESCALATION_TIMER_MISSED][1]
        == "Condition cleared: the deadline was met, or the escalation closed"
    )
    assert (
        notes[FlagKind.ESCALATION_REVIEW_OVERDUE][1]
        == "Condition cleared: the review was held, or the escalation closed"
    )
    assert notes[FlagKind.CONTRACT_EXPIRING][1].startswith("Condition cleared: the contract now ends")
    assert notes[FlagKind.REGISTRATION_CANCELLED][1] == "Condition cleared: the service is registered with CQC again"
    # Cleared for good: a further sweep raises none of them again.
    assert (sweep(now=later).raised, len(all_flags())) == (0, 7)


def test_a_visit_falling_due_moves_from_due_soon_to_overdue(app_ctx):
    service = factories.ServiceFactory(registration_date=date(2020, 1, 1))
    factories.VisitFactory(service=service, status="final", visited_on=date(2026, 3, 25))
    sweep()
    assert list(open_flags()) == [(FlagKind.VISIT_DUE_SOON, f"service:{service.id}")]
    result = sweep(date(2026, 6, 26), NOW + timedelta(days=11))
    assert (result.raised, result.resolved) == (1, 1)
    assert list(open_flags()) == [(FlagKind.VISIT_OVERDUE, f"service:{service.id}")]
    old = next(f for f in all_flags() if f.resolved_at)
    assert old.resolved_note == "Condition cleared: now visit overdue"


def test_a_closed_service_has_its_flags_resolved(app_ctx):
    service, *_ = troubled_service()
    sweep()
    service.status = ServiceStatus.CLOSED
    db.session.commit()
    sweep(now=NOW + timedelta(hours=1))
    notes = {f.kind: f.resolved_note for f in all_flags() if f.resolved_at}
    assert notes[FlagKind.VISIT_OVERDUE] == "Condition cleared: the service is no longer active on the register"
    assert notes[FlagKind.RATING_DECLINE] == "Condition cleared: the service is no longer active on the register"
    # The escalation is still open, so its flags stay.
    assert {kind for kind, _ in open_flags()} == {FlagKind.ESCALATION_REVIEW_OVERDUE, FlagKind.ESCALATION_TIMER_MISSED}


def test_a_decline_keeps_its_flag_when_changes_are_rebuilt_and_clears_when_the_rating_recovers(app_ctx):
    service, *_ = troubled_service()
    # Another service's changes recorded after, so rebuilding the first one's gives it new ids on any database.
    factories.record_ratings(
        factories.ServiceFactory(), factories.rating_state("2026-01-01", well_led="Good"),
        factories.rating_state("2026-06-01", well_led="Outstanding"),
    )  # fmt: skip
    sweep()
    (flag,) = [f for f in all_flags() if f.kind == FlagKind.RATING_DECLINE]
    old_subject = flag.subject_key
    # A later report for another question rebuilds the service's changes, with new ids.
    factories.record_ratings(
        service, factories.rating_state("2026-05-20", overall="Good", safe="Requires improvement", caring="Good")
    )
    result = sweep(now=NOW + timedelta(hours=1))
    (same,) = [f for f in all_flags() if f.kind == FlagKind.RATING_DECLINE]
    assert (result.raised, result.resolved, same.id, same.resolved_at) == (0, 0, flag.id, None)
    assert same.subject_key != old_subject and result.updated == 1
    assert same.evidence == "Safe: Good → Requires improvement, report 1 May 2026"
    # Safe back to Good: the decline clears.
    factories.record_ratings(service, factories.rating_state("2026-06-10", overall="Good", safe="Good"))
    sweep(now=NOW + timedelta(hours=2))
    db.session.expire_all()
    assert db.session.get(Flag, flag.id).resolved_note.startswith("Condition cleared: the rating has gone back up")


def test_a_decline_is_flagged_for_90_days_from_its_report(app_ctx):
    troubled_service()
    assert sweep(date(2026, 7, 30)).open_by_kind[FlagKind.RATING_DECLINE] == 1  # 90 days after 1 May
    assert sweep(date(2026, 7, 31)).open_by_kind[FlagKind.RATING_DECLINE] == 0


def test_the_sweep_runs_the_same_number_of_queries_however_many_services(app_ctx):
    def counted_sweep():
        db.session.expire_all()
        with counted_queries() as statements:
            result = flags.sweep(db.session, today=TODAY, now=NOW)
        db.session.commit()
        # SQLite cannot batch an INSERT … RETURNING, so the ORM sends it one row at a time there.
        batched = db.engine.dialect.name == "postgresql"
        return result, [s for s in statements if batched or not s.startswith("INSERT INTO flag ")]

    for _ in range(2):
        troubled_service()
        quiet_service()
    two, two_statements = counted_sweep()
    for _ in range(8):
        troubled_service()
        quiet_service()
    ten, ten_statements = counted_sweep()
    idle, idle_statements = counted_sweep()
    assert (two.raised, ten.raised, idle.raised, sum(ten.open_by_kind.values())) == (14, 56, 0, 70)
    assert len(ten_statements) == len(two_statements), "\n\n".join(ten_statements)
    # With nothing to write, the reads alone: every one of them a SELECT.
    assert all(s.lstrip().startswith("SELECT") for s in idle_statements)
    assert 0 < len(idle_statements) < len(two_statements)


def test_the_command_sweeps_and_commits(app, app_ctx):
    troubled_service()
    result = app.test_cli_runner().invoke(args=["flags", "sweep", "--today", "2026-06-15"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert result.output.strip() == (
        "Swept as of 15 June 2026. Raised 7, resolved 0, still open 7 (visit overdue 1, CQC rating decline 1, "
        "action overdue 1, escalation review overdue 1, escalation deadline missed 1, contract expiring 1, "
        "CQC registration cancelled 1)."
    )
    db.session.rollback()
    assert len(all_flags()) == 7
    again = app.test_cli_runner().invoke(args=["flags", "sweep", "--today", "2026-06-15"])
    assert "Raised 0, resolved 0, still open 7" in again.output


# The demo ---------------------------------------------------------------------------------------------------


@pytest.fixture
def small_demo(app, app_ctx, monkeypatch):
    """A quarter of the demo market (as the demo escalation tests build it), seeded with its sweep."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    smaller = {kind: max(2, count // 4) for kind, count in profiles.EXTERNAL_TARGETS.items()}
    monkeypatch.setattr(profiles, "EXTERNAL_TARGETS", smaller)
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--seed", "7"])
    assert result.exit_code == 0, result.output + repr(result.exception)


def test_the_demo_seed_raises_flags_of_every_kind(small_demo):
    kinds = set(db.session.scalars(sa.select(Flag.kind).where(Flag.resolved_at.is_(None)).distinct()))
    assert kinds == set(FlagKind)
    # Its sweep ran as of the seed's day: sweeping again that day changes nothing.
    result = flags.sweep(db.session, today=date.today(), now=datetime.now(UTC))
    assert (result.raised, result.resolved) == (0, 0)


def test_the_demo_summary_counts_open_flags_by_kind(small_demo):
    line = flags.open_summary(db.session)
    assert line.startswith("Flags: ") and "visit overdue" in line and "CQC registration cancelled" in line
