"""The OpenAPI 3.1 description of /api/v1, written by hand.

Enum values, patterns and limits come from provider_monitor.enums and api/query.py, so the
document cannot drift from what the API accepts and returns. tests/integration/test_api.py checks
it against the app's routes and against real responses.
"""

from __future__ import annotations

from flask import current_app, has_app_context

from provider_monitor.api import query
from provider_monitor.api.flags_api import flag_paths, flag_schemas
from provider_monitor.api.openapi_parts import choice as _choice
from provider_monitor.api.openapi_parts import enum_of as _enum
from provider_monitor.api.openapi_parts import get_operation as _get
from provider_monitor.api.openapi_parts import id_param as _id_param
from provider_monitor.api.openapi_parts import json_reply as _json
from provider_monitor.api.openapi_parts import listing as _listing
from provider_monitor.api.openapi_parts import nullable as _nullable
from provider_monitor.api.openapi_parts import obj as _object
from provider_monitor.api.openapi_parts import paging as _paging
from provider_monitor.api.openapi_parts import param as _param
from provider_monitor.api.openapi_parts import ref as _ref
from provider_monitor.api.openapi_parts import single as _single
from provider_monitor.api.openapi_parts import typed as _type
from provider_monitor.api.openapi_parts import whole as _whole
from provider_monitor.api.schema_casework import casework_paths, casework_schemas, service_escalation_schema
from provider_monitor.api.schema_monitoring import monitoring_paths, monitoring_schemas
from provider_monitor.enums import (
    ChangeDirection,
    KeyQuestion,
    RegistrationStatus,
    Sector,
    ServiceStatus,
    ServiceType,
    SuspensionStatus,
)
from provider_monitor.services.register import ESCALATION_FILTERS, SORTABLE_COLUMNS

PAGE_LINKS_OPTIONAL = frozenset({"next", "prev"})
DEFAULT_MAX_PER_PAGE = 200  # config.Config.API_MAX_PAGE_SIZE, for use outside an app
SCOPING = (
    "Staff see every record. A provider user only ever sees their own provider's records: anything "
    "else is answered exactly as if it did not exist (an empty list, or 404, never 403). Concerns "
    "and flags are the exceptions: they are for council staff only, and a provider user is refused them (403)."
)


# --- Parameters ----------------------------------------------------------------------------------


def _text(description: str) -> dict:
    return _param("q", description, _type("string", maxLength=query.MAX_TEXT_LENGTH))


def _service_params(max_per_page: int) -> list[dict]:
    cqc_id = _type("string", pattern=query.CQC_ID.pattern, examples=["1-1000210669"])
    district = _type("string", pattern=query.DISTRICT_CODE.pattern, examples=["E07000170"])
    user = _whole(1, query.MAX_ID)
    return [
        _text(
            "Case-insensitive: part of the service's name or town, an exact CQC location ID or "
            "CQC provider ID, or the start of a postcode (spaces ignored)"
        ),
        _choice("service_type", "Only services of this type", [t.value for t in ServiceType]),
        _param("district_code", "Only services in this district (ONS code)", district),
        _choice("sector", "`internal`: council-run services; `external`: all others", query.SECTOR_FILTERS),
        _choice("regulated", "Services CQC does (`true`) or does not (`false`) regulate", ["true", "false"]),
        _choice("registration_status", "Only services with this CQC registration status", RegistrationStatus),
        _param("link_officer_id", "Only services whose link officer is this user", user),
        _param("contract_manager_id", "Only services whose contract manager is this user", user),
        _param("cqc_location_id", "Only the service with this CQC location ID", cqc_id),
        _param("provider_id", "Only this provider's services (the provider's id in this API)", user),
        _choice(
            "rating",
            "Only services whose current CQC rating (of `rating_question`) is this; `none`: no published rating",
            query.RATING_FILTERS,
        ),
        _choice(
            "rating_question", "Which rating `rating` applies to (default `overall`)", [q.value for q in KeyQuestion]
        ),
        _choice(
            "escalation_level",
            "Only services whose escalation level in force (their own or their provider's, whichever is higher) "
            "is this; `0`: routine monitoring, no open escalation; `above`: any level from 1",
            ESCALATION_FILTERS,
        ),
        _choice(
            "suspension_status",
            "Only services at level 3 with placements suspended red (none) or amber (with caution)",
            SuspensionStatus,
        ),
        _choice("sort", "Sort key (default `name`); ties are broken by id", SORTABLE_COLUMNS),
        _choice("direction", "Sort direction (default `asc`); empty values sort last", query.DIRECTIONS),
        *_paging(max_per_page),
    ]


