"""Admin: the CQC API settings, running a sync, and what recent syncs did."""

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from provider_monitor.access import admin_only
from provider_monitor.cqc.client import CQCClient
from provider_monitor.extensions import db
from provider_monitor.forms.cqc import CQCSettingsForm
from provider_monitor.forms.users import ConfirmForm
from provider_monitor.models.cqc import CQCSyncRun
from provider_monitor.services import cqc_sync

bp = Blueprint("cqc_admin", __name__, url_prefix="/admin/cqc")


def _masked(key: str | None) -> str:
    return f"Saved, ending …{key[-4:]}" if key else "Not set"


def _page(form: CQCSettingsForm, status: int = 200, report=None):
    settings = cqc_sync.settings(db.session)
    runs = db.session.scalars(sa.select(CQCSyncRun).order_by(CQCSyncRun.id.desc()).limit(10)).all()
    context = {
        "form": form, "confirm": ConfirmForm(), "runs": runs, "report": report,
        "key_status": "Set by the server’s environment" if current_app.config["CQC_SUBSCRIPTION_KEY"]
        else _masked(settings.subscription_key),
    }  # fmt: skip
    return render_template("cqc_admin/index.html", **context), status


@bp.route("", methods=["GET", "POST"])
@admin_only
def index():
    settings = cqc_sync.settings(db.session)
    form = CQCSettingsForm(local_authorities=settings.local_authorities)
    if form.validate_on_submit():
        if form.subscription_key.data:
            settings.subscription_key = form.subscription_key.data
        settings.local_authorities = ", ".join(a.strip() for a in form.local_authorities.data.split(",") if a.strip())
        settings.updated_by_id = current_user.id
        db.session.commit()
        flash("The CQC settings have been saved", "success")
        return redirect(url_for("cqc_admin.index"))
    db.session.commit()  # the settings row, created on first visit
    return _page(form, 400 if form.errors else 200)


@bp.post("/sync")
@admin_only
def run_sync():
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("cqc_admin.index"))
    settings = cqc_sync.settings(db.session)
    key = current_app.config["CQC_SUBSCRIPTION_KEY"] or settings.subscription_key
    if not key or not settings.authorities:
        flash("Save a subscription key and at least one local authority before running a sync", "error")
        return redirect(url_for("cqc_admin.index"))
    client = CQCClient(
        subscription_key=key, base_url=current_app.config["CQC_API_BASE_URL"],
        user_agent=current_app.config["CQC_USER_AGENT"],
        requests_per_second=current_app.config["CQC_REQUESTS_PER_SECOND"],
    )  # fmt: skip
    report = cqc_sync.sync(db.session, client, authorities=settings.authorities)
    db.session.commit()
    return _page(CQCSettingsForm(local_authorities=settings.local_authorities), report=report)
