"""Parse and check the escalation and concern API query parameters; every problem is named, never a 500."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from provider_monitor.api.query import DEFAULT_PER_PAGE, MAX_ID, MAX_PAGE, Reader, date_range
from provider_monitor.api.records_casework import EscalationFilters
from provider_monitor.enums import ConcernCategory, ConcernSeverity, ConcernSource, ConcernStatus, SuspensionStatus
from provider_monitor.services.concerns import ConcernFilters
from provider_monitor.services.escalation_rules import LEVELS

# `open`: true (the default) for open escalations, false for closed ones, any for both.
OPEN_CHOICES = ("true", "false", "any")
ESCALATION_PARAMETERS = {
    "level", "suspension_status", "open", "service_id", "provider_id", "page", "per_page",
}  # fmt: skip
CONCERN_PARAMETERS = {
    "status", "category", "severity", "source", "service_id", "provider_id", "received_from", "received_to",
    "page", "per_page",
}  # fmt: skip


def parse_escalation_query(args: MultiDict, *, max_per_page: int) -> EscalationFilters:
    read = Reader(args, ESCALATION_PARAMETERS)
    is_open = read.choice("open", OPEN_CHOICES) or "true"
    filters = EscalationFilters(
        level=read.integer("level", None, min(LEVELS), max(LEVELS)),
        suspension_status=read.choice("suspension_status", [s.value for s in SuspensionStatus]),
        open=None if is_open == "any" else is_open == "true",
        service_id=read.integer("service_id", None, 1, MAX_ID),
        provider_id=read.integer("provider_id", None, 1, MAX_ID),
        page=read.integer("page", 1, 1, MAX_PAGE),
        per_page=read.integer("per_page", DEFAULT_PER_PAGE, 1, max_per_page),
    )
    read.done()
    return filters


def parse_concern_query(args: MultiDict, *, max_per_page: int) -> ConcernFilters:
    read = Reader(args, CONCERN_PARAMETERS)
    status = read.choice("status", [s.value for s in ConcernStatus])
    category = read.choice("category", [c.value for c in ConcernCategory])
    severity = read.choice("severity", [s.value for s in ConcernSeverity])
    source = read.choice("source", [s.value for s in ConcernSource])
    service_id = read.integer("service_id", None, 1, MAX_ID)
    provider_id = read.integer("provider_id", None, 1, MAX_ID)
    received_from, received_to = date_range(read, "received_from", "received_to")
    filters = ConcernFilters(
        status=status, category=category, severity=severity, source=source, service_id=service_id,
        provider_id=provider_id, received_from=received_from, received_to=received_to,
        page=read.integer("page", 1, 1, MAX_PAGE),
        per_page=read.integer("per_page", DEFAULT_PER_PAGE, 1, max_per_page),
    )  # fmt: skip
    read.done()
    return filters
