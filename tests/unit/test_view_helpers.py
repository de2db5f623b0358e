"""Small rules used by views and exports."""

import pytest

from provider_monitor.services.exports import csv_lines, safe_cell
from provider_monitor.views.helpers import is_safe_next


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("Oak Lodge", "Oak Lodge"),
        (None, ""),
    ],
)
def test_spreadsheet_formulas_are_neutralised(value, expected):
    assert safe_cell(value) == expected


def test_csv_lines_stream_a_header_then_rows():
    assert "".join(csv_lines(["a", "b"], [["=x", "y,z"]])) == 'a,b\r\n\'=x,"y,z"\r\n'


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/services", True),
        ("/services?q=a", True),
        ("", False),
        (None, False),
        ("https://evil.example", False),
        ("//evil.example", False),
        ("/\\evil.example", False),
        ("services", False),
    ],
)
def test_only_paths_on_this_site_are_safe_redirects(target, safe):
    assert is_safe_next(target) is safe


def test_pagination_shows_ends_and_neighbours(app):
    from provider_monitor.jinja import pagination_params
    from provider_monitor.services.register import Page

    with app.test_request_context():
        params = pagination_params(Page(items=[], total=500, page=5, per_page=50), "services.register", {"q": "oak"})
    numbers = [item.get("number", "…") for item in params["items"]]
    assert numbers == [1, "…", 3, 4, 5, 6, 7, "…", 10]
    assert params["previous"]["href"] == "/services?page=4&q=oak"
    assert params["next"]["href"] == "/services?page=6&q=oak"
