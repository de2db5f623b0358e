"""Flags: the Flags page, one flag with its notes, acknowledging and assigning.

Every member of staff may acknowledge, assign and comment on any flag (see services/flag_queries.py);
provider users never see flags.
"""

from datetime import date, datetime

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

from provider_monitor.access import staff_only
from provider_monitor.extensions import db
from provider_monitor.forms.errors import error_summary
from provider_monitor.forms.flags import AcknowledgeForm, AssignForm, CommentForm, FlagFilterForm
from provider_monitor.jinja import LONDON, format_date, label
from provider_monitor.services import flag_queries
from provider_monitor.services.exceptions import DomainError, EditConflict, FieldError
from provider_monitor.views.helpers import add_field_error, or_404, page_number, send_download, validate_or_400

bp = Blueprint("flags", __name__)

EXPORT_HEADER = ["Flag", "Severity", "Service", "Provider", "Link officer", "Evidence", "Age", "Handling",
                 "Raised", "Resolved", "Flag id"]  # fmt: skip


def _today() -> date:
    return date.today()


def _filter_form() -> FlagFilterForm:
    args = request.args.copy()
    args.setdefault("whose", flag_queries.default_whose(current_user))
    args.setdefault("status", flag_queries.OPEN)
    form = FlagFilterForm(args, meta={"csrf": False})
    mine = "Mine: my services and flags assigned to me"
    officers = [(str(uid), f"Link officer: {name}") for uid, name in flag_queries.link_officer_choices(db.session)]
    form.whose.choices = [(flag_queries.MINE, mine), (flag_queries.ALL, "All flags"), *officers]
    return form


@bp.get("/flags")
@staff_only
def index():
    form = _filter_form()
    if not form.validate():
        return render_template("flags/index.html", form=form, page=None, summary=error_summary(form)), 400
    per_page = current_app.config.get("FLAGS_PAGE_SIZE", 50)
    results = flag_queries.search(db.session, current_user, form.filters(page_number(), per_page))
    return render_template(
        "flags/index.html", form=form, page=results, summary=None, today=_today(), age=flag_queries.age_text,
        handling=flag_queries.handling_text,
    )  # fmt: skip


def _day(moment: datetime | None) -> date | None:
    """The UK date of a moment, as the page shows it."""
    return moment.astimezone(LONDON).date() if moment else None


def _export_row(flag, today: date) -> list:
    service = flag.service
    officer = service.link_officer.name if service is not None and service.link_officer else ""
    return [
        label(flag.kind), label(flag.severity), flag_queries.subject_name(flag), flag.provider.name, officer,
        flag.evidence, flag_queries.age_text(flag, today), flag_queries.handling_text(flag),
        _day(flag.raised_at), _day(flag.resolved_at), flag.id,
    ]  # fmt: skip


@bp.get("/flags.<any(csv, xlsx):fmt>")
@staff_only
def export(fmt: str) -> Response:
    """The filtered flags, every page of them, as CSV or XLSX: one header and one row source for both."""
    form = _filter_form()
    validate_or_400(form)
    filters, today = form.filters(), _today()
    rows = (_export_row(flag, today) for flag in flag_queries.export_rows(db.session, current_user, filters))
    return send_download(fmt, "flags", EXPORT_HEADER, rows, date_text=format_date)


def _flag_page(flag_id: int, *, acknowledge_form=None, assign_form=None, comment_form=None, summary=None,
               conflict=None, status=200):  # fmt: skip
    """The flag with its evidence, subject, history and the forms; forms not being submitted start empty."""
    flag = or_404(flag_queries.get_flag, db.session, current_user, flag_id, with_notes=True)
    acknowledge_form = acknowledge_form or AcknowledgeForm(formdata=None)
    assign_form = assign_form or AssignForm(formdata=None)
    assign_form.assigned_to.choices = [(str(uid), name) for uid, name in flag_queries.assignee_choices(db.session)]
    for form in (acknowledge_form, assign_form):
        if not form.version_id.data:
            form.version_id.data = flag.version_id
    context = {
        "flag": flag, "today": _today(), "age": flag_queries.age_text, "handling": flag_queries.handling_text,
        "subject": flag_queries.subject_link(db.session, flag), "names": flag_queries.note_authors(db.session, flag),
        "acknowledge_form": acknowledge_form, "assign_form": assign_form,
        "comment_form": comment_form or CommentForm(formdata=None), "summary": summary, "conflict": conflict,
    }  # fmt: skip
    return render_template("flags/view.html", **context), status


@bp.get("/flags/<int:flag_id>")
@staff_only
def view(flag_id: int):
    return _flag_page(flag_id)


def _expected(form) -> int | None:
    raw = form.version_id.data or ""
    return int(raw) if raw.isascii() and raw.isdigit() else None


def _submit(flag_id: int, form, name: str, work, done: str):
    """Validate, do the work, commit once; on a problem show the flag page again with the typed input kept."""
    flag = or_404(flag_queries.get_flag, db.session, current_user, flag_id)
    if form.validate_on_submit():
        try:
            work(flag)
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            add_field_error(form, form.FIELDS.get(error.field, error.field), str(error))
        except EditConflict as error:
            db.session.rollback()
            if hasattr(form, "version_id"):
                form.version_id.data = None  # shown afresh: the next try is made on what is there now
            return _flag_page(flag_id, **{name: form}, conflict=str(error), status=409)
        except DomainError as error:
            db.session.rollback()
            return _flag_page(flag_id, **{name: form}, summary=error_summary(form, [{"text": str(error)}]), status=400)
        else:
            flash(done, "success")
            return redirect(url_for("flags.view", flag_id=flag_id))
    return _flag_page(flag_id, **{name: form}, summary=error_summary(form), status=400)


@bp.post("/flags/<int:flag_id>/acknowledge")
@staff_only
def acknowledge(flag_id: int):
    form = AcknowledgeForm()

    def work(flag):
        flag_queries.acknowledge(
            db.session, flag, by=current_user, comment=form.acknowledge_comment.data, expected_version=_expected(form)
        )

    return _submit(flag_id, form, "acknowledge_form", work, "The flag has been acknowledged")


@bp.post("/flags/<int:flag_id>/assign")
@staff_only
def assign(flag_id: int):
    form = AssignForm()
    form.assigned_to.choices = [(str(uid), name) for uid, name in flag_queries.assignee_choices(db.session)]

    def work(flag):
        raw = form.assigned_to.data or ""
        flag_queries.assign(
            db.session, flag, by=current_user, assignee_id=int(raw) if raw.isdigit() else None,
            comment=form.assign_comment.data, expected_version=_expected(form),
        )  # fmt: skip

    return _submit(flag_id, form, "assign_form", work, "The flag has been assigned")


@bp.post("/flags/<int:flag_id>/comment")
@staff_only
def comment(flag_id: int):
    form = CommentForm()

    def work(flag):
        flag_queries.add_comment(db.session, flag, by=current_user, comment=form.comment.data)

    return _submit(flag_id, form, "comment_form", work, "Your comment has been added")
