"""Concern rules, with no database: who may log and read what, and what a concern's details must hold."""

from __future__ import annotations

from datetime import date
from enum import Enum

from provider_monitor.enums import ConcernCategory, ConcernSeverity, ConcernSource, Role
from provider_monitor.services.exceptions import DomainError, FieldError

# Staff who take concerns in and work on them; admins run the system, not the casework.
CONCERN_LOGGERS = frozenset({Role.OFFICER, Role.MANAGER, Role.HEAD_OF_SERVICE, Role.DIRECTOR, Role.CONTRACT_MANAGER})
# Who may read a whistleblower's identity and the safeguarding detail (need to know, not the contract side).
CONFIDENTIAL_READERS = frozenset({Role.OFFICER, Role.MANAGER, Role.HEAD_OF_SERVICE, Role.DIRECTOR})
CONFIDENTIAL_FIELDS = ("source_identity", "safeguarding_detail")
WITHHELD = "Withheld"

# The details a person types about a concern (its provider and service are chosen separately).
DETAIL_FIELDS = (
    "received_on", "source", "category", "severity", "description", "people_affected",
    "source_identity", "safeguarding_reference", "safeguarding_detail", "confidential",
)  # fmt: skip
SAFEGUARDING_REFERENCE_LENGTH = 60

_CHOICES = {
    "source": (ConcernSource, "Select where the concern came from"),
    "category": (ConcernCategory, "Select the type of concern"),
    "severity": (ConcernSeverity, "Select how serious the concern is"),
}


def check_logger(role: Role) -> None:
    """Refuse a role that may not log or work on concerns."""
    if role not in CONCERN_LOGGERS:
        raise DomainError("Your role cannot log or change concerns")


def may_read_confidential(role: Role) -> bool:
    return role in CONFIDENTIAL_READERS


def redact(role: Role, values: dict) -> dict:
    """The values with the confidential parts replaced by 'Withheld' for a role that may not read them.

    Replaced whether or not a value was recorded, so the page does not give away that there is one.
    """
    if may_read_confidential(role):
        return dict(values)
    return {key: (WITHHELD if key in CONFIDENTIAL_FIELDS else value) for key, value in values.items()}


def redact_history(role: Role, events: list[dict]) -> list[dict]:
    """Audit entries without the confidential changes for a role that may not read them.

    The fields are left out, not shown as changed, and an entry that only changed them goes too.
    """
    if may_read_confidential(role):
        return events
    shown = []
    for event in events:
        changes = {key: value for key, value in event["changes"].items() if key not in CONFIDENTIAL_FIELDS}
        if changes or event["action"] != "update":
            shown.append({**event, "changes": changes})
    return shown


def _text(value) -> str | None:
    cleaned = "" if value is None else str(value).strip()
    return cleaned or None


def _choice(field: str, value) -> Enum:
    enum, message = _CHOICES[field]
    if isinstance(value, enum):
        return value
    try:
        return enum(value)
    except ValueError:
        raise FieldError(field, message) from None


def clean_details(data: dict, *, today: date) -> dict:
    """Checked, tidied concern details, or a FieldError for the first field that is wrong (in page order)."""
    received_on = data.get("received_on")
    if received_on is None:
        raise FieldError("received_on", "Enter the date the concern was received")
    if received_on > today:
        raise FieldError("received_on", "Date the concern was received must be today or in the past")
    cleaned = {"received_on": received_on}
    for field in ("source", "category", "severity"):
        cleaned[field] = _choice(field, data.get(field))
    cleaned["description"] = _text(data.get("description"))
    if cleaned["description"] is None:
        raise FieldError("description", "Enter a description of the concern")
    cleaned["people_affected"] = _people_affected(data.get("people_affected"))
    # The identity is stored when given, never asked for: people may raise concerns anonymously.
    cleaned["source_identity"] = _text(data.get("source_identity"))
    cleaned["safeguarding_reference"] = _safeguarding_reference(data, cleaned)
    cleaned["safeguarding_detail"] = _text(data.get("safeguarding_detail"))
    cleaned["confidential"] = bool(data.get("confidential"))
    return cleaned


def _people_affected(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError("people_affected", "Number of people affected must be a whole number, like 3")
    if value < 0:
        raise FieldError("people_affected", "Number of people affected must be 0 or more")
    return value


def needs_safeguarding_reference(source: ConcernSource, category: ConcernCategory) -> bool:
    """A safeguarding concern, or one referred by safeguarding, is tracked by its enquiry's reference."""
    return category == ConcernCategory.SAFEGUARDING or source == ConcernSource.SAFEGUARDING


def _safeguarding_reference(data: dict, cleaned: dict) -> str | None:
    reference = _text(data.get("safeguarding_reference"))
    if reference is None and needs_safeguarding_reference(cleaned["source"], cleaned["category"]):
        raise FieldError("safeguarding_reference", "Enter the safeguarding reference")
    if reference is not None and len(reference) > SAFEGUARDING_REFERENCE_LENGTH:
        raise FieldError(
            "safeguarding_reference",
            f"Safeguarding reference must be {SAFEGUARDING_REFERENCE_LENGTH} characters or fewer",
        )
    return reference


def clean_closing(reason: str | None, on: date | None, *, received_on: date, today: date) -> tuple[str, date]:
    """The reason and date for closing a concern, checked."""
    cleaned = _text(reason)
    if cleaned is None:
        raise FieldError("reason", "Enter the reason for closing the concern")
    if on is None:
        raise FieldError("closed_on", "Enter the date the concern was closed")
    if on > today:
        raise FieldError("closed_on", "Date the concern was closed must be today or in the past")
    if on < received_on:
        raise FieldError(
            "closed_on", "Date the concern was closed must be the same as or after the date it was received"
        )
    return cleaned, on
