"""Admin: user accounts and roles."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from provider_monitor.access import admin_only
from provider_monitor.extensions import db
from provider_monitor.forms.users import ConfirmForm, UserForm
from provider_monitor.jinja import format_datetime
from provider_monitor.services import users
from provider_monitor.services.audit import history_for
from provider_monitor.services.exceptions import DomainError
from provider_monitor.services.providers import all_provider_choices
from provider_monitor.views.helpers import or_404, save_or_report, send_download, submit_edit

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")


def _user_form(obj=None) -> UserForm:
    form = UserForm(obj=obj)
    form.provider_id.choices = all_provider_choices(db.session)
    return form


@bp.get("")
@admin_only
def index():
    return render_template("admin/users.html", users=users.list_users(db.session), confirm=ConfirmForm())


# For the council's periodic access review: who holds which role, for which provider, and when they last signed in.
EXPORT_HEADER = ["Name", "Email address", "Role", "Provider", "Status", "Locked", "Last signed in"]


@bp.get("/export.<any(csv, xlsx):fmt>")
@admin_only
def export(fmt: str):
    locked_at = current_app.config["MAX_FAILED_SIGN_INS"]
    rows = (
        [user.name, user.email, user.role.label, user.provider.name if user.provider else "",
         "Active" if user.active else "Deactivated", "Yes" if user.failed_sign_in_count >= locked_at else "No",
         format_datetime(user.last_sign_in_at) or "Never"]
        for user in users.list_users(db.session)
    )  # fmt: skip
    return send_download(fmt, "users", EXPORT_HEADER, rows)


@bp.route("/new", methods=["GET", "POST"])
@admin_only
def create():
    form = _user_form()
    if form.validate_on_submit():
        created, _ = save_or_report(
            form,
            lambda: users.create_user(
                db.session,
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                provider_id=form.provider_id.data,
            ),
        )
        if created is not None:
            user, password = created
            # Shown once, on this response only; never stored in clear or logged.
            return render_template("admin/user_created.html", user=user, password=password)
    return render_template("admin/user_form.html", form=form, user=None, conflict=None), 400 if form.errors else 200


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@admin_only
def edit(user_id: int):
    user = or_404(users.get_user, db.session, user_id)
    form = _user_form(obj=user)
    if request.method == "GET":
        form.version_id.data = user.version_id
    editor = current_user._get_current_object()
    edit = submit_edit(
        form,
        user,
        update=lambda record, data, expected: users.update_user(
            db.session, record, editor=editor, data=data, expected_version=expected
        ),
        data=form.user_data,
        reload=lambda: or_404(users.get_user, db.session, user_id),
    )
    if edit.saved:
        flash(f"{edit.record.name}’s account has been updated", "success")
        return redirect(url_for("admin_users.index"))
    context = {
        "form": form, "user": edit.record, "conflict": edit.conflict, "conflict_rows": edit.conflict_rows,
        "history": history_for(db.session, "user_account", user_id), "confirm": ConfirmForm(),
    }  # fmt: skip
    return render_template("admin/user_form.html", **context), 400 if form.errors and not edit.conflict else edit.status


def _act_on_account(user_id: int, action) -> tuple[object, object] | None:
    """Run an account action after a confirmed POST; None (with a message flashed) if it was refused."""
    if not ConfirmForm().validate_on_submit():
        flash("The request had expired. Try again.", "error")
        return None
    user = or_404(users.get_user, db.session, user_id)
    try:
        result = action(user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return None
    return user, result


@bp.post("/<int:user_id>/deactivate")
@admin_only
def deactivate(user_id: int):
    editor = current_user._get_current_object()
    done = _act_on_account(user_id, lambda user: users.deactivate_user(db.session, user, editor=editor))
    if done is None:
        return redirect(url_for("admin_users.edit", user_id=user_id))
    flash(f"{done[0].name} has been deactivated and signed out everywhere", "success")
    return redirect(url_for("admin_users.index"))


@bp.post("/<int:user_id>/reactivate")
@admin_only
def reactivate(user_id: int):
    done = _act_on_account(user_id, lambda user: users.reactivate_user(db.session, user))
    if done is None:
        return redirect(url_for("admin_users.edit", user_id=user_id))
    flash(f"{done[0].name} can sign in again", "success")
    return redirect(url_for("admin_users.index"))


@bp.post("/<int:user_id>/reset-password")
@admin_only
def reset_password(user_id: int):
    done = _act_on_account(user_id, lambda user: users.reset_password(db.session, user))
    if done is None:
        return redirect(url_for("admin_users.edit", user_id=user_id))
    user, password = done
    return render_template("admin/user_created.html", user=user, password=password, reset=True)
