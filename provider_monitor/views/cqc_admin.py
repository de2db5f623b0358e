"""Admin: the CQC API settings, running a sync, and what recent syncs did."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from provider_monitor.access import admin_only
from provider_monitor.extensions import db
from provider_monitor.forms.cqc import CQCSettingsForm, authority_names
from provider_monitor.forms.users import ConfirmForm
from provider_monitor.models.cqc import SyncKind
from provider_monitor.services import cqc_sync

bp = Blueprint("cqc_admin", __name__, url_prefix="/admin/cqc")


def _form(settings) -> CQCSettingsForm:
    return CQCSettingsForm(
        local_authorities=settings.local_authorities, requests_per_second=settings.requests_per_second
    )


def _page(form: CQCSettingsForm, status: int = 200, report=None):
    settings = cqc_sync.settings(db.session)
    from_environment = bool((current_app.config.get("CQC_SUBSCRIPTION_KEY") or "").strip())
    key = cqc_sync.subscription_key(settings, current_app.config)
    context = {
        "form": form,
        "confirm": ConfirmForm(),
        "runs": cqc_sync.recent_runs(db.session),
        "report": report,
        "key_status": cqc_sync.masked_key(key) + (" (from the server’s environment)" if from_environment else ""),
        "key_saved_ignored": from_environment and bool(settings.subscription_key),
        "watermark": cqc_sync.watermark(db.session),
        "settings": settings,
    }
    return render_template("cqc_admin/index.html", **context), status


@bp.route("", methods=["GET", "POST"])
@admin_only
def index():
    settings = cqc_sync.settings(db.session)
    form = _form(settings)
    if form.validate_on_submit():
        cqc_sync.save_settings(
            db.session,
            local_authorities=authority_names(form.local_authorities.data),
            requests_per_second=form.requests_per_second.data,
            subscription_key=form.subscription_key.data or None,
            remove_key=form.remove_key.data,
            editor_id=current_user.id,
        )
        db.session.commit()
        flash("The CQC settings have been saved", "success")
        return redirect(url_for("cqc_admin.index"))
    return _page(form, 400 if form.errors else 200)


@bp.post("/sync")
@admin_only
def run_sync():
    """Run an incremental sync in the request (a county's changes take seconds) and show what it did."""
    if not ConfirmForm().validate_on_submit():
        flash("The request had expired. Try again.", "error")
        return redirect(url_for("cqc_admin.index"))
    settings = cqc_sync.settings(db.session)
    authorities = cqc_sync.local_authorities(settings, current_app.config)
    if not authorities:
        flash("Save at least one local authority before running a sync", "error")
        return redirect(url_for("cqc_admin.index"))
    try:
        client = cqc_sync.client_for(settings, current_app.config)
    except cqc_sync.NotConfigured:
        flash("Save a subscription key before running a sync", "error")
        return redirect(url_for("cqc_admin.index"))
    try:
        with client:
            report = cqc_sync.sync(db.session, client, settings, authorities=authorities)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        current_app.logger.exception("cqc_sync_crashed")
        cqc_sync.failed_run(db.session, SyncKind.SYNC, f"stopped unexpectedly ({error.__class__.__name__})")
        db.session.commit()
        flash("The sync stopped unexpectedly and nothing was saved. The error has been logged.", "error")
        return redirect(url_for("cqc_admin.index"))
    return _page(_form(settings), report=report)
