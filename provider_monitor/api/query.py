"""Parse and check API query parameters; every problem is named, never a 500."""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from provider_monitor.enums import RegistrationStatus, ServiceType
from provider_monitor.services.register import SORTABLE_COLUMNS, RegisterFilters

CQC_ID = re.compile(r"^1-\d{1,12}$")
SERVICE_PARAMETERS = {
    "q", "service_type", "district_code", "sector", "regulated", "registration_status", "link_officer_id",
    "contract_manager_id", "cqc_location_id", "provider_id", "sort", "direction", "page", "per_page",
}  # fmt: skip
PROVIDER_PARAMETERS = {"q", "page", "per_page"}


class ApiInputError(Exception):
    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors


class _Reader:
    """Collects every problem with the query, so one response names them all."""

    def __init__(self, args: MultiDict, allowed: set[str]):
        self.args, self.errors = args, []
        for name in sorted(set(args) - allowed):
            self.errors.append({"parameter": name, "message": f"Unknown parameter '{name}'"})

    def text(self, name: str, max_length: int = 100) -> str | None:
        value = (self.args.get(name) or "").strip()
        if len(value) > max_length:
            self.errors.append({"parameter": name, "message": f"'{name}' must be {max_length} characters or fewer"})
            return None
        return value or None

    def choice(self, name: str, allowed) -> str | None:
        value = self.text(name)
        allowed = [str(a) for a in allowed]
        if value is not None and value not in allowed:
            self.errors.append({"parameter": name, "message": f"'{name}' must be one of: {', '.join(allowed)}"})
            return None
        return value

    def integer(self, name: str, default: int | None, low: int, high: int) -> int | None:
        raw = self.text(name)
        if raw is None:
            return default
        if not raw.isdigit() or not low <= int(raw) <= high:
            self.errors.append({"parameter": name, "message": f"'{name}' must be a whole number from {low} to {high}"})
            return default
        return int(raw)

    def pattern(self, name: str, regex: re.Pattern, example: str) -> str | None:
        value = self.text(name)
        if value is not None and not regex.match(value):
            self.errors.append({"parameter": name, "message": f"'{name}' must look like {example}"})
            return None
        return value

    def done(self) -> None:
        if self.errors:
            raise ApiInputError(self.errors)


def parse_service_query(args: MultiDict, *, max_per_page: int) -> RegisterFilters:
    read = _Reader(args, SERVICE_PARAMETERS)
    regulated = read.choice("regulated", ["true", "false"])
    filters = RegisterFilters(
        text=read.text("q"),
        service_type=read.choice("service_type", [t.value for t in ServiceType]),
        district_code=read.pattern("district_code", re.compile(r"^[EWSN]\d{8}$"), "E07000170"),
        sector=read.choice("sector", ["internal", "external"]),
        regulated=None if regulated is None else regulated == "true",
        registration_status=read.choice("registration_status", [s.value for s in RegistrationStatus]),
        link_officer_id=read.integer("link_officer_id", None, 1, 2**31 - 1),
        contract_manager_id=read.integer("contract_manager_id", None, 1, 2**31 - 1),
        cqc_location_id=read.pattern("cqc_location_id", CQC_ID, "1-1000210669"),
        provider_id=read.integer("provider_id", None, 1, 2**31 - 1),
        sort=read.choice("sort", list(SORTABLE_COLUMNS)) or "name",
        direction=read.choice("direction", ["asc", "desc"]) or "asc",
        page=read.integer("page", 1, 1, 1_000_000),
        per_page=read.integer("per_page", 50, 1, max_per_page),
    )
    read.done()
    return filters


def parse_provider_query(args: MultiDict, *, max_per_page: int) -> tuple[str | None, int, int]:
    read = _Reader(args, PROVIDER_PARAMETERS)
    result = (read.text("q"), read.integer("page", 1, 1, 1_000_000), read.integer("per_page", 50, 1, max_per_page))
    read.done()
    return result
