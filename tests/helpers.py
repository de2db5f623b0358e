"""Test helpers: parse pages, read error summaries, normalise text, count SQL statements."""

import re
from contextlib import contextmanager

import sqlalchemy as sa
from bs4 import BeautifulSoup

from provider_monitor.extensions import db


@contextmanager
def counted_queries():
    """Count the SQL statements run inside the block: `with counted_queries() as statements: ...`."""
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


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
    element = soup.find(id=field_id)
    for group in element.find_parents(class_="govuk-form-group") if element is not None else []:
        # Date inputs nest a form group per box; the message sits on the outer one.
        message = group.select_one(".govuk-error-message")
        if message is not None:
            return text(message).removeprefix("Error:").strip()
    return ""


def table_rows(soup, selector: str = "table") -> list[list[str]]:
    table = soup.select_one(selector)
    if table is None:
        return []
    return [[text(c) for c in row.select("th, td")] for row in table.select("tbody tr")]


def form_values(soup, selector: str = "main form[method=post]") -> dict:
    """What the browser would submit for the form as it stands (repeated names become lists)."""
    form = soup.select_one(selector)
    values: dict[str, list[str]] = {}
    for element in form.select("input[name], select[name], textarea[name]"):
        kind = element.get("type", "text")
        if kind in ("submit", "button") or (kind in ("radio", "checkbox") and not element.has_attr("checked")):
            continue
        if element.name == "select":
            chosen = element.select_one("option[selected]") or element.select_one("option")
            value = chosen.get("value", "") if chosen else ""
        elif element.name == "textarea":
            value = element.get_text()
        else:
            value = element.get("value", "")
        values.setdefault(element["name"], []).append(value)
    return {name: vals[0] if len(vals) == 1 else vals for name, vals in values.items()}
