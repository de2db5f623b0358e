"""An officer logs a visit with findings and two actions; a contract manager verifies one and returns the other."""

import re
from datetime import date, timedelta

import pytest

from provider_monitor.enums import ActionStatus, Role
from provider_monitor.forms.actions import MOVE_LABELS
from tests import factories
from tests.browser.support import assert_clean, expect, sign_in_as

pytestmark = pytest.mark.browser


def menu(page):
    return page.get_by_role("navigation", name="Menu")


def fill_date(page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=re.compile(legend))
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def choose(page, legend: str, option: str) -> None:
    page.get_by_role("group", name=legend).get_by_label(option, exact=True).check()


def raise_action(page, description: str, question: str, kind: str, due: date) -> None:
    page.get_by_role("link", name="Raise an action from this visit").click()
    page.get_by_label("What must or should be done").fill(description)
    choose(page, "Key question", question)
    choose(page, "Corrective or developmental", kind)
    choose(page, "Priority", "High")
    fill_date(page, "Due date", due)
    page.get_by_label("Owner at the provider").fill("Registered manager")
    page.get_by_role("button", name="Save action").click()


def test_an_officer_logs_a_visit_with_findings_and_two_actions(page):
    officer = sign_in_as(page, Role.OFFICER, name="Olu Officer")
    service = factories.ServiceFactory(name="Willow Court", link_officer=officer)

    menu(page).get_by_role("link", name="Caseload", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Caseload")
    row = page.get_by_role("row").filter(has_text="Willow Court")
    expect(row).to_contain_text("Never visited")
    row.get_by_role("link", name="Willow Court", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Willow Court")

    page.get_by_role("button", name="Log a visit").click()
    # Step 1 refuses a date in the future, keeps what was typed, and says so next to the field.
    fill_date(page, "Date of the visit", date.today() + timedelta(days=3))
    choose(page, "Type of visit", "Planned")
    choose(page, "Purpose of the visit", "Scheduled quality audit")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Date of the visit must be today or in the past")
    purpose = page.get_by_role("group", name="Purpose of the visit")
    expect(purpose.get_by_label("Scheduled quality audit")).to_be_checked()
    fill_date(page, "Date of the visit", date.today())
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_label("Staff", exact=True).check()
    page.get_by_label("The manager", exact=True).check()
    page.get_by_label("Notes on who you spoke to").fill("Four staff on the day shift and the deputy manager.")
    page.get_by_role("button", name="Save and continue").click()

    for question in ("Effective", "Caring", "Responsive", "Well-led"):
        choose(page, f"Local judgement for {question}", "Good")
    choose(page, "Local judgement for Safe", "Requires improvement")
    page.get_by_label("Evidence for Safe").fill("Two medicine records had gaps; one PRN protocol was missing.")
    page.get_by_role("button", name="Save and continue").click()

    for area in ("contract terms and conditions", "service specification", "best practice guidance"):
        choose(page, f"Result for {area}", "Met")
    choose(page, "Result for legal duties", "Partly met")
    page.get_by_role("button", name="Save and continue").click()

    choose(page, "Overall local quality rating", "Requires improvement")
    page.get_by_label("Summary of the visit").fill("Caring staff; medicines management needs to improve.")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Visit on")
    expect(page.locator("main")).to_contain_text("Willow Court")
    expect(page.locator("main")).to_contain_text("Two medicine records had gaps")
    assert_clean(page)

    raise_action(page, "Audit every medicine record weekly", "Safe", "Corrective (must)", date.today() + timedelta(28))
    raise_action(page, "Refresh PRN training for night staff", "Safe", "Developmental (should)",
                 date.today() + timedelta(42))  # fmt: skip
    actions = page.locator("main")
    expect(actions).to_contain_text("Audit every medicine record weekly")
    expect(actions).to_contain_text("Refresh PRN training for night staff")
    assert_clean(page)

    # The service's caseload row now counts the visit: the next one is due by the policy, not now.
    menu(page).get_by_role("link", name="Caseload", exact=True).click()
    expect(page.get_by_role("row").filter(has_text="Willow Court")).not_to_contain_text("Never visited")
    assert service.id


def test_a_contract_manager_verifies_one_action_and_returns_the_other(page):
    manager = sign_in_as(page, Role.CONTRACT_MANAGER, name="Cara Contract")
    service = factories.ServiceFactory(name="Birch House", contract_manager=manager)
    factories.ActionFactory(service=service, description="Fit window restrictors", status="evidence_submitted")
    factories.ActionFactory(service=service, description="Update fire risk assessment", status="evidence_submitted")

    menu(page).get_by_role("link", name="Action plans", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Action plans")
    page.get_by_role("link", name="Fit window restrictors").click()
    page.get_by_label(MOVE_LABELS[ActionStatus.VERIFIED], exact=True).check()
    page.get_by_role("button", name="Update status").click()
    expect(page.locator("main")).to_contain_text(ActionStatus.VERIFIED.label)
    assert_clean(page)

    menu(page).get_by_role("link", name="Action plans", exact=True).click()
    page.get_by_role("link", name="Update fire risk assessment").click()
    page.get_by_label(MOVE_LABELS[ActionStatus.RETURNED], exact=True).check()
    page.get_by_role("button", name="Update status").click()
    # A return needs a reason: refused, with the message by the field.
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the reason the evidence is being returned")
    page.get_by_label(MOVE_LABELS[ActionStatus.RETURNED], exact=True).check()
    page.get_by_label("Note or reason").fill("The assessment is dated 2019; send the current one.")
    page.get_by_role("button", name="Update status").click()
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("The assessment is dated 2019; send the current one.")
    expect(timeline).to_contain_text("Cara Contract")
    assert_clean(page)

    # Verified actions leave the open list; the returned one stays, and says so.
    menu(page).get_by_role("link", name="Action plans", exact=True).click()
    expect(page.locator("main")).not_to_contain_text("Fit window restrictors")
    expect(page.get_by_role("row").filter(has_text="Update fire risk assessment")).to_contain_text("Returned")
