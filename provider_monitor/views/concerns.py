"""Concerns: log one about a service or a provider, find them, read and close them, link visits, raise actions."""

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from provider_monitor.access import roles, staff_only
from provider_monitor.enums import ConcernStatus
from provider_monitor.extensions import db
from provider_monitor.forms.concerns import (
    CloseForm,
    ConcernActionForm,
    ConcernFilterForm,
    ConcernForm,
    LinkVisitForm,
)
from provider_monitor.forms.errors import error_summary
from provider_monitor.jinja import format_date, label, yes_no
from provider_monitor.services import care_services, concern_rules, concerns, providers, visits
from provider_monitor.services.action_rules import ACTION_RAISERS
from provider_monitor.services.concern_rules import CONCERN_LOGGERS
from provider_monitor.services.exceptions import DomainError, FieldError, NotFound
from provider_monitor.views.helpers import (
    add_field_error,
    or_404,
    page_number,
    save_or_report,
    send_download,
    submit_edit,
    validate_or_400,
)

bp = Blueprint("concerns", __name__)

CLOSED_MESSAGE = "This concern is closed: its details can no longer be changed"


def _today() -> date:
    return date.today()


def _load(concern_id: int, **options):
    return or_404(concerns.get_concern, db.session, current_user, concern_id, **options)


def _back(concern) -> str:
    return url_for("concerns.view", concern_id=concern.id)


def _id_arg(name: str) -> int | None:
    """A record id from the query string; anything but a whole number is a 404."""
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) > 2**31 - 1:
        abort(404)
    return int(raw)


def _filter_form() -> ConcernFilterForm:
    form = ConcernFilterForm(request.args, meta={"csrf": False})
    if "status" not in request.args:
        # The list people work from: what is still open.
        form.status.data = ConcernStatus.OPEN.value
    return form


@bp.get("/concerns")
@staff_only
def index():
    form = _filter_form()
    results = None
    if form.validate():
        per_page = current_app.config["CONCERNS_PAGE_SIZE"]
        try:
            results = concerns.search(db.session, current_user, form.filters(page_number(), per_page), _today())
        except FieldError as error:
            add_field_error(form, error.field, str(error))
            results = None
    one_service = one_provider = None
    if form.service_id.data and not form.service_id.errors:
        one_service = or_404(care_services.get_service, db.session, current_user, form.service_id.data)
    if form.provider_id.data and not form.provider_id.errors:
        one_provider = or_404(providers.get_provider, db.session, current_user, form.provider_id.data)
    context = {"form": form, "page": results, "one_service": one_service, "one_provider": one_provider}
    return render_template("concerns/index.html", **context), 400 if form.errors else 200


EXPORT_HEADER = [
    "Received", "About", "Provider", "Type of concern", "Severity", "Where it came from", "Status", "Description",
    "Number of people affected", "Who raised it", "Asked not to be identified", "Safeguarding reference",
    "Safeguarding detail", "Closed on", "Why it was closed", "Concern id",
]  # fmt: skip


def _export_row(concern, shown: dict) -> list:
    """One concern as this viewer may read it: the confidential parts are already 'Withheld' where they must be."""
    about = concern.service.name if concern.service else f"All services of {concern.provider.name}"
    return [
        shown["received_on"], about, concern.provider.name, label(shown["category"]), label(shown["severity"]),
        label(shown["source"]), label(shown["status"]), shown["description"], shown["people_affected"],
        shown["source_identity"] or "", yes_no(shown["confidential"]), shown["safeguarding_reference"] or "",
        shown["safeguarding_detail"] or "", shown["closed_on"], shown["closed_reason"] or "", shown["id"],
    ]  # fmt: skip