def _change_params(max_per_page: int) -> list[dict]:
    day = _type("string", format="date", pattern=query.ISO_DATE.pattern, examples=["2026-05-01"])
    return [
        _choice("direction", "Only declines or only improvements", [d.value for d in ChangeDirection]),
        _choice("key_question", "Only changes to Overall or to one key question", [q.value for q in KeyQuestion]),
        _param("since", "Only changes published on or after this date", day),
        _param("until", "Only changes published on or before this date (not before `since`)", day),
        _param(
            "district_code",
            "Only services in this district (ONS code)",
            _type("string", pattern=query.DISTRICT_CODE.pattern),
        ),
        _choice("service_type", "Only services of this type", [t.value for t in ServiceType]),
        _param("cqc_location_id", "Only this CQC location", _type("string", pattern=query.CQC_ID.pattern)),
        _choice("high_severity", "`true`: only drops to Inadequate and drops in Overall", ["true", "false"]),
        *_paging(max_per_page),
    ]


# --- Component schemas ---------------------------------------------------------------------------


def _schemas() -> dict:
    text, date, stamp = _type("string"), _type("string", format="date"), _type("string", format="date-time")
    service = {
        "id": _type("integer"),
        "name": _type("string"),
        "provider_id": _type("integer"),
        "provider_name": _type("string"),
        "cqc_location_id": _nullable(_type("string", "Null for services CQC does not regulate")),
        "service_type": _enum(ServiceType, "Service type"),
        "sector": _enum(Sector, "The provider's sector"),
        "regulated": _type("boolean", "Whether CQC regulates the service"),
        "registration_status": _enum(RegistrationStatus, "CQC registration status"),
        "registration_date": _nullable(date),
        "status": _enum(ServiceStatus, "Whether the service is open"),
        **dict.fromkeys(["address_line_1", "address_line_2", "town", "postcode"], _nullable(text)),
        "latitude": _nullable(_type("number", minimum=-90, maximum=90)),
        "longitude": _nullable(_type("number", minimum=-180, maximum=180)),
        "district_code": _nullable(_type("string", "ONS district code")),
        "district_name": _nullable(text),
        "ward_code": _nullable(_type("string", "ONS ward code")),
        "ward_name": _nullable(text),
        "capacity": _nullable(_type("integer", "Beds or places")),
        "link_officer_id": _nullable(_type("integer", "The link officer's user id")),
        "contract_manager_id": _nullable(_type("integer", "The contract manager's user id")),
        "contract_end": _nullable(date),
        "current_ratings": _ref("CurrentRatings"),
        "escalation": service_escalation_schema(),
        "updated_at": stamp,
    }
    rating_values = (
        "The rating as CQC published it: Outstanding, Good, Requires improvement or Inadequate, or a "
        "non-rating such as 'Inspected but not rated' or 'No published rating' (never counted as a change)"
    )
    one_rating = _object(
        {"rating": _nullable(_type("string", rating_values)), "report_date": _nullable(date)},
        "One key question's current rating and the date of the report that gave it",
    )
    current_ratings = _object(
        {q.value: one_rating for q in KeyQuestion}, "Current CQC ratings: Overall and the five key questions"
    )
    change = {
        "id": _type("integer"),
        "service_id": _type("integer"),
        "service_name": _type("string"),
        "cqc_location_id": _nullable(text),
        "district_code": _nullable(text),
        "key_question": _enum(KeyQuestion, "What changed"),
        "from": _type("string", "The earlier rating"),
        "to": _type("string", "The new rating"),
        "date": _nullable(date),
        "direction": _enum(ChangeDirection, "Decline or improvement"),
        "high_severity": _type("boolean", "A drop to Inadequate, or any drop in Overall"),
    }
    provider = {
        "id": _type("integer"),
        "name": _type("string"),
        "cqc_provider_id": _nullable(text),
        "sector": _enum(Sector, "Sector"),
        **dict.fromkeys(["ownership_type", "companies_house_number", "town", "postcode"], _nullable(text)),
        "service_count": _type("integer", "The provider's services on the register", minimum=0),
        "updated_at": stamp,
    }
    link = _type("string", "The same request for another page (a relative URL)")
    counts = {"total": 0, "page": 1, "per_page": 1, "pages": 1}
    meta = _object({name: _type("integer", minimum=low) for name, low in counts.items()}, "Paging")
    links = _object({"self": link, "next": link, "prev": link}, "Pages that exist", PAGE_LINKS_OPTIONAL)
    error = {"parameter": _type("string", "The query parameter at fault"), "message": _type("string")}
    errors = _type("array", minItems=1, items=_object(error, "One problem", frozenset({"parameter"})))
    return {
        "Service": _object(service, "A service on the register: a CQC location, or a council-run service"),
        "Provider": _object(provider, "A provider organisation: a CQC provider, or the council itself"),
        "CurrentRatings": current_ratings,
        "RatingChange": _object(change, "A CQC rating that went down or up between two published reports"),
        # Left open (no additionalProperties: false): list responses add `data` to it with allOf.
        "Page": _type("object", required=["meta", "links"], properties={"meta": meta, "links": links}),
        "Errors": _object({"errors": errors}, "Every problem found with the request"),
        **monitoring_schemas(),
        **casework_schemas(),
        **flag_schemas(),
    }


