"""Sign in, sign out, and one's own account."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from provider_monitor.access import public, signed_in
from provider_monitor.extensions import db
from provider_monitor.forms.auth import ChangePasswordForm, SignInForm
from provider_monitor.services import auth, users
from provider_monitor.views.helpers import is_safe_next, save_or_report

bp = Blueprint("auth", __name__)

SIGN_IN_FAILED = "Enter a correct email address and password. Ask your admin if your account is locked."


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    failed = False
    if form.validate_on_submit():
        user = auth.authenticate(
            db.session,
            email=form.email.data,
            password=form.password.data,
            max_failures=current_app.config["MAX_FAILED_SIGN_INS"],
        )
        if user is None:
            db.session.commit()  # keep the failure count
            current_app.logger.info("sign_in_failed")
            failed = True
        else:
            auth.start_session(db.session, user, ip_address=request.remote_addr, user_agent=request.user_agent.string)
            db.session.commit()
            session.clear()  # a fresh session: nothing from before sign-in carries over
            login_user(user)
            session.permanent = True
            current_app.logger.info("sign_in", extra={"user_id": user.id})
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else url_for("home.index"))
    status = 200 if not (failed or form.errors) else 400
    return render_template("auth/sign_in.html", form=form, failed=failed, message=SIGN_IN_FAILED), status


@bp.post("/sign-out")
@signed_in
def sign_out():
    auth.end_session(db.session, current_user.get_id())
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out", "success")
    return redirect(url_for("auth.sign_in"))


@bp.get("/account")
@signed_in
def account():
    sessions = auth.recent_sessions(db.session, current_user)
    return render_template("auth/account.html", sessions=sessions)


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm(email=current_user.email)
    if form.validate_on_submit():
        user = current_user._get_current_object()
        _, _ = save_or_report(
            form,
            lambda: users.change_password(
                db.session,
                user,
                current=form.current_password.data,
                new=form.new_password.data,
                keep_token=user.get_id(),
            ),
        )
        if not form.errors:
            flash("Your password has been changed. Any other sessions have been signed out.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form), 400 if form.errors else 200
