"""CQC ratings: entering one by hand, and the Rating changes page."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from provider_monitor.access import roles, staff_only
from provider_monitor.enums import ChangeDirection, Role
from provider_monitor.extensions import db
from provider_monitor.forms.errors import error_summary
from provider_monitor.forms.ratings import ChangeFilterForm, ManualRatingForm
from provider_monitor.jinja import format_date, label, yes_no
from provider_monitor.services import care_services, rating_changes, ratings, register
from provider_monitor.views.helpers import or_404, page_number, send_download, validate_or_400

bp = Blueprint("ratings", __name__)

# Who may enter a CQC rating by hand (the service page offers the link to the same roles).
RATING_EDITORS = (Role.OFFICER, Role.MANAGER, Role.ADMIN)

EXPORT_HEADER = ["Published", "Service", "CQC location ID", "District", "Service type", "Key question", "From", "To",
                 "Direction", "High severity"]  # fmt: skip


def _describe_change(change) -> str:
    """'Overall went from Good to Requires improvement (decline, high severity).'"""
    kind = "decline" if change.direction == ChangeDirection.DECLINE else "improvement"
    severity = ", high severity" if change.high_severity else ""
    return f"{label(change.key_question)} went from {change.from_rating} to {change.to_rating} ({kind}{severity})."


def _entry_message(entry: rating_changes.Entry | None) -> str:
    """What saving a hand-entered rating changed, for the success banner."""
    if entry is None:
        return "The rating has been recorded."
    when = format_date(entry.snapshot.published_on)
    parts = [f"The rating published on {when} has been recorded."]
    if entry.changes:
        parts.extend(_describe_change(c) for c in entry.changes)
    else:
        parts.append("No rating went up or down.")
    return " ".join(parts)


@bp.route("/services/<int:service_id>/ratings/new", methods=["GET", "POST"])
@roles(*RATING_EDITORS)
def record(service_id: int):
    service = or_404(care_services.get_service, db.session, current_user, service_id)
    current = ratings.current_snapshots(db.session, [service.id]).get(service.id)
    form = ManualRatingForm()
    form.held_on = current.published_on if current else None
    if form.validate_on_submit():
        recorded = ratings.record_manual(
            db.session, service, ratings=form.ratings(), published_on=form.published_on.data,
            recorded_by_id=current_user.id,
        )  # fmt: skip
        if recorded.added:
            message, category = _entry_message(rating_changes.latest_entry(db.session, service.id)), "success"
        else:
            message, category = "Those ratings were already held, so nothing was added.", "info"
        db.session.commit()
        flash(message, category)
        return redirect(url_for("services.view", service_id=service.id))
    return render_template(
        "ratings/record.html", form=form, service=service, current=current
    ), 400 if form.errors else 200


def _filter_form() -> ChangeFilterForm:
    form = ChangeFilterForm(request.args, meta={"csrf": False})
    form.district.choices = register.district_choices(db.session)
    return form


@bp.get("/rating-changes")
@staff_only
def changes():
    form = _filter_form()
    if not form.validate():
        return render_template("ratings/changes.html", form=form, page=None, summary=error_summary(form)), 400
    results = rating_changes.search(db.session, current_user, form.filters(page_number()))
    return render_template("ratings/changes.html", form=form, page=results, summary=None)


def _export_row(c) -> list:
    district = c.service.district.name if c.service.district else ""
    return [
        c.changed_on, c.service.name, c.service.cqc_location_id, district, label(c.service.service_type),
        label(c.key_question), c.from_rating, c.to_rating, label(c.direction), yes_no(c.high_severity),
    ]  # fmt: skip


@bp.get("/rating-changes.<any(csv, xlsx):fmt>")
@staff_only
def export(fmt: str) -> Response:
    """The filtered rating changes, every page of them, as CSV or XLSX: one header and one row source for both."""
    form = _filter_form()
    validate_or_400(form)
    found = rating_changes.export_rows(db.session, current_user, form.filters())
    return send_download(fmt, "rating-changes", EXPORT_HEADER, (_export_row(c) for c in found))
