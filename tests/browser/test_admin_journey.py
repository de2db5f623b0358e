"""An admin adds and deactivates a user; signing out really ends the session."""

import re

import pytest

from provider_monitor.enums import Role
from provider_monitor.views.auth import SIGN_IN_FAILED
from tests.browser.support import assert_clean, expect, sign_in, sign_in_as, title_pattern

pytestmark = pytest.mark.browser

NEW_EMAIL = "sam.okafor@nottscc.example.gov.uk"
SIGN_IN_FOR_SERVICES = re.compile(r"/sign-in\?next=(/|%2F)services$")
SIGN_IN_FOR_HOME = re.compile(r"/sign-in\?next=(/|%2F)$")


def add_user(page, name: str, email: str, role: str) -> str:
    """Add a user through the admin pages; returns the one-time password shown."""
    page.get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("button", name="Add a user").click()
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_role("radio", name=role, exact=True).check()
    page.get_by_role("button", name="Save user").click()
    expect(page.locator(".govuk-panel")).to_contain_text("User added")
    expect(page.locator(".govuk-panel")).to_contain_text(email)
    return page.get_by_test_id("password").inner_text().strip()


def test_an_admin_adds_a_user_then_deactivates_them(page, open_page):
    sign_in_as(page, Role.ADMIN)
    password = add_user(page, "Sam Okafor", NEW_EMAIL, "QMM officer")
    assert len(password) >= 12
    assert_clean(page)

    # The new officer can sign in with it, in a browser of their own.
    theirs = open_page()
    sign_in(theirs, NEW_EMAIL, password)
    expect(theirs.get_by_role("heading", level=1)).to_have_text("Your flags")

    page.get_by_role("link", name="Back to users").click()
    page.get_by_role("link", name="Sam Okafor", exact=True).click()
    page.get_by_role("button", name=re.compile(r"^Deactivate and sign out")).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Sam Okafor has been deactivated and signed out everywhere"
    )
    row = page.get_by_test_id("users").get_by_role("row").filter(has_text=NEW_EMAIL)
    expect(row).to_contain_text("Deactivated")
    assert_clean(page)

    # Their session has ended, and the same password no longer lets them in.
    theirs.reload()
    expect(theirs).to_have_url(re.compile(r"/sign-in\?next="))
    sign_in(theirs, NEW_EMAIL, password)
    expect(theirs).to_have_title(title_pattern("Sign in", error=True))
    summary = theirs.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_contain_text(SIGN_IN_FAILED)
    expect(theirs.get_by_role("button", name="Sign out")).to_have_count(0)
    assert_clean(theirs)


def test_after_signing_out_back_and_reload_go_to_sign_in(page):
    sign_in_as(page)
    other_tab = page.context.new_page()
    other_tab.goto("/services")
    expect(other_tab.get_by_role("heading", level=1)).to_have_text("Services")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out")

    # Back goes to the home page the officer landed on, which now asks them to sign in.
    page.go_back()
    expect(page).to_have_url(SIGN_IN_FOR_HOME)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Provider Monitor")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    other_tab.reload()
    expect(other_tab).to_have_url(SIGN_IN_FOR_SERVICES)
    expect(other_tab.get_by_role("button", name="Sign out")).to_have_count(0)
    assert_clean(page)
