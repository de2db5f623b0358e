"""CQC ratings: entering one by hand, and the Rating changes page."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user

from provider_monitor.access import roles, staff_only
from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.forms.errors import error_summary
from provider_monitor.forms.ratings import ChangeFilterForm, ManualRatingForm
from provider_monitor.jinja import label
from provider_monitor.jinja import yes_no as label_yes
from provider_monitor.services import care_services, rating_changes, ratings, register
from provider_monitor.services.exports import csv_lines
from provider_monitor.views.helpers import or_404, page_number

bp = Blueprint("ratings", __name__)

EXPORT_HEADER = ["Published", "Service", "CQC location ID", "District", "Service type", "Key question", "From", "To",
                 "Direction", "High severity"]  # fmt: skip


@bp.route("/services/<int:service_id>/ratings/new", methods=["GET", "POST"])
@roles(Role.OFFICER, Role.MANAGER, Role.ADMIN)
def record(service_id: int):
    service = or_404(care_services.get_service, db.session, current_user, service_id)
    form = ManualRatingForm()
    if form.validate_on_submit():
        recorded = ratings.record_manual(
            db.session, service, ratings=form.ratings(), published_on=form.published_on.data,
            recorded_by_id=current_user.id,
        )  # fmt: skip
        db.session.commit()
        if recorded.added:
            changed = (
                f" It brought {recorded.changes} rating change{'s' if recorded.changes != 1 else ''}."
                if recorded.changes
                else ""
            )
            flash(f"The rating has been recorded.{changed}", "success")
        else:
            flash("Those ratings were already held, so nothing was added.", "info")
        return redirect(url_for("services.view", service_id=service.id, _anchor="cqc-ratings"))
    return render_template("ratings/record.html", form=form, service=service), 400 if form.errors else 200


def _filter_form() -> ChangeFilterForm:
    form = ChangeFilterForm(request.args, meta={"csrf": False})
    form.district.choices = register.district_choices(db.session)
    return form


def _filters(form: ChangeFilterForm, page: int) -> rating_changes.ChangeFilters:
    return rating_changes.ChangeFilters(
        direction=form.direction.data, key_question=form.key_question.data, since=form.since.data,
        until=form.until.data, district_code=form.district.data, service_type=form.service_type.data, page=page,
    )  # fmt: skip


@bp.get("/rating-changes")
@staff_only
def changes():
    form = _filter_form()
    if not form.validate():
        return render_template("ratings/changes.html", form=form, page=None, summary=error_summary(form)), 400
    results = rating_changes.search(db.session, current_user, _filters(form, page_number()))
    return render_template("ratings/changes.html", form=form, page=results, summary=None)


@bp.get("/rating-changes.csv")
@staff_only
def export_changes():
    form = _filter_form()
    if not form.validate():
        abort(400, description="; ".join(item["text"] for item in error_summary(form)["errorList"]))

    def rows():
        for c in rating_changes.export_rows(db.session, current_user, _filters(form, 1)):
            district = c.service.district.name if c.service.district else ""
            yield [
                c.changed_on, c.service.name, c.service.cqc_location_id, district, label(c.service.service_type),
                label(c.key_question), c.from_rating, c.to_rating, label(c.direction), label_yes(c.high_severity),
            ]  # fmt: skip

    response = Response(stream_with_context(csv_lines(EXPORT_HEADER, rows())), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="rating-changes.csv"'
    return response
