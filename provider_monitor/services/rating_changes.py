"""Finding rating changes (declines and improvements) across the register, filtered and paged."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager

from provider_monitor.enums import ChangeDirection, KeyQuestion
from provider_monitor.models.rating import RatingChange, RatingSnapshot
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.services.register import Page
from provider_monitor.services.visibility import services_visible_to


@dataclass(frozen=True)
class ChangeFilters:
    direction: str | None = None  # "decline" or "improvement"
    key_question: str | None = None
    since: date | None = None
    until: date | None = None
    district_code: str | None = None
    service_type: str | None = None
    cqc_location_id: str | None = None
    service_id: int | None = None
    high_severity_only: bool = False
    page: int = 1
    per_page: int = 50


def _filtered(viewer: User, filters: ChangeFilters) -> sa.Select:
    visible = services_visible_to(viewer).with_only_columns(Service.id).scalar_subquery()
    exact = {
        RatingChange.direction: filters.direction,
        RatingChange.key_question: filters.key_question,
        Service.district_code: filters.district_code,
        Service.service_type: filters.service_type,
        Service.cqc_location_id: filters.cqc_location_id,
        RatingChange.service_id: filters.service_id,
    }
    conditions = [column == value for column, value in exact.items() if value]
    if filters.since:
        conditions.append(RatingChange.changed_on >= filters.since)
    if filters.until:
        conditions.append(RatingChange.changed_on <= filters.until)
    if filters.high_severity_only:
        conditions.append(RatingChange.high_severity.is_(True))
    return (
        sa.select(RatingChange)
        .join(RatingChange.service)
        .outerjoin(Service.district)
        .where(RatingChange.service_id.in_(visible), *conditions)
    )


def _ordered(stmt: sa.Select) -> sa.Select:
    """Newest first; within a day by service name, and within a service Overall before the key questions."""
    return stmt.order_by(
        RatingChange.changed_on.desc().nulls_last(), Service.name, RatingChange.service_id, RatingChange.id
    ).options(contains_eager(RatingChange.service).contains_eager(Service.district))


def search(session: Session, viewer: User, filters: ChangeFilters) -> Page:
    """One page of changes with their services and districts: two queries whatever the size."""
    stmt = _filtered(viewer, filters)
    total = session.scalar(stmt.with_only_columns(sa.func.count(RatingChange.id)))
    page = min(max(1, filters.page), max(1, math.ceil(total / filters.per_page)))
    rows = session.scalars(_ordered(stmt).limit(filters.per_page).offset((page - 1) * filters.per_page))
    return Page(items=list(rows), total=total, page=page, per_page=filters.per_page)


def export_rows(session: Session, viewer: User, filters: ChangeFilters) -> Iterator[RatingChange]:
    """Every change matching the filters, in the page's order, streamed."""
    yield from session.scalars(_ordered(_filtered(viewer, filters)).execution_options(yield_per=500))


@dataclass(frozen=True)
class Entry:
    """A snapshot just recorded and the declines and improvements it brought."""

    snapshot: RatingSnapshot
    changes: list[RatingChange]


def latest_entry(session: Session, service_id: int) -> Entry | None:
    """The service's most recently recorded snapshot (highest id) with its changes: two queries."""
    snapshot = session.scalar(
        sa.select(RatingSnapshot)
        .where(RatingSnapshot.service_id == service_id)
        .order_by(RatingSnapshot.id.desc())
        .limit(1)
    )
    if snapshot is None:
        return None
    # Recorded in the same order as the rules found them: Overall, then the key questions.
    changes = session.scalars(
        sa.select(RatingChange).where(RatingChange.snapshot_id == snapshot.id).order_by(RatingChange.id)
    )
    return Entry(snapshot=snapshot, changes=list(changes))


@dataclass(frozen=True)
class TimelineItem:
    """One published Overall rating on a service's timeline, and how it moved from the one before."""

    published_on: date | None
    overall: str
    direction: ChangeDirection | None
    high_severity: bool


def overall_timeline(snapshots: list[RatingSnapshot], changes: list[RatingChange]) -> list[TimelineItem]:
    """Each Overall rating as published, oldest first, from a history and its changes (no queries).

    Snapshots that only changed a key question repeat the same Overall report, so they are left out.
    """
    moves = {c.snapshot_id: c for c in changes if c.key_question == KeyQuestion.OVERALL}
    items: list[TimelineItem] = []
    seen = None
    for snapshot in sorted(snapshots, key=lambda s: (s.published_on or date.min, s.id)):
        if not snapshot.overall or (snapshot.overall, snapshot.overall_date) == seen:
            continue
        seen = (snapshot.overall, snapshot.overall_date)
        move = moves.get(snapshot.id)
        items.append(
            TimelineItem(
                published_on=snapshot.overall_date or snapshot.published_on,
                overall=snapshot.overall,
                direction=move.direction if move else None,
                high_severity=bool(move and move.high_severity),
            )
        )
    return items
