"""The CQC sync: changes feed → changed locations → the register, safely, against real recorded bodies."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from provider_monitor.enums import RatingSource, RegistrationStatus
from provider_monitor.extensions import db
from provider_monitor.models import AuditEvent, CQCSyncRun, Provider, RatingSnapshot, Service
from provider_monitor.models.cqc import SyncKind, SyncStatus
from provider_monitor.services import cqc_import, cqc_sync, ratings
from provider_monitor.services.cqc_records import location_record
from tests.integration.cqc_api_stub import (
    BASE,
    NOW,
    Sleeps,
    make_client,
    recorded,
    requested,
    serve_changes,
    serve_failing_location,
    serve_location,
    serve_provider,
    synthetic,
)

NOTTS, SPRINGFIELD, ELMS, DEVONSHIRE, GABLES = "1-112779585", "1-112552719", "1-112767279", "1-112779616", "1-112754649"
WOLVERHAMPTON, KIRKLEES, LANCASHIRE = "1-112784475", "1-112844675", "1-112787350"
AREA = ["Nottinghamshire", "Nottingham", "Southwark", "Lincolnshire"]


class Settings:
    """Stands in for CQCSettings: only the local authorities matter to the sync."""

    def __init__(self, authorities):
        self.authorities = authorities


@pytest.fixture
def cqc(shared_data):
    return recorded(shared_data)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def api(httpserver, sleeps):
    return make_client(httpserver, sleeps)


def _sync(api, now=NOW, area=AREA):
    return cqc_sync.sync(db.session, api, Settings(area), now)


def _count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _service(location_id):
    return db.session.scalar(sa.select(Service).where(Service.cqc_location_id == location_id))


def _serve_all(httpserver, cqc, ids, failing=()):
    serve_changes(httpserver, ids)
    for location_id in ids:
        if location_id in failing:
            serve_failing_location(httpserver, location_id)
        else:
            serve_location(httpserver, location_id, cqc["locations"][location_id])
    serve_provider(httpserver, cqc["provider"])


def _import_directly(body):
    outcome = cqc_import.import_location(db.session, location_record(body), source=RatingSource.CQC_API)
    db.session.commit()
    return outcome


def _state_of(location_id):
    """Everything the register holds for one service: its row and every snapshot's values."""
    db.session.expire_all()
    service = _service(location_id)
    snapshots = db.session.scalars(
        sa.select(RatingSnapshot).where(RatingSnapshot.service_id == service.id).order_by(RatingSnapshot.id)
    ).all()
    row = {c.key: getattr(service, c.key) for c in sa.inspect(Service).column_attrs}
    return row, [(s.fingerprint, s.overall, s.safe, s.is_current, s.published_on) for s in snapshots]


# --- what a sync adds ------------------------------------------------------------------------------


def test_a_sync_adds_registered_services_in_the_area_and_names_their_providers(httpserver, api, cqc, app_ctx):
    ids = [NOTTS, SPRINGFIELD, WOLVERHAMPTON]  # Nottinghamshire, Nottingham, Wolverhampton (not in the area)
    _serve_all(httpserver, cqc, ids)
    report = _sync(api)
    db.session.commit()
    assert report.status == SyncStatus.SUCCEEDED and report.out_of_area == 1
    assert sorted(report.new_services) == ["Dovetail House (1-112779585)", "Springfield Care Home (1-112552719)"]
    assert _service(WOLVERHAMPTON) is None
    provider = db.session.scalar(
        sa.select(Provider).where(Provider.cqc_provider_id == cqc["locations"][NOTTS]["providerId"])
    )
    # Named, owned and numbered from the real provider record (Companies House number keeps its leading zero).
    assert (provider.name, provider.ownership_type, provider.companies_house_number) == (
        cqc["provider"]["name"], cqc["provider"]["ownershipType"], cqc["provider"]["companiesHouseNumber"]
    )  # fmt: skip
    run = db.session.scalar(sa.select(CQCSyncRun))
    assert (run.kind, run.status, run.new_services, run.failed) == (SyncKind.SYNC, SyncStatus.SUCCEEDED, 2, 0)
    assert run.snapshots_added == report.snapshots_added > 0
    assert cqc_sync.watermark(db.session) == NOW


