"""My caseload: the services a member of staff looks after, most urgent visit first, and its CSV."""

from datetime import date

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user

from provider_monitor.access import staff_only
from provider_monitor.enums import STAFF_ROLES, Role
from provider_monitor.extensions import db
from provider_monitor.forms.caseload import ALL_SERVICES, CaseloadFilterForm
from provider_monitor.forms.errors import error_summary
from provider_monitor.jinja import format_date, label
from provider_monitor.services import care_services, register
from provider_monitor.services import caseload as caseload_service
from provider_monitor.views.helpers import page_number, send_download, validate_or_400

bp = Blueprint("caseload", __name__)

EXPORT_HEADER = [
    "Service", "Service type", "District", "CQC Overall", "Local rating", "Last routine visit", "Next visit due",
    "Due state", "Due", "Visit interval", "Next planned visit", "Open actions", "Actions RAG",
]  # fmt: skip


def _staff_choices() -> list[tuple[str, str]]:
    people = care_services.staff_choices(db.session, *STAFF_ROLES, with_role=True)
    return [(ALL_SERVICES, "All services"), *((str(uid), name) for uid, name in people)]


def _default_officer() -> str:
    """Officers and contract managers start on their own services; managers and admins on the whole market."""
    if current_user.role in (Role.OFFICER, Role.CONTRACT_MANAGER):
        return str(current_user.id)
    return ALL_SERVICES


def _filter_form() -> CaseloadFilterForm:
    args = request.args.copy()
    if "officer" not in args:
        args["officer"] = _default_officer()
    form = CaseloadFilterForm(args, meta={"csrf": False})
    form.officer.choices = _staff_choices()
    form.district.choices = register.district_choices(db.session)
    return form


def _today() -> date:
    return date.today()


@bp.get("/caseload")
@staff_only
def index():
    form = _filter_form()
    if not form.validate():
        return render_template("caseload/index.html", form=form, result=None, summary=error_summary(form)), 400
    result = caseload_service.caseload(db.session, form.filters(), _today())
    args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template(
        "caseload/index.html",
        form=form,
        result=result,
        page=result.page(page_number()),
        args=args,
        summary=None,
        can_plan="visits.plan" in current_app.view_functions,
    )


def _export_row(row) -> list:
    return [
        row.name, label(row.service_type), row.district or "", row.cqc_overall or "", row.local_rating or "",
        row.due.last_visit_on, row.due.due_on, label(row.due.state), row.due.description,
        row.interval_text, row.next_planned_on, row.actions.pending,
        label(row.actions.rag) if row.actions.rag else "",
    ]  # fmt: skip


@bp.get("/caseload.<any(csv, xlsx):fmt>")
@staff_only
def export(fmt: str) -> Response:
    """The filtered caseload, every row of it, as CSV or XLSX: one header and one row source for both."""
    form = _filter_form()
    validate_or_400(form)
    result = caseload_service.caseload(db.session, form.filters(), _today())
    rows = (_export_row(row) for row in result.rows)
    return send_download(fmt, "caseload", EXPORT_HEADER, rows, date_text=format_date)
