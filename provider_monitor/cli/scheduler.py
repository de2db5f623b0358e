"""`flask --app wsgi scheduler run|status`: the one scheduler process, and what it has done."""

import click
from flask import current_app
from flask.cli import AppGroup

from provider_monitor.enums import JobStatus
from provider_monitor.extensions import db
from provider_monitor.jinja import format_datetime
from provider_monitor.models.base import utcnow
from provider_monitor.services import jobs

scheduler_cli = AppGroup("scheduler", help="The scheduler: run it (blocking), or see its jobs.")


@scheduler_cli.command("run")
def run_command() -> None:
    """Run the scheduler in this process until Ctrl+C. Run one only: the web app never runs one."""
    from provider_monitor import scheduler

    # This command is the one place SCHEDULER_ENABLED is set: the scheduler refuses to start without it.
    current_app.config["SCHEDULER_ENABLED"] = True
    db.session.remove()
    names = [job.name for job in scheduler.planned_jobs(current_app.config) if job.enabled]
    click.echo(f"Scheduler running (Ctrl+C to stop). Jobs: {', '.join(names)}")
    scheduler.run(current_app._get_current_object())


def _run_line(run) -> str:
    if run is None:
        return "never"
    parts = [format_datetime(run.started_at), run.status.value, f"key {run.run_key}"]
    if run.finished_at:
        parts.append(jobs.format_duration(jobs.duration(run)))
    if run.job_name == jobs.DAILY_SWEEP and run.status == JobStatus.SUCCEEDED and not run.detail:
        parts.append(f"raised {run.raised}, resolved {run.resolved}")
    if run.detail:
        parts.append(run.detail)
    if run.error:
        parts.append(f"error: {run.error}")
    return " · ".join(parts)


@scheduler_cli.command("status")
def status_command() -> None:
    """Each job: next run, last run, last success, duration, what it did; exits 1 when sweeps have stopped."""
    from provider_monitor import scheduler

    now = utcnow()
    config = current_app.config
    for state in jobs.job_states(db.session, scheduler.planned_jobs(config, now)):
        job = state.job
        click.echo(f"{job.name}: {job.title}")
        click.echo(f"  Schedule:      {job.when}" + ("" if job.enabled else f" — off: {job.off_because}"))
        click.echo(f"  Next run:      {format_datetime(job.next_run) if job.next_run else 'none'}")
        click.echo(f"  Last run:      {_run_line(state.last_run)}")
        click.echo(f"  Last success:  {_run_line(state.last_success)}")
    hours = config["SWEEP_STALE_HOURS"]
    if jobs.is_stale(db.session, now, hours):
        click.echo(f"WARNING: no successful sweep in the last {hours} hours")
        raise SystemExit(1)