# --- Paths ---------------------------------------------------------------------------------------


def _paths(max_per_page: int) -> dict:
    paths = {
        "/api/v1/services": _get(
            "List services",
            f"The register, filtered, sorted and paged; a page past the end gives the last page. {SCOPING}",
            _service_params(max_per_page),
            _listing("Service"),
            *("400", "401"),
        ),
        "/api/v1/services/{service_id}": _get(
            "One service", SCOPING, [_id_param("service_id", "service")], _single("Service"), "401", "404"
        ),
        "/api/v1/providers": _get(
            "List providers",
            f"Providers, sorted by name and paged. {SCOPING}",
            [
                _text("Case-insensitive: part of the name, or an exact CQC provider ID"),
                *_paging(max_per_page),
            ],
            _listing("Provider"),
            *("400", "401"),
        ),
        "/api/v1/providers/{provider_id}": _get(
            "One provider", SCOPING, [_id_param("provider_id", "provider")], _single("Provider"), "401", "404"
        ),
        "/api/v1/rating-changes": _get(
            "List rating changes",
            f"Declines and improvements in CQC ratings, newest first, paged. {SCOPING}",
            _change_params(max_per_page),
            _listing("RatingChange"),
            *("400", "401"),
        ),
        **monitoring_paths(max_per_page, SCOPING),
        **casework_paths(max_per_page, SCOPING),
        **flag_paths(max_per_page),
        "/api/v1/openapi.json": _get("This document", "Public: no sign-in", [], _json("OpenAPI 3.1", {})),
    }
    paths["/api/v1/openapi.json"]["get"]["security"] = []
    return paths


def _security_schemes(cookie_name: str) -> dict:
    token_help = (
        "Send `Authorization: Bearer pm_…` (accepted on /api/ only). Tokens are issued on the server with "
        "`flask --app wsgi users token EMAIL`; a new token replaces the old, and a deactivated user's token "
        "stops working."
    )
    cookie_help = "The session cookie of a signed-in browser"
    return {
        "bearerToken": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "pm_…",
            "description": token_help,
        },
        "sessionCookie": {"type": "apiKey", "in": "cookie", "name": cookie_name, "description": cookie_help},
    }


def openapi_document(max_per_page: int | None = None) -> dict:
    config = current_app.config if has_app_context() else {}
    max_per_page = max_per_page or config.get("API_MAX_PAGE_SIZE", DEFAULT_MAX_PER_PAGE)
    responses = {
        "BadRequest": _json("A query parameter is unknown or invalid; each is named", _ref("Errors")),
        "Unauthorized": _json("No valid session or API token", _ref("Errors")),
        "Forbidden": _json("Signed in, but this user's role may not use this endpoint", _ref("Errors")),
        "NotFound": _json("No such record, or not one this user may see", _ref("Errors")),
    }
    description = (
        "Read-only access to the register of adult social care providers and services, for BI tools. "
        f"Unknown or invalid query parameters are a 400 that names each one. {SCOPING}"
    )
    return {
        "openapi": "3.1.0",
        "info": {"title": "Provider Monitor API", "version": "1", "description": description},
        "servers": [{"url": "/"}],
        "security": [{"bearerToken": []}, {"sessionCookie": []}],
        "paths": _paths(max_per_page),
        "components": {
            "schemas": _schemas(),
            "responses": responses,
            "securitySchemes": _security_schemes(config.get("SESSION_COOKIE_NAME", "__Host-session")),
        },
    }
