"""Parse and check API query parameters; every problem is named, never a 500."""

from __future__ import annotations

import re
from datetime import date

from werkzeug.datastructures import MultiDict

from provider_monitor.api.records import ActionFilters, VisitFilters
from provider_monitor.enums import (
    RAG,
    ActionKind,
    ActionPriority,
    ActionStatus,
    ChangeDirection,
    KeyQuestion,
    RegistrationStatus,
    ServiceType,
    SuspensionStatus,
    VisitKind,
    VisitStatus,
)
from provider_monitor.services.rating_changes import ChangeFilters
from provider_monitor.services.register import (
    ESCALATION_FILTERS,
    NO_RATING,
    RANKED,
    SORTABLE_COLUMNS,
    RegisterFilters,
)

# ASCII digits only: in Python `\d` and str.isdigit() also accept "²" or "٣", which int() or the
# database then chokes on. The OpenAPI document (api/schema.py) publishes these same rules.
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
CQC_ID = re.compile(r"^1-[0-9]{1,12}$")
DISTRICT_CODE = re.compile(r"^[EWSN][0-9]{8}$")
WHOLE_NUMBER = re.compile(r"^[0-9]+$")
# Characters PostgreSQL cannot store or compare (NUL) and other control characters.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
MAX_TEXT_LENGTH = 100
MAX_ID = 2**31 - 1  # the largest value of an INTEGER primary key
MAX_PAGE = 1_000_000
DEFAULT_PER_PAGE = 50
SECTOR_FILTERS = ("internal", "external")
DIRECTIONS = ("asc", "desc")
SERVICE_PARAMETERS = {
    "q", "service_type", "district_code", "sector", "regulated", "registration_status", "link_officer_id",
    "contract_manager_id", "cqc_location_id", "provider_id", "rating", "rating_question", "escalation_level",
    "suspension_status", "sort", "direction", "page", "per_page",
}  # fmt: skip
RATING_FILTERS = (*RANKED, NO_RATING)
PROVIDER_PARAMETERS = {"q", "page", "per_page"}


class ApiInputError(Exception):
    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors


class Reader:
    """Collects every problem with the query, so one response names them all."""

    def __init__(self, args: MultiDict, allowed: set[str]):
        self.args, self.errors = args, []
        for name in sorted(set(args) - allowed):
            self.problem(name, f"Unknown parameter '{name}'")

    def problem(self, name: str, message: str) -> None:
        self.errors.append({"parameter": name, "message": message})

    def text(self, name: str, max_length: int = MAX_TEXT_LENGTH) -> str | None:
        value = (self.args.get(name) or "").strip()
        if len(value) > max_length:
            self.problem(name, f"'{name}' must be {max_length} characters or fewer")
            return None
        if CONTROL_CHARACTERS.search(value):
            self.problem(name, f"'{name}' must not contain control characters")
            return None
        return value or None

    def choice(self, name: str, allowed) -> str | None:
        value = self.text(name)
        allowed = [str(a) for a in allowed]
        if value is not None and value not in allowed:
            self.problem(name, f"'{name}' must be one of: {', '.join(allowed)}")
            return None
        return value

    def integer(self, name: str, default: int | None, low: int, high: int) -> int | None:
        raw = self.text(name)
        if raw is None:
            return default
        if not WHOLE_NUMBER.fullmatch(raw) or not low <= int(raw) <= high:
            self.problem(name, f"'{name}' must be a whole number from {low} to {high}")
            return default
        return int(raw)

    def pattern(self, name: str, regex: re.Pattern, example: str) -> str | None:
        value = self.text(name)
        if value is not None and not regex.fullmatch(value):
            self.problem(name, f"'{name}' must look like {example}")
            return None
        return value

    def day(self, name: str) -> date | None:
        """A YYYY-MM-DD date."""
        raw = self.text(name, max_length=10)
        if raw is None:
            return None
        if ISO_DATE.match(raw):
            try:
                return date.fromisoformat(raw)
            except ValueError:
                pass
        self.problem(name, f"'{name}' must be a real date written YYYY-MM-DD, like 2026-05-01")
        return None

    def done(self) -> None:
        if self.errors:
            raise ApiInputError(self.errors)


def parse_service_query(args: MultiDict, *, max_per_page: int) -> RegisterFilters:
    read = Reader(args, SERVICE_PARAMETERS)
    regulated = read.choice("regulated", ["true", "false"])
    filters = RegisterFilters(
        text=read.text("q"),
        service_type=read.choice("service_type", [t.value for t in ServiceType]),
        district_code=read.pattern("district_code", DISTRICT_CODE, "E07000170"),
        sector=read.choice("sector", SECTOR_FILTERS),
        regulated=None if regulated is None else regulated == "true",
        registration_status=read.choice("registration_status", [s.value for s in RegistrationStatus]),
        link_officer_id=read.integer("link_officer_id", None, 1, MAX_ID),
        contract_manager_id=read.integer("contract_manager_id", None, 1, MAX_ID),
        cqc_location_id=read.pattern("cqc_location_id", CQC_ID, "1-1000210669"),
        provider_id=read.integer("provider_id", None, 1, MAX_ID),
        rating=read.choice("rating", RATING_FILTERS),
        rating_question=read.choice("rating_question", [q.value for q in KeyQuestion]) or KeyQuestion.OVERALL.value,
        escalation_level=read.choice("escalation_level", ESCALATION_FILTERS),
        suspension=read.choice("suspension_status", [s.value for s in SuspensionStatus]),
        sort=read.choice("sort", list(SORTABLE_COLUMNS)) or "name",
        direction=read.choice("direction", DIRECTIONS) or "asc",
        page=read.integer("page", 1, 1, MAX_PAGE),
        per_page=read.integer("per_page", DEFAULT_PER_PAGE, 1, max_per_page),
    )
    read.done()
    return filters


