"""Syncing with the CQC API: the changes feed since the last good run, then each changed location.

Nothing is deleted or overwritten because a call failed: each location is stored in its own
savepoint, a failed one is reported and left as it was, and the watermark (the end of the last
run that fully succeeded) only moves when every location in the window was stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from provider_monitor.cqc.client import CQCAuthError, CQCClient, CQCError, CQCNotFound
from provider_monitor.enums import RatingSource
from provider_monitor.models.base import utcnow
from provider_monitor.models.cqc import CQCSettings, CQCSyncRun
from provider_monitor.services import cqc_import
from provider_monitor.services.cqc_records import MalformedRecord, location_record

FIRST_WINDOW = timedelta(days=30)
ADULT_SOCIAL_CARE = "adult social care"


@dataclass
class SyncReport:
    kind: str
    window_start: datetime | None = None
    window_end: datetime | None = None
    new_services: list[str] = field(default_factory=list)
    snapshots_added: int = 0
    changes: int = 0
    registrations_cancelled: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    out_of_area: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None

    @property
    def status(self) -> str:
        return "failed" if self.error else ("partial" if self.failures else "succeeded")


def settings(session: Session) -> CQCSettings:
    """The single settings row, created empty on first use."""
    row = session.scalar(sa.select(CQCSettings).limit(1))
    if row is None:
        row = CQCSettings(local_authorities="")
        session.add(row)
        session.flush()
    return row


def watermark(session: Session) -> datetime | None:
    """Where the next incremental sync starts: the end of the last sync that fully succeeded."""
    return session.scalar(
        sa.select(sa.func.max(CQCSyncRun.window_end)).where(
            CQCSyncRun.status == "succeeded", CQCSyncRun.kind.in_(("sync", "full"))
        )
    )


class _Importer:
    """Fetch and store locations one by one, recording the outcome of each in the report."""

    def __init__(self, session: Session, client: CQCClient, report: SyncReport, authorities: list[str] | None):
        self.session, self.client, self.report = session, client, report
        self.authorities = {a.strip().lower() for a in authorities} if authorities is not None else None
        self.provider_names: dict[str, str | None] = {}

    def _in_area(self, record) -> bool:
        if self.authorities is None:
            return True
        return (record.local_authority or "").lower() in self.authorities and (
            (record.inspection_directorate or "").lower() == ADULT_SOCIAL_CARE
        )

    def _provider_name(self, provider_id: str | None) -> str | None:
        if not provider_id:
            return None
        if provider_id not in self.provider_names:
            try:
                self.provider_names[provider_id] = self.client.provider(provider_id).get("name")
            except CQCAuthError:
                raise
            except CQCError:
                self.provider_names[provider_id] = None  # named later; the location still counts
        return self.provider_names[provider_id]

    def store(self, location_id: str) -> None:
        """Fetch one location and store it in a savepoint; CQCAuthError ends the run."""
        try:
            record = location_record(self.client.location(location_id))
        except CQCNotFound:
            self.report.gone.append(location_id)
            return
        except CQCAuthError:
            raise
        except (CQCError, MalformedRecord) as error:
            self.report.failures.append((location_id, str(error)))
            return
        known = cqc_import.find_service(self.session, record.location_id) is not None
        if not known and not self._in_area(record):
            self.report.out_of_area += 1
            return
        name = None if known else self._provider_name(record.provider_id)
        try:
            with self.session.begin_nested():
                outcome = cqc_import.import_location(
                    self.session, record, source=RatingSource.CQC_API, provider_name=name
                )
        except (SQLAlchemyError, ValueError) as error:
            self.report.failures.append((location_id, f"could not be stored: {error.__class__.__name__}"))
            return
        self.report.snapshots_added += outcome.snapshots_added
        self.report.changes += outcome.changes
        label = f"{record.name} ({record.location_id})"
        if outcome.created:
            self.report.new_services.append(label)
        if outcome.deregistered:
            self.report.registrations_cancelled.append(label)

    def store_all(self, location_ids: list[str]) -> None:
        try:
            for location_id in dict.fromkeys(location_ids):
                self.store(location_id)
        except CQCAuthError as error:
            self.report.error = str(error)


def _log(session: Session, report: SyncReport, started: datetime) -> CQCSyncRun:
    run = CQCSyncRun(
        kind=report.kind, status=report.status, started_at=started, finished_at=utcnow(),
        window_start=report.window_start, window_end=report.window_end, new_services=len(report.new_services),
        snapshots_added=report.snapshots_added, registrations_cancelled=len(report.registrations_cancelled),
        gone=len(report.gone), failures=[{"location_id": i, "reason": r} for i, r in report.failures],
        error=report.error,
    )  # fmt: skip
    session.add(run)
    session.flush()
    return run


def sync(session: Session, client: CQCClient, *, authorities: list[str], now: datetime | None = None) -> SyncReport:
    """Incremental sync over [watermark, now): changed locations on the register or in the area."""
    started = utcnow()
    end = now or started
    report = SyncReport("sync", window_start=watermark(session) or end - FIRST_WINDOW, window_end=end)
    try:
        changed = client.changed_locations(report.window_start, report.window_end)
    except CQCError as error:
        report.error = f"could not read the changes feed: {error}"
    else:
        _Importer(session, client, report, authorities).store_all(changed)
    _log(session, report, started)
    return report


def full_refresh(
    session: Session, client: CQCClient, *, authorities: list[str], now: datetime | None = None
) -> SyncReport:
    """Every adult social care location in the authorities' areas (the first load, or a reconciliation)."""
    started = utcnow()
    report = SyncReport("full", window_end=now or started)
    try:
        ids = [i for authority in authorities for i in client.location_ids(authority)]
    except CQCError as error:
        report.error = f"could not list the locations: {error}"
    else:
        _Importer(session, client, report, authorities).store_all(ids)
    _log(session, report, started)
    return report


def fetch(session: Session, client: CQCClient, location_ids: list[str]) -> SyncReport:
    """Fetch and store the given locations, wherever they are."""
    started = utcnow()
    report = SyncReport("fetch")
    _Importer(session, client, report, None).store_all(location_ids)
    _log(session, report, started)
    return report
