"""Read a CQC API location record (a dict from JSON) into plain values, defensively.

CQC omits empty fields rather than sending null, orders key questions as it likes, spells
'Requires Improvement' two ways and adds the Single Assessment Framework `assessment[]` block
to newer records. Everything is read by name with a default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from provider_monitor.enums import KeyQuestion, RegistrationStatus, ServiceType
from provider_monitor.services.rating_rules import Rating, Report, State, build_history, normalise, question_for

SERVICE_TYPES = {
    "care home service with nursing": ServiceType.CARE_HOME_NURSING,
    "care home service without nursing": ServiceType.CARE_HOME,
    "domiciliary care service": ServiceType.HOME_CARE,
    "supported living service": ServiceType.SUPPORTED_LIVING,
    "extra care housing services": ServiceType.EXTRA_CARE,
    "shared lives": ServiceType.SHARED_LIVES,
    "rehabilitation services": ServiceType.REABLEMENT,
}


class MalformedRecord(ValueError):
    """The record is not a CQC location we can read; the message says why."""


def parse_date(value) -> date | None:
    """'2019-10-31', '2019-10-31T09:00:00Z' or '31/10/2019' → a date; anything else → None."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if len(text) >= 10 and text[4] == "-":
            return date.fromisoformat(text[:10])
        if len(text) >= 10 and text[2] == "/":
            day, month, year = text[:10].split("/")
            return date(int(year), int(month), int(day))
    except ValueError:
        return None
    return None


@dataclass
class LocationRecord:
    location_id: str
    provider_id: str | None
    name: str
    registration_status: RegistrationStatus
    registration_date: date | None
    deregistration_date: date | None
    address_line_1: str | None
    address_line_2: str | None
    town: str | None
    postcode: str | None
    latitude: float | None
    longitude: float | None
    local_authority: str | None
    inspection_directorate: str | None
    beds: int | None
    service_type: ServiceType
    predecessors: list[str] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    current: Report | None = None
    inherited_from: str | None = None

    def history(self) -> list[State]:
        return build_history(self.reports, self.current)


def _text(data: dict, key: str) -> str | None:
    value = data.get(key)
    return str(value).strip() or None if value not in (None, "") else None


def _float(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _key_question_ratings(items, default: Rating | None = None) -> dict[KeyQuestion, Rating]:
    ratings = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        question = question_for(item.get("name"))
        value = normalise(item.get("rating"))
        if question is None or question == KeyQuestion.OVERALL or value is None:
            continue
        published = parse_date(item.get("reportDate")) or (default.published_on if default else None)
        link = item.get("reportLinkId") or (default.report_link if default else None)
        ratings[question] = Rating(value, published, link)
    return ratings


def _current(data: dict) -> Report | None:
    block = data.get("currentRatings")
    overall = block.get("overall") if isinstance(block, dict) else None
    if not isinstance(overall, dict):
        return None
    published = parse_date(overall.get("reportDate")) or parse_date(block.get("reportDate"))
    link = overall.get("reportLinkId")
    ratings = {}
    value = normalise(overall.get("rating"))
    if value:
        ratings[KeyQuestion.OVERALL] = Rating(value, published, link)
    ratings.update(_key_question_ratings(overall.get("keyQuestionRatings"), Rating("", published, link)))
    return Report(published, ratings, link) if ratings else None


def _historic(data: dict) -> list[Report]:
    reports = []
    for entry in data.get("historicRatings") or []:
        if not isinstance(entry, dict):
            continue
        published, link = parse_date(entry.get("reportDate")), entry.get("reportLinkId")
        overall = entry.get("overall") if isinstance(entry.get("overall"), dict) else {}
        ratings = _key_question_ratings(overall.get("keyQuestionRatings"), Rating("", published, link))
        value = normalise(overall.get("rating"))
        if value:
            ratings[KeyQuestion.OVERALL] = Rating(value, published, link)
        if ratings:
            reports.append(Report(published, ratings, link))
    return reports


def _assessments(data: dict) -> list[Report]:
    """Single Assessment Framework results: the location-level `ratings.overall` of each assessment."""
    reports = []
    for assessment in data.get("assessment") or []:
        if not isinstance(assessment, dict):
            continue
        published = parse_date(assessment.get("assessmentPlanPublishedDateTime"))
        overall_list = (assessment.get("ratings") or {}).get("overall") or []
        for overall in overall_list if isinstance(overall_list, list) else []:
            if not isinstance(overall, dict):
                continue
            ratings = _key_question_ratings(overall.get("keyQuestionRatings"), Rating("", published, None))
            value = normalise(overall.get("rating"))
            if value:
                ratings[KeyQuestion.OVERALL] = Rating(value, published, None)
            if ratings:
                reports.append(Report(published, ratings, None))
    return reports


def _service_type(data: dict) -> ServiceType:
    for item in data.get("gacServiceTypes") or []:
        if isinstance(item, dict):
            found = SERVICE_TYPES.get(str(item.get("description", "")).strip().lower())
            if found:
                return found
    return ServiceType.CARE_HOME if data.get("careHome") == "Y" else ServiceType.OTHER


def _newest_current(current: Report | None, assessments: list[Report]) -> tuple[Report | None, list[Report]]:
    """The newest of the current ratings and the assessments is current; the rest is history."""
    if not assessments:
        return current, []
    newest = max(assessments, key=lambda r: r.published_on or date.min)
    if current is None or (newest.published_on or date.min) > (current.published_on or date.min):
        rest = [r for r in assessments if r is not newest] + ([current] if current else [])
        return newest, rest
    return current, assessments


def location_record(data) -> LocationRecord:
    """A LocationRecord from an API location object; MalformedRecord if it is not one."""
    if not isinstance(data, dict):
        raise MalformedRecord("expected a JSON object for a location")
    location_id = _text(data, "locationId")
    if not location_id or not location_id.startswith("1-"):
        raise MalformedRecord("the record has no CQC locationId")
    name = _text(data, "name") or _text(data, "locationName")
    if not name:
        raise MalformedRecord(f"location {location_id} has no name")
    status = str(data.get("registrationStatus", "")).strip().lower()
    current, extra_history = _newest_current(_current(data), _assessments(data))
    overall = (data.get("currentRatings") or {}).get("overall") if isinstance(data.get("currentRatings"), dict) else {}
    beds = data.get("numberOfBeds")
    return LocationRecord(
        location_id=location_id,
        provider_id=_text(data, "providerId"),
        name=name,
        registration_status=RegistrationStatus.DEREGISTERED
        if status == "deregistered"
        else RegistrationStatus.REGISTERED,
        registration_date=parse_date(data.get("registrationDate")),
        deregistration_date=parse_date(data.get("deregistrationDate")),
        address_line_1=_text(data, "postalAddressLine1"),
        address_line_2=_text(data, "postalAddressLine2"),
        town=_text(data, "postalAddressTownCity"),
        postcode=_text(data, "postalCode"),
        latitude=_float(data.get("onspdLatitude")),
        longitude=_float(data.get("onspdLongitude")),
        local_authority=_text(data, "localAuthority"),
        inspection_directorate=_text(data, "inspectionDirectorate"),
        beds=beds if isinstance(beds, int) and beds > 0 else None,
        service_type=_service_type(data),
        predecessors=[
            str(r.get("relatedLocationId"))
            for r in data.get("relationships") or []
            if isinstance(r, dict) and r.get("type") == "HSCA Predecessor" and r.get("relatedLocationId")
        ],
        reports=_historic(data) + extra_history,
        current=current,
        inherited_from=(overall or {}).get("organisationId") if isinstance(overall, dict) else None,
    )
