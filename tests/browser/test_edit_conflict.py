"""Two officers edit the same service: the second save is stopped, and nothing typed is lost."""

import pytest

from tests import factories
from tests.browser.support import assert_clean, expect, sign_in_as, title_pattern

pytestmark = pytest.mark.browser


def open_edit_page(page, service) -> None:
    page.goto(f"/services/{service.id}/edit")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit {service.name}")


def save_name(page, name: str) -> None:
    page.get_by_label("Service name").fill(name)
    page.get_by_role("button", name="Save service").click()


def test_the_second_save_shows_the_conflict_and_keeps_what_was_typed(page, open_page):
    service = factories.ServiceFactory(name="Kingfisher Lodge")
    second = open_page()
    sign_in_as(page)
    sign_in_as(second)
    open_edit_page(page, service)
    open_edit_page(second, service)

    save_name(page, "Kingfisher Lodge East")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The service has been updated")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kingfisher Lodge East")

    save_name(second, "Kingfisher Lodge West")
    expect(second).to_have_title(title_pattern("Edit Kingfisher Lodge East", error=True))
    expect(second.locator(".govuk-error-summary")).to_contain_text("Your changes have not been saved")
    expect(second.get_by_test_id("conflict").get_by_role("row", name="Service name")).to_have_text(
        "Service name Kingfisher Lodge East Kingfisher Lodge West"
    )
    expect(second.get_by_label("Service name")).to_have_value("Kingfisher Lodge West")

    # Saving again, knowing what is saved now, goes through.
    second.get_by_role("button", name="Save service").click()
    expect(second.locator(".govuk-notification-banner")).to_contain_text("The service has been updated")
    expect(second.get_by_role("heading", level=1)).to_have_text("Kingfisher Lodge West")
    assert_clean(page)
    assert_clean(second)
