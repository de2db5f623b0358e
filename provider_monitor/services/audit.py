"""The audit trail, written in the same transaction as the change it records."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, Session

from provider_monitor.models.audit import AuditEvent
from provider_monitor.models.base import utcnow


@dataclass(frozen=True)
class Actor:
    """Who is making changes: a signed-in user, or a named system process."""

    user_id: int | None
    label: str
    request_id: str | None = None


SYSTEM = Actor(user_id=None, label="System")
_current_actor: contextvars.ContextVar[Actor] = contextvars.ContextVar("audit_actor", default=SYSTEM)


def set_actor(actor: Actor) -> contextvars.Token:
    """Name who the following changes are made by (views do this per request, commands per run)."""
    return _current_actor.set(actor)


def reset_actor(token: contextvars.Token) -> None:
    _current_actor.reset(token)


def current_actor() -> Actor:
    return _current_actor.get()


def _plain(value):
    """A JSON-safe rendering of a column value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _audited_columns(obj) -> list[str]:
    excluded = getattr(obj, "__audit_exclude__", frozenset()) | {"version_id", "created_at", "updated_at"}
    return [c.key for c in inspect(obj).mapper.column_attrs if c.key not in excluded]


def _changes_for_update(obj) -> dict:
    state = inspect(obj)
    changes = {}
    for key in _audited_columns(obj):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if _plain(old) != _plain(new):
            changes[key] = [_plain(old), _plain(new)]
    return changes


def _snapshot(obj, *, as_new: bool) -> dict:
    values = {key: _plain(getattr(obj, key)) for key in _audited_columns(obj)}
    return {key: ([None, v] if as_new else [v, None]) for key, v in values.items() if v is not None}


def _event_row(obj, action: str, changes: dict, actor: Actor) -> dict:
    return {
        "at": utcnow(),
        "actor_id": actor.user_id,
        "actor_label": actor.label,
        "action": action,
        "entity_type": obj.__tablename__,
        "entity_id": obj.id,
        "changes": changes,
        "request_id": actor.request_id,
    }


def _keep_old_value(target, value, oldvalue, initiator):
    return value


@event.listens_for(Mapper, "mapper_configured")
def _load_old_values_of_audited_columns(mapper, cls) -> None:
    """Make audited columns load their old value before a change, even after a commit expired it."""
    if getattr(cls, "__audit__", False):
        for column in mapper.column_attrs:
            event.listen(getattr(cls, column.key), "set", _keep_old_value, active_history=True, retval=True)


@event.listens_for(Session, "after_flush")
def _record_audit_events(session: Session, flush_context) -> None:
    """Write an audit row for every create, update and delete of an audited model."""
    actor = current_actor()
    rows = []
    for obj in session.new:
        if getattr(obj, "__audit__", False):
            rows.append(_event_row(obj, "create", _snapshot(obj, as_new=True), actor))
    for obj in session.dirty:
        if getattr(obj, "__audit__", False) and session.is_modified(obj, include_collections=False):
            changes = _changes_for_update(obj)
            if changes:
                rows.append(_event_row(obj, "update", changes, actor))
    for obj in session.deleted:
        if getattr(obj, "__audit__", False):
            rows.append(_event_row(obj, "delete", _snapshot(obj, as_new=False), actor))
    if rows:
        # A connection-level insert: adding ORM objects inside a flush is not supported.
        session.connection().execute(sa.insert(AuditEvent.__table__), rows)


def history_for(session: Session, entity_type: str, entity_id: int, limit: int = 50) -> list[AuditEvent]:
    """The newest audit events for one record."""
    stmt = (
        sa.select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class SettingsChange:
    """One saved change to a settings table: one keyed row of it (`part`: a band, a level), or its settings row."""

    at: datetime
    who: str
    part: object | None
    changes: dict[str, tuple]


def settings_changes(session: Session, part_key, settings_type: str, limit: int) -> list[SettingsChange]:
    """Who changed a settings table and what, newest first (two queries).

    part_key is the keyed rows' key column (VisitPolicyBand.band); settings_type the one settings row's table.
    """
    part_type = part_key.class_.__tablename__
    parts = dict(session.execute(sa.select(part_key.class_.id, part_key)).all())
    events = session.scalars(
        sa.select(AuditEvent)
        # Rows created from the defaults are not changes to the settings.
        .where(AuditEvent.entity_type.in_((part_type, settings_type)), AuditEvent.action == "update")
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return [
        SettingsChange(
            at=event.at,
            who=event.actor_label,
            part=parts.get(event.entity_id) if event.entity_type == part_type else None,
            changes={name: tuple(values) for name, values in event.changes.items()},
        )  # fmt: skip
        for event in events
    ]
