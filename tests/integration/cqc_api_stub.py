"""A local stand-in for the CQC API: pytest-httpserver serving REAL recorded bodies from shared/data/cqc.

Only the changes feed and the SAF `assessment[]` block are synthetic (tests/fixtures/cqc, labelled
in the files): CQC has published no real example of either.
"""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from provider_monitor.cqc.client import CQCClient

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cqc"
BASE = "/public/v1"
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def recorded(shared_data: Path) -> dict:
    """Real recorded CQC bodies: locations by id, the list page, the provider and the real 401."""
    folder = shared_data / "cqc" / "api"
    return {
        "locations": {p.name.split("_")[0]: json.loads(p.read_text()) for p in (folder / "locations").glob("*.json")},
        "unauthorised": json.loads((folder / "errors" / "401_invalid_subscription_key.json").read_text()),
        "list": json.loads((folder / "list" / "locations_page1_perPage10_2025-11.json").read_text()),
        "provider": json.loads(next((folder / "providers").glob("*.json")).read_text()),
    }


def synthetic(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


class Sleeps(list):
    """A fake sleep: records how long the client asked to wait, and returns at once."""

    def __call__(self, seconds):
        self.append(round(seconds, 3))


def make_client(httpserver, sleeps, **options) -> CQCClient:
    settings = {
        "subscription_key": "test-key-0123456789abcdef", "base_url": httpserver.url_for(BASE),
        "requests_per_second": 0, "sleep": sleeps, "retry_after_cap": 30, "max_retries": 3,
    }  # fmt: skip
    return CQCClient(**(settings | options))


def serve_location(httpserver, location_id, body, status=200):
    httpserver.expect_request(f"{BASE}/locations/{location_id}").respond_with_json(body, status=status)


def serve_failing_location(httpserver, location_id, status=500):
    httpserver.expect_request(f"{BASE}/locations/{location_id}").respond_with_data("down", status=status)


def serve_changes(httpserver, ids):
    body = {"total": len(ids), "page": 1, "totalPages": 1, "nextPageUri": None, "changes": ids}
    httpserver.expect_request(f"{BASE}/changes/location").respond_with_json(body)


def serve_provider(httpserver, body):
    httpserver.expect_request(re.compile(rf"{BASE}/providers/.*")).respond_with_json(body)


def requested(httpserver, prefix: str) -> list[str]:
    """Paths of the requests the stub received that start with BASE + prefix."""
    return [request.path for request, _ in httpserver.log if request.path.startswith(BASE + prefix)]
