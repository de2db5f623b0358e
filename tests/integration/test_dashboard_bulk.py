"""The market dashboard's set-based figures and the bulk due dates, against plain per-service Python on awkward data."""

import bisect
from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa

from provider_monitor.enums import VISITED_STATUSES, DueState, KeyQuestion, PolicyBand, VisitKind
from provider_monitor.extensions import db
from provider_monitor.models import Provider, RatingSnapshot, Service, Visit
from provider_monitor.services import escalations, visit_policy
from provider_monitor.services.dashboard_market import market
from provider_monitor.services.rating_rules import Rating, State, rank
from provider_monitor.services.visit_rules import Policy, due_for
from tests import factories

TODAY = date(2026, 11, 23)


def rated(service, *reports):
    """Reports in the order given (same-day reports keep it by id); a day of None is an undated snapshot."""
    states = [
        State(
            None if day is None else date.fromisoformat(day),
            {KeyQuestion.OVERALL: Rating(value, None if day is None else date.fromisoformat(day))},
        )
        for day, value in reports
    ]
    factories.record_ratings(service, *states)
    return service


def visit(service, day, **kwargs):
    return factories.VisitFactory(service=service, visited_on=date.fromisoformat(day), **kwargs)


@pytest.fixture
def awkward(app_ctx):
    """Histories that trip up a careless query: ties, non-ratings, undated and unnormalised values."""
    # Two reports on one day: the later-recorded one is in force; the first after a visit is the earlier one.
    tie = rated(
        factories.ServiceFactory(),
        ("2024-01-01", "Requires improvement"), ("2025-02-01", "Good"), ("2025-02-01", "Inadequate"),
    )  # fmt: skip
    visit(tie, "2025-01-01")
    # A non-rating between the visit and the next rating is skipped; in force, it counts as not rated.
    skipped = rated(
        factories.ServiceFactory(),
        ("2024-01-01", "Good"), ("2024-09-01", "Inspected but not rated"), ("2025-03-01", "Inadequate"),
    )  # fmt: skip
    visit(skipped, "2024-06-01")
    # In force on the visit: a non-rating, so not rated before.
    unrated = rated(factories.ServiceFactory(), ("2024-01-01", "Inspected but not rated"), ("2025-01-01", "Good"))
    visit(unrated, "2024-03-01")
    # Published on the day of the visit: in force on it.
    same_day = rated(factories.ServiceFactory(), ("2024-05-01", "Good"), ("2025-05-01", "Outstanding"))
    visit(same_day, "2024-05-01")
    # The latest visit has no rating since; the one before it does. Lower-case values still rank.
    earlier = rated(factories.ServiceFactory(), ("2024-01-01", "requires improvement"), ("2024-06-01", "good"))
    visit(earlier, "2024-02-01")
    visit(earlier, "2025-01-01", kind="unplanned", purpose="concern", full_quality_visit=True)
    # An undated snapshot is in no history; visits that do not reset the clock are not routine visits.
    undated = rated(factories.ServiceFactory(), ("2023-01-01", "Good"), (None, "Inadequate"), ("2026-01-01", "Good"))
    visit(undated, "2023-06-01", kind="unplanned", purpose="concern")
    visit(undated, "2024-06-01", status="planned")
    visit(undated, "2025-06-01", kind="unplanned", purpose="concern", full_quality_visit=True)
    # Visited, never rated; rated, never visited; and a closed service, counted nowhere.
    visit(factories.ServiceFactory(), "2025-01-01")
    rated(factories.ServiceFactory(), ("2022-01-01", "Outstanding"))
    closed = rated(factories.ServiceFactory(status="closed"), ("2024-01-01", "Good"), ("2025-01-01", "Inadequate"))
    visit(closed, "2024-06-01")
    db.session.commit()


def _histories():
    """Each active service's dated snapshots, oldest first (by day, then as recorded): (days, ranks)."""
    rows = db.session.execute(
        sa.select(RatingSnapshot.service_id, RatingSnapshot.published_on, RatingSnapshot.overall)
        .join(Service, Service.id == RatingSnapshot.service_id)
        .where(Service.status == "active", RatingSnapshot.published_on.is_not(None))
        .order_by(RatingSnapshot.service_id, RatingSnapshot.published_on, RatingSnapshot.id)
    )
    histories = {}
    for service_id, day, overall in rows:
        days, ranks = histories.setdefault(service_id, ([], []))
        days.append(day)
        ranks.append(rank(overall))
    return histories


def _in_force(history, day):
    days, ranks = history
    position = bisect.bisect_right(days, day)
    return ranks[position - 1] if position else None


def _first_rated_after(history, day):
    days, ranks = history
    return next((r for r in ranks[bisect.bisect_right(days, day) :] if r is not None), None)


