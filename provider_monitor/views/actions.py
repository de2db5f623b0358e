"""Actions: raise one on a service or from a visit, move it along, add evidence; the Action plans page."""

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
    send_file,
    url_for,
)
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from provider_monitor.access import roles, signed_in, staff_only
from provider_monitor.enums import ActionStatus
from provider_monitor.extensions import db
from provider_monitor.forms.actions import ActionForm, EvidenceForm, MoveForm, PlanFilterForm
from provider_monitor.forms.errors import error_summary
from provider_monitor.jinja import format_date, label
from provider_monitor.services import action_plans, action_rules, actions, care_services, evidence
from provider_monitor.services.exceptions import EditConflict, FieldError
from provider_monitor.views.helpers import (
    add_field_error,
    or_404,
    page_number,
    send_download,
    submit_edit,
    validate_or_400,
)

bp = Blueprint("actions", __name__)

EXPORT_HEADER = ["RAG", "Action", "Service", "Provider", "Key question", "Kind", "Priority", "Due date", "Status",
                 "Owner"]  # fmt: skip


def _today() -> date:
    return date.today()


def _after_save(action) -> str:
    """Back to the visit the action came from, when visits have a page; else the action itself."""
    if action.visit_id and "visits.view" in current_app.view_functions:
        return url_for("visits.view", visit_id=action.visit_id)
    return url_for("actions.view", action_id=action.id)


