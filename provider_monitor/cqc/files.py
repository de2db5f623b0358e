"""Reading CQC's bulk data files by header name: which kind of file it is, and its rows.

Kinds recognised: the "Care directory with ratings" Locations sheet (long format: one row per
location, service group and domain), its Providers sheet, the "HSCA Active Locations" directory,
and a CSV dump of API location records (nested fields written as Python literals).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from provider_monitor.services.cqc_records import parse_date


class FileProblem(ValueError):
    """The file cannot be imported; the message says why (and nothing was changed)."""


def header_key(name) -> str:
    """Headers compared without spaces or case: 'Location ID', 'LocationID' and 'location id' match."""
    return "".join(str(name).split()).lower()


KINDS = {
    "ratings-locations": {"locationid", "domain", "latestrating", "publicationdate"},
    "ratings-providers": {"providerid", "domain", "latestrating", "publicationdate"},
    "hsca-active-locations": {"locationid", "locationname", "locationlatestoverallrating", "locationlocalauthority"},
    "api-dump": {"locationid", "name", "currentratings", "historicratings"},
}
# Older editions of the ratings file say "Key Question" instead of "Domain".
ALIASES = {"keyquestion": "domain", "service/populationgroup": "servicepopulationgroup"}
MARKERS = ("locationid", "providerid")


@dataclass
class BulkFile:
    kind: str
    headers: list[str]  # as written in the file
    rows: list[dict]  # header_key → cell text, blanks omitted


def _read_raw(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(path, header=None, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if suffix in (".xlsx", ".xlsm"):
            return _first_sheet_with_marker(
                pd.read_excel(path, sheet_name=None, header=None, dtype=str, engine="openpyxl")
            )
        if suffix == ".ods":
            return _first_sheet_with_marker(pd.read_excel(path, sheet_name=None, header=None, dtype=str, engine="odf"))
    except Exception as error:
        raise FileProblem(f"{path.name} could not be read as {suffix[1:].upper()}: {error}") from None
    raise FileProblem(f"{path.name}: only CSV, XLSX and ODS files can be imported")


def _header_row(frame: pd.DataFrame) -> int | None:
    for index in range(min(len(frame), 15)):
        if any(header_key(cell) in MARKERS for cell in frame.iloc[index].tolist()):
            return index
    return None


def _first_sheet_with_marker(sheets: dict) -> pd.DataFrame:
    # The ratings file's Locations sheet comes first; README sheets have no header row.
    for frame in sheets.values():
        if _header_row(frame) is not None:
            return frame
    return next(iter(sheets.values()))


def read_bulk_file(path: Path) -> BulkFile:
    """Recognise the file by its headers and return its rows; FileProblem if it is not one we know."""
    frame = _read_raw(path).fillna("")
    row = _header_row(frame)
    if row is None:
        raise FileProblem(f"{path.name} has no 'Location ID' or 'Provider ID' header in its first rows")
    headers = [str(c) for c in frame.iloc[row].tolist()]
    keys = [ALIASES.get(header_key(c), header_key(c)) for c in headers]
    present = set(keys)
    kind = next((k for k, needed in KINDS.items() if needed <= present), None)
    if kind is None:
        closest = min(KINDS.items(), key=lambda item: len(item[1] - present))
        missing = ", ".join(sorted(closest[1] - present))
        raise FileProblem(f"{path.name} is missing the headers a CQC file needs ({missing}); nothing was imported")
    rows = [
        {key: str(value).strip() for key, value in zip(keys, values, strict=False) if key and str(value).strip()}
        for values in frame.iloc[row + 1 :].itertuples(index=False, name=None)
    ]
    return BulkFile(kind, headers, [r for r in rows if r])


NESTED = {"relationships", "locationTypes", "regulatedActivities", "gacServiceTypes", "inspectionCategories",
          "specialisms", "inspectionAreas", "currentRatings", "historicRatings", "reports", "lastInspection",
          "lastReport"}  # fmt: skip
DATES = {"registrationDate", "deregistrationDate", "registeredManagerAbsentDate", "dormancyStartDate"}


def api_record_from_dump(row: dict, headers: list[str]) -> dict:
    """An API-shaped location dict from one row of a pandas dump (Python-literal nested fields)."""
    by_key = {header_key(h): h for h in headers}
    record = {}
    for key, value in row.items():
        name = by_key.get(key, key)
        if name in NESTED:
            try:
                record[name] = ast.literal_eval(value)  # literals only: never eval
            except (ValueError, SyntaxError):
                continue
        elif name in DATES:
            parsed = parse_date(value)
            if parsed:
                record[name] = parsed.isoformat()
        elif name == "numberOfBeds":
            record[name] = int(float(value)) if value.replace(".", "", 1).isdigit() else None
        elif name in ("onspdLatitude", "onspdLongitude"):
            try:
                record[name] = float(value)
            except ValueError:
                continue
        else:
            record[name] = value
    return record
