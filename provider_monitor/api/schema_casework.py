"""The escalations and concerns part of the OpenAPI document, from the same enums and limits the API uses."""

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
from provider_monitor.api.query_casework import OPEN_CHOICES
from provider_monitor.enums import (
    ConcernCategory,
    ConcernSeverity,
    ConcernSource,
    ConcernStatus,
    DecisionKind,
    MeetingKind,
    Role,
    SuspensionStatus,
    TimerKind,
    TimerState,
)
from provider_monitor.services.concern_rules import WITHHELD
from provider_monitor.services.escalation_rules import LEVELS

ESCALATION_SCOPING = (
    "A provider user sees their own provider's escalations, with the reasons for decisions (null) and the "
    "minutes of internal meetings withheld."
)
CONCERN_SCOPING = (
    "Council staff only: a provider user is refused (403). A whistleblower's identity and safeguarding "
    f"detail read '{WITHHELD}' for roles that may not see them (contract managers, admins)."
)


def _level(description: str) -> dict:
    return whole(min(LEVELS), max(LEVELS), description=description)


def service_escalation_schema() -> dict:
    """The `escalation` of a service record: the escalation in force, or null at routine monitoring."""
    labels = "; ".join(f"{level} = {meaning}" for level, meaning in LEVELS.items())
    return nullable(
        obj(
            {
                "level": _level(f"The level in force ({labels})"),
                "level_label": typed("string", "Like 'Level 2: Provider concerns process'"),
                "suspension_status": nullable(enum_of(SuspensionStatus, "At level 3 only")),
                "next_review_on": nullable(typed("string", format="date")),
                "escalation_id": typed("integer", "See /api/v1/escalations/{escalation_id}"),
            },
            "The open escalation in force: the service's own or its provider's provider-wide one, whichever is "
            "higher (at level 3, red before amber). Null at routine monitoring.",
        )
    )


def _escalation_params(max_per_page: int) -> list[dict]:
    ids = whole(1, query.MAX_ID)
    return [
        param("level", "Only escalations at this level", _level("0 to 5")),
        choice("suspension_status", "Only level 3 escalations with this suspension", SuspensionStatus),
        choice("open", "`true` (default): open only; `false`: closed only; `any`: both", OPEN_CHOICES),
        param("service_id", "Only this service's own escalations (provider-wide ones have no service)", ids),
        param("provider_id", "Only this provider's escalations, provider-wide and of its services", ids),
        *paging(max_per_page),
    ]


def _concern_params(max_per_page: int) -> list[dict]:
    ids = whole(1, query.MAX_ID)
    return [
        choice("status", "Only open or only closed concerns", ConcernStatus),
        choice("category", "Only concerns of this type", ConcernCategory),
        choice("severity", "Only concerns this serious", ConcernSeverity),
        choice("source", "Only concerns from this source", ConcernSource),
        param("service_id", "Only concerns about this service", ids),
        param("provider_id", "Only concerns about this provider or its services", ids),
        param("received_from", "Only concerns received on or after this date (not in the future)", day()),
        param("received_to", "Only concerns received on or before this date (not before `received_from`)", day()),
        *paging(max_per_page),
    ]