def test_each_provider_is_fetched_once_per_run(httpserver, api, cqc, app_ctx):
    same_provider = dict(cqc["locations"][SPRINGFIELD], providerId=cqc["locations"][NOTTS]["providerId"])
    serve_changes(httpserver, [NOTTS, SPRINGFIELD])
    serve_location(httpserver, NOTTS, cqc["locations"][NOTTS])
    serve_location(httpserver, SPRINGFIELD, same_provider)
    serve_provider(httpserver, cqc["provider"])
    _sync(api)
    assert len(requested(httpserver, "/providers/")) == 1


def test_new_locations_elsewhere_or_no_longer_registered_are_skipped(httpserver, api, cqc, app_ctx):
    ids = [LANCASHIRE, "1-112845365"]  # deregistered home care in Lancashire; a Derbyshire hospital (not ASC)
    serve_changes(httpserver, ids)
    for location_id in ids:
        serve_location(httpserver, location_id, cqc["locations"][location_id])
    report = _sync(api, area=["Lancashire", "Derbyshire"])
    assert report.status == SyncStatus.SUCCEEDED and report.out_of_area == 2 and report.new_services == []
    assert _count(Service) == 0 and requested(httpserver, "/providers/") == []


def test_local_authorities_match_whatever_their_case(httpserver, api, cqc, app_ctx):
    _serve_all(httpserver, cqc, [NOTTS])
    report = _sync(api, area=["  NOTTINGHAMSHIRE "])
    assert report.new_services == ["Dovetail House (1-112779585)"]


def test_a_changed_service_already_on_the_register_is_updated_wherever_it_is(httpserver, api, cqc, app_ctx):
    body = cqc["locations"][WOLVERHAMPTON]
    older = dict(body, currentRatings={}, historicRatings=[])
    _import_directly(older)
    _serve_all(httpserver, cqc, [WOLVERHAMPTON])
    report = _sync(api, area=["Nottinghamshire"])
    assert report.new_services == [] and report.ratings_updated == [f"{body['name']} ({WOLVERHAMPTON})"]
    assert report.snapshots_added > 0 and requested(httpserver, "/providers/") == []


def test_a_saf_assessment_newer_than_the_current_ratings_becomes_current(httpserver, api, cqc, app_ctx):
    """Dovetail House (real, Good) with a SYNTHETIC 2025 assessment rated 'Requires Improvement'."""
    with_assessment = {
        **cqc["locations"][NOTTS],
        "assessment": synthetic("saf_assessment_block_synthetic.json")["assessment"],
    }
    serve_changes(httpserver, [NOTTS])
    serve_location(httpserver, NOTTS, with_assessment)
    serve_provider(httpserver, cqc["provider"])
    _sync(api)
    service = _service(NOTTS)
    current = ratings.current_snapshots(db.session, [service.id])[service.id]
    assert (current.overall, current.safe, current.caring) == ("Requires improvement", "Requires improvement", "Good")
    assert current.published_on.isoformat() == "2025-09-18"


# --- what is reported, not failed ---------------------------------------------------------------


def test_a_gone_location_is_reported_and_the_rest_stored(httpserver, api, cqc, app_ctx):
    serve_changes(httpserver, ["1-404", NOTTS])
    serve_location(httpserver, "1-404", {"statusCode": 404, "message": "Resource not found"}, status=404)
    serve_location(httpserver, NOTTS, cqc["locations"][NOTTS])
    serve_provider(httpserver, cqc["provider"])
    report = _sync(api)
    assert report.gone == ["1-404"] and report.failures == [] and report.status == SyncStatus.SUCCEEDED
    assert report.new_services == ["Dovetail House (1-112779585)"]
    assert db.session.scalar(sa.select(CQCSyncRun.gone)) == 1