@bp.get("/concerns.<any(csv, xlsx):fmt>")
@staff_only
def export(fmt: str) -> Response:
    """The filtered concerns, every page of them, as CSV or XLSX: one header and one row source for both."""
    form = _filter_form()
    validate_or_400(form)
    # As on the page: one service's or provider's concerns, and a 404 for one that is not there.
    if form.service_id.data:
        or_404(care_services.get_service, db.session, current_user, form.service_id.data)
    if form.provider_id.data:
        or_404(providers.get_provider, db.session, current_user, form.provider_id.data)
    try:
        found = concerns.export_rows(db.session, current_user, form.filters(), _today())
    except FieldError as error:
        abort(400, description=str(error))
    return send_download(fmt, "concerns", EXPORT_HEADER, (_export_row(*row) for row in found), date_text=format_date)


def _subject():
    """The provider, and service if any, a new concern is about: from ?service_id= or ?provider_id=."""
    service_id, provider_id = _id_arg("service_id"), _id_arg("provider_id")
    if service_id is not None:
        service = or_404(care_services.get_service, db.session, current_user, service_id)
        return service.provider, service
    if provider_id is not None:
        return or_404(providers.get_provider, db.session, current_user, provider_id), None
    abort(404)


@bp.route("/concerns/new", methods=["GET", "POST"])
@roles(*CONCERN_LOGGERS)
def new():
    provider, service = _subject()
    form = ConcernForm()
    form.today = _today()
    if form.validate_on_submit():
        data = {**form.concern_data(), "provider_id": provider.id, "service_id": service.id if service else None}
        concern, _ = save_or_report(
            form, lambda: concerns.log_concern(db.session, data, by=current_user, today=_today())
        )
        if concern is not None:
            flash("The concern has been logged", "success")
            return redirect(_back(concern))
    context = {"form": form, "provider": provider, "service": service, "concern": None, "conflict": None}
    return render_template("concerns/form.html", **context), 400 if form.errors else 200


def _refuse_if_closed(concern, message: str = CLOSED_MESSAGE):
    if concern.status == ConcernStatus.CLOSED:
        flash(message, "error")
        return redirect(_back(concern))
    return None


@bp.route("/concerns/<int:concern_id>/edit", methods=["GET", "POST"])
@roles(*CONCERN_LOGGERS)
def edit(concern_id: int):
    concern = _load(concern_id)
    if refused := _refuse_if_closed(concern):
        return refused
    form = ConcernForm(obj=concern)
    form.today = _today()
    if not concern_rules.may_read_confidential(current_user.role):
        form.withhold_confidential()
    if request.method == "GET":
        form.fill_from(concern)
    result = submit_edit(
        form, concern,
        update=lambda record, data, expected: concerns.update_concern(
            db.session, record, data, expected_version=expected, today=_today()
        ),
        data=form.concern_data,
        reload=lambda: _load(concern_id),
    )  # fmt: skip
    if result.saved:
        flash("The concern has been updated", "success")
        return redirect(_back(concern))
    record = result.record
    context = {"form": form, "provider": record.provider, "service": record.service, "concern": record,
               "conflict": result.conflict, "conflict_rows": result.conflict_rows}  # fmt: skip
    status = 400 if form.errors and not result.conflict else result.status
    return render_template("concerns/form.html", **context), status


@bp.route("/concerns/<int:concern_id>/close", methods=["GET", "POST"])
@roles(*CONCERN_LOGGERS)
def close(concern_id: int):
    concern = _load(concern_id)
    if refused := _refuse_if_closed(concern, "This concern is already closed"):
        return refused
    form = CloseForm()
    if request.method == "GET":
        form.closed_on.data, form.version_id.data = _today(), concern.version_id
    conflict = None
    if form.validate_on_submit():
        raw = form.version_id.data or ""
        expected = int(raw) if raw.isascii() and raw.isdigit() else None
        try:
            closed, conflict = save_or_report(form, lambda: concerns.close_concern(
                db.session, concern, reason=form.reason.data, on=form.closed_on.data, by=current_user,
                expected_version=expected, today=_today(),
            ))  # fmt: skip
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(_back(concern))
        if closed is not None:
            flash("The concern has been closed", "success")
            return redirect(_back(concern))
        if conflict:
            concern = _load(concern_id)
            form.version_id.data = concern.version_id
    status = 409 if conflict else 400 if form.errors else 200
    return render_template("concerns/close.html", form=form, concern=concern, conflict=conflict), status