def _routine_visits():
    visits = {}
    rows = db.session.execute(sa.select(Visit, Service.status).join(Service).order_by(Visit.visited_on))
    for visit_row, status in rows:
        counts = visit_row.kind == VisitKind.PLANNED or visit_row.full_quality_visit
        if status == "active" and visit_row.status in VISITED_STATUSES and counts:
            visits.setdefault(visit_row.service_id, []).append(visit_row.visited_on)
    return visits


def test_share_good_or_better_matches_each_services_history(awkward):
    histories = _histories()
    table = market(db.session, TODAY).table("good_over_time")
    for row in table.rows:
        ranks = [_in_force(history, row[1]) for history in histories.values()]
        expected = [sum(r is not None for r in ranks), sum(r is not None and r >= 3 for r in ranks)]
        assert row[2:4] == expected, row[0]
    assert table.rows[-1][2:4] == [7, 5]  # tie (Inadequate), skipped (Inadequate) and undated (Good) among them


def test_before_and_after_matches_each_services_history(awkward):
    histories, outcome = _histories(), Counter()
    for service_id, days in _routine_visits().items():
        history = histories.get(service_id, ([], []))
        followed = [day for day in days if _first_rated_after(history, day) is not None]
        if not followed:
            outcome["none since"] += 1
            continue
        before, after = _in_force(history, followed[-1]), _first_rated_after(history, followed[-1])
        if before is None:
            outcome["not rated"] += 1
            continue
        outcome["up" if after > before else "down" if after < before else "same"] += 1
        outcome["good before"] += before >= 3
        outcome["good after"] += after >= 3
    table = market(db.session, TODAY).table("ratings_before_after")
    keys = ["up", "same", "down", "good before", "good after", "not rated", "none since"]
    assert [row[1] for row in table.rows] == [outcome[key] for key in keys]
    # Improved: tie, same_day, earlier; the same: undated (its one full quality visit); declined: skipped.
    assert [row[1] for row in table.rows] == [3, 1, 1, 3, 4, 1, 1]


def test_bulk_due_dates_match_due_for_service_by_service(app_ctx):
    # A mix: local ratings on one day (the later-recorded wins), visits that do not reset the clock, no
    # registration date, unregulated, and escalations of the service's own and provider-wide.
    tied = rated(factories.ServiceFactory(), ("2024-01-01", "Good"))
    visit(tied, "2026-01-10", local_rating="Requires improvement")
    visit(tied, "2026-01-10", kind="unplanned", purpose="concern", local_rating="Inadequate")
    not_clock = factories.ServiceFactory(registration_date=None, regulated=False)
    visit(not_clock, "2026-05-01", kind="unplanned", purpose="concern", local_rating="Good")
    visit(not_clock, "2026-06-01", status="planned")
    escalated = rated(factories.ServiceFactory(registration_date=date(2025, 3, 31)), ("2025-01-01", "Outstanding"))
    visit(escalated, "2025-08-31", status="final")
    factories.EscalationFactory(service=escalated, level=3, suspension_status="red")
    sibling = factories.ServiceFactory(provider=db.session.get(Provider, escalated.provider_id))
    visit(sibling, "2026-02-28", status="shared", local_rating="Good")
    factories.EscalationFactory(service=None, provider_id=sibling.provider_id, level=1)
    never = factories.ServiceFactory(registration_date=date(2026, 10, 1))
    db.session.commit()
    policy = Policy(intervals={**Policy().intervals, PolicyBand.GOOD: 12, PolicyBand.UNREGULATED: 18})

    ids = sa.select(Service.id)
    bulk = visit_policy.due_dates(db.session, ids, TODAY, policy)
    levels = escalations.current_levels(db.session, ids)
    expected = {}
    for service in db.session.scalars(sa.select(Service)):
        visits = db.session.scalars(sa.select(Visit).where(Visit.service_id == service.id))
        logged = sorted((v for v in visits if v.status in VISITED_STATUSES), key=lambda v: (v.visited_on, v.id))
        routine = [v.visited_on for v in logged if v.kind == VisitKind.PLANNED or v.full_quality_visit]
        local = [v.local_rating for v in logged if v.local_rating]
        current = db.session.scalar(
            sa.select(RatingSnapshot.overall).where(RatingSnapshot.service_id == service.id, RatingSnapshot.is_current)
        )
        expected[service.id] = due_for(
            policy, last_routine_visit_on=routine[-1] if routine else None, cqc_overall=current,
            local_rating=local[-1] if local else None, regulated=service.regulated,
            on_register_since=service.registration_date or service.created_at.date(), today=TODAY,
            escalation_level=levels.get(service.id, (0, None))[0],
        )  # fmt: skip
    assert bulk == expected
    assert bulk[tied.id].band == PolicyBand.INADEQUATE and bulk[not_clock.id].last_visit_on is None
    assert (bulk[escalated.id].escalation_level, bulk[sibling.id].escalation_level) == (3, 1)
    assert bulk[never.id].state == DueState.NEVER_VISITED
