"""Escalations: the board, an escalation's page, and its decisions, meetings and deadlines."""

from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from provider_monitor.access import roles, signed_in, staff_only
from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.forms.escalations import (
    BoardFilterForm,
    DecisionForm,
    MeetingActionForm,
    MeetingForm,
    TimerMetForm,
    level_choices,
)
from provider_monitor.jinja import format_date, label, yes_no
from provider_monitor.services import care_services, escalation_records, escalations, providers
from provider_monitor.services import escalation_rules as rules
from provider_monitor.services.action_rules import ACTION_RAISERS
from provider_monitor.services.audit import history_for
from provider_monitor.services.concern_rules import CONCERN_LOGGERS
from provider_monitor.services.exceptions import EditConflict, FieldError
from provider_monitor.views.helpers import add_field_error, or_404, page_number, send_download, validate_or_400

bp = Blueprint("escalations", __name__)

# Roles that can hold decision authority at some level (which level is the rules' and the admin's call).
DECIDERS = tuple(rules.SENIORITY)
# Staff who work the case: record meetings and deadlines met.
CASEWORKERS = tuple(CONCERN_LOGGERS)
LEAD_OFFICER_ROLES = (Role.OFFICER, Role.MANAGER, Role.HEAD_OF_SERVICE, Role.DIRECTOR)


def _today() -> date:
    return date.today()


def _settings():
    return escalations.load_timer_settings(db.session)


def _board_form() -> BoardFilterForm:
    form = BoardFilterForm(request.args)
    form.lead_officer_id.choices = care_services.staff_choices(db.session, *LEAD_OFFICER_ROLES)
    return form


@bp.get("/escalations")
@staff_only
def board():
    form = _board_form()
    records, status = None, 200
    if form.validate():
        try:
            records = escalation_records.board(
                db.session, current_user, form.filters(), _today(), _settings(), page=page_number(),
                per_page=current_app.config["ESCALATIONS_PAGE_SIZE"],
            )  # fmt: skip
        except FieldError as error:
            add_field_error(form, error.field, str(error))
    if form.errors:
        status = 400
    counts = escalation_records.level_counts(db.session, current_user)
    context = {"form": form, "page": records, "counts": counts, "today": _today(), "levels": rules.LEVELS}
    return render_template("escalations/board.html", **context), status


EXPORT_HEADER = [
    "Level", "Level name", "Suspension", "Service", "Provider", "Lead officer", "Opened", "Next review",
    "Review overdue", "Deadlines missed", "Deadlines due soon", "Next deadline", "Next deadline due", "Escalation id",
]  # fmt: skip


def _export_row(record, today: date) -> list:
    owed = record.owed_timers
    return [
        record.level, rules.level_label(record.level), label(record.suspension_status),
        record.service_name or f"All services of {record.provider_name}", record.provider_name,
        record.lead_officer or "", record.opened_on, record.next_review_on,
        yes_no(bool(record.next_review_on and record.next_review_on < today)), record.missed, record.due_soon,
        label(owed[0].kind) if owed else "", owed[0].due_on if owed else None, record.id,
    ]  # fmt: skip


@bp.get("/escalations.<any(csv, xlsx):fmt>")
@staff_only
def export(fmt: str) -> Response:
    """The filtered board, every page of it, as CSV or XLSX: one header and one row source for both."""
    form = _board_form()
    validate_or_400(form)
    today = _today()
    try:
        records = escalation_records.board_export(db.session, current_user, form.filters(), today, _settings())
    except FieldError as error:
        abort(400, description=str(error))
    rows = (_export_row(record, today) for record in records)
    return send_download(fmt, "escalations", EXPORT_HEADER, rows, date_text=format_date)


