"""A careful client for the CQC Syndication API: timeouts, polite rate, bounded retries, paging.

CQC's API sits behind Azure API Management: the key goes in `Ocp-Apim-Subscription-Key`, a
User-Agent is required (403 without one), and no rate limits are published. Every call has a
timeout (requests has none by default), 429 and 5xx are retried with backoff honouring a capped
Retry-After, and paging follows `nextPageUri`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import requests

DEFAULT_BASE_URL = "https://api.service.cqc.org.uk/public/v1"
RETRY_STATUSES = {429, 500, 502, 503, 504}


class CQCError(Exception):
    """A CQC API call failed; the message is fit for the sync report."""


class CQCAuthError(CQCError):
    """401/403: the subscription key (or User-Agent) was refused. Nothing more can be fetched."""


class CQCNotFound(CQCError):
    """404: the location or provider is no longer published ("gone"), not a failure of the run."""


class CQCUnavailable(CQCError):
    """Timeouts, connection errors, 429 or 5xx still failing after the retries."""


class CQCBadResponse(CQCError):
    """The answer was not the JSON shape expected."""


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class CQCClient:
    def __init__(
        self,
        *,
        subscription_key: str,
        base_url: str = DEFAULT_BASE_URL,
        user_agent: str = "ProviderMonitor/0.1",
        timeout: tuple[float, float] = (5.0, 30.0),
        requests_per_second: float = 5.0,
        max_retries: int = 4,
        retry_after_cap: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.min_interval = 1.0 / requests_per_second if requests_per_second > 0 else 0.0
        self.max_retries, self.retry_after_cap = max_retries, retry_after_cap
        self.sleep, self.clock = sleep, clock
        self._last_request = None
        self.http = requests.Session()
        self.http.headers.update(
            {"Ocp-Apim-Subscription-Key": subscription_key, "User-Agent": user_agent, "Accept": "application/json"}
        )

    # --- one request ---------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        # nextPageUri is relative to /public/v1 ("/locations?page=2"), so join without its slash.
        return urljoin(self.base_url, path.lstrip("/"))

    def _pace(self) -> None:
        if self._last_request is not None:
            wait = self.min_interval - (self.clock() - self._last_request)
            if wait > 0:
                self.sleep(wait)
        self._last_request = self.clock()

    def _retry_after(self, response: requests.Response, attempt: int) -> float:
        header = response.headers.get("Retry-After", "")
        try:
            seconds = float(header)
        except ValueError:
            try:
                seconds = (parsedate_to_datetime(header) - datetime.now(UTC)).total_seconds()
            except (TypeError, ValueError):
                seconds = 2.0**attempt
        return max(0.0, min(seconds, self.retry_after_cap))

    def get(self, path: str, params: dict | None = None) -> dict:
        """GET a JSON object, retrying what is worth retrying; raises a CQCError subclass otherwise."""
        problem = "no attempt made"
        for attempt in range(self.max_retries + 1):
            self._pace()
            try:
                response = self.http.get(self._url(path), params=params, timeout=self.timeout)
            except (requests.Timeout, requests.ConnectionError) as error:
                problem = f"{error.__class__.__name__} calling {path}"
                self.sleep(min(2.0**attempt, self.retry_after_cap))
                continue
            if response.status_code in RETRY_STATUSES:
                problem = f"HTTP {response.status_code} from {path}"
                self.sleep(self._retry_after(response, attempt))
                continue
            return self._read(response, path)
        raise CQCUnavailable(f"CQC API unavailable after {self.max_retries + 1} attempts: {problem}")

    def _read(self, response: requests.Response, path: str) -> dict:
        if response.status_code in (401, 403):
            raise CQCAuthError(
                f"CQC refused the request ({response.status_code}): check the subscription key and User-Agent"
            )
        if response.status_code == 404:
            raise CQCNotFound(f"{path} is not published by CQC (404)")
        if response.status_code != 200:
            raise CQCBadResponse(f"unexpected HTTP {response.status_code} from {path}")
        try:
            data = response.json()
        except ValueError:
            raise CQCBadResponse(f"{path} did not return valid JSON") from None
        if not isinstance(data, dict):
            raise CQCBadResponse(f"{path} returned JSON that is not an object")
        return data

    # --- lists and records ---------------------------------------------------------------------

    def pages(self, path: str, params: dict, key: str) -> Iterator[list]:
        """Each page's items under `key`, following nextPageUri until it is null."""
        data = self.get(path, params)
        while True:
            items = data.get(key)
            if not isinstance(items, list):
                raise CQCBadResponse(f"{path} returned no '{key}' list")
            yield items
            next_page = data.get("nextPageUri")
            if not next_page:
                return
            data = self.get(next_page)

    def changed_locations(self, start: datetime, end: datetime, per_page: int = 1000) -> list[str]:
        """Location ids changed in [start, end): start inclusive, end exclusive, in UTC."""
        params = {"startTimestamp": _timestamp(start), "endTimestamp": _timestamp(end), "perPage": per_page}
        return [str(i) for page in self.pages("/changes/location", params, "changes") for i in page]

    def location_ids(self, local_authority: str, per_page: int = 1000) -> list[str]:
        params = {"localAuthority": local_authority, "inspectionDirectorate": "Adult social care", "perPage": per_page}
        items = (item for page in self.pages("/locations", params, "locations") for item in page)
        return [str(item["locationId"]) for item in items if isinstance(item, dict) and item.get("locationId")]

    def location(self, location_id: str) -> dict:
        return self.get(f"/locations/{location_id}")

    def provider(self, provider_id: str) -> dict:
        return self.get(f"/providers/{provider_id}")
