"""What the rows of a CQC bulk file say, as ratings reports, register entries and API-shaped records.

Pure functions over the {field: text} rows that `cqc.files.BulkFile.rows()` gives. A row that
cannot be understood (a date that is not a date, a nested field that is not a Python literal)
raises RowProblem, so the importer can report that location and carry on with the others.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from datetime import date

from provider_monitor.cqc.files import SERVICE_TYPE_PREFIX, header_key
from provider_monitor.enums import KeyQuestion, RegistrationStatus, ServiceType
from provider_monitor.services.cqc_records import SERVICE_TYPES, LocationRecord
from provider_monitor.services.rating_rules import Rating, Report, normalise, question_for

INHERITED = "inherited (file)"  # RatingSnapshot.inherited_from for ratings the file marks "Inherited Rating = Y"
GROUP_NOT_HELD = "ratings of a service or population group (only a location's own ratings are held)"
NO_RATING = "no rating given"
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[T ])")
UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:$|\D)")
COMPANIES_HOUSE = re.compile(r"^([0-9]{8}|[A-Z]{2}[0-9]{6})$")
API_NUMBERS = {"numberOfBeds": int, "onspdLatitude": float, "onspdLongitude": float}


class RowProblem(ValueError):
    """A row (or a location's group of rows) that cannot be read; the message says which value."""


def file_date(value: str | None, column: str = "Publication Date") -> date | None:
    """'31/10/2019', '1/5/2026', '2019-10-31' or '2019-10-31T09:00:00' → a date; blank → None."""
    text = (value or "").strip()
    if not text:
        return None
    iso, uk = ISO_DATE.match(text), UK_DATE.match(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if uk:
            return date(int(uk[3]), int(uk[2]), int(uk[1]))
    except ValueError:
        pass
    raise RowProblem(f"{column} '{text}' is not a date")


def yes(value: str | None) -> bool:
    return (value or "").strip().upper() in ("Y", "YES", "TRUE")


def _number(value: str | None, column: str, kind=float):
    if not value:
        return None
    try:
        number = float(value.replace(",", ""))
    except ValueError:
        raise RowProblem(f"{column} '{value}' is not a number") from None
    return int(number) if kind is int else number


# --- Care directory with ratings (Locations sheet) ------------------------------------------------


def rating_row_skip(row: dict[str, str]) -> str | None:
    """Why a ratings row is not one of a location's own ratings of a key question we hold; None if it is."""
    if header_key(row.get("group", "")) != "overall":
        return GROUP_NOT_HELD
    if question_for(row.get("domain")) is None:
        return f"'{row.get('domain', '')}' is not a key question rated per service"
    if not row.get("rating"):
        return NO_RATING
    return None


@dataclass(frozen=True)
class LocationRatings:
    report: Report | None
    inherited: bool


def ratings_report(rows: list[dict[str, str]]) -> LocationRatings:
    """One report from a location's own rows (those rating_row_skip keeps): each question with its date."""
    given: dict = {}
    for row in rows:
        question = question_for(row["domain"])
        rating = Rating(normalise(row["rating"]), file_date(row.get("published")))
        held = given.get(question)
        if held is None or (rating.published_on or date.min) >= (held.published_on or date.min):
            given[question] = rating
    published = max((r.published_on for r in given.values() if r.published_on), default=None)
    return LocationRatings(Report(published, given) if given else None, any(yes(r.get("inherited")) for r in rows))


def is_social_care(row: dict[str, str]) -> bool:
    """The ratings file covers GPs, dentists and hospitals too; its Location Type says which."""
    return "location_type" not in row or header_key(row["location_type"]) == "socialcareorg"


def ratings_location_record(rows: list[dict[str, str]], current: Report | None) -> LocationRecord:
    """A register entry for a location the ratings file names (only what that file says about it)."""
    first = rows[0]
    return LocationRecord(
        location_id=first["location_id"], provider_id=first.get("provider_id"),
        name=first.get("name", first["location_id"]), registration_status=RegistrationStatus.REGISTERED,
        registration_date=None, deregistration_date=None,
        address_line_1=first.get("address_1"), address_line_2=first.get("address_2"), town=first.get("town"),
        postcode=first.get("postcode"), latitude=None, longitude=None, local_authority=first.get("local_authority"),
        inspection_directorate="Adult social care", beds=None,
        service_type=ServiceType.CARE_HOME if yes(first.get("care_home")) else ServiceType.OTHER, current=current,
    )  # fmt: skip


# --- HSCA Active Locations --------------------------------------------------------------------------


def service_type(row: dict[str, str]) -> ServiceType:
    """From the one-hot 'Service type - …' columns (the first that applies, in SERVICE_TYPES order)."""
    for description, found in SERVICE_TYPES.items():
        if yes(row.get(SERVICE_TYPE_PREFIX + header_key(description))):
            return found
    return ServiceType.CARE_HOME if yes(row.get("care_home")) else ServiceType.OTHER


def companies_house_number(value: str | None) -> str | None:
    """Eight characters: a number that lost its leading zeros in a spreadsheet gets them back."""
    text = "".join((value or "").split()).upper()
    if text.isdigit() and len(text) < 8:
        text = text.zfill(8)
    return text if COMPANIES_HOUSE.match(text) else None


@dataclass(frozen=True)
class ProviderDetails:
    provider_id: str
    name: str
    companies_house_number: str | None
    ownership_type: str | None
    address_line_1: str | None
    address_line_2: str | None
    town: str | None
    postcode: str | None


@dataclass(frozen=True)
class DirectoryEntry:
    record: LocationRecord  # without ratings
    provider: ProviderDetails
    report: Report | None  # Overall only
    inherited: bool


def directory_entry(row: dict[str, str]) -> DirectoryEntry:
    """One HSCA Active Locations row: the location, its provider and its latest overall rating."""
    beds = _number(row.get("beds"), "Care homes beds", int)
    record = LocationRecord(
        location_id=row["location_id"], provider_id=row["provider_id"], name=row["name"],
        registration_status=RegistrationStatus.REGISTERED,
        registration_date=file_date(row.get("registered_on"), "Location HSCA start date"), deregistration_date=None,
        address_line_1=row.get("address_1"), address_line_2=row.get("address_2"), town=row.get("town"),
        postcode=row.get("postcode"), latitude=_number(row.get("latitude"), "Location Latitude"),
        longitude=_number(row.get("longitude"), "Location Longitude"), local_authority=row.get("local_authority"),
        inspection_directorate=row.get("directorate"), beds=beds if beds and beds > 0 else None,
        service_type=service_type(row),
    )  # fmt: skip
    provider = ProviderDetails(
        provider_id=row["provider_id"], name=row["provider_name"],
        companies_house_number=companies_house_number(row.get("companies_house_number")),
        ownership_type=row.get("ownership_type"), address_line_1=row.get("provider_address_1"),
        address_line_2=row.get("provider_address_2"), town=row.get("provider_town"),
        postcode=row.get("provider_postcode"),
    )  # fmt: skip
    value, published = normalise(row.get("rating")), file_date(row.get("published"))
    report = Report(published, {KeyQuestion.OVERALL: Rating(value, published)}) if value else None
    return DirectoryEntry(record, provider, report, yes(row.get("inherited")))


# --- CSV dumps of API records -----------------------------------------------------------------------


def api_record(row: dict[str, str]) -> dict:
    """The API-shaped location object a pandas dump row came from.

    Nested fields are Python literals (read with ast.literal_eval, never eval); dates the spreadsheet
    turned into dd/mm/yyyy go back to ISO; beds and coordinates become numbers; a phone number gets
    back the leading 0 the spreadsheet took off. Blank cells were already left out, as the API does.
    """
    record: dict = {}
    for name, text in row.items():
        if text.startswith(("[", "{")):
            try:
                record[name] = ast.literal_eval(text)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                raise RowProblem(f"{name} is not a readable list or object") from None
        elif name.endswith("Date"):
            record[name] = file_date(text, name).isoformat()
        elif name in API_NUMBERS:
            record[name] = _number(text, name, API_NUMBERS[name])
        elif name == "mainPhoneNumber" and text.isdigit() and not text.startswith("0"):
            record[name] = "0" + text
        else:
            record[name] = text
    return record
