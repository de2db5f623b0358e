"""The CQC API client over real HTTP, against a local server replaying real recorded CQC bodies."""

import logging
import socket
from datetime import UTC, datetime

import pytest
from werkzeug import Response

from provider_monitor.cqc.client import CQCAuthError, CQCBadResponse, CQCClient, CQCNotFound, CQCUnavailable
from tests.integration.cqc_api_stub import (
    BASE,
    NOW,
    Sleeps,
    make_client,
    recorded,
    serve_failing_location,
    serve_location,
    synthetic,
)

DOVETAIL = "1-112779585"


@pytest.fixture
def cqc(shared_data):
    return recorded(shared_data)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def api(httpserver, sleeps):
    return make_client(httpserver, sleeps)


def test_the_key_a_user_agent_and_accept_go_with_every_call(httpserver, api, cqc):
    headers = {
        "Ocp-Apim-Subscription-Key": "test-key-0123456789abcdef",
        "Accept": "application/json",
    }
    httpserver.expect_request(f"{BASE}/locations/{DOVETAIL}", headers=headers).respond_with_json(
        cqc["locations"][DOVETAIL]
    )
    assert api.location(DOVETAIL)["name"] == "Dovetail House"
    request, _ = httpserver.log[-1]
    assert request.headers["User-Agent"].startswith("ProviderMonitor/")


def test_a_missing_header_would_not_match(httpserver, cqc, sleeps):
    """The header check above can fail: a client with another key gets no answer from that expectation."""
    httpserver.expect_request(
        f"{BASE}/locations/{DOVETAIL}", headers={"Ocp-Apim-Subscription-Key": "the-right-key-000000"}
    ).respond_with_json(cqc["locations"][DOVETAIL])
    wrong = make_client(httpserver, sleeps, subscription_key="a-wrong-key-00000000", max_retries=0)
    with pytest.raises(CQCUnavailable, match="HTTP 500"):  # the stub's "no handler" answer
        wrong.location(DOVETAIL)


def test_list_paging_follows_next_page_uri_and_keeps_the_filters(httpserver, api, cqc):
    first = cqc["list"]  # real page 1 of /locations: nextPageUri "/locations?page=2&perPage=10"
    filters = {"localAuthority": "Nottinghamshire", "inspectionDirectorate": "Adult social care"}
    httpserver.expect_request(
        f"{BASE}/locations", query_string={"page": "2", "perPage": "10", **filters}
    ).respond_with_json({"page": 2, "nextPageUri": None, "locations": [{"locationId": "1-999"}]})
    httpserver.expect_request(f"{BASE}/locations", query_string={"perPage": "500", **filters}).respond_with_json(first)
    ids = api.locations(local_authority="Nottinghamshire")
    assert ids == [item["locationId"] for item in first["locations"]] + ["1-999"]


def test_the_changes_feed_sends_a_utc_window_and_reads_every_page(httpserver, api):
    first = synthetic("changes_location_synthetic.json")
    window = {"startTimestamp": "2026-11-01T00:00:00Z", "endTimestamp": "2026-11-23T06:00:00Z"}
    httpserver.expect_request(
        f"{BASE}/changes/location", query_string={"page": "2", "perPage": "2", **window}
    ).respond_with_json({"page": 2, "nextPageUri": None, "changes": ["1-112767279"]})
    httpserver.expect_request(f"{BASE}/changes/location", query_string={**window, "perPage": "500"}).respond_with_json(
        first
    )
    ids = api.changed_locations(datetime(2026, 11, 1, tzinfo=UTC), NOW)
    assert ids == ["1-112779585", "1-112552719", "1-112767279"]


def test_a_next_page_on_another_host_is_not_followed(httpserver, api):
    httpserver.expect_request(f"{BASE}/changes/location").respond_with_json(
        {"nextPageUri": "http://127.0.0.1:9/public/v1/changes/location?page=2", "changes": ["1-1"]}
    )
    with pytest.raises(CQCBadResponse, match="another host"):
        api.changed_locations(datetime(2026, 11, 1, tzinfo=UTC), NOW)


def test_a_next_page_that_never_moves_on_is_refused(httpserver, api):
    httpserver.expect_request(f"{BASE}/locations").respond_with_json(
        {"nextPageUri": "/locations?page=2&perPage=500", "locations": [{"locationId": "1-1"}]}
    )
    with pytest.raises(CQCBadResponse, match="does not move on"):
        api.locations(local_authority="Nottinghamshire")


@pytest.mark.parametrize(
    "body",
    [{"changes": "oops"}, {"changes": [{"id": "1-1"}]}, {"nextPageUri": None}, ["1-1"]],
)
def test_an_unexpected_changes_shape_is_a_bad_response(httpserver, api, body):
    httpserver.expect_request(f"{BASE}/changes/location").respond_with_json(body)
    with pytest.raises(CQCBadResponse):
        api.changed_locations(datetime(2026, 11, 1, tzinfo=UTC), NOW)