def test_a_deregistered_location_is_marked_and_reported_never_deleted(httpserver, api, cqc, app_ctx):
    record = cqc["locations"][KIRKLEES]  # real: deregistered 2017 with Inadequate
    registered = {k: v for k, v in record.items() if k != "deregistrationDate"} | {"registrationStatus": "Registered"}
    _import_directly(registered)
    snapshots = _count(RatingSnapshot)
    serve_changes(httpserver, [KIRKLEES])
    serve_location(httpserver, KIRKLEES, record)
    report = _sync(api, area=["Nottinghamshire"])
    db.session.commit()
    assert report.registrations_cancelled == ["Unique Care Providers (1-112844675)"]
    assert _service(KIRKLEES).registration_status == RegistrationStatus.DEREGISTERED
    assert _count(Service) == 1 and _count(RatingSnapshot) == snapshots
    assert db.session.scalar(sa.select(CQCSyncRun.registrations_cancelled)) == 1


# --- failures: one record alone, the watermark held ------------------------------------------------


def test_the_third_of_five_failing_keeps_the_rest_leaves_it_untouched_and_holds_the_watermark(
    httpserver, api, cqc, app_ctx
):
    ids = [NOTTS, SPRINGFIELD, ELMS, DEVONSHIRE, GABLES]
    # The Elms is already on the register with its older history; a failed fetch must not touch it.
    _import_directly(dict(cqc["locations"][ELMS], currentRatings={}))
    before = _state_of(ELMS)
    _serve_all(httpserver, cqc, ids, failing={ELMS})
    report = _sync(api)
    db.session.commit()
    assert report.status == SyncStatus.PARTIAL and [i for i, _ in report.failures] == [ELMS]
    assert "HTTP 500" in report.failures[0][1]
    assert len(report.new_services) == 4 and all(_service(i) for i in ids)
    assert _state_of(ELMS) == before
    assert cqc_sync.watermark(db.session) is None, "a partial run must not advance the watermark"
    run = db.session.scalar(sa.select(CQCSyncRun))
    assert run.failures == [{"location_id": ELMS, "reason": report.failures[0][1]}] and run.failed == 1

    # The server recovers: the next run fetches the same window again, stores The Elms, advances.
    httpserver.clear()
    _serve_all(httpserver, cqc, ids)
    later = NOW + timedelta(hours=1)
    again = _sync(api, now=later)
    db.session.commit()
    assert again.status == SyncStatus.SUCCEEDED and again.window_start == report.window_start
    assert again.ratings_updated == ["The Elms (1-112767279)"] and _state_of(ELMS) != before
    assert cqc_sync.watermark(db.session) == later


def test_a_record_that_fails_while_storing_is_rolled_back_to_its_savepoint(httpserver, api, cqc, app_ctx, monkeypatch):
    ids = [NOTTS, SPRINGFIELD, ELMS, DEVONSHIRE, GABLES]
    # Older, with no postcode: a successful import would fill it in (and audit that).
    older = {k: v for k, v in cqc["locations"][ELMS].items() if k != "postalCode"} | {"currentRatings": {}}
    _import_directly(older)
    before = _state_of(ELMS)
    assert before[0]["postcode"] is None
    audit_before = _count(AuditEvent)
    real = cqc_import.import_location

    def fail_on_the_elms(session, record, **kwargs):
        outcome = real(session, record, **kwargs)  # writes, then fails: the savepoint must undo it
        if record.location_id == ELMS:
            raise ValueError("disk full")
        return outcome

    monkeypatch.setattr(cqc_import, "import_location", fail_on_the_elms)
    _serve_all(httpserver, cqc, ids)
    report = _sync(api)
    db.session.commit()
    assert report.failures == [(ELMS, "could not be stored: ValueError")] and report.status == SyncStatus.PARTIAL
    assert len(report.new_services) == 4
    assert _state_of(ELMS) == before
    assert cqc_sync.watermark(db.session) is None
    # Four new services (and their providers) were audited; nothing was audited for The Elms.
    elms_id = _service(ELMS).id
    assert _count(AuditEvent, AuditEvent.entity_type == "service", AuditEvent.entity_id == elms_id) == 1
    assert _count(AuditEvent) > audit_before


