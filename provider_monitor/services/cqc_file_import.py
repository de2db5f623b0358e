"""Storing what a CQC bulk file says: ratings for services on the register, and new services in the area."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from provider_monitor.cqc.files import BulkFile, api_record_from_dump
from provider_monitor.enums import KeyQuestion, RatingSource, RegistrationStatus, ServiceType
from provider_monitor.services import cqc_import, ratings
from provider_monitor.services.cqc_records import LocationRecord, MalformedRecord, location_record, parse_date
from provider_monitor.services.rating_rules import Rating, State, normalise, question_for

OUTSIDE = "not on the register, and outside the local authorities given"
PROVIDER_LEVEL = "provider-level ratings are not held; ratings are kept per service"


@dataclass
class FileReport:
    kind: str
    rows_read: int = 0
    locations: int = 0
    new_services: list[str] = field(default_factory=list)
    snapshots_added: int = 0
    changes: int = 0
    skipped: Counter = field(default_factory=Counter)
    failures: list[tuple[str, str]] = field(default_factory=list)


def _in_area(row: dict, authorities: set[str]) -> bool:
    return row.get("locationlocalauthority", "").lower() in authorities


def _record_from_row(row: dict) -> LocationRecord:
    """A register entry from a directory-style row (ratings or HSCA file)."""
    care_home = row.get("carehome?", row.get("carehome", "")).upper().startswith("Y")
    service_type = ServiceType.CARE_HOME if care_home else ServiceType.OTHER
    if row.get("servicetype-carehomeservicewithnursing", "").upper() == "Y":
        service_type = ServiceType.CARE_HOME_NURSING
    elif row.get("servicetype-domiciliarycareservice", "").upper() == "Y":
        service_type = ServiceType.HOME_CARE
    elif row.get("servicetype-supportedlivingservice", "").upper() == "Y":
        service_type = ServiceType.SUPPORTED_LIVING
    beds = row.get("carehomesbeds", "")
    return LocationRecord(
        location_id=row["locationid"], provider_id=row.get("providerid"),
        name=row.get("locationname", row["locationid"]), registration_status=RegistrationStatus.REGISTERED,
        registration_date=parse_date(row.get("locationhscastartdate")), deregistration_date=None,
        address_line_1=row.get("locationstreetaddress"), address_line_2=row.get("locationaddressline2"),
        town=row.get("locationcity"), postcode=row.get("locationpostalcode") or row.get("locationpostcode"),
        latitude=_float(row.get("locationlatitude")), longitude=_float(row.get("locationlongitude")),
        local_authority=row.get("locationlocalauthority"),
        inspection_directorate=row.get("locationinspectiondirectorate", "Adult social care"),
        beds=int(float(beds)) if beds.replace(".", "", 1).isdigit() and float(beds) > 0 else None,
        service_type=service_type,
    )  # fmt: skip


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _merge_onto_current(session: Session, service_id: int, ratings_given: dict[KeyQuestion, Rating]) -> State:
    """The state after these ratings: questions the file does not give keep what is held."""
    held = ratings.current_snapshots(session, [service_id]).get(service_id)
    running = dict(ratings.snapshot_state(held).ratings) if held else {}
    running.update(ratings_given)
    published = max((r.published_on for r in ratings_given.values() if r.published_on), default=None)
    return State(published, running)


class _FileImporter:
    def __init__(self, session: Session, report: FileReport, authorities: list[str]):
        self.session, self.report = session, report
        self.authorities = {a.strip().lower() for a in authorities}

    def _service_for(self, location_id: str, row: dict):
        service = cqc_import.find_service(self.session, location_id)
        if service is None and _in_area(row, self.authorities):
            outcome = cqc_import.import_location(
                self.session, _record_from_row(row), source=RatingSource.CQC_FILE, provider_name=row.get("providername")
            )
            self.report.new_services.append(f"{row.get('locationname', location_id)} ({location_id})")
            service = cqc_import.find_service(self.session, location_id) if outcome.created else None
        return service

    def _store(self, location_id: str, row: dict, given: dict[KeyQuestion, Rating], inherited: bool) -> None:
        try:
            with self.session.begin_nested():
                service = self._service_for(location_id, row)
                if service is None:
                    self.report.skipped[OUTSIDE] += 1
                    return
                self.report.locations += 1
                if given:
                    state = _merge_onto_current(self.session, service.id, given)
                    recorded = ratings.record_states(
                        self.session, service.id, [state], source=RatingSource.CQC_FILE,
                        inherited_from="inherited (file)" if inherited else None,
                    )  # fmt: skip
                    self.report.snapshots_added += recorded.added
                    self.report.changes += recorded.changes
        except (SQLAlchemyError, ValueError) as error:
            self.report.failures.append((location_id, f"could not be stored: {error.__class__.__name__}"))

    def ratings_locations(self, rows: list[dict]) -> None:
        by_location: dict[str, list[dict]] = defaultdict(list)
        for row in rows:
            group = row.get("servicepopulationgroup", "Overall").lower()
            if group != "overall":
                self.report.skipped["service or population group ratings (the location's own are used)"] += 1
                continue
            by_location[row["locationid"]].append(row)
        for location_id, group in by_location.items():
            given = {}
            for row in group:
                question = question_for(row.get("domain"))
                value = normalise(row.get("latestrating"))
                if question is None or value is None:
                    self.report.skipped[f"domain not held: {row.get('domain', 'blank')}"] += 1
                    continue
                given[question] = Rating(value, parse_date(row.get("publicationdate")))
            inherited = any(r.get("inheritedrating(y/n)", "").upper() == "Y" for r in group)
            self._store(location_id, group[0], given, inherited)

    def hsca_locations(self, rows: list[dict]) -> None:
        for row in rows:
            if not _in_area(row, self.authorities):
                self.report.skipped["outside the local authorities given"] += 1
                continue
            if row.get("locationinspectiondirectorate", "Adult social care").lower() != "adult social care":
                self.report.skipped["not adult social care"] += 1
                continue
            value = normalise(row.get("locationlatestoverallrating"))
            when = parse_date(row.get("publicationdate"))
            given = {KeyQuestion.OVERALL: Rating(value, when)} if value else {}
            self._store(row["locationid"], row, given, row.get("inheritedrating(y/n)", "").upper() == "Y")

    def api_dump(self, rows: list[dict], headers: list[str]) -> None:
        for number, row in enumerate(rows, start=2):
            try:
                record = location_record(api_record_from_dump(row, headers))
                with self.session.begin_nested():
                    outcome = cqc_import.import_location(self.session, record, source=RatingSource.CQC_FILE)
            except MalformedRecord as error:
                self.report.failures.append((f"row {number}", str(error)))
                continue
            except (SQLAlchemyError, ValueError) as error:
                self.report.failures.append((f"row {number}", f"could not be stored: {error.__class__.__name__}"))
                continue
            self.report.locations += 1
            self.report.snapshots_added += outcome.snapshots_added
            self.report.changes += outcome.changes
            if outcome.created:
                self.report.new_services.append(f"{record.name} ({record.location_id})")


def import_bulk_file(session: Session, bulk: BulkFile, *, local_authorities: list[str]) -> FileReport:
    """Store what the file holds; each location in its own savepoint. Flushes only."""
    report = FileReport(bulk.kind, rows_read=len(bulk.rows))
    importer = _FileImporter(session, report, local_authorities)
    if bulk.kind == "ratings-locations":
        importer.ratings_locations(bulk.rows)
    elif bulk.kind == "ratings-providers":
        report.skipped[PROVIDER_LEVEL] = len({row.get("providerid") for row in bulk.rows})
    elif bulk.kind == "hsca-active-locations":
        importer.hsca_locations(bulk.rows)
    else:
        importer.api_dump(bulk.rows, bulk.headers)
    return report
