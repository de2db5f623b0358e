"""The CQC API client and sync, against a local server replaying real recorded CQC responses."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug import Response

from provider_monitor.cqc.client import CQCAuthError, CQCBadResponse, CQCClient, CQCNotFound, CQCUnavailable
from provider_monitor.enums import RatingSource
from provider_monitor.extensions import db
from provider_monitor.models import CQCSyncRun, Provider, RatingSnapshot, Service
from provider_monitor.services import cqc_import, cqc_sync
from provider_monitor.services.cqc_records import location_record

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cqc"
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


@pytest.fixture
def cqc(shared_data):
    """Real recorded bodies, by location id."""
    folder = shared_data / "cqc" / "api"
    locations = {p.name.split("_")[0]: json.loads(p.read_text()) for p in (folder / "locations").glob("*.json")}
    return {
        "locations": locations,
        "unauthorised": json.loads((folder / "errors" / "401_invalid_subscription_key.json").read_text()),
        "list": json.loads((folder / "list" / "locations_page1_perPage10_2025-11.json").read_text()),
        "provider": json.loads(next((folder / "providers").glob("*.json")).read_text()),
    }


class Sleeps(list):
    def __call__(self, seconds):
        self.append(round(seconds, 3))


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def client(httpserver, sleeps):
    return CQCClient(
        subscription_key="test-key", base_url=httpserver.url_for("/public/v1"), requests_per_second=0,
        sleep=sleeps, retry_after_cap=30, max_retries=3,
    )  # fmt: skip


def serve_location(httpserver, location_id, body, status=200):
    httpserver.expect_request(f"/public/v1/locations/{location_id}").respond_with_json(body, status=status)


def serve_changes(httpserver, ids):
    body = {"total": len(ids), "page": 1, "totalPages": 1, "nextPageUri": None, "changes": ids}
    httpserver.expect_request("/public/v1/changes/location").respond_with_json(body)


def serve_provider(httpserver, body):
    httpserver.expect_request(re.compile(r"/public/v1/providers/.*")).respond_with_json(body)


def test_the_key_and_a_user_agent_go_with_every_call(httpserver, client, cqc):
    httpserver.expect_request(
        "/public/v1/locations/1-112779585",
        headers={"Ocp-Apim-Subscription-Key": "test-key", "User-Agent": "ProviderMonitor/0.1"},
    ).respond_with_json(cqc["locations"]["1-112779585"])
    assert client.location("1-112779585")["name"] == "Dovetail House"


def test_paging_follows_next_page_uri(httpserver, client, cqc):
    first = cqc["list"]  # real page 1: nextPageUri "/locations?page=2&perPage=10"
    httpserver.expect_request("/public/v1/locations", query_string={"page": "2", "perPage": "10"}).respond_with_json(
        {
            "page": 2,
            "nextPageUri": None,
            "locations": [{"locationId": "1-999", "locationName": "Last", "postalCode": "X"}],
        }
    )
    httpserver.expect_request("/public/v1/locations").respond_with_json(first)
    ids = client.location_ids("Nottinghamshire")
    assert len(ids) == len(first["locations"]) + 1 and ids[-1] == "1-999"


def test_the_changes_feed_pages_and_uses_an_exclusive_end(httpserver, client):
    first = json.loads((FIXTURES / "changes_location_synthetic.json").read_text())
    httpserver.expect_request(
        "/public/v1/changes/location", query_string={"page": "2", "perPage": "2"}
    ).respond_with_json({"page": 2, "nextPageUri": None, "changes": ["1-112767279"]})
    httpserver.expect_request(
        "/public/v1/changes/location",
        query_string={
            "startTimestamp": "2026-11-01T00:00:00Z",
            "endTimestamp": "2026-11-23T06:00:00Z",
            "perPage": "1000",
        },
    ).respond_with_json(first)
    ids = client.changed_locations(datetime(2026, 11, 1, tzinfo=UTC), NOW)
    assert ids == ["1-112779585", "1-112552719", "1-112767279"]


def test_401_is_an_authorisation_error(httpserver, client, cqc):
    serve_location(httpserver, "1-1", cqc["unauthorised"], status=401)
    with pytest.raises(CQCAuthError, match="subscription key"):
        client.location("1-1")


def test_404_means_gone(httpserver, client):
    serve_location(httpserver, "1-1", {"message": "Not found"}, status=404)
    with pytest.raises(CQCNotFound):
        client.location("1-1")


def test_429_waits_as_told_but_never_longer_than_the_cap(httpserver, client, sleeps, cqc):
    httpserver.expect_ordered_request("/public/v1/locations/1-112779585").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "7"})
    )
    httpserver.expect_ordered_request("/public/v1/locations/1-112779585").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "3600"})
    )
    serve_location(httpserver, "1-112779585", cqc["locations"]["1-112779585"])
    assert client.location("1-112779585")["locationId"] == "1-112779585"
    assert sleeps == [7.0, 30.0]


def test_500_then_success(httpserver, client, sleeps, cqc):
    httpserver.expect_ordered_request("/public/v1/locations/1-112779585").respond_with_data("oops", status=500)
    serve_location(httpserver, "1-112779585", cqc["locations"]["1-112779585"])
    assert client.location("1-112779585")["name"] == "Dovetail House"
    assert len(sleeps) == 1


def test_persistent_failures_end_as_unavailable(httpserver, client):
    httpserver.expect_request("/public/v1/locations/1-1").respond_with_data("down", status=503)
    with pytest.raises(CQCUnavailable, match="after 4 attempts"):
        client.location("1-1")


def test_an_unreachable_server_is_unavailable(sleeps):
    client = CQCClient(subscription_key="k", base_url="http://127.0.0.1:9/public/v1", sleep=sleeps, max_retries=1,
                       timeout=(0.5, 0.5), requests_per_second=0)  # fmt: skip
    with pytest.raises(CQCUnavailable, match="ConnectionError"):
        client.location("1-1")


def test_malformed_json_is_a_bad_response(httpserver, client):
    httpserver.expect_request("/public/v1/locations/1-1").respond_with_data(
        '{"locationId": "1-1", ', content_type="application/json"
    )
    with pytest.raises(CQCBadResponse, match="not return valid JSON"):
        client.location("1-1")


# --- sync ----------------------------------------------------------------------------------------

AREA = ["Nottinghamshire", "Nottingham", "Southwark"]


def _counts():
    return (
        db.session.scalar(sa.select(sa.func.count(Service.id))),
        db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id))),
    )


def test_a_sync_adds_new_services_in_the_area_and_skips_others(httpserver, client, cqc, app_ctx):
    ids = ["1-112779585", "1-112552719", "1-112784475"]  # Nottinghamshire, Nottingham, Wolverhampton
    serve_changes(httpserver, ids)
    for location_id in ids:
        serve_location(httpserver, location_id, cqc["locations"][location_id])
    serve_provider(httpserver, {**cqc["provider"], "name": "Named From CQC Ltd"})
    report = cqc_sync.sync(db.session, client, authorities=AREA, now=NOW)
    db.session.commit()
    assert report.status == "succeeded" and report.out_of_area == 1
    assert sorted(report.new_services) == ["Dovetail House (1-112779585)", "Springfield Care Home (1-112552719)"]
    assert db.session.scalar(sa.select(Provider.name).limit(1)) == "Named From CQC Ltd"
    assert cqc_sync.watermark(db.session).replace(tzinfo=UTC) == NOW


def test_a_gone_location_is_reported_and_the_rest_stored(httpserver, client, cqc, app_ctx):
    serve_changes(httpserver, ["1-404", "1-112779585"])
    serve_location(httpserver, "1-404", {"message": "Not found"}, status=404)
    serve_location(httpserver, "1-112779585", cqc["locations"]["1-112779585"])
    serve_provider(httpserver, cqc["provider"])
    report = cqc_sync.sync(db.session, client, authorities=AREA, now=NOW)
    assert report.gone == ["1-404"] and report.status == "succeeded" and len(report.new_services) == 1


def test_a_failure_half_way_keeps_the_rest_leaves_the_failed_one_untouched_and_holds_the_watermark(
    httpserver, client, cqc, app_ctx
):
    ids = ["1-112779585", "1-112552719", "1-112767279", "1-112779616", "1-112754649"]
    # The third service is already on the register, with no ratings yet; a failed fetch must not touch it.
    older = dict(cqc["locations"]["1-112767279"], historicRatings=[], currentRatings=None)
    cqc_import.import_location(db.session, location_record(older), source=RatingSource.CQC_API)
    db.session.commit()
    third = db.session.scalar(sa.select(Service).where(Service.cqc_location_id == "1-112767279"))
    third_before = (
        third.name,
        third.registration_status,
        db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id)).where(RatingSnapshot.service_id == third.id)),
    )
    serve_changes(httpserver, ids)
    for location_id in ids:
        if location_id == "1-112767279":
            httpserver.expect_request(f"/public/v1/locations/{location_id}").respond_with_data("down", status=500)
        else:
            serve_location(httpserver, location_id, cqc["locations"][location_id])
    serve_provider(httpserver, cqc["provider"])
    area = [*AREA, "Lincolnshire"]
    report = cqc_sync.sync(db.session, client, authorities=area, now=NOW)
    db.session.commit()
    assert report.status == "partial" and [i for i, _ in report.failures] == ["1-112767279"]
    assert len(report.new_services) == 4
    db.session.expire_all()
    third = db.session.get(Service, third.id)
    assert (
        third.name,
        third.registration_status,
        db.session.scalar(sa.select(sa.func.count(RatingSnapshot.id)).where(RatingSnapshot.service_id == third.id)),
    ) == third_before
    assert cqc_sync.watermark(db.session) is None, "a partial run must not advance the watermark"

    # The server recovers: the next run covers the same window again and stores the missing one.
    httpserver.clear()
    serve_changes(httpserver, ids)
    for location_id in ids:
        serve_location(httpserver, location_id, cqc["locations"][location_id])
    serve_provider(httpserver, cqc["provider"])
    again = cqc_sync.sync(db.session, client, authorities=area, now=NOW)
    db.session.commit()
    assert again.status == "succeeded" and again.window_start == report.window_start
    assert again.snapshots_added > 0 and cqc_sync.watermark(db.session).replace(tzinfo=UTC) == NOW


def test_an_authorisation_failure_stops_the_run_and_changes_nothing(httpserver, client, cqc, app_ctx):
    httpserver.expect_request("/public/v1/changes/location").respond_with_json(cqc["unauthorised"], status=401)
    report = cqc_sync.sync(db.session, client, authorities=AREA, now=NOW)
    db.session.commit()
    assert report.status == "failed" and "subscription key" in report.error
    assert _counts() == (0, 0)
    run = db.session.scalar(sa.select(CQCSyncRun))
    assert run.status == "failed" and cqc_sync.watermark(db.session) is None


def test_malformed_json_for_one_location_is_a_failure_not_a_crash(httpserver, client, cqc, app_ctx):
    serve_changes(httpserver, ["1-112779585", "1-112552719"])
    httpserver.expect_request("/public/v1/locations/1-112779585").respond_with_data(
        "{bad", content_type="application/json"
    )
    serve_location(httpserver, "1-112552719", cqc["locations"]["1-112552719"])
    serve_provider(httpserver, cqc["provider"])
    report = cqc_sync.sync(db.session, client, authorities=AREA, now=NOW)
    assert report.status == "partial" and report.failures[0][0] == "1-112779585"
    assert len(report.new_services) == 1


def test_a_deregistered_location_is_marked_and_reported_never_deleted(httpserver, client, cqc, app_ctx):
    record = cqc["locations"]["1-112844675"]
    registered = {**record, "registrationStatus": "Registered"}
    registered.pop("deregistrationDate", None)
    serve_location(httpserver, "1-112844675", registered)
    cqc_sync.fetch(db.session, client, ["1-112844675"])
    httpserver.clear()
    serve_location(httpserver, "1-112844675", record)
    report = cqc_sync.fetch(db.session, client, ["1-112844675"])
    db.session.commit()
    assert report.registrations_cancelled == ["Unique Care Providers (1-112844675)"]
    service = db.session.scalar(sa.select(Service))
    assert service.registration_status == "deregistered"


def test_the_sync_and_fetch_commands(app, httpserver, cqc, app_ctx):
    serve_location(httpserver, "1-112779585", cqc["locations"]["1-112779585"])
    serve_provider(httpserver, cqc["provider"])
    app.config.update(
        CQC_API_BASE_URL=httpserver.url_for("/public/v1"), CQC_SUBSCRIPTION_KEY="k", CQC_REQUESTS_PER_SECOND=0
    )
    try:
        result = app.test_cli_runner().invoke(args=["cqc", "fetch", "1-112779585"])
        assert result.exit_code == 0, result.output
        assert "New services found: 1" in result.output and "Status: succeeded" in result.output
        app.config["CQC_SUBSCRIPTION_KEY"] = ""
        result = app.test_cli_runner().invoke(args=["cqc", "sync"])
        assert result.exit_code != 0 and "No CQC subscription key" in result.output
    finally:
        app.config.update(CQC_API_BASE_URL="https://api.service.cqc.org.uk/public/v1", CQC_SUBSCRIPTION_KEY="",
                          CQC_REQUESTS_PER_SECOND=5)  # fmt: skip
