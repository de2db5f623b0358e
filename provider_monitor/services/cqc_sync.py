"""Syncing with the CQC API: the changes feed since the last good run, then each changed location.

Nothing is deleted or overwritten because a call failed:

- each location is stored in its own SAVEPOINT (`session.begin_nested()`), so a record that fails
  to store is rolled back alone, reported, and the service keeps what it had;
- a 404 for a changed id means CQC no longer publishes it ("gone"), not a failure;
- 401/403 ends the run (status failed); a failure while reading the changes feed ends it before
  anything is imported;
- the watermark (the window_end of the newest run that fully succeeded) only moves when every
  location in the window was stored, so a partial run's window is fetched again next time.

Every run is logged as a CQCSyncRun. Its row is inserted (flushed) before any savepoint: with
pysqlite a SAVEPOINT that opens a transaction is committed by its RELEASE, so the run row's INSERT
is what makes the whole run one real transaction on SQLite too (see tests). Services only flush;
the command or view commits once at the end.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.cqc.client import (
    DEFAULT_BASE_URL,
    CQCAuthError,
    CQCClient,
    CQCError,
    CQCNotFound,
    default_user_agent,
)
from provider_monitor.enums import RatingSource, RegistrationStatus
from provider_monitor.models.base import utcnow
from provider_monitor.models.cqc import CQCSettings, CQCSyncRun, SyncKind, SyncStatus
from provider_monitor.models.provider import Provider
from provider_monitor.models.service import Service
from provider_monitor.services import cqc_import, cqc_json_import
from provider_monitor.services.audit import current_actor
from provider_monitor.services.cqc_records import LocationRecord, MalformedRecord, location_record

FIRST_WINDOW = timedelta(days=30)
ADULT_SOCIAL_CARE = "adult social care"
COMPANIES_HOUSE = re.compile(r"^([0-9]{8}|[A-Z]{2}[0-9]{6})$")

log = logging.getLogger(__name__)


class NotConfigured(Exception):
    """The CQC API cannot be called yet (no subscription key); the message says what to do."""


@dataclass
class SyncReport:
    kind: SyncKind
    window_start: datetime | None = None
    window_end: datetime | None = None
    files: int = 0
    records: int = 0  # locations stored (new or updated)
    new_services: list[str] = field(default_factory=list)
    ratings_updated: list[str] = field(default_factory=list)  # services that gained snapshots
    snapshots_added: int = 0
    changes: int = 0
    registrations_cancelled: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    out_of_area: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (location id or file, why)
    error: str | None = None
    run_id: int | None = None

    @property
    def status(self) -> SyncStatus:
        if self.error:
            return SyncStatus.FAILED
        return SyncStatus.PARTIAL if self.failures else SyncStatus.SUCCEEDED


# --- settings ----------------------------------------------------------------------------------


def settings(session: Session) -> CQCSettings:
    """The settings row; an unsaved, empty one when nothing has been saved yet (reading never writes)."""
    return session.get(CQCSettings, 1) or CQCSettings(id=1, local_authorities="")


def save_settings(
    session: Session,
    *,
    local_authorities: list[str],
    requests_per_second: float | None,
    subscription_key: str | None = None,
    remove_key: bool = False,
    editor_id: int | None = None,
) -> CQCSettings:
    """Save the settings; a blank key keeps the saved one. Flushes only."""
    row = session.get(CQCSettings, 1)
    if row is None:
        row = CQCSettings(id=1, local_authorities="")
        session.add(row)
    row.local_authorities = ", ".join(local_authorities)
    row.requests_per_second = requests_per_second
    if remove_key and row.subscription_key:
        row.subscription_key, row.key_changed_at = None, utcnow()
    elif subscription_key and subscription_key != row.subscription_key:
        row.subscription_key, row.key_changed_at = subscription_key, utcnow()
    row.updated_by_id = editor_id
    row.updated_at = utcnow()
    session.flush()
    return row


def subscription_key(row: CQCSettings, config: Mapping) -> str | None:
    """CQC_SUBSCRIPTION_KEY from the environment wins over the key saved in the app."""
    return (config.get("CQC_SUBSCRIPTION_KEY") or "").strip() or row.subscription_key or None


def masked_key(key: str | None) -> str:
    """What the app may show of a key: only that it is set, and its last 4 characters if it is long."""
    if not key:
        return "Not set"
    return f"Set, ending …{key[-4:]}" if len(key) >= 12 else "Set"


def local_authorities(row: CQCSettings, config: Mapping) -> list[str]:
    return row.authorities or list(config.get("CQC_LOCAL_AUTHORITIES") or [])


def client_for(row: CQCSettings, config: Mapping, **overrides) -> CQCClient:
    """A client built from the saved settings and the server's configuration."""
    key = subscription_key(row, config)
    if not key:
        raise NotConfigured(
            "No CQC subscription key: set CQC_SUBSCRIPTION_KEY, or save one on the CQC data page (Admin)."
        )
    rate = row.requests_per_second if row.requests_per_second is not None else config.get("CQC_REQUESTS_PER_SECOND", 5)
    options = {
        "subscription_key": key,
        "base_url": row.base_url or config.get("CQC_API_BASE_URL") or DEFAULT_BASE_URL,
        "user_agent": config.get("CQC_USER_AGENT")
        or default_user_agent(config.get("CQC_CONTACT") or config.get("COUNCIL_NAME")),
        "requests_per_second": rate,
        "retry_after_cap": float(config.get("CQC_RETRY_AFTER_MAX", 60)),
        "timeout": tuple(config.get("CQC_TIMEOUT", (5.0, 30.0))),
    }
    return CQCClient(**(options | overrides))