def casework_schemas() -> dict:
    text, date = typed("string"), typed("string", format="date")
    maybe_text, maybe_date = nullable(text), nullable(date)
    provider = obj({"id": typed("integer"), "name": text}, "The provider")
    service = nullable(
        obj(
            {"id": typed("integer"), "name": text, "cqc_location_id": nullable(text)},
            "The service; null when it covers the provider across all its services",
        )
    )
    suspension = nullable(enum_of(SuspensionStatus, "Suspension of placements (level 3 only)"))
    timer = obj(
        {
            "id": typed("integer"),
            "kind": enum_of(TimerKind, "The deadline"),
            "started_on": date,
            "due_on": date,
            "met_on": maybe_date,
            "state": enum_of(TimerState, "Met, missed, due soon or running (as of today)"),
        },
        "A deadline a decision started",
    )
    decision = obj(
        {
            "id": typed("integer"),
            "kind": enum_of(DecisionKind, "What the decision did"),
            "decided_on": date,
            "decided_by": typed("string", "Who decided, as they were named at the time"),
            "decided_by_role": enum_of(Role, "Their role at the time"),
            "from_level": _level("The level before"),
            "to_level": _level("The level after"),
            "from_suspension": suspension,
            "to_suspension": suspension,
            "reason": nullable(typed("string", "Why; null for provider users")),
            "conditions_to_step_down": maybe_text,
            "next_review_on": maybe_date,
            "supersedes_id": nullable(typed("integer", "The earlier decision this one corrects")),
            "superseded_by_id": nullable(typed("integer", "The later decision that corrects this one")),
        },
        "A decision: append-only; a wrong one is superseded, never edited",
    )
    meeting = obj(
        {
            "id": typed("integer"),
            "kind": enum_of(MeetingKind, "The meeting"),
            "held_on": date,
            **dict.fromkeys(["attendees", "organisations", "minutes", "decisions"], maybe_text),
            "withheld": typed("boolean", "Internal minutes withheld from a provider user (the fields are null)"),
        },
        "A meeting held about the escalation",
    )
    escalation = {
        "id": typed("integer"),
        "provider": provider,
        "service": service,
        "level": _level("0 (closed) to 5"),
        "level_label": typed("string", "Like 'Level 3: Suspension of new placements'"),
        "suspension_status": suspension,
        "opened_on": date,
        "closed_on": maybe_date,
        "next_review_on": maybe_date,
        "lead_officer": nullable(typed("string", "The lead officer's name")),
        "conditions_to_step_down": nullable(typed("string", "What must happen for the level to come down")),
        "timers": typed("array", "Soonest due first", items=timer),
        "decisions": typed("array", "Oldest first", items=decision),
        "meetings": typed("array", "Oldest first", items=meeting),
    }
    withheld = f"; '{WITHHELD}' for roles that may not read it"
    concern = {
        "id": typed("integer"),
        "provider": provider,
        "service": service,
        "received_on": date,
        "source": enum_of(ConcernSource, "Where it came from"),
        "category": enum_of(ConcernCategory, "Type"),
        "severity": enum_of(ConcernSeverity, "How serious"),
        "description": text,
        "people_affected": nullable(typed("integer", minimum=0)),
        "source_identity": nullable(typed("string", "Who raised it, when known" + withheld)),
        "safeguarding_reference": maybe_text,
        "safeguarding_detail": nullable(typed("string", "Safeguarding detail" + withheld)),
        "confidential": typed("boolean"),
        "status": enum_of(ConcernStatus, "Open or closed"),
        "closed_on": maybe_date,
        "closed_reason": maybe_text,
        "logged_by_id": nullable(typed("integer", "The user who logged it")),
        "visit_ids": typed("array", "Visits linked to the concern", items=typed("integer")),
    }
    return {
        "Escalation": obj(escalation, "An escalation of a service, or of a provider across its services"),
        "Concern": obj(concern, "A concern about a service, or about a provider across its services"),
    }


def casework_paths(max_per_page: int, scoping: str) -> dict:
    return {
        "/api/v1/escalations": get_operation(
            "List escalations",
            "Escalations (open ones unless `open` says otherwise), highest level first, red before amber, then "
            f"the newest, filtered and paged. {scoping} {ESCALATION_SCOPING}",
            _escalation_params(max_per_page),
            listing("Escalation"),
            *("400", "401"),
        ),
        "/api/v1/escalations/{escalation_id}": get_operation(
            "One escalation",
            f"{scoping} {ESCALATION_SCOPING}",
            [id_param("escalation_id", "escalation")],
            single("Escalation"),
            *("401", "404"),
        ),
        "/api/v1/concerns": get_operation(
            "List concerns",
            f"Concerns, newest received first, filtered and paged. {CONCERN_SCOPING}",
            _concern_params(max_per_page),
            listing("Concern"),
            *("400", "401", "403"),
        ),
        "/api/v1/concerns/{concern_id}": get_operation(
            "One concern",
            CONCERN_SCOPING,
            [id_param("concern_id", "concern")],
            single("Concern"),
            *("401", "403", "404"),
        ),
    }
