"""An officer logs a concern; a manager escalates to enhanced monitoring; a head of service suspends placements
(red), records the decision meeting, then steps down to amber with a reason."""

import re
from datetime import date, timedelta

import pytest

from provider_monitor.enums import Role
from tests import factories
from tests.browser.support import assert_clean, expect, sign_in_as

pytestmark = pytest.mark.browser


def fill_date(page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=re.compile(legend))
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def choose(page, legend: str, option: str) -> None:
    page.get_by_role("group", name=re.compile(legend)).get_by_label(option, exact=True).check()


def choose_level(page, level: int) -> None:
    page.get_by_role("group", name="Which level should it be at?").get_by_label(re.compile(f"Level {level}:")).check()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_a_concern_is_escalated_to_a_red_suspension_and_stepped_down_to_amber(page):
    service = factories.ServiceFactory(name="Juniper House", provider__name="Juniper Care Ltd")
    today = date.today()

    # The officer logs a concern from a whistleblower.
    sign_in_as(page, Role.OFFICER, name="Olu Officer")
    page.goto(f"/services/{service.id}")
    page.get_by_role("button", name="Log a concern").click()
    fill_date(page, "Date the concern was received", today)
    choose(page, "Where the concern came from", "Staff member or whistleblower")
    choose(page, "Type of concern", "Staffing")
    choose(page, "How serious it is", "High")
    page.get_by_label("Describe the concern").fill("Night shift run by one carer for 30 residents")
    page.get_by_label("Who raised it (optional)").fill("Sam Carer, night carer")
    page.get_by_role("button", name="Save concern").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("concern")
    expect(page.get_by_test_id("concern-details")).to_contain_text("Sam Carer, night carer")
    assert_clean(page)
    sign_out(page)

    # A manager escalates to enhanced monitoring, the review in four weeks.
    sign_in_as(page, Role.MANAGER, name="Mia Manager")
    page.goto(f"/services/{service.id}")
    expect(page.get_by_test_id("routine")).to_be_visible()
    page.get_by_role("button", name="Take an escalation decision").click()
    choose_level(page, 1)
    page.get_by_label("Reason for the decision").fill("Whistleblowing concern about night staffing")
    fill_date(page, "Next review date", today + timedelta(weeks=4))
    page.get_by_label("Conditions to step down").fill("Safe night staffing for four weeks")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("escalation-level")).to_contain_text("Level 1: Enhanced monitoring")
    assert_clean(page)
    sign_out(page)

    # The head of service suspends new placements (red), which starts the suspension timers.
    sign_in_as(page, Role.HEAD_OF_SERVICE, name="Hana Head")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Escalations").click()
    page.get_by_role("row").filter(has_text="Juniper House").get_by_role("link", name="Juniper House").click()
    page.get_by_role("button", name="Take a decision").click()
    choose_level(page, 3)
    choose(page, "Suspension of new placements", "Red – no new placements")
    page.get_by_label("Reason for the decision").fill("Unsafe staffing confirmed at an unannounced visit")
    fill_date(page, "Next review date", today + timedelta(weeks=2))
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("escalation-level")).to_contain_text("suspended – red")
    expect(page.get_by_test_id("deadlines")).to_contain_text("Suspension letter with remedial action plan")
    expect(page.get_by_test_id("deadlines")).to_contain_text("Provider appeal window")

    # The decision meeting goes on the record, its minutes internal.
    page.get_by_role("button", name="Record a meeting").click()
    choose(page, "Type of meeting", "Decision meeting")
    fill_date(page, "Date of the meeting", today)
    page.get_by_label("Attendees").fill("Hana Head, Mia Manager, Olu Officer")
    page.get_by_label("Organisations represented").fill("Council, CQC, ICB")
    page.get_by_label("Minutes", exact=True).fill("Agreed to suspend new placements pending a staffing plan")
    page.get_by_role("button", name="Save the meeting").click()
    expect(page.get_by_test_id("meeting")).to_contain_text("Decision meeting")
    expect(page.get_by_test_id("meeting")).to_contain_text("Internal minutes")

    # Stepping down to amber without a reason is refused, next to the field; with a reason it is recorded.
    page.get_by_role("button", name="Take a decision").click()
    choose(page, "Suspension of new placements", "Amber – new placements with caution, after a risk assessment")
    fill_date(page, "Next review date", today + timedelta(weeks=4))
    page.get_by_role("button", name="Record the decision").click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the reason for stepping down")
    expect(page.locator("#reason-error")).to_contain_text("Enter the reason for stepping down")
    page.get_by_label("Reason for the decision").fill("Staffing plan in place and agency cover confirmed")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("escalation-level")).to_contain_text("suspended – amber")
    decisions = page.get_by_test_id("decisions")
    expect(decisions).to_contain_text("Stepped down")
    expect(decisions).to_contain_text("Staffing plan in place and agency cover confirmed")
    expect(decisions).to_contain_text("Hana Head (Head of service)")
    assert_clean(page)

    page.get_by_role("link", name="Juniper House").first.click()
    expect(page.get_by_test_id("escalation-tag")).to_have_text("Level 3: suspended – amber")
