"""A provider user comments on a shared report and submits evidence on an action; the contract manager sees both
and verifies; another provider's user cannot reach any of it. The portal also fits a phone screen."""

import re
from datetime import date, timedelta

import pytest

from provider_monitor.enums import ActionStatus, Role
from provider_monitor.extensions import db
from provider_monitor.forms.actions import MOVE_LABELS
from provider_monitor.models import Provider
from tests import factories
from tests.browser.support import assert_clean, expect, sign_in_as

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()


@pytest.fixture
def portal_records(app_ctx):
    manager = factories.UserFactory(role=Role.CONTRACT_MANAGER, name="Cara Contract")
    service = factories.ServiceFactory(name="Hazel Court", provider__name="Hazel Care Ltd", contract_manager=manager)
    today = date.today()
    visit = factories.VisitFactory(
        service=service, status="shared", summary="Medication storage needs attention",
        visited_on=today - timedelta(days=8), comments_due_on=today + timedelta(days=10),
    )  # fmt: skip
    action = factories.ActionFactory(service=service, visit=visit, description="Fit a lock to the medicines fridge")
    provider = db.session.get(Provider, service.provider_id)
    return {"service": service, "visit": visit, "action": action, "provider": provider, "manager": manager}


def test_a_provider_comments_and_submits_evidence_and_the_contract_manager_verifies(page, portal_records, tmp_path):
    visit, action = portal_records["visit"], portal_records["action"]
    sign_in_as(page, Role.PROVIDER, name="Priya Provider", provider=portal_records["provider"])

    # The portal is where a provider user lands, with what is waiting for them first.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hazel Care Ltd")
    waiting = page.get_by_test_id("waiting")
    expect(waiting).to_contain_text("Hazel Court")
    waiting.get_by_role("link", name=re.compile("report", re.IGNORECASE)).first.click()

    # A comment with nothing in it is refused next to the field; then it is saved.
    page.get_by_role("button", name=re.compile("Send comment|Save comment|Add comment")).click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your comment")
    page.get_by_label(re.compile("comment", re.IGNORECASE)).last.fill("The fridge lock was fitted the day after.")
    page.get_by_role("button", name=re.compile("Send comment|Save comment|Add comment")).click()
    expect(page.get_by_test_id("comment-list")).to_contain_text("The fridge lock was fitted the day after.")
    assert_clean(page)

    # Evidence on the action, then marked as submitted.
    page.goto(f"/actions/{action.id}")
    evidence = tmp_path / "fridge-lock.pdf"
    evidence.write_bytes(PDF)
    page.get_by_label("Upload a file").set_input_files(str(evidence))
    page.get_by_role("button", name="Upload file").click()
    expect(page.locator("main")).to_contain_text("fridge-lock.pdf")
    page.get_by_label(MOVE_LABELS[ActionStatus.EVIDENCE_SUBMITTED], exact=True).check()
    page.get_by_role("button", name="Update status").click()
    expect(page.locator("main")).to_contain_text(ActionStatus.EVIDENCE_SUBMITTED.label)
    assert_clean(page)
    sign_out(page)

    # The contract manager sees the comment and that the provider read the report, then verifies the action.
    sign_in_as(page, Role.CONTRACT_MANAGER, name="Cara Contract Two")
    page.goto(f"/visits/{visit.id}")
    expect(page.get_by_test_id("comment-list")).to_contain_text("The fridge lock was fitted the day after.")
    expect(page.get_by_test_id("readers")).to_contain_text("Priya Provider")
    # And, on the service page, what the provider has read, said and sent.
    page.goto(f"/services/{portal_records['service'].id}")
    activity = page.get_by_test_id("provider-activity")
    expect(activity).to_contain_text("fridge-lock.pdf")
    expect(activity).to_contain_text("Priya Provider")
    page.goto(f"/actions/{action.id}")
    expect(page.locator("main")).to_contain_text("fridge-lock.pdf")
    page.get_by_label(MOVE_LABELS[ActionStatus.VERIFIED], exact=True).check()
    page.get_by_role("button", name="Update status").click()
    expect(page.locator("main")).to_contain_text(ActionStatus.VERIFIED.label)
    assert_clean(page)
    sign_out(page)

    # Another provider's user finds nothing at any of those addresses.
    sign_in_as(page, Role.PROVIDER, name="Otto Other", provider=factories.ProviderFactory(name="Other Care"))
    for path in (f"/visits/{visit.id}", f"/actions/{action.id}", f"/services/{portal_records['service'].id}"):
        response = page.goto(path)
        assert response.status == 404, path
        expect(page.locator("main")).not_to_contain_text("Hazel")


def test_the_portal_fits_a_phone_screen_and_works_by_keyboard(page, portal_records):
    sign_in_as(page, Role.PROVIDER, name="Priya Provider", provider=portal_records["provider"])
    # On a phone the navigation folds behind "Menu": sign in first, then look at the page as a phone shows it.
    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hazel Care Ltd")
    # Nothing wider than the screen: no sideways scrolling of the page itself.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The skip link comes first, then the way into the service can be reached with the keyboard alone.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Hazel Court":
            break
    expect(page.locator(":focus")).to_have_text("Hazel Court")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hazel Court")