def test_a_whole_run_is_one_transaction_even_on_sqlite(httpserver, api, cqc, app_ctx):
    """pysqlite commits a SAVEPOINT that opened the transaction when it is released; the run's own
    row is inserted first so that every savepoint is nested in a real transaction, and rolling the
    run back (as a command does when it crashes) leaves nothing behind."""
    _serve_all(httpserver, cqc, [NOTTS, SPRINGFIELD, GABLES])
    report = _sync(api)
    assert len(report.new_services) == 3
    db.session.rollback()
    assert (_count(Service), _count(Provider), _count(RatingSnapshot), _count(CQCSyncRun)) == (0, 0, 0, 0)


def test_malformed_json_for_one_location_is_a_failure_not_a_crash(httpserver, api, cqc, app_ctx):
    serve_changes(httpserver, [NOTTS, SPRINGFIELD])
    httpserver.expect_request(f"{BASE}/locations/{NOTTS}").respond_with_data("{bad", content_type="application/json")
    serve_location(httpserver, SPRINGFIELD, cqc["locations"][SPRINGFIELD])
    serve_provider(httpserver, cqc["provider"])
    report = _sync(api)
    assert report.status == SyncStatus.PARTIAL and report.failures == [
        (NOTTS, f"/locations/{NOTTS} did not return valid JSON")
    ]
    assert report.new_services == ["Springfield Care Home (1-112552719)"]


def test_a_record_that_is_not_a_location_is_a_failure(httpserver, api, cqc, app_ctx):
    serve_changes(httpserver, [NOTTS, SPRINGFIELD])
    serve_location(httpserver, NOTTS, {"locationId": NOTTS})  # no name
    serve_location(httpserver, SPRINGFIELD, cqc["locations"][NOTTS])  # CQC answers with another location
    report = _sync(api)
    assert report.failures == [
        (NOTTS, "location 1-112779585 has no name"),
        (SPRINGFIELD, "CQC answered with another location (1-112779585)"),
    ]
    assert _count(Service) == 0


def test_a_provider_that_cannot_be_fetched_fails_its_new_location_only(httpserver, api, cqc, app_ctx, sleeps):
    serve_changes(httpserver, [NOTTS, SPRINGFIELD])
    serve_location(httpserver, NOTTS, cqc["locations"][NOTTS])
    serve_location(httpserver, SPRINGFIELD, cqc["locations"][SPRINGFIELD])
    httpserver.expect_request(f"{BASE}/providers/{cqc['locations'][NOTTS]['providerId']}").respond_with_data(
        "down", status=503
    )
    serve_provider(httpserver, cqc["provider"])
    report = _sync(api)
    assert [i for i, _ in report.failures] == [NOTTS] and "could not be fetched" in report.failures[0][1]
    assert report.new_services == ["Springfield Care Home (1-112552719)"] and _service(NOTTS) is None


def test_an_authorisation_failure_stops_the_run_and_changes_nothing(httpserver, api, cqc, app_ctx):
    _import_directly(cqc["locations"][ELMS])
    counts = (_count(Service), _count(Provider), _count(RatingSnapshot))
    httpserver.expect_request(f"{BASE}/changes/location").respond_with_json(cqc["unauthorised"], status=401)
    report = _sync(api)
    db.session.commit()
    assert report.status == SyncStatus.FAILED and "check the subscription key" in report.error
    assert (_count(Service), _count(Provider), _count(RatingSnapshot)) == counts
    run = db.session.scalar(sa.select(CQCSyncRun))
    assert run.status == SyncStatus.FAILED and run.error == report.error
    assert cqc_sync.watermark(db.session) is None


