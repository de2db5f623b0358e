"""`flask cqc import-json`: saved API responses onto the register, safely and only once."""

import json

import sqlalchemy as sa

from provider_monitor.extensions import db
from provider_monitor.models import RatingSnapshot, Service
from provider_monitor.services import cqc_import


def _run(app, *paths):
    return app.test_cli_runner().invoke(args=["cqc", "import-json", *map(str, paths)])


def test_every_saved_response_imports_and_a_second_run_adds_nothing(app, app_ctx, shared_data):
    files = sorted((shared_data / "cqc" / "api" / "locations").glob("*.json"))
    files += sorted((shared_data / "cqc" / "api" / "locations_bulk").glob("*.json"))
    first = _run(app, *files)
    assert first.exit_code == 0, first.output
    assert "Records that failed: 0" in first.output and "Registrations cancelled: 45" in first.output
    services = db.session.scalar(sa.select(sa.func.count(Service.id)))
    snapshots = db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id)))
    assert services == 606
    second = _run(app, *files)
    assert "New services found: 0" in second.output and "0 snapshots added" in second.output
    assert db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id))) == snapshots


def test_a_bad_file_and_a_bad_record_are_reported_and_the_rest_imported(app, app_ctx, shared_data, tmp_path):
    good = json.loads(next((shared_data / "cqc" / "api" / "locations").glob("1-112779585_*.json")).read_text())
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps([{"name": "no id"}, good]))
    broken = tmp_path / "broken.json"
    broken.write_text('{"locationId": "1-1", ')
    result = _run(app, broken, mixed)
    assert result.exit_code == 1
    assert "broken.json: not readable as JSON" in result.output
    assert "mixed.json record 1: the record has no CQC locationId" in result.output
    assert db.session.scalar(sa.select(Service.name)) == "Dovetail House"


def test_a_record_that_fails_while_storing_is_rolled_back_alone(app, app_ctx, shared_data, monkeypatch, tmp_path):
    folder = shared_data / "cqc" / "api" / "locations"
    records = [json.loads(p.read_text()) for p in sorted(folder.glob("1-1127*.json"))[:3]]
    path = tmp_path / "three.json"
    path.write_text(json.dumps(records))
    real = cqc_import.import_location

    def fail_on_second(session, record, **kwargs):
        outcome = real(session, record, **kwargs)
        if record.location_id == records[1]["locationId"]:
            raise ValueError("disk full")
        return outcome

    monkeypatch.setattr(cqc_import, "import_location", fail_on_second)
    result = _run(app, path)
    assert "could not be stored: ValueError" in result.output
    stored = set(db.session.scalars(sa.select(Service.cqc_location_id)))
    assert stored == {records[0]["locationId"], records[2]["locationId"]}
    failed = db.session.scalar(sa.select(Service.id).where(Service.cqc_location_id == records[1]["locationId"]))
    assert failed is None
    assert (
        db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id)).where(RatingSnapshot.service_id.is_(None))) == 0
    )
