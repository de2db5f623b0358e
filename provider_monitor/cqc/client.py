"""A careful client for the CQC Syndication API: timeouts, polite rate, bounded retries, paging.

CQC's API sits behind Azure API Management: the key goes in `Ocp-Apim-Subscription-Key`, a
User-Agent is required (403 without one), and no rate limits are published. So:

- one `requests.Session` carries the headers, and every call has a `timeout=(connect, read)`
  (requests has no default timeout);
- calls are spaced to at most `requests_per_second`;
- 429, 5xx, timeouts and connection errors are retried with exponential backoff, honouring a
  `Retry-After` header (seconds or an HTTP date) but never waiting longer than `retry_after_cap`.
  The loop is our own: urllib3's cap on Retry-After depends on its version;
- paging follows `nextPageUri`, which CQC gives relative to the base URL; a next page on another
  host is refused, so the key is only ever sent to the configured API.

The key is never logged and never appears in an error message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib import metadata
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import requests

DEFAULT_BASE_URL = "https://api.service.cqc.org.uk/public/v1"
ADULT_SOCIAL_CARE = "Adult social care"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRYABLE_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
MAX_PAGES = 10_000

log = logging.getLogger(__name__)


class CQCError(Exception):
    """A CQC API call failed; the message is fit for the sync report (it never holds the key)."""


class CQCAuthError(CQCError):
    """401/403: the subscription key (or User-Agent) was refused. Nothing more can be fetched."""


class CQCNotFound(CQCError):
    """404: the location or provider is no longer published ("gone"), not a failure of the run."""


class CQCUnavailable(CQCError):
    """Timeouts, connection errors, 429 or 5xx still failing after the retries."""


class CQCBadResponse(CQCError):
    """The answer was not the JSON shape expected (or a status we do not know what to do with)."""


def version() -> str:
    try:
        return metadata.version("provider-monitor")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


def default_user_agent(contact: str | None = None) -> str:
    """`ProviderMonitor/<version> (+contact)`: CQC asks integrators to say who they are."""
    return f"ProviderMonitor/{version()}" + (f" (+{contact.strip()})" if contact and contact.strip() else "")


def timestamp(moment: datetime) -> str:
    """A moment as CQC's changes feed wants it: UTC, whole seconds, `2026-11-23T06:00:00Z`."""
    if moment.tzinfo is None:
        raise ValueError("use an aware datetime for CQC timestamps")
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def retry_after_seconds(header: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent or unreadable."""
    text = (header or "").strip()
    if not text:
        return None
    if text.isascii() and text.replace(".", "", 1).isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class Pacer:
    """At most `per_second` calls a second: waits (with the given sleep) until the next call is due."""

    def __init__(self, per_second: float | None, sleep: Callable[[float], None], clock: Callable[[], float]):
        self.interval = 1.0 / per_second if per_second and per_second > 0 else 0.0
        self.sleep, self.clock = sleep, clock
        self._next: float | None = None

    def wait(self) -> None:
        if not self.interval:
            return
        now = self.clock()
        if self._next is not None and now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


class CQCClient:
    def __init__(
        self,
        *,
        subscription_key: str,
        base_url: str = DEFAULT_BASE_URL,
        user_agent: str | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
        requests_per_second: float | None = 5.0,
        max_retries: int = 4,
        backoff: float = 1.0,
        retry_after_cap: float = 60.0,
        per_page: int = 500,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        if not subscription_key:
            raise ValueError("a CQC subscription key is needed")
        self.base_url = base_url.rstrip("/")
        self._origin = urlsplit(self.base_url)[:2]
        self.timeout = timeout
        self.max_retries, self.backoff, self.retry_after_cap = max_retries, backoff, retry_after_cap
        self.per_page = per_page
        self.sleep, self.now = sleep, now
        self.pacer = Pacer(requests_per_second, sleep, clock)
        self.http = requests.Session()
        self.http.headers.update(
            {
                "Ocp-Apim-Subscription-Key": subscription_key,
                "User-Agent": user_agent or default_user_agent(),
                "Accept": "application/json",
            }
        )

    def __repr__(self) -> str:  # never the key
        return f"<CQCClient {self.base_url}>"

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> CQCClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # --- one request ---------------------------------------------------------------------------

    def _url(self, path: str, params: dict | None = None) -> str:
        """The full URL for an API path or a nextPageUri; refuses anything not under the base URL."""
        parts = urlsplit(path)
        if parts.scheme or parts.netloc:
            if (parts.scheme, parts.netloc) != self._origin:
                raise CQCBadResponse(f"CQC pointed to another host ({parts.netloc or parts.scheme}); not followed")
            url = path
        else:
            url = self.base_url + "/" + path.lstrip("/")
        if params:
            scheme, netloc, route, query, _ = urlsplit(url)
            pairs = parse_qsl(query, keep_blank_values=True)
            present = {name for name, _ in pairs}
            # CQC's next-page links may drop the filters: put back any the link leaves out.
            pairs += [(name, str(value)) for name, value in params.items() if name not in present]
            url = urlunsplit((scheme, netloc, route, urlencode(pairs), ""))
        return url

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff * 2**attempt, self.retry_after_cap)

    def get(self, path: str, params: dict | None = None) -> dict:
        """GET a JSON object, retrying what is worth retrying; raises a CQCError subclass otherwise."""
        url = self._url(path, params)
        shown = urlsplit(url).path.removeprefix(urlsplit(self.base_url).path) or "/"
        problem = "no attempt made"
        for attempt in range(self.max_retries + 1):
            if attempt:
                log.info("cqc_retry", extra={"path": shown, "attempt": attempt, "problem": problem})
            self.pacer.wait()
            try:
                response = self.http.get(url, timeout=self.timeout)
            except RETRYABLE_ERRORS as error:
                problem = f"{error.__class__.__name__} calling {shown}"
                wait = self._backoff(attempt)
            except requests.RequestException as error:
                raise CQCUnavailable(f"could not call {shown}: {error.__class__.__name__}") from None
            else:
                if response.status_code not in RETRY_STATUSES:
                    return self._read(response, shown)
                problem = f"HTTP {response.status_code} from {shown}"
                told = retry_after_seconds(response.headers.get("Retry-After"), self.now())
                wait = min(told, self.retry_after_cap) if told is not None else self._backoff(attempt)
                response.close()
            if attempt < self.max_retries:
                self.sleep(wait)
        raise CQCUnavailable(f"CQC API unavailable after {self.max_retries + 1} attempts: {problem}")

    def _read(self, response: requests.Response, shown: str) -> dict:
        status = response.status_code
        if status in (401, 403):
            raise CQCAuthError(
                f"CQC refused the request (HTTP {status}): check the subscription key and the User-Agent header"
            )
        if status == 404:
            raise CQCNotFound(f"{shown} is not published by CQC (HTTP 404: gone)")
        if status != 200:
            raise CQCBadResponse(f"unexpected HTTP {status} from {shown}")
        try:
            data = response.json()
        except ValueError:
            raise CQCBadResponse(f"{shown} did not return valid JSON") from None
        if not isinstance(data, dict):
            raise CQCBadResponse(f"{shown} returned JSON that is not an object")
        return data

    # --- lists and records ---------------------------------------------------------------------

    def pages(self, path: str, params: dict, key: str) -> Iterator[list]:
        """Each page's items under `key`, following nextPageUri until it is null."""
        data, seen = self.get(path, params), set()
        for _ in range(MAX_PAGES):
            items = data.get(key)
            if not isinstance(items, list):
                raise CQCBadResponse(f"{path} returned no '{key}' list")
            yield items
            next_page = data.get("nextPageUri")
            if not next_page:
                return
            if not isinstance(next_page, str) or next_page in seen:
                raise CQCBadResponse(f"{path} gave a next page that does not move on ({next_page!r})")
            seen.add(next_page)
            data = self.get(next_page, {k: v for k, v in params.items() if k != "page"})
        raise CQCBadResponse(f"{path} went on for more than {MAX_PAGES} pages")

    def changed_locations(self, start: datetime, end: datetime) -> list[str]:
        """Location ids changed in [start, end): start inclusive, end exclusive, in UTC."""
        params = {"startTimestamp": timestamp(start), "endTimestamp": timestamp(end), "perPage": self.per_page}
        ids = []
        for page in self.pages("/changes/location", params, "changes"):
            if not all(isinstance(item, str) and item.strip() for item in page):
                raise CQCBadResponse("/changes/location listed something that is not a location id")
            ids += [item.strip() for item in page]
        return ids

    def locations(
        self, local_authority: str | None = None, inspection_directorate: str = ADULT_SOCIAL_CARE
    ) -> list[str]:
        """The ids of every location in the list for these filters (all pages). Lists include deregistered ones."""
        params = {"perPage": self.per_page}
        if local_authority:
            params["localAuthority"] = local_authority
        if inspection_directorate:
            params["inspectionDirectorate"] = inspection_directorate
        ids = []
        for page in self.pages("/locations", params, "locations"):
            for item in page:
                if not isinstance(item, dict) or not isinstance(item.get("locationId"), str):
                    raise CQCBadResponse("/locations listed an item without a locationId")
                ids.append(item["locationId"])
        return ids

    def location_ids(self, local_authority: str) -> list[str]:
        """Adult social care location ids in one local authority."""
        return self.locations(local_authority=local_authority)

    def location(self, location_id: str) -> dict:
        return self.get(f"/locations/{quote(location_id, safe='')}")

    def provider(self, provider_id: str) -> dict:
        return self.get(f"/providers/{quote(provider_id, safe='')}")