@pytest.mark.parametrize("status", [401, 403])
def test_401_and_403_are_authorisation_errors(httpserver, api, cqc, sleeps, status):
    serve_location(httpserver, DOVETAIL, cqc["unauthorised"], status=status)  # the real APIM 401 body
    with pytest.raises(CQCAuthError, match="check the subscription key and the User-Agent"):
        api.location(DOVETAIL)
    assert sleeps == [] and len(httpserver.log) == 1, "an auth error is not retried"


def test_404_means_gone(httpserver, api):
    serve_location(httpserver, "1-404", {"statusCode": 404, "message": "Resource not found"}, status=404)
    with pytest.raises(CQCNotFound, match="gone"):
        api.location("1-404")


def test_429_waits_as_told_but_never_longer_than_the_cap(httpserver, api, sleeps, cqc):
    path = f"{BASE}/locations/{DOVETAIL}"
    httpserver.expect_ordered_request(path).respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "7"})
    )
    httpserver.expect_ordered_request(path).respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "3600"})
    )
    httpserver.expect_ordered_request(path).respond_with_json(cqc["locations"][DOVETAIL])
    assert api.location(DOVETAIL)["locationId"] == DOVETAIL
    assert sleeps == [7.0, 30.0]


def test_retry_after_as_an_http_date(httpserver, sleeps, cqc):
    api = make_client(httpserver, sleeps, now=lambda: NOW)
    path = f"{BASE}/locations/{DOVETAIL}"
    httpserver.expect_ordered_request(path).respond_with_response(
        Response("busy", status=503, headers={"Retry-After": "Mon, 23 Nov 2026 06:00:12 GMT"})
    )
    httpserver.expect_ordered_request(path).respond_with_json(cqc["locations"][DOVETAIL])
    api.location(DOVETAIL)
    assert sleeps == [12.0]


def test_500_then_success_backs_off_once(httpserver, api, sleeps, cqc):
    path = f"{BASE}/locations/{DOVETAIL}"
    httpserver.expect_ordered_request(path).respond_with_data("oops", status=500)
    httpserver.expect_ordered_request(path).respond_with_json(cqc["locations"][DOVETAIL])
    assert api.location(DOVETAIL)["name"] == "Dovetail House"
    assert sleeps == [1.0]


def test_persistent_5xx_ends_as_unavailable_after_exponential_backoff(httpserver, api, sleeps):
    serve_failing_location(httpserver, "1-1", status=503)
    with pytest.raises(CQCUnavailable, match="after 4 attempts: HTTP 503"):
        api.location("1-1")
    assert sleeps == [1.0, 2.0, 4.0] and len(httpserver.log) == 4


def test_a_server_that_never_answers_times_out_and_is_unavailable(sleeps):
    """A listening socket nobody accepts from: the connection is made, the answer never comes."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    try:
        api = CQCClient(subscription_key="k" * 20, base_url=f"http://127.0.0.1:{port}/public/v1", sleep=sleeps,
                        max_retries=1, timeout=(2.0, 0.1), requests_per_second=0)  # fmt: skip
        with pytest.raises(CQCUnavailable, match="ReadTimeout"):
            api.location("1-1")
    finally:
        silent.close()
    assert sleeps == [1.0]


def test_a_closed_port_is_unavailable(sleeps):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api = CQCClient(subscription_key="k" * 20, base_url=f"http://127.0.0.1:{port}/public/v1", sleep=sleeps,
                    max_retries=1, timeout=(0.5, 0.5), requests_per_second=0)  # fmt: skip
    with pytest.raises(CQCUnavailable, match="ConnectionError"):
        api.location("1-1")


@pytest.mark.parametrize(
    ("body", "message"),
    [('{"locationId": "1-1", ', "not return valid JSON"), ('["1-1"]', "not an object"), ("", "not return valid")],
)
def test_malformed_json_is_a_bad_response(httpserver, api, body, message):
    httpserver.expect_request(f"{BASE}/locations/1-1").respond_with_data(body, content_type="application/json")
    with pytest.raises(CQCBadResponse, match=message):
        api.location("1-1")


def test_an_unexpected_status_is_a_bad_response_and_not_retried(httpserver, api, sleeps):
    httpserver.expect_request(f"{BASE}/locations/1-1").respond_with_json({"message": "bad id"}, status=400)
    with pytest.raises(CQCBadResponse, match="HTTP 400"):
        api.location("1-1")
    assert sleeps == []


def test_the_key_is_never_logged_nor_in_an_error(httpserver, sleeps, cqc, caplog):
    key = "SECRETKEY0123456789abcdef"
    api = make_client(httpserver, sleeps, subscription_key=key, max_retries=1)
    httpserver.expect_request(f"{BASE}/locations/1-500").respond_with_data("down", status=500)
    serve_location(httpserver, "1-401", cqc["unauthorised"], status=401)
    caplog.set_level(logging.DEBUG)
    errors = []
    for location_id in ("1-500", "1-401"):
        with pytest.raises((CQCUnavailable, CQCAuthError)) as caught:
            api.location(location_id)
        errors.append(str(caught.value))
    assert caplog.records, "the retry was logged"
    assert key not in caplog.text and all(key not in e for e in errors) and key not in repr(api)
