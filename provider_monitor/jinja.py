"""Templates: root-level templates/ plus the GOV.UK Frontend macros, and our filters."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, g, url_for
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from provider_monitor import ROOT
from provider_monitor.enums import KeyQuestion
from provider_monitor.forms.errors import error_summary

LONDON = ZoneInfo("Europe/London")


def format_date(value: date | datetime | None) -> str:
    """1 April 2026, the GOV.UK style."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return f"{value.day} {value:%B %Y}"


def format_datetime(value: datetime | None) -> str:
    """1 April 2026 at 2:05pm, in UK time."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    hour = local.hour % 12 or 12
    return f"{format_date(local)} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def label(value) -> str:
    """The human label of an enum member, or the value itself."""
    if value is None:
        return ""
    return getattr(value, "label", str(value))


def yes_no(value: bool | None) -> str:
    return "" if value is None else ("Yes" if value else "No")


def pagination_params(page, endpoint: str, args: dict) -> dict:
    """govukPagination params: first, last and two either side of the current page."""
    items, gap = [], False
    for number in range(1, page.pages + 1):
        if number in (1, page.pages) or abs(number - page.page) <= 2:
            items.append(
                {
                    "number": number,
                    "href": url_for(endpoint, page=number, **args),
                    "current": number == page.page,
                }
            )
            gap = False
        elif not gap:
            items.append({"ellipsis": True})
            gap = True
    params = {"items": items}
    if page.page > 1:
        params["previous"] = {"href": url_for(endpoint, page=page.page - 1, **args)}
    if page.page < page.pages:
        params["next"] = {"href": url_for(endpoint, page=page.page + 1, **args)}
    return params


def init_app(app: Flask) -> None:
    """Set up the template loaders, GOV.UK helpers, filters and globals."""
    # Replacing jinja_loader drops Flask's default, so the root templates folder comes first.
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    app.add_template_filter(format_date)
    app.add_template_filter(format_datetime)
    app.add_template_filter(label)
    app.add_template_filter(yes_no)
    app.add_template_global(pagination_params)
    app.add_template_global(error_summary, "form_error_summary")

    @app.context_processor
    def globals_for_templates():
        return {
            "csp_nonce": g.get("csp_nonce", ""),
            "council_name": app.config["COUNCIL_NAME"],
            "service_name": app.config["SERVICE_NAME"],
            "key_questions": list(KeyQuestion),
        }