def test_an_authorisation_failure_mid_run_stops_fetching(httpserver, api, cqc, app_ctx):
    serve_changes(httpserver, [NOTTS, SPRINGFIELD, GABLES])
    serve_location(httpserver, NOTTS, cqc["locations"][NOTTS])
    serve_location(httpserver, SPRINGFIELD, cqc["unauthorised"], status=401)
    serve_location(httpserver, GABLES, cqc["locations"][GABLES])
    serve_provider(httpserver, cqc["provider"])
    report = _sync(api)
    assert report.status == SyncStatus.FAILED and report.new_services == ["Dovetail House (1-112779585)"]
    assert f"{BASE}/locations/{GABLES}" not in requested(httpserver, "/locations/")
    assert cqc_sync.watermark(db.session) is None


def test_a_failure_while_paging_the_changes_feed_stops_before_any_import(httpserver, api, app_ctx, sleeps):
    httpserver.expect_request(f"{BASE}/changes/location", query_string={"page": "2", "perPage": "2",
                              "startTimestamp": "2026-10-24T06:00:00Z", "endTimestamp": "2026-11-23T06:00:00Z"}
                              ).respond_with_data("down", status=502)  # fmt: skip
    httpserver.expect_request(f"{BASE}/changes/location").respond_with_json(
        synthetic("changes_location_synthetic.json")
    )
    report = _sync(api)
    assert report.status == SyncStatus.FAILED and "could not read the changes feed" in report.error
    assert requested(httpserver, "/locations/") == [] and _count(Service) == 0
    assert len(sleeps) == 3, "the page was retried before giving up"


# --- windows and the watermark -------------------------------------------------------------------


def _window_asked(httpserver):
    request = next(r for r, _ in reversed(httpserver.log) if r.path == f"{BASE}/changes/location")
    return request.args["startTimestamp"], request.args["endTimestamp"]


def test_windows_run_on_from_the_last_success_start_inclusive_end_exclusive(httpserver, api, app_ctx):
    serve_changes(httpserver, [])
    first = _sync(api, now=NOW.replace(microsecond=654321))
    db.session.commit()
    assert _window_asked(httpserver) == ("2026-10-24T06:00:00Z", "2026-11-23T06:00:00Z")  # 30 days back
    assert (first.window_start, first.window_end) == (NOW - timedelta(days=30), NOW)
    second = _sync(api, now=NOW + timedelta(hours=24))
    db.session.commit()
    # The next window starts exactly where the last one ended: no gap, and no second spent twice.
    assert _window_asked(httpserver) == ("2026-11-23T06:00:00Z", "2026-11-24T06:00:00Z")
    assert second.window_start == first.window_end
    assert cqc_sync.watermark(db.session) == NOW + timedelta(hours=24)


def test_failed_and_partial_runs_never_move_the_watermark(httpserver, api, app_ctx, cqc):
    serve_changes(httpserver, [])
    _sync(api)
    db.session.commit()
    httpserver.clear()
    httpserver.expect_request(f"{BASE}/changes/location").respond_with_json(cqc["unauthorised"], status=401)
    _sync(api, now=NOW + timedelta(days=1))
    db.session.commit()
    assert cqc_sync.watermark(db.session) == NOW
    assert _window_asked(httpserver) == ("2026-11-23T06:00:00Z", "2026-11-24T06:00:00Z")


# --- full refresh, fetch, JSON files -----------------------------------------------------------


def test_a_full_refresh_lists_each_authority_then_fetches_each_location(httpserver, api, cqc, app_ctx):
    listed = {"nextPageUri": None, "locations": [{"locationId": i} for i in (NOTTS, LANCASHIRE)]}
    httpserver.expect_request(
        f"{BASE}/locations", query_string={"perPage": "500", "localAuthority": "Nottinghamshire",
                                            "inspectionDirectorate": "Adult social care"}
    ).respond_with_json(listed)  # fmt: skip
    for location_id in (NOTTS, LANCASHIRE):
        serve_location(httpserver, location_id, cqc["locations"][location_id])
    serve_provider(httpserver, cqc["provider"])
    report = cqc_sync.full_refresh(db.session, api, Settings(["Nottinghamshire"]), NOW)
    db.session.commit()
    # The real Lancashire record is deregistered (and elsewhere): lists include such locations.
    assert report.status == SyncStatus.SUCCEEDED and report.new_services == ["Dovetail House (1-112779585)"]
    assert report.out_of_area == 1
    assert cqc_sync.watermark(db.session) == NOW, "incremental syncs carry on from the full refresh"


