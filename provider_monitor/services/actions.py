"""Actions on a service: raise one, edit its details, move it along its flow, read its timeline."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from provider_monitor.enums import PROVIDER_VISIBLE_REPORT_STATUSES, ActionStatus
from provider_monitor.models.action import Action, ActionEvent
from provider_monitor.models.base import utcnow
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.models.visit import Visit
from provider_monitor.services import action_rules
from provider_monitor.services.editing import apply_changes, flush_checked
from provider_monitor.services.exceptions import EditConflict, FieldError, NotFound
from provider_monitor.services.visibility import services_visible_to

# The fields a raiser types; status, dates of verification and the timeline are the flow's business.
ACTION_FIELDS = ("description", "key_question", "kind", "priority", "due_on", "owner")


def actor_label(user: User) -> str:
    """'Name (Role label)': who did it, as it was at the time."""
    return f"{user.name} ({user.role.label})"


def visible_action_ids(viewer: User) -> sa.Select:
    """The ids of actions this viewer may see: all for staff; for a provider user, their own provider's,
    except actions raised from a visit whose report has not been shared with them yet."""
    services = services_visible_to(viewer).with_only_columns(Service.id)
    stmt = sa.select(Action.id).where(Action.service_id.in_(services))
    if not viewer.is_staff:
        # A draft report is internal; so are the actions it raises, until the report is shared.
        shared_visits = sa.select(Visit.id).where(Visit.status.in_(PROVIDER_VISIBLE_REPORT_STATUSES))
        stmt = stmt.where(sa.or_(Action.visit_id.is_(None), Action.visit_id.in_(shared_visits)))
    return stmt


def get_action(session: Session, viewer: User, action_id: int, *, with_history: bool = False) -> Action:
    """The action with its service and provider, if the viewer may see it; otherwise NotFound."""
    options = [joinedload(Action.service).joinedload(Service.provider), joinedload(Action.visit)]
    if with_history:
        options += [selectinload(Action.events), selectinload(Action.evidence)]
    stmt = sa.select(Action).where(Action.id == action_id, Action.id.in_(visible_action_ids(viewer))).options(*options)
    action = session.scalar(stmt)
    if action is None:
        raise NotFound("action")
    return action


def get_visit_of_service(session: Session, service: Service, visit_id: int) -> Visit:
    """A visit to this very service (an action raised from it must belong to the same service)."""
    visit = session.scalar(sa.select(Visit).where(Visit.id == visit_id, Visit.service_id == service.id))
    if visit is None:
        raise NotFound("visit")
    return visit


def _event(action: Action, by: User, *, to: ActionStatus | None = None, note: str | None = None, start=None):
    return ActionEvent(
        action=action, user_id=by.id, actor_label=actor_label(by), from_status=start, to_status=to, note=note,
        at=utcnow(),
    )  # fmt: skip


def raise_action(
    session: Session,
    service: Service,
    data: dict,
    *,
    by: User,
    visit: Visit | None = None,
    concern_id: int | None = None,
    meeting_id: int | None = None,
) -> Action:
    """A new open action on the service; its first timeline event records who raised it."""
    action = Action(
        service_id=service.id, visit_id=visit.id if visit else None, concern_id=concern_id, meeting_id=meeting_id,
        status=ActionStatus.OPEN,
        created_by_id=by.id, **{name: data[name] for name in ACTION_FIELDS},
    )  # fmt: skip
    session.add(action)
    note = (
        "Action raised from a visit" if visit else "Action raised from a concern" if concern_id
        else "Action raised at an escalation meeting" if meeting_id else "Action raised"
    )  # fmt: skip
    session.add(_event(action, by, to=ActionStatus.OPEN, note=note))
    flush_checked(session, {}, noun="action")
    return action


def update_action(session: Session, action: Action, data: dict, *, by: User, expected_version: int | None) -> Action:
    """Change an action's details; a new due date goes on the timeline too."""
    changed = apply_changes(
        session, action, {name: data[name] for name in ACTION_FIELDS}, expected_version=expected_version, noun="action"
    )
    if "due_on" in changed:
        before, after = changed["due_on"]
        session.add(_event(action, by, note=f"Due date changed from {_day(before)} to {_day(after)}"))
    flush_checked(session, {}, noun="action")
    return action


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def move_action(
    session: Session, action: Action, to: ActionStatus, *, by: User, note: str | None, expected_version: int | None
) -> ActionEvent:
    """Move the action to a new status if the flow and the viewer's role allow it, on the page they saw."""
    if expected_version is not None and expected_version != action.version_id:
        raise EditConflict(_stale_message(action))
    action_rules.check_move(action.status, to, by.role, note)
    event = _event(action, by, start=action.status, to=to, note=(note or "").strip() or None)
    action.status = to
    if to == ActionStatus.VERIFIED:
        action.verified_at, action.verified_by_id = event.at, by.id
    session.add(event)
    flush_checked(session, {}, noun="action")
    return event


def _stale_message(action: Action) -> str:
    return (
        f"Someone else changed this action after you opened it: it is now {action.status.label.lower()}. "
        "Nothing was changed. Check the timeline, then choose again."
    )


def add_note(session: Session, action: Action, *, by: User, note: str) -> ActionEvent:
    """A timeline entry with no change of status (evidence added, for example)."""
    event = _event(action, by, note=note)
    session.add(event)
    return event


def require_open_for_evidence(action: Action) -> None:
    """Evidence is not added to an action already verified complete."""
    if action.status == ActionStatus.VERIFIED:
        raise FieldError("file", "This action is verified complete: evidence can no longer be added")
