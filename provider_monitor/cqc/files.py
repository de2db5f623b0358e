"""CQC's bulk data files, read by header name (never by column position): which kind a file is, and its rows.

Kinds recognised (the header row is found by its `Location ID` / `Provider ID` cell, on whatever row):

- "Care directory with ratings" (Latest ratings), Locations sheet: one row per location, service /
  population group and domain (older editions say `Key Question`);
- the same file's Providers sheet (a CSV saved from it may have the spaces taken out of the headers);
- "HSCA Active Locations" (Care directory with filters): one row per active location;
- a CSV dump of CQC API location records (nested fields written as Python literals).

Headers are matched with spaces removed and case ignored. Nothing here touches the database:
`BulkFile.rows()` gives dicts of text, and `cqc.file_rows` turns them into ratings and register entries.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from provider_monitor.cqc.spreadsheets import FileProblem, sheets

__all__ = ["KINDS", "BulkFile", "Column", "FileKind", "FileProblem", "header_key", "read_bulk_file"]

HEADER_SEARCH_ROWS = 20
SERVICE_TYPE_PREFIX = "servicetype-"


def header_key(name) -> str:
    """'Location ID', 'LocationID' and 'location id' all give 'locationid'."""
    return "".join(str(name).split()).lower()


class FileKind(StrEnum):
    RATINGS_LOCATIONS = "ratings-locations"
    RATINGS_PROVIDERS = "ratings-providers"
    HSCA_ACTIVE_LOCATIONS = "hsca-active-locations"
    API_DUMP = "api-dump"

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS = {
    FileKind.RATINGS_LOCATIONS: "Care directory with ratings (Latest ratings), Locations sheet",
    FileKind.RATINGS_PROVIDERS: "Care directory with ratings (Latest ratings), Providers sheet",
    FileKind.HSCA_ACTIVE_LOCATIONS: "HSCA Active Locations (Care directory with filters)",
    FileKind.API_DUMP: "CSV dump of CQC API location records",
}


@dataclass(frozen=True)
class Column:
    field: str
    names: tuple[str, ...]  # as CQC writes the header; the first is the one named in messages
    required: bool = False

    @property
    def keys(self) -> set[str]:
        return {header_key(n) for n in self.names}

    @property
    def shown(self) -> str:
        return self.names[0] + (f" (or {', '.join(self.names[1:])})" if len(self.names) > 1 else "")


_RATING_COLUMNS = (
    Column("group", ("Service / Population Group",), True),
    Column("domain", ("Domain", "Key Question"), True),
    Column("rating", ("Latest Rating",), True),
    Column("published", ("Publication Date",), True),
    Column("inherited", ("Inherited Rating (Y/N)",)),
    Column("provider_name", ("Provider Name",)),
)
_LOCATION_COLUMNS = (
    Column("name", ("Location Name",)),
    Column("address_1", ("Location Street Address",)),
    Column("address_2", ("Location Address Line 2",)),
    Column("town", ("Location City",)),
    Column("postcode", ("Location Post Code", "Location Postal Code")),
    Column("local_authority", ("Location Local Authority",)),
    Column("provider_id", ("Provider ID",)),
)
KINDS: dict[FileKind, tuple[Column, ...]] = {
    FileKind.RATINGS_LOCATIONS: (
        Column("location_id", ("Location ID",), True),
        *_RATING_COLUMNS,
        *_LOCATION_COLUMNS,
        Column("care_home", ("Care Home?",)),
        Column("location_type", ("Location Type",)),
    ),
    FileKind.RATINGS_PROVIDERS: (Column("provider_id", ("Provider ID",), True), *_RATING_COLUMNS),
    FileKind.HSCA_ACTIVE_LOCATIONS: (
        Column("location_id", ("Location ID",), True),
        Column("name", ("Location Name",), True),
        Column("local_authority", ("Location Local Authority",), True),
        Column("directorate", ("Location Inspection Directorate",), True),
        Column("rating", ("Location Latest Overall Rating",), True),
        Column("published", ("Publication Date",), True),
        Column("provider_id", ("Provider ID",), True),
        Column("provider_name", ("Provider Name",), True),
        *(c for c in _LOCATION_COLUMNS if c.field not in ("name", "local_authority", "provider_id")),
        Column("registered_on", ("Location HSCA start date",)),
        Column("care_home", ("Care home?",)),
        Column("beds", ("Care homes beds",)),
        Column("latitude", ("Location Latitude",)),
        Column("longitude", ("Location Longitude",)),
        Column("inherited", ("Inherited Rating (Y/N)",)),
        Column("companies_house_number", ("Provider Companies House Number",)),
        Column("ownership_type", ("Provider Ownership Type",)),
        Column("provider_address_1", ("Provider Street Address",)),
        Column("provider_address_2", ("Provider Address Line 2",)),
        Column("provider_town", ("Provider City",)),
        Column("provider_postcode", ("Provider Postal Code",)),
    ),
    FileKind.API_DUMP: (
        Column("locationId", ("locationId",), True),
        Column("name", ("name",), True),
        Column("currentRatings", ("currentRatings",), True),
    ),
}

# Headers only one kind of file has: a file is the kind whose signature it matches best.
API_SIGNATURE = {"currentratings", "historicratings", "registrationstatus", "postaladdressline1", "gacservicetypes"}
HSCA_SIGNATURE = {"locationhscastartdate", "locationinspectiondirectorate", "locationlatestoverallrating",
                  "carehomesbeds", "dormant(y/n)"}  # fmt: skip
RATINGS_SIGNATURE = {"service/populationgroup", "domain", "keyquestion", "latestrating", "reporttype"}
DEACTIVATED_SIGNATURE = {"locationhscaenddate", "locationstatus"}


def detect_kind(keys: set[str], name: str) -> FileKind:
    if len(keys & API_SIGNATURE) >= 2:
        return FileKind.API_DUMP
    if keys & DEACTIVATED_SIGNATURE:
        raise FileProblem(f"{name} looks like CQC's Deactivated locations file, which this command does not import")
    hsca = len(keys & HSCA_SIGNATURE) + any(k.startswith(SERVICE_TYPE_PREFIX) for k in keys)
    ratings = len(keys & RATINGS_SIGNATURE)
    if hsca > ratings:
        return FileKind.HSCA_ACTIVE_LOCATIONS
    if ratings:
        return FileKind.RATINGS_LOCATIONS if "locationid" in keys else FileKind.RATINGS_PROVIDERS
    raise FileProblem(
        f"{name} is not a CQC file this command knows: its headers have none of Latest Rating, Domain, "
        "Location Latest Overall Rating or currentRatings. Nothing was imported."
    )


@dataclass(frozen=True)
class BulkFile:
    """A recognised file whose required headers are all present; `rows()` reads it (again) from disk."""

    path: Path
    kind: FileKind
    sheet: str
    sheet_index: int  # position in the file
    header_row: int  # 1-based, as a spreadsheet shows it
    headers: tuple[str, ...]
    columns: dict[str, int]  # field → position, found by header name
    flags: dict[str, int] = field(default_factory=dict)  # one-hot "Service type - …" header key → position

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(row number, {field: text}) for every data row that is not blank; blank cells are left out."""
        with closing(sheets(self.path, names=False)) as source:
            for index, _, rows in source:
                if index != self.sheet_index:
                    continue
                for number, cells in enumerate(rows, start=1):
                    if number > self.header_row and (row := _pick(cells, self.columns | self.flags)):
                        yield number, row
                return

    def describe(self) -> str:
        sheet = "" if self.path.suffix.lower() == ".csv" else f", sheet '{self.sheet}'"
        return f"{self.kind.label} ({self.path.name}{sheet}, header on row {self.header_row})"