def _escalation_page(escalation_id: int, **forms):
    escalation = or_404(escalation_records.get_escalation, db.session, current_user, escalation_id)
    record = escalation_records.record_for(current_user, escalation, _today(), _settings())
    staff = current_user.is_staff
    context = {
        "record": record, "today": _today(),
        "actions": escalations.meeting_actions(db.session, escalation) if staff else [],
        "history": history_for(db.session, "escalation", escalation.id) if staff else [],
        "can_decide": record.is_open and current_user.role in DECIDERS,
        "can_record": record.is_open and current_user.role in CASEWORKERS,
        "can_raise_action": record.is_open and current_user.role in ACTION_RAISERS,
        "decide_url": _decide_url(escalation.provider_id, escalation.service_id),
        **forms,
    }  # fmt: skip
    return render_template("escalations/view.html", **context)


def _subject(escalation) -> str:
    """What the escalation is about, read while its service and provider are loaded (a rollback expires them)."""
    return escalation.service.name if escalation.service else f"All services of {escalation.provider.name}"


def _decide_url(provider_id: int, service_id: int | None) -> str:
    if service_id is not None:
        return url_for("escalations.decide_for_service", service_id=service_id)
    return url_for("escalations.decide_for_provider", provider_id=provider_id)


@bp.get("/escalations/<int:escalation_id>")
@signed_in
def view(escalation_id: int):
    return _escalation_page(escalation_id)


@bp.route("/services/<int:service_id>/escalation", methods=["GET", "POST"])
@roles(*DECIDERS)
def decide_for_service(service_id: int):
    service = or_404(care_services.get_service, db.session, current_user, service_id)
    return _decide(service.provider_id, service.id, subject=service.name, provider_name=None)


@bp.route("/providers/<int:provider_id>/escalation", methods=["GET", "POST"])
@roles(*DECIDERS)
def decide_for_provider(provider_id: int):
    provider = or_404(providers.get_provider, db.session, current_user, provider_id)
    return _decide(provider.id, None, subject=f"All services of {provider.name}", provider_name=provider.name)


def _decision_form(escalation, authority) -> DecisionForm:
    form = DecisionForm()
    form.to_level.choices = level_choices(authority)
    form.lead_officer_id.choices = care_services.staff_choices(db.session, *LEAD_OFFICER_ROLES, with_role=True)
    if request.method == "GET":
        form.decided_on.data = _today()
        # "new" marks a page opened before there was an escalation: one opened meanwhile is a clash.
        form.version_id.data = escalation.version_id if escalation else "new"
        if escalation is not None:
            form.to_level.data = str(escalation.level)
            form.suspension_status.data = escalation.suspension_status.value if escalation.suspension_status else None
            form.conditions_to_step_down.data = escalation.conditions_to_step_down
            form.lead_officer_id.data = escalation.lead_officer_id
        form.supersedes_id.data = request.args.get("supersedes", "")
    return form


def _expected_version(form: DecisionForm) -> int | None:
    raw = form.version_id.data or ""
    if raw == "new":
        return 0
    return int(raw) if raw.isascii() and raw.isdigit() else None


def _decide(provider_id: int, service_id: int | None, *, subject: str, provider_name: str | None):
    escalation = escalations.open_escalation(db.session, provider_id=provider_id, service_id=service_id)
    authority = escalations.load_authority(db.session)
    form = _decision_form(escalation, authority)
    conflict = None
    if form.validate_on_submit():
        expected = _expected_version(form)
        try:
            if escalation is not None and expected == 0:
                raise EditConflict("Someone opened an escalation for this while you were deciding")
            decision = escalations.decide(
                db.session, provider_id=provider_id, service_id=service_id, decision=form.decision_input(),
                by=current_user, today=_today(), expected_version=expected,
            )  # fmt: skip
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            add_field_error(form, error.field, str(error))
        except EditConflict as error:
            db.session.rollback()
            conflict = f"{error} Check the escalation as it is now, then record your decision again."
            escalation = escalations.open_escalation(db.session, provider_id=provider_id, service_id=service_id)
            form.version_id.data = escalation.version_id if escalation else "new"
        else:
            flash(f"Decision recorded: {rules.level_label(decision.to_level).lower()}", "success")
            return redirect(url_for("escalations.view", escalation_id=decision.escalation_id))
    superseding = _superseded_decision(escalation, form.supersedes_id.data)
    context = {
        "form": form, "escalation": escalation, "subject": subject, "provider_name": provider_name,
        "service_id": service_id, "provider_id": provider_id, "conflict": conflict, "superseding": superseding,
        "level_label": rules.level_label,
    }  # fmt: skip
    status = 409 if conflict else 400 if form.errors else 200
    return render_template("escalations/decide.html", **context), status


