"""The GOV.UK error summary for a form, linking each message to its field."""

from govuk_frontend_wtf.wtforms_widgets import GovDateInput


def error_summary(form, extra: list[dict] | None = None) -> dict:
    """Params for govukErrorSummary: one entry per field, in form order."""
    items = list(extra or [])
    for field in form:
        if field.errors:
            # Date inputs are three boxes: send people to the first one.
            anchor = f"{field.id}-day" if isinstance(field.widget, GovDateInput) else field.id
            items.append({"text": field.errors[0], "href": f"#{anchor}"})
    return {"titleText": "There is a problem", "errorList": items}
