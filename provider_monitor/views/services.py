"""The register of services and each service's page."""

from datetime import date

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from provider_monitor.access import roles, signed_in, staff_only
from provider_monitor.enums import REGISTER_EDITORS, KeyQuestion, Role
from provider_monitor.extensions import db
from provider_monitor.forms.errors import error_summary
from provider_monitor.forms.register import RegisterFilterForm
from provider_monitor.forms.services import ServiceForm
from provider_monitor.jinja import label
from provider_monitor.services import (
    care_services,
    caseload,
    concerns,
    escalation_records,
    escalation_rules,
    escalations,
    rating_changes,
    ratings,
    register,
    timeline,
    visit_feedback,
)
from provider_monitor.services.action_rules import ACTION_RAISERS
from provider_monitor.services.audit import history_for
from provider_monitor.services.concern_rules import CONCERN_LOGGERS
from provider_monitor.services.providers import all_provider_choices
from provider_monitor.services.visit_rules import VISIT_LOGGERS
from provider_monitor.views.helpers import (
    or_404,
    page_number,
    save_or_report,
    send_download,
    submit_edit,
    validate_or_400,
)
from provider_monitor.views.ratings import RATING_EDITORS

# Pages the service page links to, where they exist.
LINKED_PAGES = ("visits.view", "actions.view", "actions.plans", "escalations.view")

bp = Blueprint("services", __name__)

EXPORT_HEADER = [
    "Service name", "CQC location ID", "Provider", "CQC provider ID", "Service type", "Sector", "Regulated",
    "Registration status", "Town", "Postcode", "District", "Link officer", "Contract manager",
    *(f"CQC {q.label}" for q in KeyQuestion), "Escalation level", "Suspension",
]  # fmt: skip


def _filter_form() -> RegisterFilterForm:
    form = RegisterFilterForm(request.args, meta={"csrf": False})
    form.district.choices = register.district_choices(db.session)
    form.link_officer.choices = care_services.staff_choices(db.session, Role.OFFICER, Role.MANAGER)
    form.contract_manager.choices = care_services.staff_choices(db.session, Role.CONTRACT_MANAGER)
    return form


@bp.get("/services", endpoint="register")
@staff_only
def register_page():
    form = _filter_form()
    if not form.validate():
        return render_template("services/register.html", form=form, page=None, summary=error_summary(form)), 400
    results = register.search(db.session, current_user, form.filters(page_number()))
    escalations = register.escalations_in_force(db.session, [s.id for s in results.items])
    return render_template("services/register.html", form=form, page=results, escalations=escalations, summary=None)


def _export_row(service, level: int, suspension) -> list:
    s = service
    return [
        s.name,
        s.cqc_location_id,
        s.provider.name,
        s.provider.cqc_provider_id,
        label(s.service_type),
        label(s.provider.sector),
        "Yes" if s.regulated else "No",
        label(s.registration_status),
        s.town,
        s.postcode,
        s.district.name if s.district else "",
        s.link_officer.name if s.link_officer else "",
        s.contract_manager.name if s.contract_manager else "",
        *(getattr(s.current_rating, q.value) if s.current_rating else "" for q in KeyQuestion),
        level,
        suspension.value.capitalize() if suspension else "",
    ]


@bp.get("/services.<any(csv, xlsx):fmt>")
@staff_only
def export(fmt: str) -> Response:
    """The filtered register, every page of it, as CSV or XLSX: one header and one row source for both."""
    form = _filter_form()
    validate_or_400(form)
    found = register.export_rows(db.session, current_user, form.filters(page=1))
    return send_download(fmt, "services", EXPORT_HEADER, (_export_row(*row) for row in found))


