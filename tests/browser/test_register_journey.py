"""An officer finds a service on the register and opens it, by mouse and by keyboard."""

import re

import pytest

from provider_monitor.enums import ServiceType
from tests import factories
from tests.browser.support import assert_clean, expect, sign_in_as, title_pattern

pytestmark = pytest.mark.browser


@pytest.fixture
def register():
    """Four services in two districts; returns the one the officer looks for."""
    bassetlaw = factories.DistrictFactory(name="Bassetlaw")
    ashfield = factories.DistrictFactory(name="Ashfield")
    heron = factories.ProviderFactory(name="Heron Care Ltd")
    kingfisher = factories.ServiceFactory(
        name="Kingfisher Lodge", provider=heron, district=bassetlaw, cqc_location_id="1-555000111"
    )
    factories.ServiceFactory(name="Kestrel View", district=bassetlaw, service_type=ServiceType.CARE_HOME_NURSING)
    factories.ServiceFactory(name="Kestrel Court", district=ashfield)
    avocet = factories.ProviderFactory(name="Avocet Homes Ltd")
    factories.ServiceFactory(name="Osprey House", provider=avocet, district=bassetlaw)
    return kingfisher


def apply_filters(page, choices: dict[str, str]):
    """Choose options by their labels ({"District": "Bassetlaw"}) and press "Apply filters"."""
    for label, option in choices.items():
        page.get_by_label(label, exact=True).select_option(label=option)
    page.get_by_role("button", name="Apply filters").click()


def service_names(page):
    return page.get_by_test_id("register").locator("tbody tr td:first-child a")


def test_an_officer_searches_filters_sorts_and_opens_a_service(page, register):
    sign_in_as(page)
    # Officers land on their flags; the register is one click away in the menu.
    expect(page.get_by_role("heading", level=1)).to_have_text("Your flags")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Services", exact=True).click()
    expect(page).to_have_url(re.compile(r"/services$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Services")
    expect(page).to_have_title(title_pattern("Services"))
    expect(service_names(page)).to_have_text(["Kestrel Court", "Kestrel View", "Kingfisher Lodge", "Osprey House"])
    assert_clean(page)

    page.get_by_label("Search", exact=True).fill("kingfisher")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_test_id("result-count")).to_have_text("1 service")
    expect(service_names(page)).to_have_text(["Kingfisher Lodge"])
    assert_clean(page)

    page.get_by_role("link", name="Clear filters").click()
    expect(page.get_by_label("Search", exact=True)).to_have_value("")
    apply_filters(page, {"Service type": "Care home without nursing", "District": "Bassetlaw"})
    expect(service_names(page)).to_have_text(["Kingfisher Lodge", "Osprey House"])
    apply_filters(page, {"Sort by": "Provider"})
    expect(service_names(page)).to_have_text(["Osprey House", "Kingfisher Lodge"])
    page.get_by_text("More filters").click()
    apply_filters(page, {"Order": "Z to A, highest first"})
    expect(service_names(page)).to_have_text(["Kingfisher Lodge", "Osprey House"])
    assert_clean(page)

    service_names(page).get_by_text("Kingfisher Lodge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kingfisher Lodge")
    details = page.get_by_test_id("details")
    expect(details.get_by_role("link", name="Heron Care Ltd")).to_be_visible()
    expect(summary_row(details, "CQC location ID")).to_contain_text("1-555000111")
    expect(summary_row(details, "District")).to_contain_text("Bassetlaw")
    assert_clean(page)

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Services").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Services")
    assert_clean(page)


def summary_row(summary_list, key: str):
    return summary_list.locator(".govuk-summary-list__row").filter(
        has=summary_list.page.locator(".govuk-summary-list__key", has_text=key)
    )


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(page, register):
    sign_in_as(page)
    page.goto("/services")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()
    assert_clean(page)


def test_a_search_that_is_too_long_shows_the_error_summary(page, register):
    sign_in_as(page)
    page.goto("/services")
    page.get_by_label("Search", exact=True).fill("x" * 101)
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_title(title_pattern("Services", error=True))
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_be_focused()  # GOV.UK Frontend's script ran under the CSP
    summary.get_by_role("link", name="Search must be 100 characters or fewer").click()
    expect(page.get_by_label("Search", exact=True)).to_be_focused()
    assert_clean(page)
