"""Monitoring visits: plan, log step by step, share the report, finalise it, print it."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from provider_monitor.access import roles, signed_in
from provider_monitor.enums import PROVIDER_VISIBLE_REPORT_STATUSES, ComplianceArea, Role, VisitKind, VisitStatus
from provider_monitor.extensions import db
from provider_monitor.forms.errors import error_summary
from provider_monitor.forms.visits import (
    STEP_FORMS,
    CancelForm,
    CommentForm,
    DetailsForm,
    FinaliseForm,
    PlanForm,
    ShareForm,
    differences,
    expected_version,
)
from provider_monitor.jinja import format_date
from provider_monitor.models.base import utcnow
from provider_monitor.services import care_services, visit_feedback, visits
from provider_monitor.services.action_rules import ACTION_RAISERS
from provider_monitor.services.exceptions import EditConflict, FieldError
from provider_monitor.services.visit_policy import load_policy
from provider_monitor.services.visit_rules import REPORT_SHARERS, REPORT_SIGNERS, VISIT_LOGGERS
from provider_monitor.views.helpers import add_field_error, or_404, save_or_report

bp = Blueprint("visits", __name__)

STEP_TITLES = {
    "details": "Visit details",
    "people": "Who you spoke to",
    "findings": "Findings",
    "compliance": "Compliance checks",
    "outcome": "Outcome",
}


def _today() -> date:
    return date.today()


@bp.context_processor
def _record_parts() -> dict:
    """The questions and checklist lines every visit page lays out."""
    return {"finding_questions": visits.FINDING_QUESTIONS, "compliance_areas": list(ComplianceArea)}


def _raise_action_href(visit) -> str | None:
    """The link to raise an action from this visit, once the actions pages exist and the viewer may use them."""
    if (
        not current_user.is_staff
        or current_user.role not in ACTION_RAISERS
        or visit.status in (VisitStatus.PLANNED, VisitStatus.CANCELLED)
        or "actions.new" not in current_app.view_functions
    ):
        return None
    return url_for("actions.new", service_id=visit.service_id, visit_id=visit.id)


def _load(visit_id: int):
    return or_404(visits.get_visit, db.session, current_user, visit_id)


def step_links(visit) -> list[dict]:
    """The steps with their titles and, once the visit exists, their pages."""
    return [
        {
            "step": step,
            "number": number,
            "title": STEP_TITLES[step],
            "href": url_for("visits.step", visit_id=visit.id, step=step) if visit else None,
            "saved": bool(visit) and visit.steps_completed >= number,
        }
        for number, step in enumerate(visits.STEPS, start=1)
    ]


def _officer_choices(form, visit=None) -> None:
    form.officers.choices = visits.officer_choices(db.session, keep=list(visit.officers) if visit else None)


@bp.route("/services/<int:service_id>/visits/new", methods=["GET", "POST"])
@roles(*VISIT_LOGGERS)
def plan(service_id: int):
    service = or_404(care_services.get_service, db.session, current_user, service_id)
    form = PlanForm()
    form.today = _today()
    _officer_choices(form)
    if request.method == "GET":
        form.kind.data = VisitKind.PLANNED.value
        # The link officer usually goes; anyone else is one tick away.
        offered = {choice.value for choice in form.officers.choices}
        form.officers.data = [service.link_officer_id] if service.link_officer_id in offered else []
    if form.validate_on_submit():
        visit, _ = save_or_report(
            form, lambda: visits.plan_visit(db.session, service, form.plan_data(), by=current_user, today=form.today)
        )
        if visit is not None:
            flash(f"A visit to {service.name} has been planned for {format_date(visit.planned_on)}", "success")
            return redirect(url_for("visits.view", visit_id=visit.id))
    return render_template("visits/plan.html", form=form, service=service), 400 if form.errors else 200


@bp.route("/services/<int:service_id>/visits/log", methods=["GET", "POST"])
@roles(*VISIT_LOGGERS)
def log(service_id: int):
    service = or_404(care_services.get_service, db.session, current_user, service_id)
    form = DetailsForm()
    form.today = _today()
    _officer_choices(form)
    if request.method == "GET":
        form.kind.data = VisitKind.UNPLANNED.value
        form.officers.data = [current_user.id]
    if form.validate_on_submit():
        visit, _ = save_or_report(
            form, lambda: visits.log_visit(db.session, service, form.step_data(), by=current_user, today=form.today)
        )
        if visit is not None:
            return _after_save(form, visit, "details")
    context = {"form": form, "service": service, "visit": None, "step": "details", "steps": step_links(None)}
    return render_template("visits/step.html", **context), 400 if form.errors else 200


@bp.post("/visits/<int:visit_id>/start")
@roles(*VISIT_LOGGERS)
def start(visit_id: int):
    visit = _load(visit_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    if visit.status not in visits.EDITABLE_STATUSES:
        flash(_locked_message(visit), "error")
        return redirect(url_for("visits.view", visit_id=visit.id))
    return redirect(url_for("visits.step", visit_id=visit.id, step=_resume_step(visit)))


def _resume_step(visit) -> str:
    """Where logging picks up: the furthest step saved (a draft may have stopped part way through it)."""
    return visits.STEPS[min(max(visit.steps_completed, 1), len(visits.STEPS)) - 1]


def _locked_message(visit) -> str:
    try:
        visits.check_editable(visit)
    except visits.ReportStateError as error:
        return str(error)
    return ""


@bp.route("/visits/<int:visit_id>/steps/<step>", methods=["GET", "POST"])
@roles(*VISIT_LOGGERS)
def step(visit_id: int, step: str):
    if step not in visits.STEPS:
        abort(404)
    visit = _load(visit_id)
    locked = _locked_message(visit)
    if locked and request.method == "GET":
        flash(locked, "error")
        return redirect(url_for("visits.view", visit_id=visit.id))
    if step != "details" and visit.status == VisitStatus.PLANNED:
        flash("Enter the visit details first: the date it happened, who went and why.", "info")
        return redirect(url_for("visits.step", visit_id=visit.id, step="details"))
    form = _step_form(step, visit)
    if request.method == "GET":
        form.fill(visit)
        form.version_id.data = visit.version_id
    context = {"form": form, "service": visit.service, "visit": visit, "step": step, "steps": step_links(visit)}
    if step == "outcome":
        context |= {
            "actions": visits.actions_for_visit(db.session, visit),
            "raise_action_href": _raise_action_href(visit),
        }
    if locked:
        # Shared while they typed: keep what they typed on screen, refuse to save it.
        return render_template("visits/step.html", **context, conflict=locked, conflict_rows=[]), 409
    if not form.validate_on_submit():
        return render_template("visits/step.html", **context), 400 if form.errors else 200
    saved, conflict = save_or_report(
        form,
        lambda: visits.save_step(
            db.session, visit, step, form.step_data(), expected_version=expected_version(form), by=current_user,
            today=form.today,
        ),
    )  # fmt: skip
    if saved is not None:
        return _after_save(form, saved, step)
    if conflict is None:
        return render_template("visits/step.html", **context), 400
    current = _load(visit_id)
    rows = differences(form, _step_form(step, current, fill=True))
    form.version_id.data = current.version_id
    context |= {"visit": current, "conflict": conflict, "conflict_rows": rows}
    return render_template("visits/step.html", **context), 409


def _step_form(step: str, visit, fill: bool = False):
    """The step's form with its choices; fill=True gives the saved values instead of the request's."""
    form = STEP_FORMS[step](formdata=None) if fill else STEP_FORMS[step]()
    form.today = _today()
    if hasattr(form, "officers"):
        _officer_choices(form, visit)
    if fill:
        form.fill(visit)
    return form


def _after_save(form, visit, step: str):
    if form.drafting:
        flash("Your draft has been saved. You can come back to it at any time from this page.", "success")
        return redirect(url_for("visits.view", visit_id=visit.id))
    position = visits.step_number(step)
    if position < len(visits.STEPS):
        return redirect(url_for("visits.step", visit_id=visit.id, step=visits.STEPS[position]))
    flash("The visit record has been saved. Check your answers, then share the report with the provider.", "success")
    return redirect(url_for("visits.view", visit_id=visit.id))


def _render_view(visit, status: int = 200, **overrides):
    """The visit page: for staff with what they may do next; for a provider user the report alone."""
    role, staff = current_user.role, current_user.is_staff
    editable = staff and role in VISIT_LOGGERS and visit.status in visits.EDITABLE_STATUSES
    context = {
        "visit": visit,
        "service": visit.service,
        "actions": visits.actions_for_visit(db.session, visit),
        "staff": staff,
        "can_edit": editable,
        "can_share": staff and role in REPORT_SHARERS and visit.status == VisitStatus.DRAFT,
        "can_finalise": staff and role in REPORT_SIGNERS and visit.status == VisitStatus.SHARED,
        "raise_action_href": _raise_action_href(visit),
        "comment_window_days": load_policy(db.session).comment_window_days
        if visit.status == VisitStatus.DRAFT
        else None,
        "share_problems": visits.share_problems(visit) if visit.status == VisitStatus.DRAFT else [],
        "comment_window_open": visits.comment_window_open(visit, _today()),
        "history": visits.history(db.session, visit) if staff else [],
        "steps": step_links(visit),
        "resume_href": url_for("visits.step", visit_id=visit.id, step=_resume_step(visit)),
        "share_form": ShareForm(formdata=None, version_id=visit.version_id),
        "finalise_form": FinaliseForm(formdata=None, version_id=visit.version_id),
        "start_form": FlaskForm(formdata=None),
        "summary": None,
    }
    context |= _feedback_context(visit, staff)
    context |= overrides
    return render_template("visits/view.html", **context), status


def _feedback_context(visit, staff: bool) -> dict:
    """Factual-accuracy comments for all who see the report; the form for the provider; who read it for staff."""
    visible = visit.status in PROVIDER_VISIBLE_REPORT_STATUSES
    today = _today()
    window_open = visit.status == VisitStatus.SHARED and visits.comment_window_open(visit, today)
    return {
        "comments": visit_feedback.comments_for(db.session, visit) if visible else [],
        "readers": visit_feedback.receipts_for(db.session, visit) if staff and visible else [],
        "can_comment": current_user.is_provider_user and window_open,
        "comment_days_left": (visit.comments_due_on - today).days if window_open else None,
        "comment_form": CommentForm(formdata=None),
        "unsaved_comment": None,
    }


def _record_read(visit) -> None:
    """A provider user has the report in front of them: tell the officers. Called once the page is built,
    because the commit expires what was loaded."""
    if visit_feedback.record_read(db.session, visit, current_user, utcnow()):
        db.session.commit()


@bp.get("/visits/<int:visit_id>")
@signed_in
def view(visit_id: int):
    visit = _load(visit_id)
    response = _render_view(visit)
    _record_read(visit)
    return response


@bp.post("/visits/<int:visit_id>/comments")
@roles(Role.PROVIDER)
def comment(visit_id: int):
    visit = _load(visit_id)
    form = CommentForm()
    try:
        # The window may have closed, or the report been finalised, since the page was opened.
        visit_feedback.check_can_comment(db.session, visit, current_user, _today())
        if form.validate_on_submit():
            visit_feedback.add_comment(
                db.session, visit, current_user, about=form.about.data, body=form.body.data, today=_today()
            )
            db.session.commit()
            flash("Your comment has been sent. The council will consider it before the report is finalised.", "success")
            return redirect(url_for("visits.view", visit_id=visit_id, _anchor="comments"))
    except visit_feedback.CommentRefused as error:
        db.session.rollback()
        summary = {"titleText": "There is a problem", "errorList": [{"text": str(error), "href": "#comments"}]}
        # Their words are shown back, unsaved, so they can send them to the officer another way.
        return _render_view(_load(visit_id), 409, summary=summary, unsaved_comment=form.body.data)
    except FieldError as error:
        db.session.rollback()
        add_field_error(form, error.field, str(error))
        visit = _load(visit_id)
    if "csrf_token" in form.errors:
        abort(400)
    return _render_view(visit, 400, comment_form=form, summary=error_summary(form))


def _refused(visit_id: int, message: str, status: int = 409, anchor: str = "report-status"):
    """Show the visit page again with the reason the workflow step was refused."""
    db.session.rollback()
    summary = {"titleText": "There is a problem", "errorList": [{"text": message, "href": f"#{anchor}"}]}
    return _render_view(_load(visit_id), status, summary=summary)


@bp.post("/visits/<int:visit_id>/share")
@roles(*REPORT_SHARERS)
def share(visit_id: int):
    visit = _load(visit_id)
    form = ShareForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        visits.share_report(
            db.session, visit, by=current_user, today=_today(), policy=load_policy(db.session),
            expected_version=expected_version(form),
        )  # fmt: skip
        # Worded before the commit expires what was loaded.
        message = (
            f"The report has been shared with {visit.service.provider.name}. They have until "
            f"{format_date(visit.comments_due_on)} to comment on its factual accuracy."
        )
        db.session.commit()
    except visits.ReportIncomplete as incomplete:
        db.session.rollback()
        items = [
            {"text": message, "href": url_for("visits.step", visit_id=visit_id, step=step)}
            for step, message in incomplete.problems
        ]
        summary = {"titleText": "The report cannot be shared yet", "errorList": items}
        return _render_view(_load(visit_id), 400, summary=summary)
    except (visits.ReportStateError, EditConflict) as error:
        return _refused(visit_id, str(error))
    flash(message, "success")
    return redirect(url_for("visits.view", visit_id=visit_id))


@bp.post("/visits/<int:visit_id>/finalise")
@roles(*REPORT_SIGNERS)
def finalise(visit_id: int):
    visit = _load(visit_id)
    form = FinaliseForm()
    if not form.validate_on_submit():
        abort(400)
    result, conflict = save_or_report(
        form,
        lambda: visits.finalise_report(
            db.session, visit, by=current_user, today=_today(), confirm_early=form.confirm_early.data,
            expected_version=expected_version(form),
        ),
    )  # fmt: skip
    if conflict:
        return _refused(visit_id, conflict)
    if result is None:
        current = _load(visit_id)
        form.version_id.data = current.version_id
        return _render_view(current, 400, finalise_form=form, summary=error_summary(form))
    flash("The report has been finalised.", "success")
    return redirect(url_for("visits.view", visit_id=visit_id))


@bp.route("/visits/<int:visit_id>/cancel", methods=["GET", "POST"])
@roles(*VISIT_LOGGERS)
def cancel(visit_id: int):
    visit = _load(visit_id)
    if visit.status != VisitStatus.PLANNED:
        flash("Only a planned visit can be cancelled; this one has been logged.", "error")
        return redirect(url_for("visits.view", visit_id=visit.id))
    form = CancelForm()
    if request.method == "GET":
        form.version_id.data = visit.version_id
    conflict = None
    if form.validate_on_submit():
        done, conflict = save_or_report(
            form,
            lambda: visits.cancel_visit(
                db.session, visit, by=current_user, reason=form.reason.data, expected_version=expected_version(form)
            ),
        )
        if done is not None:
            flash(f"The visit planned for {format_date(done.planned_on)} has been cancelled.", "success")
            return redirect(url_for("visits.view", visit_id=visit_id))
        if conflict:
            visit = _load(visit_id)
            form.version_id.data = visit.version_id
    status = 409 if conflict else 400 if form.errors else 200
    return render_template("visits/cancel.html", form=form, visit=visit, conflict=conflict, conflict_rows=[]), status


@bp.get("/visits/<int:visit_id>/report")
@signed_in
def report(visit_id: int):
    visit = _load(visit_id)
    if visit.status not in PROVIDER_VISIBLE_REPORT_STATUSES:
        flash("The printable report is ready once the report has been shared with the provider.", "info")
        return redirect(url_for("visits.view", visit_id=visit.id))
    actions = visits.actions_for_visit(db.session, visit)
    comments = visit_feedback.comments_for(db.session, visit)
    response = render_template(
        "visits/report.html", visit=visit, service=visit.service, actions=actions, comments=comments
    )
    _record_read(visit)
    return response