def _pick(cells: list[str], positions: dict[str, int]) -> dict[str, str]:
    picked = {}
    for key, index in positions.items():
        if index < len(cells) and (value := cells[index].strip()):
            picked[key] = value
    return picked


def _header_in(rows: Iterator[list[str]]) -> tuple[int, list[str]] | None:
    for number, cells in enumerate(rows, start=1):
        if {"locationid", "providerid"} & {header_key(c) for c in cells}:
            return number, cells
        if number >= HEADER_SEARCH_ROWS:
            return None
    return None


def _find_header(path: Path) -> tuple[str, int, int, list[str]]:
    """The sheet to read and its header row: the first with a Location ID header, else one with Provider ID."""
    fallback = None
    with closing(sheets(path)) as source:
        for index, name, rows in source:
            found = _header_in(rows)
            if found is None:
                continue
            if "locationid" in {header_key(c) for c in found[1]}:
                return name, index, *found
            fallback = fallback or (name, index, *found)
    if fallback is None:
        raise FileProblem(
            f"{path.name} has no 'Location ID' or 'Provider ID' header in the first {HEADER_SEARCH_ROWS} rows "
            "of any sheet, so it is not a CQC file this command knows. Nothing was imported."
        )
    return fallback


def read_bulk_file(path: Path) -> BulkFile:
    """Recognise the file by its headers; FileProblem (naming what is missing) if it cannot be imported."""
    path = Path(path)
    sheet, sheet_index, header_row, cells = _find_header(path)
    headers = tuple(str(c).strip() for c in cells)
    keys = [header_key(h) for h in headers]
    kind = detect_kind({k for k in keys if k}, path.name)
    columns: dict[str, int] = {}
    missing = []
    for column in KINDS[kind]:
        index = next((i for i, key in enumerate(keys) if key in column.keys), None)
        if index is not None:
            columns[column.field] = index
        elif column.required:
            missing.append(column.shown)
    if missing:
        raise FileProblem(
            f"{path.name} looks like a {kind.label} file but is missing the required column(s): "
            f"{'; '.join(missing)}. Nothing was imported."
        )
    if kind == FileKind.API_DUMP:  # every column, under its API name
        columns = {header: i for i, header in enumerate(headers) if header and not header.startswith("Unnamed:")}
    flags = {k: i for i, k in enumerate(keys) if k.startswith(SERVICE_TYPE_PREFIX)}
    return BulkFile(path, kind, sheet, sheet_index, header_row, headers, columns, flags)