# --- runs and the watermark --------------------------------------------------------------------


def watermark(session: Session) -> datetime | None:
    """Where the next incremental sync starts: the end of the newest run that fully succeeded."""
    return session.scalar(
        sa.select(CQCSyncRun.window_end)
        .where(CQCSyncRun.status == SyncStatus.SUCCEEDED, CQCSyncRun.window_end.is_not(None))
        .order_by(CQCSyncRun.window_end.desc())
        .limit(1)
    )


def window_start(session: Session, end: datetime) -> datetime:
    """Where the next sync's window starts: the watermark; before any success, where the first
    (failed or partial) sync started, so its changes are fetched again; else 30 days back."""
    mark = watermark(session)
    if mark is not None:
        return mark
    first = session.scalar(
        sa.select(sa.func.min(CQCSyncRun.window_start)).where(
            CQCSyncRun.kind == SyncKind.SYNC, CQCSyncRun.window_start.is_not(None)
        )
    )
    return first or end - FIRST_WINDOW


def recent_runs(session: Session, limit: int = 20) -> list[CQCSyncRun]:
    return list(session.scalars(sa.select(CQCSyncRun).order_by(CQCSyncRun.id.desc()).limit(limit)))


def _begin(session: Session, report: SyncReport) -> CQCSyncRun:
    """Log the run as running. The INSERT comes before any savepoint, which SQLite needs (module doc)."""
    run = CQCSyncRun(
        kind=report.kind, status=SyncStatus.RUNNING, started_by=current_actor().label[:200], started_at=utcnow(),
        window_start=report.window_start, window_end=report.window_end, failures=[],
    )  # fmt: skip
    session.add(run)
    session.flush()
    report.run_id = run.id
    return run


def _finish(session: Session, run: CQCSyncRun, report: SyncReport) -> SyncReport:
    run.status = report.status
    run.finished_at = utcnow()
    run.new_services = len(report.new_services)
    run.snapshots_added = report.snapshots_added
    run.registrations_cancelled = len(report.registrations_cancelled)
    run.gone = len(report.gone)
    run.failed = len(report.failures)
    run.failures = [{"location_id": where, "reason": why} for where, why in report.failures]
    run.error = report.error
    session.flush()
    log.info(
        "cqc_run_finished",
        extra={"run_id": run.id, "kind": run.kind.value, "status": run.status.value, "new_services": run.new_services,
               "snapshots_added": run.snapshots_added, "failed": run.failed, "gone": run.gone},
    )  # fmt: skip
    return report


