"""Test helpers: parse pages, read error summaries, normalise text."""

import re

from bs4 import BeautifulSoup


def page(response) -> BeautifulSoup:
    """The response body parsed as HTML, the way a browser would."""
    return BeautifulSoup(response.get_data(as_text=True), "html5lib")


def text(element) -> str:
    return re.sub(r"\s+", " ", element.get_text(" ")).strip() if element is not None else ""


def error_summary(soup) -> list[tuple[str, str]]:
    """(message, link target) pairs from the GOV.UK error summary."""
    box = soup.select_one(".govuk-error-summary")
    if box is None:
        return []
    return [(text(a), a.get("href", "")) for a in box.select(".govuk-error-summary__list a")]


def field_error(soup, field_id: str) -> str:
    """The inline error message shown with a field."""
    group = soup.find(id=field_id)
    while group is not None and "govuk-form-group" not in (group.get("class") or []):
        group = group.parent
    message = group.select_one(".govuk-error-message") if group is not None else None
    return text(message).removeprefix("Error:").strip()


def table_rows(soup, selector: str = "table") -> list[list[str]]:
    table = soup.select_one(selector)
    if table is None:
        return []
    return [[text(c) for c in row.select("th, td")] for row in table.select("tbody tr")]
