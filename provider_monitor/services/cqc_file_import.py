"""Storing what a CQC bulk file says: ratings for services on the register, and services new to the area.

The whole file is read (and checked) before anything is written, so a file that turns out to be
unreadable half-way changes nothing. Each location is then stored in its own savepoint: one that
fails is rolled back alone and reported. Flushes only; the command commits.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from provider_monitor.cqc import file_rows
from provider_monitor.cqc.file_rows import INHERITED, RowProblem
from provider_monitor.cqc.files import BulkFile, FileKind
from provider_monitor.enums import KeyQuestion, RatingSource
from provider_monitor.models.provider import Provider
from provider_monitor.models.service import Service
from provider_monitor.services import cqc_import, ratings
from provider_monitor.services.cqc_records import MalformedRecord, location_record
from provider_monitor.services.rating_rules import Report, State, is_rating
from provider_monitor.text import normalise_postcode

log = logging.getLogger(__name__)

NOT_ON_REGISTER = "not on the register (and not in a --local-authority given)"
NOT_SOCIAL_CARE = "not on the register, and not adult social care"
OUTSIDE = "outside the local authorities given"
PROVIDER_LEVEL = "provider-level ratings are not held; ratings are kept per service"
OLDER = "the file's ratings are older than those held"
NO_RATINGS = "no ratings of the location itself in the file"

Stored = tuple[int, int, bool]  # snapshots added, changes found, service created


@dataclass
class FileReport:
    kind: FileKind
    rows_read: int = 0
    locations: int = 0  # stored (matched on the register or added), whether or not anything was new
    new_services: list[str] = field(default_factory=list)
    snapshots_added: int = 0
    changes: int = 0
    skipped: Counter = field(default_factory=Counter)  # (what, reason) → how many; what: rows, locations …
    failures: list[tuple[str, str]] = field(default_factory=list)  # (where, why)

    def skip(self, what: str, reason: str, count: int = 1) -> None:
        if count:
            self.skipped[(what, reason)] += count


class _Importer:
    def __init__(self, session: Session, report: FileReport, local_authorities: list[str]):
        self.session, self.report = session, report
        self.areas = {a.strip().lower() for a in local_authorities if a.strip()}

    def in_area(self, row: dict[str, str]) -> bool:
        return row.get("local_authority", "").strip().lower() in self.areas

    def on_register(self) -> set[str]:
        return set(self.session.scalars(sa.select(Service.cqc_location_id).where(Service.cqc_location_id.is_not(None))))

    def stored(self, where: str, label: str, store) -> None:
        """Run store() in a savepoint; count it, or report it and roll back only its changes."""
        try:
            with self.session.begin_nested():
                result = store()
        except (RowProblem, MalformedRecord) as error:
            self.report.failures.append((where, str(error)))
            return
        except SQLAlchemyError as error:
            log.exception("cqc_file_location_not_stored", extra={"where": where})
            self.report.failures.append((where, f"could not be stored ({error.__class__.__name__}); rolled back"))
            return
        if result is None:  # skipped, and counted as such
            return
        added, changes, created = result
        self.report.locations += 1
        self.report.snapshots_added += added
        self.report.changes += changes
        if created:
            self.report.new_services.append(label)

    def record_on_top(self, service_id: int, report: Report | None, inherited: bool, *, only_newer: bool):
        """The file's ratings over what is held (questions it does not give keep theirs).

        only_newer (the directory): only a real rating published after what is held is news; a
        location-level 'Not Rated' (2026 files, for locations with several services) keeps the rating held.
        """
        if report is None:
            return self._skipped(NO_RATINGS)
        held = ratings.current_snapshots(self.session, [service_id]).get(service_id)
        held_state = ratings.snapshot_state(held) if held else State(None, {})
        if held is not None:
            held_on, new_on = held.published_on, report.published_on
            overall = report.ratings.get(KeyQuestion.OVERALL)
            if only_newer and (
                new_on is None or (held_on and new_on <= held_on)  # the directory's rating is not news
                or (overall and not is_rating(overall.value) and is_rating(held.overall))  # 'Not Rated' (2026)
            ):  # fmt: skip
                return 0, 0, False
            if held_on and (new_on is None or new_on < held_on):
                return self._skipped(OLDER)
        state = State(report.published_on, {**held_state.ratings, **report.ratings})
        if held is not None and state.same_as(held_state):
            return 0, 0, False
        marker = INHERITED if inherited else None
        recorded = ratings.record_states(
            self.session, service_id, [state], source=RatingSource.CQC_FILE, inherited_from=marker
        )
        return recorded.added, recorded.changes, False

    def _skipped(self, reason: str) -> None:
        self.report.skip("locations", reason)

    def created(self, record, provider_name: str | None, current: Report | None, inherited: bool) -> Stored:
        record = replace(record, current=current, inherited_from=INHERITED if inherited and current else None)
        outcome = cqc_import.import_location(
            self.session, record, source=RatingSource.CQC_FILE, provider_name=provider_name
        )
        return outcome.snapshots_added, outcome.changes, outcome.created

    # --- the kinds of file ---

    def _verdict(self, row: dict, known: set[str]) -> str | None:
        """None to import the location; otherwise why not (decided on its first row, for all its rows)."""
        if row["location_id"] in known:
            return None
        if not self.in_area(row):
            return NOT_ON_REGISTER
        return None if file_rows.is_social_care(row) else NOT_SOCIAL_CARE

    def ratings_locations(self, bulk: BulkFile) -> None:
        known, groups, verdicts = self.on_register(), {}, {}
        for _, row in bulk.rows():
            self.report.rows_read += 1
            reason = file_rows.rating_row_skip(row)
            if reason:
                self.report.skip("rows", reason)
                continue
            location_id = row["location_id"]
            if location_id not in verdicts:
                verdicts[location_id] = self._verdict(row, known)
            if verdicts[location_id] is None:
                groups.setdefault(location_id, []).append(row)
        for reason, count in Counter(v for v in verdicts.values() if v).items():
            self.report.skip("locations", reason, count)
        for location_id, rows in groups.items():
            self.stored(location_id, f"{rows[0].get('name', location_id)} ({location_id})",
                        lambda rows=rows: self._ratings_location(rows, rows[0]["location_id"] in known))  # fmt: skip

    def _ratings_location(self, rows: list[dict], known: bool):
        parsed = file_rows.ratings_report(rows)
        if known:
            service = cqc_import.find_service(self.session, rows[0]["location_id"])
            return self.record_on_top(service.id, parsed.report, parsed.inherited, only_newer=False)
        record = file_rows.ratings_location_record(rows, None)
        return self.created(record, rows[0].get("provider_name"), parsed.report, parsed.inherited)

    def providers(self, bulk: BulkFile) -> None:
        providers = set()
        for _, row in bulk.rows():
            self.report.rows_read += 1
            providers.add(row.get("provider_id"))
        self.report.skip("providers", PROVIDER_LEVEL, len(providers))

    def directory(self, bulk: BulkFile) -> None:
        wanted = []
        for number, row in bulk.rows():
            self.report.rows_read += 1
            if not self.in_area(row):
                self.report.skip("locations", OUTSIDE)
            elif row.get("directorate", "").strip().lower() != "adult social care":
                self.report.skip("locations", f"not adult social care ({row.get('directorate', 'no directorate')})")
            else:
                wanted.append((number, row))
        for number, row in wanted:
            where = f"{row['location_id']} (row {number})"
            self.stored(where, f"{row['name']} ({row['location_id']})", lambda row=row: self._directory_row(row))

    def _directory_row(self, row: dict) -> Stored:
        entry = file_rows.directory_entry(row)
        service = cqc_import.find_service(self.session, entry.record.location_id)
        if service is None:
            result = self.created(entry.record, entry.provider.name, entry.report, entry.inherited)
            service = cqc_import.find_service(self.session, entry.record.location_id)
        else:
            cqc_import.import_location(self.session, entry.record, source=RatingSource.CQC_FILE)  # registration facts
            result = self.record_on_top(service.id, entry.report, entry.inherited, only_newer=True)
        _fill_gaps(self.session, service, entry)
        return result or (0, 0, False)

    def api_dump(self, bulk: BulkFile) -> None:
        rows = []
        for number, row in bulk.rows():
            self.report.rows_read += 1
            rows.append((number, row))
        for number, row in rows:
            where = f"{row.get('locationId', 'no locationId')} (row {number})"
            self.stored(where, f"{row.get('name')} ({row.get('locationId')})", lambda row=row: self._api_row(row))

    def _api_row(self, row: dict) -> Stored:
        record = location_record(file_rows.api_record(row))
        outcome = cqc_import.import_location(self.session, record, source=RatingSource.CQC_FILE)
        return outcome.snapshots_added, outcome.changes, outcome.created


def _fill_gaps(session: Session, service: Service, entry: file_rows.DirectoryEntry) -> None:
    """Beds, address and provider details from the directory where the register has none (never overwrites)."""
    record, details = entry.record, entry.provider
    service.capacity = service.capacity or record.beds
    service.address_line_1 = service.address_line_1 or (record.address_line_1 or "")[:200] or None
    service.address_line_2 = service.address_line_2 or (record.address_line_2 or "")[:200] or None
    provider = session.get(Provider, service.provider_id)
    if provider is not None and provider.cqc_provider_id == details.provider_id:
        provider.companies_house_number = provider.companies_house_number or details.companies_house_number
        provider.ownership_type = provider.ownership_type or (details.ownership_type or "")[:80] or None
        if not (provider.address_line_1 or provider.postcode):
            provider.address_line_1 = (details.address_line_1 or "")[:200] or None
            provider.address_line_2 = (details.address_line_2 or "")[:200] or None
            provider.town = (details.town or "")[:100] or None
            provider.postcode = normalise_postcode(details.postcode)
    session.flush()


def import_bulk_file(session: Session, bulk: BulkFile, *, local_authorities=()) -> FileReport:
    """Store what the file holds; FileProblem if it turns out unreadable (before anything is written)."""
    report = FileReport(bulk.kind)
    importer = _Importer(session, report, list(local_authorities))
    {
        FileKind.RATINGS_LOCATIONS: importer.ratings_locations,
        FileKind.RATINGS_PROVIDERS: importer.providers,
        FileKind.HSCA_ACTIVE_LOCATIONS: importer.directory,
        FileKind.API_DUMP: importer.api_dump,
    }[bulk.kind](bulk)
    session.flush()
    return report
