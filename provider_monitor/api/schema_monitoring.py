"""The visits and actions part of the OpenAPI document, from the same enums and limits the API uses."""

from __future__ import annotations

from provider_monitor.api import query
from provider_monitor.api.openapi_parts import (
    choice,
    day,
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
from provider_monitor.enums import (
    RAG,
    ActionKind,
    ActionPriority,
    ActionStatus,
    ComplianceArea,
    ComplianceResult,
    KeyQuestion,
    LocalRating,
    VisitKind,
    VisitPurpose,
    VisitStatus,
)

VISIT_SCOPING = "A provider user sees only reports shared with them or final, of their own provider's services."
ACTION_SCOPING = "A provider user does not see actions raised from a visit whose report is not yet shared with them."


def _service_filters() -> list[dict]:
    cqc_id = typed("string", pattern=query.CQC_ID.pattern, examples=["1-1000210669"])
    return [
        param("service_id", "Only this service's records", whole(1, query.MAX_ID)),
        param("cqc_location_id", "Only the service with this CQC location ID", cqc_id),
    ]


def _visit_params(max_per_page: int) -> list[dict]:
    return [
        *_service_filters(),
        choice("status", "Only visits in this state", [s.value for s in VisitStatus]),
        choice("kind", "Only planned or only unplanned visits", [k.value for k in VisitKind]),
        param("visited_from", "Only visits that took place on or after this date", day()),
        param("visited_to", "Only visits that took place on or before this date (not before `visited_from`)", day()),
        *paging(max_per_page),
    ]


def _action_params(max_per_page: int) -> list[dict]:
    return [
        *_service_filters(),
        choice("status", "Only actions in this status", [s.value for s in ActionStatus]),
        choice("kind", "Only corrective (must) or developmental (should) actions", [k.value for k in ActionKind]),
        choice("priority", "Only actions of this priority", [p.value for p in ActionPriority]),
        choice("key_question", "Only actions about this key question", [q.value for q in KeyQuestion]),
        choice("rag", "Only actions of this RAG status today", [r.value for r in RAG]),
        param("due_from", "Only actions due on or after this date", day()),
        param("due_to", "Only actions due on or before this date (not before `due_from`)", day()),
        choice("open", "`true`: not yet verified complete; `false`: verified complete", ["true", "false"]),
        *paging(max_per_page),
    ]


def monitoring_schemas() -> dict:
    text, date, stamp = typed("string"), typed("string", format="date"), typed("string", format="date-time")
    service = obj(
        {
            "id": typed("integer"),
            "name": text,
            "cqc_location_id": nullable(typed("string", "Null for services CQC does not regulate")),
        },
        "The service it concerns",
    )
    finding = obj(
        {
            "key_question": enum_of(KeyQuestion, "The key question"),
            "judgement": nullable(enum_of(LocalRating, "The officer's local judgement")),
            "evidence": nullable(typed("string", "Evidence notes")),
        },
        "What the visit found on one key question",
    )
    compliance = obj(
        {
            "area": enum_of(ComplianceArea, "What was checked"),
            "result": nullable(enum_of(ComplianceResult, "The result")),
            "notes": nullable(text),
        },
        "One line of the compliance checklist",
    )
    visit = {
        "id": typed("integer"),
        "service": service,
        "kind": enum_of(VisitKind, "Planned or unplanned"),
        "purpose": enum_of(VisitPurpose, "Why the visit was made"),
        "status": enum_of(VisitStatus, "Where the visit and its report stand"),
        "planned_on": nullable(date),
        "visited_on": nullable(typed("string", "Null until the visit is logged", format="date")),
        "full_quality_visit": typed("boolean", "An unplanned visit that covered everything a routine one does"),
        "local_rating": nullable(enum_of(LocalRating, "The overall local quality rating")),
        "officers": typed("array", "The officers who made the visit", items=text),
        "findings": typed("array", items=finding),
        "compliance": typed("array", items=compliance),
        "shared_at": nullable(typed("string", "When the report was shared with the provider", format="date-time")),
        "comments_due_on": nullable(typed("string", "The end of the provider's comment window", format="date")),
        "finalised_at": nullable(stamp),
    }
    event = obj(
        {
            "at": stamp,
            "actor": typed("string", "Who, as they were named at the time"),
            "from_status": nullable(enum_of(ActionStatus, "The status before")),
            "to_status": nullable(enum_of(ActionStatus, "The status after")),
            "note": nullable(text),
        },
        "One step on the action's timeline (a status change or a note)",
    )
    action = {
        "id": typed("integer"),
        "service": service,
        "visit_id": nullable(typed("integer", "The visit that raised it")),
        "description": text,
        "key_question": nullable(enum_of(KeyQuestion, "The key question it is about")),
        "kind": enum_of(ActionKind, "Must or should"),
        "priority": enum_of(ActionPriority, "Priority"),
        "due_on": date,
        "owner": typed("string", "Who at the provider is responsible"),
        "status": enum_of(ActionStatus, "Where the action stands"),
        "rag": enum_of(RAG, "Today's RAG status"),
        "verified_at": nullable(stamp),
        "events": typed("array", "The timeline, oldest first", items=event),
    }
    return {
        "Visit": obj(visit, "A monitoring visit: planned or unplanned, with its findings and report state"),
        "Action": obj(action, "An action a provider must or should take, with its timeline"),
    }


def monitoring_paths(max_per_page: int, scoping: str) -> dict:
    return {
        "/api/v1/visits": get_operation(
            "List visits",
            f"Visits, newest first (by the day visited, or planned for), filtered and paged. {scoping} "
            + VISIT_SCOPING,
            _visit_params(max_per_page),
            listing("Visit"),
            *("400", "401"),
        ),
        "/api/v1/visits/{visit_id}": get_operation(
            "One visit", f"{scoping} {VISIT_SCOPING}", [id_param("visit_id", "visit")], single("Visit"), "401", "404"
        ),
        "/api/v1/actions": get_operation(
            "List actions",
            f"Actions, soonest due first, filtered and paged; RAG is as of today. {scoping} {ACTION_SCOPING}",
            _action_params(max_per_page),
            listing("Action"),
            *("400", "401"),
        ),
        "/api/v1/actions/{action_id}": get_operation(
            "One action",
            f"{scoping} {ACTION_SCOPING}",
            [id_param("action_id", "action")],
            single("Action"),
            "401",
            "404",
        ),
    }