def test_a_full_refresh_needs_local_authorities(api, app_ctx):
    report = cqc_sync.full_refresh(db.session, api, Settings([]), NOW)
    assert report.status == SyncStatus.FAILED and "no local authorities" in report.error


def test_fetch_stores_the_named_locations_wherever_they_are(httpserver, api, cqc, app_ctx):
    serve_location(httpserver, WOLVERHAMPTON, cqc["locations"][WOLVERHAMPTON])
    serve_location(httpserver, "1-404", {"message": "gone"}, status=404)
    serve_provider(httpserver, cqc["provider"])
    report = cqc_sync.fetch(db.session, api, [WOLVERHAMPTON, "1-404", WOLVERHAMPTON])
    assert report.new_services == ["C & S Care Services Limited (1-112784475)"] and report.gone == ["1-404"]
    assert len(requested(httpserver, f"/locations/{WOLVERHAMPTON}")) == 1, "asked once even when named twice"
    assert db.session.scalar(sa.select(CQCSyncRun.kind)) == SyncKind.FETCH
    assert cqc_sync.watermark(db.session) is None, "a fetch has no window"


def test_import_json_logs_a_run_and_reports_a_bad_file(app_ctx, shared_data, tmp_path):
    good = next((shared_data / "cqc" / "api" / "locations").glob(f"{NOTTS}_*.json"))
    broken = tmp_path / "broken.json"
    broken.write_text('{"locationId": "1-1", ')
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps([{"req": {}, "loc": json.loads(good.read_text()), "postcode": {}}]))
    report = cqc_sync.import_json(db.session, [broken, wrapped])
    db.session.commit()
    assert report.new_services == ["Dovetail House (1-112779585)"]
    assert report.failures[0][0] == str(broken) and "not readable as JSON" in report.failures[0][1]
    run = db.session.scalar(sa.select(CQCSyncRun))
    assert (run.kind, run.status, run.new_services, run.failed) == (SyncKind.IMPORT_JSON, SyncStatus.PARTIAL, 1, 1)


# --- the commands ----------------------------------------------------------------------------------


@pytest.fixture
def cli(app, httpserver, sleeps, monkeypatch):
    """Run `flask cqc …` against the stub, with the fake sleep."""
    real = cqc_sync.client_for
    monkeypatch.setattr(cqc_sync, "client_for", lambda settings, config: real(settings, config, sleep=sleeps))
    monkeypatch.setitem(app.config, "CQC_API_BASE_URL", httpserver.url_for(BASE))
    monkeypatch.setitem(app.config, "CQC_SUBSCRIPTION_KEY", "cli-key-0123456789abcdef")
    monkeypatch.setitem(app.config, "CQC_LOCAL_AUTHORITIES", ["Nottinghamshire"])
    monkeypatch.setitem(app.config, "CQC_REQUESTS_PER_SECOND", 0)
    return lambda *args: app.test_cli_runner().invoke(args=["cqc", *args])


def test_the_sync_command_prints_the_report(cli, httpserver, cqc, app_ctx):
    _import_directly(dict(cqc["locations"][KIRKLEES], registrationStatus="Registered"))
    serve_changes(httpserver, [NOTTS, KIRKLEES, "1-404", ELMS])
    serve_location(httpserver, NOTTS, cqc["locations"][NOTTS])
    serve_location(httpserver, KIRKLEES, cqc["locations"][KIRKLEES])
    serve_location(httpserver, "1-404", {"message": "gone"}, status=404)
    serve_failing_location(httpserver, ELMS, status=503)
    serve_provider(httpserver, cqc["provider"])
    result = cli("sync")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Window: ") and lines[0].endswith(" UTC")
    for expected in (
        "New services found: 1", "  + Dovetail House (1-112779585)", "Registrations cancelled: 1",
        "  - Unique Care Providers (1-112844675)", "No longer published by CQC (404, gone): 1-404",
        "Records that failed: 1", "Status: partial",
    ):  # fmt: skip
        assert expected in lines, expected
    assert any(line.startswith(f"  ! {ELMS}: CQC API unavailable after") for line in lines)
    assert db.session.scalar(sa.select(CQCSyncRun.started_by)) == "CQC sync"


