"""The scheduler's state for admins: each job, its next and last runs, and a warning when sweeps stop."""

from flask import Blueprint, current_app, render_template

from provider_monitor import scheduler
from provider_monitor.access import admin_only
from provider_monitor.extensions import db
from provider_monitor.models.base import utcnow
from provider_monitor.services import jobs

bp = Blueprint("scheduler_admin", __name__, url_prefix="/admin/scheduler")


@bp.get("")
@admin_only
def index():
    now = utcnow()
    config = current_app.config
    hours = config["SWEEP_STALE_HOURS"]
    return render_template(
        "scheduler_admin/index.html",
        states=jobs.job_states(db.session, scheduler.planned_jobs(config, now)),
        runs=jobs.recent_runs(db.session),
        titles={spec.name: spec.title for spec in scheduler.SPECS},
        stale=jobs.is_stale(db.session, now, hours),
        stale_hours=hours,
        format_duration=jobs.format_duration,
        duration=jobs.duration,
    )
