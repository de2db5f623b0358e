"""The CQC client's pure rules: Retry-After, pacing, timestamps, where it will send the key, masking."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from provider_monitor.cqc.client import (
    CQCBadResponse,
    CQCClient,
    Pacer,
    default_user_agent,
    retry_after_seconds,
    timestamp,
    version,
)
from provider_monitor.forms.cqc import authority_names
from provider_monitor.models.cqc import CQCSettings
from provider_monitor.services.cqc_sync import NotConfigured, client_for, masked_key

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        ("0", 0.0),
        ("2.5", 2.5),
        ("Mon, 23 Nov 2026 06:01:30 GMT", 90.0),
        ("Mon, 23 Nov 2026 05:00:00 GMT", 0.0),  # a date in the past: go now
        ("", None),
        (None, None),
        ("soon", None),
        ("-5", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header, seconds):
    assert retry_after_seconds(header, NOW) == seconds


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self):
        self.now, self.sleeps = 100.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def test_the_pacer_spaces_calls_to_the_rate():
    clock = FakeClock()
    pacer = Pacer(5, clock.sleep, clock)
    for _ in range(4):
        pacer.wait()
    assert clock.sleeps == [0.2, 0.2, 0.2]


def test_the_pacer_does_not_wait_when_calls_are_already_slow_enough():
    clock = FakeClock()
    pacer = Pacer(5, clock.sleep, clock)
    pacer.wait()
    clock.now += 1.0  # a slow response
    pacer.wait()
    clock.now += 0.05
    pacer.wait()
    assert clock.sleeps == [0.15]


@pytest.mark.parametrize("rate", [0, None])
def test_no_rate_means_no_pacing(rate):
    clock = FakeClock()
    pacer = Pacer(rate, clock.sleep, clock)
    for _ in range(3):
        pacer.wait()
    assert clock.sleeps == []


def test_timestamps_are_utc_whole_seconds_with_a_z():
    assert timestamp(datetime(2026, 11, 23, 6, 0, 0, 999, tzinfo=UTC)) == "2026-11-23T06:00:00Z"
    london_summer = timezone(timedelta(hours=1))
    assert timestamp(datetime(2026, 7, 1, 1, 30, tzinfo=london_summer)) == "2026-07-01T00:30:00Z"
    with pytest.raises(ValueError):
        timestamp(datetime(2026, 11, 23, 6, 0))


def test_the_key_only_ever_goes_to_the_configured_api():
    client = CQCClient(subscription_key="k" * 32, base_url="https://api.example.org/public/v1/")
    assert (
        client._url("/locations?page=2&perPage=10") == "https://api.example.org/public/v1/locations?page=2&perPage=10"
    )
    assert client._url("https://api.example.org/public/v1/locations?page=3").endswith("/locations?page=3")
    for elsewhere in ("https://evil.example.com/public/v1/locations", "http://api.example.org/public/v1/x"):
        with pytest.raises(CQCBadResponse, match="another host"):
            client._url(elsewhere)
    assert "k" * 32 not in repr(client)


def test_filters_a_next_page_link_leaves_out_are_put_back():
    client = CQCClient(subscription_key="k" * 32, base_url="https://api.example.org/public/v1")
    url = client._url("/locations?page=2&perPage=10", {"localAuthority": "Nottinghamshire", "perPage": 500})
    assert url == "https://api.example.org/public/v1/locations?page=2&perPage=10&localAuthority=Nottinghamshire"


def test_a_client_needs_a_key():
    with pytest.raises(ValueError):
        CQCClient(subscription_key="")


def test_the_user_agent_names_the_app_its_version_and_a_contact():
    assert default_user_agent() == f"ProviderMonitor/{version()}"
    assert default_user_agent("Nottinghamshire County Council") == (
        f"ProviderMonitor/{version()} (+Nottinghamshire County Council)"
    )


@pytest.mark.parametrize(
    ("key", "shown"),
    [(None, "Not set"), ("", "Not set"), ("0123456789abcdefWXYZ", "Set, ending …WXYZ"), ("short", "Set")],
)
def test_a_key_is_only_ever_shown_masked(key, shown):
    assert masked_key(key) == shown


def test_local_authorities_are_tidied():
    assert authority_names(" Nottinghamshire ,, derbyshire, Nottinghamshire,  Stoke-on-Trent ") == [
        "Nottinghamshire",
        "derbyshire",
        "Stoke-on-Trent",
    ]
    assert CQCSettings(local_authorities="A ,a, B").authorities == ["A", "B"]
    assert CQCSettings(local_authorities=None).authorities == []


def test_the_client_is_built_from_the_settings_and_the_server_configuration():
    saved = CQCSettings(id=1, subscription_key="saved0123456789abcd", requests_per_second=2.0)
    config = {"COUNCIL_NAME": "Nottinghamshire County Council", "CQC_RETRY_AFTER_MAX": 12, "CQC_TIMEOUT": (3, 9)}
    client = client_for(saved, config)
    assert client.http.headers["Ocp-Apim-Subscription-Key"] == "saved0123456789abcd"
    assert client.http.headers["User-Agent"] == f"ProviderMonitor/{version()} (+Nottinghamshire County Council)"
    assert (client.retry_after_cap, client.timeout, client.pacer.interval) == (12.0, (3, 9), 0.5)
    assert client.base_url == "https://api.service.cqc.org.uk/public/v1"
    from_environment = client_for(
        saved, config | {"CQC_SUBSCRIPTION_KEY": "environment0123456789", "CQC_CONTACT": "qmm@example.gov.uk"}
    )
    assert from_environment.http.headers["Ocp-Apim-Subscription-Key"] == "environment0123456789"
    assert from_environment.http.headers["User-Agent"].endswith("(+qmm@example.gov.uk)")
    with pytest.raises(NotConfigured, match="No CQC subscription key"):
        client_for(CQCSettings(id=1), {})