@bp.get("/services/<int:service_id>")
@signed_in
def view(service_id: int):
    service = or_404(care_services.get_service, db.session, current_user, service_id)
    # Ratings: two queries (the history, newest first, and its changes), whatever their length.
    snapshots = ratings.history(db.session, service.id)
    changes = ratings.changes_for_service(db.session, service.id) if snapshots else []
    endpoints = current_app.view_functions
    return render_template(
        "services/view.html",
        service=service,
        history=history_for(db.session, "service", service.id) if current_user.is_staff else [],
        rating_snapshots=snapshots,
        current_rating=next((s for s in snapshots if s.is_current), None),
        rating_changes=changes,
        overall_timeline=rating_changes.overall_timeline(snapshots, changes),
        can_enter_ratings=current_user.role in RATING_EDITORS,
        # The monitoring picture (next visit due, open actions) is for council staff only.
        monitoring=caseload.service_monitoring(db.session, service.id, date.today()) if current_user.is_staff else None,
        timeline=timeline.service_timeline(db.session, current_user, service.id),
        linked={name for name in LINKED_PAGES if name in endpoints},
        can_plan_visit="visits.plan" in endpoints and current_user.role in VISIT_LOGGERS,
        can_log_visit="visits.log" in endpoints and current_user.role in VISIT_LOGGERS,
        can_raise_action="actions.new" in endpoints and current_user.role in ACTION_RAISERS,
        escalations=_escalations(service),
        can_decide=current_user.role in escalation_rules.SENIORITY,
        # Concerns are internal: staff only, whoever they are about.
        open_concerns=concerns.open_about_service(db.session, current_user, service) if current_user.is_staff else [],
        can_log_concern=current_user.role in CONCERN_LOGGERS,
        # What the provider has read, said and sent: for staff.
        provider_activity=visit_feedback.provider_activity(db.session, service.id) if current_user.is_staff else [],
    )


def _escalations(service) -> list:
    """The service's open escalation and its provider's provider-wide one, as this viewer may read them."""
    today, settings = date.today(), escalations.load_timer_settings(db.session)
    found = escalation_records.open_escalations_of_service(db.session, current_user, service)
    return [escalation_records.record_for(current_user, escalation, today, settings) for escalation in found]


def _service_form(obj=None) -> ServiceForm:
    form = ServiceForm(obj=obj)
    form.provider_id.choices = all_provider_choices(db.session)
    form.link_officer_id.choices = care_services.staff_choices(db.session, Role.OFFICER, Role.MANAGER)
    form.contract_manager_id.choices = care_services.staff_choices(db.session, Role.CONTRACT_MANAGER)
    if obj is not None and request.method == "GET":
        form.regulated.data = "yes" if obj.regulated else "no"
        form.version_id.data = obj.version_id
    return form


@bp.route("/services/new", methods=["GET", "POST"])
@roles(*REGISTER_EDITORS)
def create():
    form = _service_form()
    requested_provider = request.args.get("provider_id", "")
    if request.method == "GET" and requested_provider.isascii() and requested_provider.isdigit():
        form.provider_id.data = int(requested_provider)
    if form.validate_on_submit():
        service, _ = save_or_report(form, lambda: care_services.create_service(db.session, form.service_data()))
        if service is not None:
            flash(f"{service.name} has been added to the register", "success")
            return redirect(url_for("services.view", service_id=service.id))
    return render_template("services/form.html", form=form, service=None, conflict=None), 400 if form.errors else 200


@bp.route("/services/<int:service_id>/edit", methods=["GET", "POST"])
@roles(*REGISTER_EDITORS)
def edit(service_id: int):
    service = or_404(care_services.get_service, db.session, current_user, service_id)
    form = _service_form(obj=service)
    edit = submit_edit(
        form,
        service,
        update=lambda record, data, expected: care_services.update_service(
            db.session, record, data, expected_version=expected
        ),
        data=form.service_data,
        reload=lambda: or_404(care_services.get_service, db.session, current_user, service_id),
    )
    if edit.saved:
        flash("The service has been updated", "success")
        return redirect(url_for("services.view", service_id=service_id))
    context = {"form": form, "service": edit.record, "conflict": edit.conflict, "conflict_rows": edit.conflict_rows}
    return render_template("services/form.html", **context), 400 if form.errors and not edit.conflict else edit.status