def failed_run(session: Session, kind: SyncKind, error: str) -> CQCSyncRun:
    """Log a run that could not go ahead or stopped unexpectedly (after the caller rolled back)."""
    report = SyncReport(kind, error=error)
    run = _begin(session, report)
    _finish(session, run, report)
    return run


def _moment(now: datetime | None) -> datetime:
    """Now in UTC to the whole second: the window end CQC is sent is exactly the one stored."""
    return (now or utcnow()).astimezone(UTC).replace(microsecond=0)


# --- storing locations -------------------------------------------------------------------------


def _label(record: LocationRecord) -> str:
    return f"{record.name} ({record.location_id})"


class _Importer:
    """Fetch and store locations one by one, recording the outcome of each in the report.

    authorities=None stores whatever is asked for (fetch); otherwise a location not already on the
    register is only added if it is a registered adult social care service in one of them.
    """

    def __init__(self, session: Session, client: CQCClient, report: SyncReport, authorities: list[str] | None):
        self.session, self.client, self.report = session, client, report
        self.authorities = {a.strip().lower() for a in authorities} if authorities is not None else None
        self.providers: dict[str, dict | None] = {}

    def _in_scope(self, record: LocationRecord) -> bool:
        if self.authorities is None:
            return True
        return (
            record.registration_status == RegistrationStatus.REGISTERED
            and (record.local_authority or "").strip().lower() in self.authorities
            and (record.inspection_directorate or "").strip().lower() == ADULT_SOCIAL_CARE
        )

    def _provider(self, provider_id: str) -> dict | None:
        """The CQC provider record, fetched once per run; None if CQC no longer publishes it."""
        if provider_id not in self.providers:
            try:
                self.providers[provider_id] = self.client.provider(provider_id)
            except CQCNotFound:
                self.providers[provider_id] = None
        return self.providers[provider_id]

    def _fill_provider(self, service_id: int, details: dict) -> None:
        """Ownership type and Companies House number from CQC, where the register has none."""
        service = self.session.get(Service, service_id)
        provider = self.session.get(Provider, service.provider_id) if service else None
        if provider is None:
            return
        ownership = details.get("ownershipType")
        if not provider.ownership_type and isinstance(ownership, str) and ownership.strip():
            provider.ownership_type = ownership.strip()[:80]
        number = details.get("companiesHouseNumber")
        number = number.strip().upper() if isinstance(number, str) else ""
        if not provider.companies_house_number and COMPANIES_HOUSE.match(number):
            provider.companies_house_number = number

    def _fail(self, location_id: str, why: str) -> None:
        self.report.failures.append((location_id, why))

    def _fetch(self, location_id: str) -> LocationRecord | None:
        """The location as CQC publishes it now; None (reported) when gone or unusable."""
        try:
            record = location_record(self.client.location(location_id))
        except CQCNotFound:
            self.report.gone.append(location_id)
            return None
        except CQCAuthError:
            raise
        except (CQCError, MalformedRecord) as error:
            self._fail(location_id, str(error))
            return None
        if record.location_id != location_id:
            self._fail(location_id, f"CQC answered with another location ({record.location_id})")
            return None
        return record

    def _count(self, record: LocationRecord, outcome: cqc_import.ImportOutcome) -> None:
        self.report.records += 1
        self.report.snapshots_added += outcome.snapshots_added
        self.report.changes += outcome.changes
        if outcome.created:
            self.report.new_services.append(_label(record))
        elif outcome.snapshots_added:
            self.report.ratings_updated.append(_label(record))
        if outcome.deregistered:
            self.report.registrations_cancelled.append(_label(record))

    def store(self, location_id: str) -> None:
        """Fetch one location and store it in a savepoint; CQCAuthError ends the run."""
        record = self._fetch(location_id)
        if record is None:
            return
        known = cqc_import.find_service(self.session, location_id) is not None
        if not known and not self._in_scope(record):
            self.report.out_of_area += 1
            return
        details = None
        if not known and record.provider_id:
            try:
                details = self._provider(record.provider_id)
            except CQCAuthError:
                raise
            except CQCError as error:
                return self._fail(location_id, f"its provider {record.provider_id} could not be fetched: {error}")
        try:
            with self.session.begin_nested():
                outcome = cqc_import.import_location(
                    self.session, record, source=RatingSource.CQC_API, provider_name=(details or {}).get("name")
                )
                if outcome.created and details:
                    self._fill_provider(outcome.service_id, details)
                    self.session.flush()
        except Exception as error:  # one bad record is rolled back alone and reported; the rest go on
            log.exception("cqc_location_not_stored", extra={"location_id": location_id})
            return self._fail(location_id, f"could not be stored: {error.__class__.__name__}")
        self._count(record, outcome)

    def store_all(self, location_ids: list[str]) -> None:
        try:
            for location_id in dict.fromkeys(location_ids):
                self.store(location_id)
        except CQCAuthError as error:
            self.report.error = str(error)


