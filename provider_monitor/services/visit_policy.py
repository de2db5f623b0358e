"""The visit-frequency policy as stored, and the due dates it gives: the one place due dates come from."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.enums import VISITED_STATUSES, PolicyBand, VisitKind
from provider_monitor.models.base import utcnow
from provider_monitor.models.rating import RatingSnapshot
from provider_monitor.models.service import Service
from provider_monitor.models.visit import Visit
from provider_monitor.models.visit_policy import (
    DEFAULT_INTERVALS,
    DEFAULT_SETTINGS,
    VisitPolicyBand,
    VisitPolicySettings,
)
from provider_monitor.services import escalations
from provider_monitor.services.audit import SettingsChange, settings_changes
from provider_monitor.services.editing import apply_changes
from provider_monitor.services.visit_rules import Due, Policy, due_for

SETTINGS_ID = 1


def load_policy(session: Session) -> Policy:
    """The policy in force; bands or settings never saved take the design's defaults."""
    stored = dict(session.execute(sa.select(VisitPolicyBand.band, VisitPolicyBand.interval_months)).all())
    settings = session.get(VisitPolicySettings, SETTINGS_ID)
    values = {name: getattr(settings, name) for name in DEFAULT_SETTINGS} if settings else dict(DEFAULT_SETTINGS)
    return Policy(intervals={band: stored.get(band, DEFAULT_INTERVALS[band]) for band in PolicyBand}, **values)


def stored_rows(session: Session) -> tuple[dict[PolicyBand, VisitPolicyBand], VisitPolicySettings]:
    """The rows the admin edits, created from the defaults where missing (flushed, not committed)."""
    bands = {row.band: row for row in session.scalars(sa.select(VisitPolicyBand))}
    for band in PolicyBand:
        if band not in bands:
            bands[band] = VisitPolicyBand(band=band, interval_months=DEFAULT_INTERVALS[band])
            session.add(bands[band])
    settings = session.get(VisitPolicySettings, SETTINGS_ID)
    if settings is None:
        settings = VisitPolicySettings(id=SETTINGS_ID, **DEFAULT_SETTINGS)
        session.add(settings)
    session.flush()
    return bands, settings


def update_policy(
    session: Session, intervals: dict[PolicyBand, int], settings_data: dict, *, expected_version: int | None
) -> dict:
    """Save the admin's table; refused as a conflict if someone saved it since they opened it."""
    bands, settings = stored_rows(session)
    changed = apply_changes(session, settings, settings_data, expected_version=expected_version, noun="policy")
    for band, months in intervals.items():
        if bands[band].interval_months != months:
            changed[band.value] = (bands[band].interval_months, months)
            bands[band].interval_months = months
    if changed and not session.is_modified(settings):
        # A change to the bands alone still moves the settings version, so a stale editor is caught.
        settings.updated_at = utcnow()
    session.flush()
    return changed


def policy_changes(session: Session, limit: int = 50) -> list[SettingsChange]:
    """Who changed the policy and what, newest first: `part` is the band changed, None for the settings."""
    return settings_changes(session, VisitPolicyBand.band, "visit_policy_settings", limit)


def policy_version(session: Session) -> int | None:
    settings = session.get(VisitPolicySettings, SETTINGS_ID)
    return settings.version_id if settings else None


def resets_clock() -> sa.ColumnElement[bool]:
    """Visits that reset the routine clock: logged, and planned or an unplanned full quality visit."""
    return sa.and_(
        Visit.status.in_(VISITED_STATUSES),
        sa.or_(Visit.kind == VisitKind.PLANNED, Visit.full_quality_visit.is_(True)),
    )


def latest_local_ratings(service_ids: sa.Select) -> sa.Select:
    """(service_id, local quality rating of the newest logged visit that gave one)."""
    ranked = (
        sa.select(
            Visit.service_id,
            Visit.local_rating,
            sa.func.row_number()
            .over(partition_by=Visit.service_id, order_by=(Visit.visited_on.desc(), Visit.id.desc()))
            .label("position"),
        )
        .where(
            Visit.service_id.in_(service_ids),
            Visit.status.in_(VISITED_STATUSES),
            Visit.local_rating.is_not(None),
        )
        .subquery()
    )
    return sa.select(ranked.c.service_id, ranked.c.local_rating).where(ranked.c.position == 1)


def _due_facts(service_ids: sa.Select) -> sa.Select:
    """Each service's regulation, registration, CQC Overall, last routine visit and latest local rating."""
    # Lookups per service on the visit index: both databases run these far faster than grouping every visit.
    of_service = Visit.service_id == Service.id
    last_visit = sa.select(sa.func.max(Visit.visited_on)).where(of_service, resets_clock())
    local = (
        sa.select(Visit.local_rating)
        .where(of_service, Visit.status.in_(VISITED_STATUSES), Visit.local_rating.is_not(None))
        .order_by(Visit.visited_on.desc(), Visit.id.desc())
        .limit(1)
    )
    return (
        sa.select(
            Service.id,
            Service.regulated,
            Service.registration_date,
            RatingSnapshot.overall,
            # Only read when there is no registration date: reading timestamps is slow on SQLite.
            sa.case((Service.registration_date.is_(None), Service.created_at)).label("created_at"),
            last_visit.scalar_subquery().label("last_visit_on"),
            local.scalar_subquery().label("local_rating"),
        )
        .outerjoin(
            RatingSnapshot, sa.and_(RatingSnapshot.service_id == Service.id, RatingSnapshot.is_current.is_(True))
        )
        .where(Service.id.in_(service_ids))
    )


def due_dates(session: Session, service_ids: sa.Select, today: date, policy: Policy | None = None) -> dict[int, Due]:
    """The next routine visit of every service the select names: two queries and the policy, however many services."""
    policy = policy or load_policy(session)
    services = session.execute(_due_facts(service_ids)).all()
    # Escalation tightens the policy (enhanced monitoring: at most 3 months; suspension: at most 1).
    levels = escalations.current_levels(session, service_ids)
    return {
        row.id: due_for(
            policy,
            last_routine_visit_on=row.last_visit_on,
            cqc_overall=row.overall,
            local_rating=row.local_rating,
            regulated=row.regulated,
            on_register_since=row.registration_date or row.created_at.date(),
            today=today,
            escalation_level=levels.get(row.id, (0, None))[0],
        )
        for row in services
    }


def due_date(session: Session, service: Service, today: date) -> Due:
    """One service's next routine visit."""
    return due_dates(session, sa.select(sa.literal(service.id)), today)[service.id]
