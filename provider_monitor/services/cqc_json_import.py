"""Importing saved CQC API responses: one location object, or a JSON array of them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from provider_monitor.enums import RatingSource
from provider_monitor.services import cqc_import
from provider_monitor.services.cqc_records import MalformedRecord, location_record


@dataclass
class JsonImportReport:
    files: int = 0
    records: int = 0
    new_services: list[str] = field(default_factory=list)
    snapshots_added: int = 0
    changes: int = 0
    registrations_cancelled: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (where, why)


def _records_in(data) -> list:
    """The location objects in a saved response: one object, an array, or CareHomeHub's {req, loc} wrapper."""
    items = data if isinstance(data, list) else [data]
    return [item["loc"] if isinstance(item, dict) and isinstance(item.get("loc"), dict) else item for item in items]


def import_json_files(session: Session, paths: list[Path]) -> JsonImportReport:
    """Import every location in the files; each in a savepoint, so one bad record is rolled back alone."""
    report = JsonImportReport()
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            report.failures.append((str(path), f"not readable as JSON: {error}"))
            continue
        report.files += 1
        for number, item in enumerate(_records_in(data), start=1):
            where = f"{path.name} record {number}"
            try:
                record = location_record(item)
                with session.begin_nested():
                    outcome = cqc_import.import_location(session, record, source=RatingSource.CQC_API)
            except MalformedRecord as error:
                report.failures.append((where, str(error)))
                continue
            except (ValueError, SQLAlchemyError) as error:
                # The savepoint is rolled back: this record is left as it was, the others go on.
                report.failures.append((where, f"could not be stored: {error.__class__.__name__}"))
                continue
            report.records += 1
            report.snapshots_added += outcome.snapshots_added
            report.changes += outcome.changes
            if outcome.created:
                report.new_services.append(f"{record.name} ({record.location_id})")
            if outcome.deregistered:
                report.registrations_cancelled.append(f"{record.name} ({record.location_id})")
    return report
