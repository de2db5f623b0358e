"""Due dates from the database: which visits reset the clock, which ratings count, and the policy table."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from provider_monitor.enums import DueState, PolicyBand
from provider_monitor.extensions import db
from provider_monitor.models.service import Service
from provider_monitor.services import visit_policy
from provider_monitor.services.exceptions import EditConflict
from provider_monitor.services.visit_rules import Policy
from tests import factories
from tests.helpers import counted_queries

TODAY = date(2026, 6, 15)


def due_of(service):
    return visit_policy.due_dates(db.session, sa.select(Service.id).where(Service.id == service.id), TODAY)[service.id]


def test_only_logged_visits_that_reset_the_clock_count(app_ctx):
    service = factories.ServiceFactory()
    factories.VisitFactory(service=service, kind="planned", status="final", visited_on=date(2025, 1, 10))
    # Newer, but none of these resets the routine clock.
    factories.VisitFactory(service=service, kind="unplanned", status="final", visited_on=date(2025, 9, 1))
    factories.VisitFactory(service=service, kind="planned", status="planned", visited_on=None, planned_on=TODAY)
    factories.VisitFactory(
        service=service, kind="planned", status="cancelled", visited_on=None, planned_on=date(2026, 1, 1)
    )
    assert due_of(service).last_visit_on == date(2025, 1, 10)
    # An unplanned visit the officer marked as a full quality visit does reset it, in any logged status.
    factories.VisitFactory(
        service=service, kind="unplanned", full_quality_visit=True, status="shared", visited_on=date(2025, 10, 2)
    )
    assert due_of(service).last_visit_on == date(2025, 10, 2)
    factories.VisitFactory(service=service, kind="planned", status="draft", visited_on=date(2026, 2, 3))
    result = due_of(service)
    assert (result.last_visit_on, result.due_on) == (date(2026, 2, 3), date(2026, 5, 3))


def test_the_latest_local_rating_and_the_current_cqc_rating_pick_the_band(app_ctx):
    service = factories.ServiceFactory()
    factories.record_ratings(
        service,
        factories.rating_state("2024-01-01", overall="Inadequate"),
        factories.rating_state("2025-03-01", overall="Good"),
    )
    assert due_of(service).band == PolicyBand.GOOD
    factories.VisitFactory(service=service, status="final", visited_on=date(2025, 4, 1), local_rating="Inadequate")
    factories.VisitFactory(
        service=service, kind="unplanned", status="draft", visited_on=date(2025, 8, 1), local_rating="Outstanding"
    )
    # A planned (not yet logged) visit's rating does not count.
    factories.VisitFactory(
        service=service, status="planned", visited_on=None, planned_on=TODAY, local_rating="Inadequate"
    )
    result = due_of(service)
    # Worse of CQC Good and the newest local Outstanding; the clock runs from the planned visit in April.
    assert (result.band, result.interval_months, result.due_on) == (PolicyBand.GOOD, 12, date(2026, 4, 1))
    assert result.state == DueState.OVERDUE


def test_unregulated_and_not_yet_rated_services(app_ctx):
    unregulated = factories.ServiceFactory(regulated=False, cqc_location_id=None, registration_date=date(2026, 1, 5))
    new = factories.ServiceFactory(registration_date=None)
    assert (due_of(unregulated).band, due_of(unregulated).due_on) == (PolicyBand.UNREGULATED, date(2026, 1, 5))
    result = due_of(new)
    assert (result.band, result.state) == (PolicyBand.NOT_YET_RATED, DueState.NEVER_VISITED)
    assert result.due_on == new.created_at.date()


def _market(count: int):
    for n in range(count):
        service = factories.ServiceFactory()
        factories.VisitFactory(service=service, local_rating="Good", visited_on=date(2025, 1, 1) + timedelta(days=n))
        factories.record_ratings(service, factories.rating_state("2024-05-01", overall="Requires improvement"))


@pytest.mark.parametrize("count", [5, 40])
def test_due_dates_run_a_fixed_number_of_queries(app_ctx, count):
    _market(count)
    db.session.expire_all()
    with counted_queries() as statements:
        dues = visit_policy.due_dates(db.session, sa.select(Service.id), TODAY)
    assert len(dues) == count
    assert all(d.band == PolicyBand.REQUIRES_IMPROVEMENT for d in dues.values())
    # Policy (2), the services' facts (last routine visit, local rating, CQC Overall), escalation levels.
    assert len(statements) <= 6


def test_due_dates_take_a_policy_without_reading_the_stored_one(app_ctx):
    service = factories.ServiceFactory()
    factories.VisitFactory(service=service, visited_on=date(2025, 10, 1))
    policy, service_id = Policy(intervals={**Policy().intervals, PolicyBand.NOT_YET_RATED: 6}), service.id
    with counted_queries() as statements:
        result = visit_policy.due_dates(db.session, sa.select(Service.id), TODAY, policy=policy)[service_id]
    # One statement for the facts of every service, one for escalation levels; none for the policy.
    assert (result.due_on, len(statements)) == (date(2026, 4, 1), 2)


def test_saving_the_policy_changes_due_dates(app_ctx):
    service = factories.ServiceFactory()
    factories.record_ratings(service, factories.rating_state("2025-01-01", overall="Good"))
    factories.VisitFactory(service=service, visited_on=date(2025, 10, 1))
    assert due_of(service).state == DueState.ON_TRACK
    changed = visit_policy.update_policy(db.session, {PolicyBand.GOOD: 6}, {"due_soon_days": 20}, expected_version=None)
    db.session.commit()
    assert changed == {"due_soon_days": (30, 20), "good": (12, 6)}
    assert visit_policy.load_policy(db.session).intervals[PolicyBand.GOOD] == 6
    assert (due_of(service).state, due_of(service).due_on) == (DueState.OVERDUE, date(2026, 4, 1))


def test_a_stale_version_is_a_conflict_even_for_a_band_only_change(app_ctx):
    visit_policy.update_policy(db.session, {PolicyBand.GOOD: 12}, {}, expected_version=None)
    db.session.commit()
    opened = visit_policy.policy_version(db.session)
    visit_policy.update_policy(db.session, {PolicyBand.INADEQUATE: 2}, {}, expected_version=opened)
    db.session.commit()
    assert visit_policy.policy_version(db.session) > opened
    with pytest.raises(EditConflict):
        visit_policy.update_policy(db.session, {}, {"due_soon_days": 10}, expected_version=opened)
    db.session.rollback()
    assert visit_policy.load_policy(db.session).due_soon_days == 30