def _superseded_decision(escalation, raw: str | None):
    """The decision this one corrects, when the form says so and it belongs to this escalation."""
    if escalation is None or not raw or not (raw.isascii() and raw.isdigit()):
        return None
    record = escalation_records.get_escalation(db.session, current_user, escalation.id)
    return next((decision for decision in record.decisions if decision.id == int(raw)), None)


@bp.route("/escalations/<int:escalation_id>/meetings/new", methods=["GET", "POST"])
@roles(*CASEWORKERS)
def record_meeting(escalation_id: int):
    escalation = or_404(escalation_records.get_escalation, db.session, current_user, escalation_id)
    subject, level = _subject(escalation), escalation.level
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            escalations.record_meeting(db.session, escalation, form.meeting_data(), by=current_user, today=_today())
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            add_field_error(form, error.field, str(error))
        else:
            flash("The meeting has been recorded", "success")
            return redirect(url_for("escalations.view", escalation_id=escalation_id, _anchor="meetings"))
    context = {"form": form, "escalation_id": escalation_id, "subject": subject, "level": rules.level_label(level)}
    return render_template("escalations/meeting.html", **context), 400 if form.errors else 200


@bp.route("/escalations/<int:escalation_id>/meetings/<int:meeting_id>/actions/new", methods=["GET", "POST"])
@roles(*ACTION_RAISERS)
def raise_action(escalation_id: int, meeting_id: int):
    escalation = or_404(escalation_records.get_escalation, db.session, current_user, escalation_id)
    meeting = or_404(escalations.get_meeting, db.session, escalation, meeting_id)
    subject, meeting_text = _subject(escalation), f"{meeting.kind.label.lower()} on {format_date(meeting.held_on)}"
    form = MeetingActionForm()
    form.today = _today()
    if escalation.service_id is None:
        form.service_id.choices = [(s.id, s.name) for s in escalations.services_in_scope(db.session, escalation)]
    else:
        del form.service_id
    if form.validate_on_submit():
        try:
            chosen = form.service_id.data if escalation.service_id is None else escalation.service_id
            escalations.raise_meeting_action(
                db.session, escalation, meeting, chosen, form.action_data(), by=current_user
            )  # fmt: skip
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            add_field_error(form, error.field, str(error))
        else:
            flash("The action has been added to the service’s action plan", "success")
            return redirect(url_for("escalations.view", escalation_id=escalation_id, _anchor="actions"))
    context = {"form": form, "escalation_id": escalation_id, "subject": subject, "meeting_text": meeting_text}
    return render_template("escalations/action_form.html", **context), 400 if form.errors else 200


@bp.route("/escalations/<int:escalation_id>/timers/<int:timer_id>/met", methods=["GET", "POST"])
@roles(*CASEWORKERS)
def timer_met(escalation_id: int, timer_id: int):
    escalation = or_404(escalation_records.get_escalation, db.session, current_user, escalation_id)
    timer = or_404(escalation_records.get_timer, db.session, escalation, timer_id)
    subject = _subject(escalation)
    view = escalation_records.timer_views([timer], _today(), _settings())[0]
    form = TimerMetForm()
    if request.method == "GET":
        form.met_on.data = _today()
    if form.validate_on_submit():
        try:
            escalations.meet_timer(
                db.session, timer, on=form.met_on.data, note=form.met_note.data, by=current_user, today=_today()
            )
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            add_field_error(form, error.field, str(error))
        else:
            flash(f"{view.kind.label} recorded as done", "success")
            return redirect(url_for("escalations.view", escalation_id=escalation_id, _anchor="deadlines"))
    context = {"form": form, "escalation_id": escalation_id, "subject": subject, "timer": view}
    return render_template("escalations/timer_met.html", **context), 400 if form.errors else 200
