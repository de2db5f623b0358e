"""Helpers for the browser tests: watch a page's traffic, sign in through the real form.

Nothing here imports Playwright at module level, so the folder is skipped (by a fixture in
conftest.py), not broken, where Playwright is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from provider_monitor.enums import Role
from tests import factories

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from provider_monitor.models import User

_TRAFFIC: WeakKeyDictionary[Page, Traffic] = WeakKeyDictionary()


def expect(*args, **kwargs):
    """Playwright's auto-waiting `expect`, imported only once a test runs."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(*args, **kwargs)


# Chromium logs this for any 4xx/5xx response, pages included; a form with errors is a 400 page.
FAILED_RESOURCE = re.compile(r"^Failed to load resource: the server responded with a status of (\d{3})")


@dataclass
class Traffic:
    """Every URL a page requested and every console error it logged."""

    origin: str
    requests: list[str] = field(default_factory=list)
    pages: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)

    def on_request(self, request) -> None:
        self.requests.append(request.url)
        if request.is_navigation_request():
            self.pages.add(request.url)

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "?")
        failed = FAILED_RESOURCE.match(message.text)
        if failed and failed[1].startswith("4") and url in self.pages:
            return  # the page itself answered 400 or 409: its error summary is what the test checks
        self.errors.append(f"{message.text} (at {url})")

    def on_page_error(self, error) -> None:
        self.errors.append(f"uncaught: {error}")


def watch(page: Page, origin: str) -> None:
    """Record the page's requests, console errors (CSP violations among them) and uncaught errors."""
    traffic = _TRAFFIC[page] = Traffic(origin)
    page.on("request", traffic.on_request)
    page.on("console", traffic.on_console)
    page.on("pageerror", traffic.on_page_error)


def assert_clean(page: Page, *, unreachable: str | None = None) -> None:
    """Every request so far went to the live server, and nothing logged an error.

    Chromium reports Content-Security-Policy violations as console errors, so a clean page also
    shows the policy allowed everything the page needed. A page answering 4xx is allowed (forms with
    errors are 400s); a 4xx for anything the page loads, and any 5xx, is an error.
    """
    traffic = _TRAFFIC[page]
    assert traffic.requests, "the page made no requests at all"
    elsewhere = [url for url in traffic.requests if not url.startswith(traffic.origin + "/")]
    errors = traffic.errors
    if unreachable:
        # A server the test made unreachable on purpose (map tiles): its requests and failures are expected.
        elsewhere = [url for url in elsewhere if not url.startswith(unreachable + "/")]
        errors = [error for error in errors if unreachable not in error]
    assert elsewhere == [], f"requests to other hosts: {elsewhere}"
    assert errors == [], f"console errors: {errors}"


def sign_in(page: Page, email: str, password: str = factories.TEST_PASSWORD) -> None:
    """Fill in and submit the sign-in form, as a person would."""
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in_as(page: Page, role: Role = Role.OFFICER, **kwargs) -> User:
    """A new user of this role (made with the factories), signed in through the form."""
    user = factories.UserFactory(role=role, **kwargs)
    sign_in(page, user.email)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return user


def title_pattern(title: str, *, error: bool = False) -> re.Pattern:
    """The <title> of a page: 'Services – Provider Monitor – …', with 'Error: ' first when it has errors."""
    return re.compile(("^Error: " if error else "^") + re.escape(title) + " – ")