def test_a_clean_sync_command_exits_zero(cli, httpserver, cqc, app_ctx):
    _serve_all(httpserver, cqc, [NOTTS])
    result = cli("sync")
    assert result.exit_code == 0, result.output
    assert "Status: succeeded" in result.output and "Records that failed: 0" in result.output


def test_the_full_sync_command(cli, httpserver, cqc, app_ctx):
    httpserver.expect_request(f"{BASE}/locations").respond_with_json(
        {"nextPageUri": None, "locations": [{"locationId": NOTTS}]}
    )
    serve_location(httpserver, NOTTS, cqc["locations"][NOTTS])
    serve_provider(httpserver, cqc["provider"])
    result = cli("sync", "--full")
    assert result.exit_code == 0, result.output
    assert "  + Dovetail House (1-112779585)" in result.output
    assert db.session.scalar(sa.select(CQCSyncRun.kind)) == SyncKind.FULL


def test_the_fetch_command(cli, httpserver, cqc, app_ctx):
    serve_location(httpserver, NOTTS, cqc["locations"][NOTTS])
    serve_provider(httpserver, cqc["provider"])
    result = cli("fetch", NOTTS)
    assert result.exit_code == 0, result.output
    assert "New services found: 1" in result.output and "Status: succeeded" in result.output
    bad = cli("fetch", "1-112779585; DROP TABLE")
    assert bad.exit_code == 2 and "not CQC location ids" in bad.output


def test_commands_refuse_without_a_key_and_log_the_failed_run(cli, app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "CQC_SUBSCRIPTION_KEY", "")
    result = cli("sync")
    assert result.exit_code == 1 and "No CQC subscription key" in result.output
    run = db.session.scalar(sa.select(CQCSyncRun))
    assert run.status == SyncStatus.FAILED and "No CQC subscription key" in run.error


def test_a_crash_rolls_the_run_back_and_logs_it(cli, httpserver, cqc, app_ctx, monkeypatch):
    _serve_all(httpserver, cqc, [NOTTS, SPRINGFIELD])

    real = cqc_sync.sync

    def sync_then_crash(*args, **kwargs):
        real(*args, **kwargs)  # everything flushed...
        raise RuntimeError("a bug")  # ...then a bug before the commit

    monkeypatch.setattr(cqc_sync, "sync", sync_then_crash)
    result = cli("sync")
    assert result.exit_code == 1 and "stopped unexpectedly and nothing was saved" in result.output
    assert _count(Service) == 0
    monkeypatch.undo()
    run = db.session.scalar(sa.select(CQCSyncRun))
    assert run.status == SyncStatus.FAILED and "RuntimeError" in run.error


def test_the_import_json_command_prints_the_report(cli, app_ctx, shared_data):
    files = sorted((shared_data / "cqc" / "api" / "locations").glob("1-1127*.json"))
    result = cli("import-json", *map(str, files))
    assert result.exit_code == 0, result.output
    assert f"Read {len(files)} location records from {len(files)} files." in result.output
    assert "Status: succeeded" in result.output


def test_the_watermark_is_stored_as_utc(app_ctx):
    db.session.add(CQCSyncRun(kind=SyncKind.SYNC, status=SyncStatus.SUCCEEDED, window_end=NOW, failures=[]))
    db.session.commit()
    db.session.expire_all()
    assert cqc_sync.watermark(db.session) == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