# --- the runs ----------------------------------------------------------------------------------


def sync(
    session: Session,
    client: CQCClient,
    settings: CQCSettings,
    now: datetime | None = None,
    *,
    authorities: list[str] | None = None,
) -> SyncReport:
    """Incremental sync over [watermark, now) — or the last 30 days the first time (see window_start).

    Changed locations already on the register are refreshed; others are added when they are
    registered adult social care services in one of the settings' local authorities.
    """
    end = _moment(now)
    start = window_start(session, end)
    report = SyncReport(SyncKind.SYNC, window_start=start, window_end=max(start, end))
    run = _begin(session, report)
    if start < end:
        try:
            changed = client.changed_locations(start, end)
        except CQCError as error:
            report.error = f"could not read the changes feed: {error}"
        else:
            scope = settings.authorities if authorities is None else authorities
            _Importer(session, client, report, scope).store_all(changed)
    return _finish(session, run, report)


def full_refresh(
    session: Session,
    client: CQCClient,
    settings: CQCSettings,
    now: datetime | None = None,
    *,
    authorities: list[str] | None = None,
) -> SyncReport:
    """Every adult social care location listed for the local authorities (the first load, or a reconciliation).

    Succeeding sets the watermark to when it started, so incremental syncs carry on from there.
    """
    scope = settings.authorities if authorities is None else authorities
    report = SyncReport(SyncKind.FULL, window_end=_moment(now))
    run = _begin(session, report)
    if not scope:
        report.error = "no local authorities are set, so there is nothing to list"
        return _finish(session, run, report)
    try:
        ids = [i for authority in scope for i in client.locations(local_authority=authority)]
    except CQCError as error:
        report.error = f"could not list the locations: {error}"
    else:
        _Importer(session, client, report, scope).store_all(ids)
    return _finish(session, run, report)


def fetch(session: Session, client: CQCClient, location_ids: list[str]) -> SyncReport:
    """Fetch and store the given locations, wherever they are."""
    report = SyncReport(SyncKind.FETCH)
    run = _begin(session, report)
    _Importer(session, client, report, None).store_all(location_ids)
    return _finish(session, run, report)


def import_json(session: Session, paths: list[Path]) -> SyncReport:
    """Saved API responses: one location object or a JSON array per file (CareHomeHub {req, loc} too).

    A file that is not JSON is reported and the others go on; each record is stored in its own savepoint.
    """
    report = SyncReport(SyncKind.IMPORT_JSON)
    run = _begin(session, report)
    done = cqc_json_import.import_json_files(session, list(paths))
    report.files, report.records = done.files, done.records
    report.new_services, report.registrations_cancelled = done.new_services, done.registrations_cancelled
    report.snapshots_added, report.changes = done.snapshots_added, done.changes
    report.failures = list(done.failures)
    return _finish(session, run, report)
