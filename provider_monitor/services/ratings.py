"""CQC rating history in the database: record snapshots, keep 'current' and the changes up to date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.enums import ChangeDirection, KeyQuestion, RatingSource
from provider_monitor.models.rating import RatingChange, RatingSnapshot
from provider_monitor.models.service import Service
from provider_monitor.services.rating_rules import QUESTIONS, Rating, Report, State, detect_changes


def snapshot_state(snapshot: RatingSnapshot) -> State:
    """The rules' view of a stored snapshot."""
    ratings = {}
    for q in QUESTIONS:
        value = getattr(snapshot, q.value)
        if value is not None:
            ratings[q] = Rating(value, getattr(snapshot, f"{q.value}_date"), getattr(snapshot, f"{q.value}_link"))
    return State(snapshot.published_on, ratings)


def _snapshot_values(state: State) -> dict:
    values = {}
    for q in QUESTIONS:
        r = state.ratings.get(q)
        values[q.value] = r.value if r else None
        values[f"{q.value}_date"] = r.published_on if r else None
        values[f"{q.value}_link"] = r.report_link if r else None
    return values


@dataclass(frozen=True)
class Recorded:
    added: int
    changes: int


def record_states(
    session: Session,
    service_id: int,
    states: list[State],
    *,
    source: RatingSource,
    inherited_from: str | None = None,
    recorded_by_id: int | None = None,
) -> Recorded:
    """Add the snapshots not already held for this service, then refresh current and the changes."""
    held = set(session.scalars(sa.select(RatingSnapshot.fingerprint).where(RatingSnapshot.service_id == service_id)))
    added = 0
    for state in states:
        fingerprint = state.fingerprint()
        if fingerprint in held:
            continue
        held.add(fingerprint)
        session.add(
            RatingSnapshot(
                service_id=service_id, published_on=state.published_on, source=source, fingerprint=fingerprint,
                inherited_from=inherited_from, recorded_by_id=recorded_by_id, **_snapshot_values(state),
            )
        )  # fmt: skip
        added += 1
    session.flush()
    changes = refresh_service(session, service_id) if added else None
    return Recorded(added=added, changes=changes if changes is not None else 0)


def _ordered_snapshots(session: Session, service_id: int) -> list[RatingSnapshot]:
    stmt = (
        sa.select(RatingSnapshot)
        .where(RatingSnapshot.service_id == service_id)
        .order_by(sa.func.coalesce(RatingSnapshot.published_on, date.min), RatingSnapshot.id)
    )
    return list(session.scalars(stmt))


def refresh_service(session: Session, service_id: int) -> int:
    """Mark the newest snapshot current and rebuild the service's changes; returns how many."""
    snapshots = _ordered_snapshots(session, service_id)
    session.execute(sa.delete(RatingChange).where(RatingChange.service_id == service_id))
    for snapshot in snapshots:
        snapshot.is_current = snapshot is snapshots[-1]
    per_snapshot = detect_changes([snapshot_state(s) for s in snapshots])
    rows = [
        {
            "service_id": service_id, "snapshot_id": snapshot.id, "key_question": change.question,
            "from_rating": change.before, "to_rating": change.after, "direction": change.direction,
            "high_severity": change.high_severity, "changed_on": change.published_on, "report_link": change.report_link,
        }
        for snapshot, changes in zip(snapshots, per_snapshot, strict=True)
        for change in changes
    ]  # fmt: skip
    if rows:
        session.execute(sa.insert(RatingChange), rows)
    session.flush()
    return len(rows)


def record_manual(
    session: Session, service: Service, *, ratings: dict[KeyQuestion, str], published_on: date, recorded_by_id: int
) -> Recorded:
    """A rating entered by hand (for a service CQC data does not cover yet), on top of its history."""
    previous = [snapshot_state(s) for s in _ordered_snapshots(session, service.id)]
    report = Report(published_on, {q: Rating(v, published_on) for q, v in ratings.items() if v})
    # Questions not entered keep the ratings already held.
    running = dict(previous[-1].ratings) if previous else {}
    running.update(report.ratings)
    return record_states(
        session, service.id, [State(published_on, running)], source=RatingSource.MANUAL, recorded_by_id=recorded_by_id
    )


def current_snapshots(session: Session, service_ids: list[int]) -> dict[int, RatingSnapshot]:
    """Each service's current snapshot, in one query."""
    if not service_ids:
        return {}
    stmt = sa.select(RatingSnapshot).where(RatingSnapshot.service_id.in_(service_ids), RatingSnapshot.is_current)
    return {s.service_id: s for s in session.scalars(stmt)}


def history(session: Session, service_id: int) -> list[RatingSnapshot]:
    """A service's snapshots, newest first."""
    return list(reversed(_ordered_snapshots(session, service_id)))


def changes_for_service(session: Session, service_id: int) -> list[RatingChange]:
    stmt = (
        sa.select(RatingChange)
        .where(RatingChange.service_id == service_id)
        # Newest report first; within one report, Overall then the key questions, as recorded.
        .order_by(RatingChange.changed_on.desc(), RatingChange.id)
    )
    return list(session.scalars(stmt))


def declines_since(session: Session, since: date) -> list[RatingChange]:
    """Every decline published on or after a date (the scheduler's rating-decline flags use this)."""
    stmt = sa.select(RatingChange).where(
        RatingChange.direction == ChangeDirection.DECLINE, RatingChange.changed_on >= since
    )
    return list(session.scalars(stmt))
