"""Saving edits safely: no lost updates, and duplicates reported against the right field."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from provider_monitor.jinja import format_datetime
from provider_monitor.services.audit import history_for
from provider_monitor.services.exceptions import DuplicateValue, EditConflict


def conflict_message(session: Session, obj, noun: str) -> str:
    """Who changed the record last, and when, in words."""
    latest = history_for(session, obj.__tablename__, obj.id, limit=1)
    if latest:
        who = latest[0].actor_label.split(" (", 1)[0]
        return (
            f"{who} changed this {noun} on {format_datetime(latest[0].at)}, after you opened it. "
            "Your changes have not been saved. Check the current values, then save again to keep yours."
        )
    return f"Someone changed this {noun} after you opened it. Your changes have not been saved."


def apply_changes(session: Session, obj, data: dict, *, expected_version: int | None, noun: str) -> dict:
    """Set fields on obj if nobody else has changed it since expected_version; return what differed."""
    if expected_version is not None and obj.version_id != expected_version:
        raise EditConflict(conflict_message(session, obj, noun), current=obj)
    changed = {}
    for key, value in data.items():
        if getattr(obj, key) != value:
            changed[key] = (getattr(obj, key), value)
            setattr(obj, key, value)
    return changed


def flush_checked(session: Session, unique_messages: dict[str, str], *, noun: str = "record") -> None:
    """Flush, turning unique-constraint and version clashes into domain errors.

    After either error the session must be rolled back by the caller (the view does this).
    """
    try:
        session.flush()
    except IntegrityError as error:
        text = str(error.orig)
        for column, message in unique_messages.items():
            # PostgreSQL names the constraint (uq_service_cqc_location_id); SQLite the column.
            if f"_{column}" in text or f".{column}" in text:
                raise DuplicateValue(column, message) from None
        raise
    except StaleDataError:
        raise EditConflict(
            f"Someone changed this {noun} while you were saving. Your changes have not been saved."
        ) from None
