"""Flags in the API: query parameters, JSON and the OpenAPI part, from the same enums and limits."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from provider_monitor.api.openapi_parts import (
    choice,
    enum_of,
    get_operation,
    id_param,
    listing,
    nullable,
    obj,
    paging,
    param,
    single,
    typed,
    whole,
)
from provider_monitor.api.query import DEFAULT_PER_PAGE, MAX_ID, MAX_PAGE, Reader
from provider_monitor.api.serialise import iso, service_ref
from provider_monitor.enums import FlagKind, FlagSeverity
from provider_monitor.models.flag import Flag
from provider_monitor.services.flag_queries import ALL, ANY, OPEN, RESOLVED, FlagFilters

FLAG_PARAMETERS = {"kind", "status", "severity", "service_id", "page", "per_page"}
STATUS_CHOICES = (OPEN, RESOLVED, ANY)
FLAG_SCOPING = "Council staff only: a provider user is refused (403)."


def parse_flag_query(args: MultiDict, *, max_per_page: int) -> FlagFilters:
    read = Reader(args, FLAG_PARAMETERS)
    filters = FlagFilters(
        kind=read.choice("kind", [k.value for k in FlagKind]),
        status=read.choice("status", STATUS_CHOICES) or OPEN,
        severity=read.choice("severity", [s.value for s in FlagSeverity]),
        service_id=read.integer("service_id", None, 1, MAX_ID),
        whose=ALL,
        page=read.integer("page", 1, 1, MAX_PAGE),
        per_page=read.integer("per_page", DEFAULT_PER_PAGE, 1, max_per_page),
    )
    read.done()
    return filters


def flag_json(flag: Flag) -> dict:
    """One flag, with its provider and service (loaded with it)."""
    return {
        "id": flag.id,
        "kind": flag.kind.value,
        "severity": flag.severity.value,
        "service": service_ref(flag.service) if flag.service is not None else None,
        "provider": {"id": flag.provider.id, "name": flag.provider.name},
        "evidence": flag.evidence,
        "raised_at": iso(flag.raised_at),
        "resolved_at": iso(flag.resolved_at),
        "status": OPEN if flag.resolved_at is None else RESOLVED,
        "since_on": iso(flag.since_on),
    }


def flag_schemas() -> dict:
    text, stamp = typed("string"), typed("string", format="date-time")
    service = obj(
        {"id": typed("integer"), "name": text, "cqc_location_id": nullable(text)},
        "The service; null when the flag is about a provider across all its services",
    )
    flag = {
        "id": typed("integer"),
        "kind": enum_of(FlagKind, "What the flag is about"),
        "severity": enum_of(FlagSeverity, "How serious"),
        "service": nullable(service),
        "provider": obj({"id": typed("integer"), "name": text}, "The provider"),
        "evidence": typed("string", "Why it was raised, like 'Safe: Good → Requires improvement, report 2026-05-01'"),
        "raised_at": stamp,
        "resolved_at": nullable(stamp),
        "status": typed("string", "`open` until its condition clears, then `resolved`", enum=[OPEN, RESOLVED]),
        "since_on": nullable(typed("string", "The day the condition began (a due date, a report date)", format="date")),
    }
    return {"Flag": obj(flag, "Something needing attention, raised by the daily sweep and resolved when it clears")}


def flag_paths(max_per_page: int) -> dict:
    params = [
        choice("kind", "Only flags of this kind", [k.value for k in FlagKind]),
        choice("status", "`open` (default): open only; `resolved`: resolved only; `any`: both", STATUS_CHOICES),
        choice("severity", "Only flags this serious", [s.value for s in FlagSeverity]),
        param("service_id", "Only flags on this service", whole(1, MAX_ID)),
        *paging(max_per_page),
    ]
    return {
        "/api/v1/flags": get_operation(
            "List flags",
            f"Flags, most severe first then the longest-standing, filtered and paged. {FLAG_SCOPING}",
            params,
            listing("Flag"),
            *("400", "401", "403"),
        ),
        "/api/v1/flags/{flag_id}": get_operation(
            "One flag", FLAG_SCOPING, [id_param("flag_id", "flag")], single("Flag"), *("401", "403", "404")
        ),
    }