def parse_provider_query(args: MultiDict, *, max_per_page: int) -> tuple[str | None, int, int]:
    read = Reader(args, PROVIDER_PARAMETERS)
    result = (
        read.text("q"),
        read.integer("page", 1, 1, MAX_PAGE),
        read.integer("per_page", DEFAULT_PER_PAGE, 1, max_per_page),
    )
    read.done()
    return result


CHANGE_PARAMETERS = {
    "direction", "key_question", "since", "until", "district_code", "service_type", "cqc_location_id",
    "high_severity", "page", "per_page",
}  # fmt: skip


def parse_change_query(args: MultiDict, *, max_per_page: int) -> ChangeFilters:
    read = Reader(args, CHANGE_PARAMETERS)
    filters = ChangeFilters(
        direction=read.choice("direction", [d.value for d in ChangeDirection]),
        key_question=read.choice("key_question", [q.value for q in KeyQuestion]),
        since=read.day("since"),
        until=read.day("until"),
        district_code=read.pattern("district_code", DISTRICT_CODE, "E07000170"),
        service_type=read.choice("service_type", [t.value for t in ServiceType]),
        cqc_location_id=read.pattern("cqc_location_id", CQC_ID, "1-1000210669"),
        high_severity_only=read.choice("high_severity", ["true", "false"]) == "true",
        page=read.integer("page", 1, 1, MAX_PAGE),
        per_page=read.integer("per_page", DEFAULT_PER_PAGE, 1, max_per_page),
    )
    if filters.since and filters.until and filters.until < filters.since:
        read.problem("until", "'until' must be the same as or after 'since'")
    read.done()
    return filters


def date_range(read: Reader, start: str, end: str) -> tuple[date | None, date | None]:
    first, last = read.day(start), read.day(end)
    if first and last and last < first:
        read.problem(end, f"'{end}' must be the same as or after '{start}'")
    return first, last


VISIT_PARAMETERS = {
    "service_id", "cqc_location_id", "status", "kind", "visited_from", "visited_to", "page", "per_page",
}  # fmt: skip


def parse_visit_query(args: MultiDict, *, max_per_page: int) -> VisitFilters:
    read = Reader(args, VISIT_PARAMETERS)
    service_id = read.integer("service_id", None, 1, MAX_ID)
    cqc_location_id = read.pattern("cqc_location_id", CQC_ID, "1-1000210669")
    status = read.choice("status", [s.value for s in VisitStatus])
    kind = read.choice("kind", [k.value for k in VisitKind])
    visited_from, visited_to = date_range(read, "visited_from", "visited_to")
    filters = VisitFilters(
        service_id=service_id, cqc_location_id=cqc_location_id, status=status, kind=kind,
        visited_from=visited_from, visited_to=visited_to,
        page=read.integer("page", 1, 1, MAX_PAGE),
        per_page=read.integer("per_page", DEFAULT_PER_PAGE, 1, max_per_page),
    )  # fmt: skip
    read.done()
    return filters


ACTION_PARAMETERS = {
    "service_id", "cqc_location_id", "status", "kind", "priority", "key_question", "rag", "due_from", "due_to",
    "open", "page", "per_page",
}  # fmt: skip


def parse_action_query(args: MultiDict, *, max_per_page: int) -> ActionFilters:
    read = Reader(args, ACTION_PARAMETERS)
    service_id = read.integer("service_id", None, 1, MAX_ID)
    cqc_location_id = read.pattern("cqc_location_id", CQC_ID, "1-1000210669")
    status = read.choice("status", [s.value for s in ActionStatus])
    kind = read.choice("kind", [k.value for k in ActionKind])
    priority = read.choice("priority", [p.value for p in ActionPriority])
    key_question = read.choice("key_question", [q.value for q in KeyQuestion])
    rag = read.choice("rag", [r.value for r in RAG])
    due_from, due_to = date_range(read, "due_from", "due_to")
    is_open = read.choice("open", ["true", "false"])
    filters = ActionFilters(
        service_id=service_id, cqc_location_id=cqc_location_id, status=status, kind=kind, priority=priority,
        key_question=key_question, rag=rag, due_from=due_from, due_to=due_to,
        open=None if is_open is None else is_open == "true",
        page=read.integer("page", 1, 1, MAX_PAGE),
        per_page=read.integer("per_page", DEFAULT_PER_PAGE, 1, max_per_page),
    )  # fmt: skip
    read.done()
    return filters
