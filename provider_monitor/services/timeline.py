"""One timeline per service: visits, actions, CQC ratings and escalation decisions and meetings, newest first,
scoped to the viewer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from provider_monitor.enums import PROVIDER_VISIBLE_REPORT_STATUSES, ActionStatus, ChangeDirection, VisitStatus
from provider_monitor.jinja import format_date
from provider_monitor.models.action import Action, ActionEvent
from provider_monitor.models.escalation import Escalation
from provider_monitor.models.rating import RatingChange, RatingSnapshot
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.models.visit import Visit
from provider_monitor.services import escalation_records, escalation_rules
from provider_monitor.services.exceptions import NotFound
from provider_monitor.services.visibility import services_visible_to

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Entry:
    """One thing that happened to a service."""

    on: date
    at: datetime | None
    kind: str  # "visit", "action", "rating" or "escalation"
    title: str
    who: str | None = None
    details: list[str] = field(default_factory=list)
    endpoint: str | None = None
    args: dict = field(default_factory=dict)
    tag: str | None = None  # a status value for the tag macros, or a rating change direction

    @property
    def sort_key(self) -> tuple:
        # Timed events fall after date-only ones on the same day (a report is shared after the visit).
        moment = self.at.astimezone(LONDON).time() if self.at else time.min
        return (self.on, moment)


def _day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def _visits(session: Session, service_id: int, provider_view: bool) -> list[Visit]:
    stmt = sa.select(Visit).where(Visit.service_id == service_id).options(selectinload(Visit.officers))
    if provider_view:
        stmt = stmt.where(Visit.status.in_(PROVIDER_VISIBLE_REPORT_STATUSES))
    return list(session.scalars(stmt))


def _actions(session: Session, service_id: int, provider_view: bool) -> list[Action]:
    stmt = sa.select(Action).where(Action.service_id == service_id).options(selectinload(Action.events))
    if provider_view:
        # Actions from a report the provider has not been shown yet stay internal until it is shared.
        visible = sa.select(Visit.id).where(Visit.status.in_(PROVIDER_VISIBLE_REPORT_STATUSES))
        stmt = stmt.where(sa.or_(Action.visit_id.is_(None), Action.visit_id.in_(visible)))
    return list(session.scalars(stmt))


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    ids.discard(None)
    if not ids:
        return {}
    return dict(session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all())


def _visit_entries(visit: Visit, names: dict[int, str], provider_view: bool) -> list[Entry]:
    what = f"{visit.kind.label} visit ({visit.purpose.label.lower()})"
    link = {"endpoint": "visits.view", "args": {"visit_id": visit.id}, "kind": "visit"}
    officers = ", ".join(o.name for o in visit.officers) or None
    entries = []
    # Only a visit that was planned ahead has a "planned" step; providers never see plans (visits may be unannounced).
    if visit.planned_on and not provider_view:
        entries.append(
            Entry(on=_day(visit.created_at), at=visit.created_at, title=f"{what} planned", tag=VisitStatus.PLANNED,
                  who=names.get(visit.created_by_id), details=_planned_details(visit), **link)
        )  # fmt: skip
    if visit.visited_on and visit.status != VisitStatus.CANCELLED:
        who = names.get(visit.logged_by_id) if not provider_view else None
        entries.append(
            Entry(on=visit.visited_on, at=None, title=f"{what} took place", tag=VisitStatus.DRAFT, who=who,
                  details=[f"Officers: {officers}"] if officers else [], **link)
        )  # fmt: skip
    if visit.shared_at:
        details = [f"Comments due by {format_date(visit.comments_due_on)}"] if visit.comments_due_on else []
        entries.append(
            Entry(on=_day(visit.shared_at), at=visit.shared_at, title="Visit report shared with the provider",
                  tag=VisitStatus.SHARED, who=names.get(visit.shared_by_id), details=details, **link)
        )  # fmt: skip
    if visit.finalised_at:
        entries.append(
            Entry(on=_day(visit.finalised_at), at=visit.finalised_at, title="Visit report finalised",
                  tag=VisitStatus.FINAL, who=names.get(visit.finalised_by_id), **link)
        )  # fmt: skip
    if visit.status == VisitStatus.CANCELLED and not provider_view:
        reason = [f"Reason: {visit.cancelled_reason}"] if visit.cancelled_reason else []
        entries.append(
            Entry(on=_day(visit.updated_at), at=visit.updated_at, title=f"{what} cancelled",
                  tag=VisitStatus.CANCELLED, details=reason, **link)
        )  # fmt: skip
    return entries


def _planned_details(visit: Visit) -> list[str]:
    return [f"Planned for {format_date(visit.planned_on)}"] if visit.planned_on else []


def _action_entries(action: Action, names: dict[int, str]) -> list[Entry]:
    link = {"endpoint": "actions.view", "args": {"action_id": action.id}, "kind": "action"}
    entries = []
    # Actions raised through the action pages carry their own "raised" event; older ones get one here.
    if not any(_is_raising(e) for e in action.events):
        entries.append(
            Entry(on=_day(action.created_at), at=action.created_at, title=f"Action raised: {action.description}",
                  tag=ActionStatus.OPEN, who=names.get(action.created_by_id),
                  details=[_action_terms(action)],
                  **link)
        )  # fmt: skip
    for event in action.events:
        details = [event.note] if event.note else []
        if _is_raising(event):
            details = [_action_terms(action), *(d for d in details if d != "Action raised")]
        entries.append(
            Entry(on=_day(event.at), at=event.at, title=_event_title(action, event), tag=event.to_status,
                  who=event.actor_label, details=details, **link)
        )  # fmt: skip
    return entries


def _is_raising(event: ActionEvent) -> bool:
    return event.from_status is None and event.to_status == ActionStatus.OPEN


def _action_terms(action: Action) -> str:
    return f"{action.kind.label}, {action.priority.label.lower()} priority, due {format_date(action.due_on)}"


def _event_title(action: Action, event: ActionEvent) -> str:
    if _is_raising(event):
        return f"Action raised: {action.description}"
    if event.to_status == ActionStatus.VERIFIED:
        return f"Action verified complete: {action.description}"
    if event.to_status == ActionStatus.RETURNED:
        return f"Evidence returned: {action.description}"
    if event.to_status:
        return f"Action marked {event.to_status.label.lower()}: {action.description}"
    return f"Update on action: {action.description}"


def _rating_entries(snapshots: list[RatingSnapshot], changes: list[RatingChange]) -> list[Entry]:
    by_snapshot: dict[int, list[RatingChange]] = {}
    for change in changes:
        by_snapshot.setdefault(change.snapshot_id, []).append(change)
    entries = []
    for snapshot in snapshots:
        moves = by_snapshot.get(snapshot.id, [])
        details = [
            f"{c.key_question.label}: {c.from_rating} → {c.to_rating} ({c.direction.label.lower()}"
            f"{', high severity' if c.high_severity else ''})"
            for c in moves
        ]
        declined = any(c.direction == ChangeDirection.DECLINE for c in moves)
        improved = any(c.direction == ChangeDirection.IMPROVEMENT for c in moves)
        tag = ChangeDirection.DECLINE if declined else (ChangeDirection.IMPROVEMENT if improved else None)
        entries.append(
            Entry(on=snapshot.published_on or _day(snapshot.recorded_at), at=None, kind="rating",
                  title=f"CQC ratings published: Overall {snapshot.overall or 'not rated'}",
                  who=snapshot.source.label, details=details, tag=tag)
        )  # fmt: skip
    return entries


def _escalation_entries(session: Session, viewer: User, service_id: int, provider_id: int) -> list[Entry]:
    """Decisions and meetings of the service's escalations, its own and its provider's, as this viewer may read them."""
    stmt = escalation_records.escalations_visible_to(viewer).where(
        Escalation.provider_id == provider_id,
        sa.or_(Escalation.service_id == service_id, Escalation.service_id.is_(None)),
    )
    entries = []
    # Timers play no part here: the default settings spare a query.
    for escalation in session.scalars(escalation_records.with_history(stmt)).unique():
        record = escalation_records.record_for(viewer, escalation, date.today(), escalation_rules.TimerSettings())
        link = {"endpoint": "escalations.view", "args": {"escalation_id": record.id}, "kind": "escalation"}
        scope = "" if record.service_id else " (all the provider's services)"
        for decision in record.decisions:
            placements = f", {decision.to_suspension.label.lower()}" if decision.to_suspension else ""
            details = [f"Reason: {decision.reason}"] if decision.reason else []
            if decision.next_review_on:
                details.append(f"Next review {format_date(decision.next_review_on)}")
            level = escalation_rules.level_label(decision.to_level)
            title = f"{decision.kind.label}{scope}: {level}"
            entries.append(
                Entry(on=decision.decided_on, at=None, title=title + placements, who=decision.decided_by,
                      details=details, tag=decision.kind, **link)
            )  # fmt: skip
        for meeting in record.meetings:
            details = [f"Organisations: {meeting.organisations}"] if meeting.organisations else []
            entries.append(
                Entry(on=meeting.held_on, at=None, title=f"{meeting.kind.label} held{scope}", details=details,
                      tag="meeting", **link)
            )  # fmt: skip
    return entries


def service_timeline(session: Session, viewer: User, service_id: int) -> list[Entry]:
    """Everything that happened to a service, newest first: a fixed number of queries (about a dozen)."""
    provider_id = session.scalar(
        services_visible_to(viewer).with_only_columns(Service.provider_id).where(Service.id == service_id)
    )
    if provider_id is None:
        raise NotFound("service")
    provider_view = not viewer.is_staff
    visits = _visits(session, service_id, provider_view)
    actions = _actions(session, service_id, provider_view)
    ids = {v.created_by_id for v in visits} | {v.logged_by_id for v in visits}
    ids |= {v.shared_by_id for v in visits} | {v.finalised_by_id for v in visits} | {a.created_by_id for a in actions}
    names = _names(session, ids)
    snapshots = list(session.scalars(sa.select(RatingSnapshot).where(RatingSnapshot.service_id == service_id)))
    changes = list(session.scalars(sa.select(RatingChange).where(RatingChange.service_id == service_id)))
    entries = [e for v in visits for e in _visit_entries(v, names, provider_view)]
    entries += [e for a in actions for e in _action_entries(a, names)]
    entries += _rating_entries(snapshots, changes)
    entries += _escalation_entries(session, viewer, service_id, provider_id)
    return sorted(entries, key=lambda e: e.sort_key, reverse=True)