def _visit_label(visit, provider_wide: bool) -> str:
    when = format_date(visit.visited_on or visit.planned_on) or "No date"
    text = f"{when}: {visit.kind.label} visit ({visit.purpose.label.lower()}), {visit.status.label.lower()}"
    return f"{visit.service.name}, {text}" if provider_wide else text


def _concern_page(concern_id: int, *, link_form=None, status: int = 200):
    """The concern page with its details, visits, actions, history and the forms this viewer may use."""
    concern = _load(concern_id, with_visits=True)
    can_work = current_user.role in CONCERN_LOGGERS
    link_form = link_form or LinkVisitForm(formdata=None)
    if can_work:
        provider_wide = concern.service_id is None
        link_form.visit_id.choices = [
            (visit.id, _visit_label(visit, provider_wide)) for visit in concerns.linkable_visits(db.session, concern)
        ]
    is_open = concern.status == ConcernStatus.OPEN
    context = {
        "concern": concern, "shown": concerns.redacted_for(current_user, concern),
        "actions": concerns.actions_raised(db.session, concern),
        "history": concerns.history(db.session, current_user, concern),
        "link_form": link_form, "summary": error_summary(link_form) if link_form.errors else None,
        "can_work": can_work, "can_change": can_work and is_open,
        "can_raise": current_user.role in ACTION_RAISERS and is_open,
    }  # fmt: skip
    return render_template("concerns/view.html", **context), status


@bp.get("/concerns/<int:concern_id>")
@staff_only
def view(concern_id: int):
    return _concern_page(concern_id)


@bp.post("/concerns/<int:concern_id>/visits")
@roles(*CONCERN_LOGGERS)
def link_visit(concern_id: int):
    concern = _load(concern_id)
    form = LinkVisitForm()
    if form.validate_on_submit():
        try:
            visit = visits.get_visit(db.session, current_user, form.visit_id.data)
            linked = concerns.link_visit(db.session, concern, visit)
            db.session.commit()
        except NotFound:
            add_field_error(form, "visit_id", "Select a visit from the list")
        except FieldError as error:
            db.session.rollback()
            add_field_error(form, error.field, str(error))
        else:
            flash("The visit has been linked to the concern" if linked else "That visit was already linked", "success")
            return redirect(_back(concern) + "#visits")
    return _concern_page(concern_id, link_form=form, status=400)


@bp.post("/concerns/<int:concern_id>/visits/<int:visit_id>/unlink")
@roles(*CONCERN_LOGGERS)
def unlink_visit(concern_id: int, visit_id: int):
    concern = _load(concern_id)
    visit = or_404(visits.get_visit, db.session, current_user, visit_id)
    # The CSRF token is checked for every POST by the app's CSRFProtect.
    if concerns.unlink_visit(db.session, concern, visit):
        db.session.commit()
        flash("The visit is no longer linked to the concern", "success")
    return redirect(_back(concern) + "#visits")


@bp.route("/concerns/<int:concern_id>/actions/new", methods=["GET", "POST"])
@roles(*ACTION_RAISERS)
def raise_action(concern_id: int):
    concern = _load(concern_id)
    if refused := _refuse_if_closed(concern, "This concern is closed: log a new concern to raise an action"):
        return refused
    provider_wide = concern.service_id is None
    form = ConcernActionForm(provider_wide=provider_wide)
    form.today = _today()
    if provider_wide:
        form.service_id.choices = [
            (s.id, s.name) for s in providers.services_of(db.session, current_user, concern.provider)
        ]
    if form.validate_on_submit():
        data = {**form.action_data(), "service_id": form.service_id.data if provider_wide else None}
        try:
            action, _ = save_or_report(form, lambda: concerns.raise_action(db.session, concern, data, by=current_user))
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(_back(concern))
        if action is not None:
            flash("The action has been added", "success")
            return redirect(_back(concern) + "#actions")
    return render_template("concerns/action_form.html", form=form, concern=concern), 400 if form.errors else 200