def _linked_visit(service):
    raw = request.args.get("visit_id", "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        abort(404)
    return or_404(actions.get_visit_of_service, db.session, service, int(raw))


@bp.route("/services/<int:service_id>/actions/new", methods=["GET", "POST"])
@roles(*action_rules.ACTION_RAISERS)
def new(service_id: int):
    service = or_404(care_services.get_service, db.session, current_user, service_id)
    visit = _linked_visit(service)
    form = ActionForm()
    form.today = _today()
    if form.validate_on_submit():
        try:
            action = actions.raise_action(db.session, service, form.action_data(), by=current_user, visit=visit)
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            add_field_error(form, error.field, str(error))
        else:
            flash("The action has been added", "success")
            return redirect(_after_save(action))
    context = {"form": form, "service": service, "visit": visit, "action": None, "conflict": None}
    return render_template("actions/form.html", **context), 400 if form.errors else 200


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@roles(*action_rules.ACTION_RAISERS)
def edit(action_id: int):
    action = or_404(actions.get_action, db.session, current_user, action_id)
    form = ActionForm(obj=action)
    form.today, form.held_due_on = _today(), action.due_on
    if request.method == "GET":
        form.fill_from(action)
    result = submit_edit(
        form, action,
        update=lambda record, data, expected: actions.update_action(
            db.session, record, data, by=current_user, expected_version=expected
        ),
        data=form.action_data,
        reload=lambda: or_404(actions.get_action, db.session, current_user, action_id),
    )  # fmt: skip
    if result.saved:
        flash("The action has been updated", "success")
        return redirect(url_for("actions.view", action_id=action_id))
    context = {"form": form, "service": result.record.service, "visit": result.record.visit, "action": result.record,
               "conflict": result.conflict, "conflict_rows": result.conflict_rows}  # fmt: skip
    status = 400 if form.errors and not result.conflict else result.status
    return render_template("actions/form.html", **context), status


def _action_page(action, *, move_form=None, evidence_form=None, summary=None, conflict=None, status=200):
    """The action page with its details, timeline, evidence and the forms this viewer may use."""
    action = or_404(actions.get_action, db.session, current_user, action.id, with_history=True)
    # Forms not being submitted start empty (they must not read this request's body).
    move_form = move_form or MoveForm(formdata=None)
    move_form.offer(action_rules.next_statuses(action.status, current_user.role))
    if not move_form.version_id.data:
        move_form.version_id.data = action.version_id
    context = {
        "action": action, "service": action.service, "today": _today(),
        "rag": action_rules.rag(action.status, action.due_on, _today()),
        "move_form": move_form, "evidence_form": evidence_form or EvidenceForm(formdata=None),
        "can_edit": current_user.role in action_rules.ACTION_RAISERS,
        "can_add_evidence": current_user.role in action_rules.ACTION_WORKERS and action.status != ActionStatus.VERIFIED,
        "visit_link": "visits.view" in current_app.view_functions and current_user.is_staff,
        "summary": summary, "conflict": conflict,
    }  # fmt: skip
    return render_template("actions/view.html", **context), status


@bp.get("/actions/<int:action_id>")
@signed_in
def view(action_id: int):
    action = or_404(actions.get_action, db.session, current_user, action_id)
    return _action_page(action)


def _form_summary(form, shown: bool) -> dict:
    """The error summary; when the field's form is not on the page, the message stands alone."""
    summary = error_summary(form)
    if not shown:
        for item in summary["errorList"]:
            item.pop("href", None)
    return summary


@bp.post("/actions/<int:action_id>/status")
@signed_in
def move(action_id: int):
    action = or_404(actions.get_action, db.session, current_user, action_id)
    form = MoveForm()
    # Any status passes the form; the flow and the role are the service's to judge, with its own words.
    form.offer(list(ActionStatus))
    if not form.validate_on_submit():
        return _move_failed(action, form, status=400)
    raw = form.version_id.data or ""
    expected = int(raw) if raw.isascii() and raw.isdigit() else None
    to = ActionStatus(form.status.data)
    try:
        actions.move_action(db.session, action, to, by=current_user, note=form.note.data, expected_version=expected)
        db.session.commit()
    except FieldError as error:
        db.session.rollback()
        add_field_error(form, error.field, str(error))
        return _move_failed(action, form, status=400)
    except EditConflict as error:
        db.session.rollback()
        form.version_id.data = None  # the page is shown afresh: the next try is made on what is there now
        return _action_page(action, move_form=form, conflict=str(error), status=409)
    flash(f"The action is now {to.label.lower()}", "success")
    return redirect(url_for("actions.view", action_id=action.id))


def _move_failed(action, form, *, status: int):
    shown = bool(action_rules.next_statuses(action.status, current_user.role))
    return _action_page(action, move_form=form, summary=_form_summary(form, shown), status=status)


@bp.post("/actions/<int:action_id>/evidence")
@signed_in
def upload_evidence(action_id: int):
    action = or_404(actions.get_action, db.session, current_user, action_id)
    max_bytes = current_app.config["EVIDENCE_MAX_BYTES"]
    try:
        request.files  # noqa: B018 - reading the body is where an over-large one is refused
    except RequestEntityTooLarge:
        form = EvidenceForm(formdata=None)
        add_field_error(form, "file", evidence.size_message(max_bytes))
        return _action_page(action, evidence_form=form, summary=error_summary(form), status=413)
    form = EvidenceForm()
    if form.validate_on_submit():
        directory = current_app.config["EVIDENCE_DIR"]
        try:
            upload = form.file.data
            checked = evidence.check_upload(
                upload.stream if upload else None, upload.filename if upload else None, max_bytes=max_bytes
            )
            added = evidence.add_evidence(
                db.session, action, checked, by=current_user, note=form.evidence_note.data, directory=directory
            )
        except FieldError as error:
            db.session.rollback()
            add_field_error(form, error.field, str(error))
        except OSError:
            # A full or unwritable evidence folder: say so plainly, keep the page, log the detail.
            db.session.rollback()
            current_app.logger.exception("evidence file could not be written")
            add_field_error(form, "file", "The file could not be saved. Try again later")
            return _action_page(action, evidence_form=form, summary=error_summary(form), status=503)
        else:
            _commit_keeping_file_in_step(added, directory)
            flash(f"{added.filename} has been added to the action", "success")
            return redirect(url_for("actions.view", action_id=action.id, _anchor="evidence"))
    shown = current_user.role in action_rules.ACTION_WORKERS and action.status != ActionStatus.VERIFIED
    return _action_page(action, evidence_form=form, summary=_form_summary(form, shown), status=400)


def _commit_keeping_file_in_step(added, directory) -> None:
    """Commit; if the row cannot be saved, the file it would have named goes too."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        evidence.remove_file(directory, added)
        raise


@bp.get("/evidence/<int:evidence_id>")
@signed_in
def download_evidence(evidence_id: int):
    record = or_404(evidence.get_evidence, db.session, current_user, evidence_id)
    path = or_404(evidence.stored_path, current_app.config["EVIDENCE_DIR"], record)
    if not path.is_file():
        current_app.logger.error("evidence file missing: %s (evidence %s)", record.stored_name, record.id)
        abort(404)
    response = send_file(
        path, mimetype=record.content_type, as_attachment=True, download_name=record.filename, conditional=False,
        max_age=0,
    )  # fmt: skip
    # As stored: send_file would add a second charset to a text type that names one.
    response.headers["Content-Type"] = record.content_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def _filter_form() -> PlanFilterForm:
    form = PlanFilterForm(request.args, meta={"csrf": False})
    mine = {"contract_manager": "Services I am contract manager for", "officer": "My link-officer services"}
    form.whose.choices = [
        (action_plans.MINE, mine.get(current_user.role.value, "Services I am link officer or contract manager for")),
        (action_plans.ALL, "All services"),
    ]
    if not form.whose.data:
        # One service's plan (from its page) shows whoever's service it is.
        one_service = bool(request.args.get("service_id"))
        form.whose.data = action_plans.ALL if one_service else action_plans.default_whose(current_user)
    return form


@bp.get("/action-plans")
@staff_only
def plans():
    form = _filter_form()
    if not form.validate():
        context = {"form": form, "page": None, "summary": error_summary(form), "one_service": None}
        return render_template("actions/plans.html", **context), 400
    per_page = current_app.config.get("ACTION_PLANS_PAGE_SIZE", 50)
    results = action_plans.search(db.session, current_user, form.filters(page_number(), per_page), _today())
    service = None
    if form.service_id.data:
        service = or_404(care_services.get_service, db.session, current_user, form.service_id.data)
    return render_template("actions/plans.html", form=form, page=results, summary=None, one_service=service)


def _export_row(row) -> list:
    a = row.action
    return [
        label(row.rag), a.description, a.service.name, a.service.provider.name,
        label(a.key_question) or "Not linked", label(a.kind), label(a.priority), a.due_on, label(a.status), a.owner,
    ]  # fmt: skip


@bp.get("/action-plans.<any(csv, xlsx):fmt>")
@staff_only
def export(fmt: str) -> Response:
    """The filtered action plans, every page of them, as CSV or XLSX: one header and one row source for both."""
    form = _filter_form()
    validate_or_400(form)
    found = action_plans.export_rows(db.session, current_user, form.filters(), _today())
    rows = (_export_row(row) for row in found)
    return send_download(fmt, "action-plans", EXPORT_HEADER, rows, date_text=format_date)
