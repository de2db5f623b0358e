"""The one scheduler process (`flask --app wsgi scheduler run`): APScheduler 3.x jobs declared in code.

Never started by create_app: gunicorn workers, the reloader, `flask shell` and tests would each start one.
Jobs are declared by textual reference with stable ids; each run goes through jobs.run_job, which locks,
records and never lets a failure stop the scheduler.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from flask import Flask

from provider_monitor.models.base import utcnow
from provider_monitor.services import jobs
from provider_monitor.services.jobs import LONDON, Outcome, PlannedJob, RunResult, count

CQC_SYNC_HOUR = 2
# Spread the CQC sync over ten minutes after 02:00 so councils' schedulers do not all call CQC at once.
CQC_SYNC_JITTER = 600
OUTBOX_EVERY_MINUTES = 5
NOTHING_SENT = "0 sent, 0 failed"
# Outbox runs that sent nothing are kept a week, then deleted; runs that sent or failed are kept.
KEEP_QUIET_RUNS = timedelta(days=7)
# A job delayed by a busy pool or a restart still runs within the hour (APScheduler's default is 1 second).
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}

_app: Flask | None = None


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: str
    title: str


SPECS = (
    JobSpec(jobs.DAILY_SWEEP, "provider_monitor.scheduler:daily_sweep", "Daily sweep"),
    JobSpec("cqc_sync", "provider_monitor.scheduler:cqc_sync", "CQC sync"),
    JobSpec("send_outbox", "provider_monitor.scheduler:send_outbox", "E-mail outbox"),
)


def trigger(name: str, config, *, jitter: bool = True) -> CronTrigger:
    """When each job runs, in UK time."""
    if name == jobs.DAILY_SWEEP:
        return CronTrigger(hour=config["SWEEP_HOUR"], minute=0, timezone=LONDON)
    if name == "cqc_sync":
        return CronTrigger(hour=CQC_SYNC_HOUR, minute=0, jitter=CQC_SYNC_JITTER if jitter else None, timezone=LONDON)
    # On the clock (:00, :05…), so two schedulers started by mistake compute the same run key.
    return CronTrigger(minute=f"*/{OUTBOX_EVERY_MINUTES}", timezone=LONDON)


def _when(name: str, config) -> str:
    if name == jobs.DAILY_SWEEP:
        return f"Every day at {config['SWEEP_HOUR']:02d}:00"
    if name == "cqc_sync":
        return f"Every day between {CQC_SYNC_HOUR:02d}:00 and {CQC_SYNC_HOUR:02d}:{CQC_SYNC_JITTER // 60:02d}"
    return f"Every {OUTBOX_EVERY_MINUTES} minutes"


def _enabled(name: str, config) -> tuple[bool, str | None]:
    if name == "send_outbox" and not config.get("MAIL_ENABLED"):
        return False, "E-mail is off (MAIL_ENABLED is not set)"
    return True, None


def planned_jobs(config, now: datetime | None = None) -> list[PlannedJob]:
    """The jobs as declared here, with their next run worked out from the same triggers (no scheduler needed)."""
    now = (now or utcnow()).astimezone(LONDON)
    planned = []
    for spec in SPECS:
        enabled, off_because = _enabled(spec.name, config)
        next_run = trigger(spec.name, config, jitter=False).get_next_fire_time(None, now) if enabled else None
        planned.append(PlannedJob(spec.name, spec.title, _when(spec.name, config), next_run, enabled, off_because))
    return planned


# --- building and running the scheduler ---------------------------------------------------------


def build_scheduler(app: Flask) -> BlockingScheduler:
    """The scheduler with every enabled job; refuses unless SCHEDULER_ENABLED (set only in the scheduler process)."""
    global _app
    if not app.config.get("SCHEDULER_ENABLED"):
        raise RuntimeError(
            "SCHEDULER_ENABLED is off in this process: run the scheduler with `flask --app wsgi scheduler run`."
        )
    _app = app
    scheduler = BlockingScheduler(
        timezone=LONDON, executors={"default": ThreadPoolExecutor(2)}, job_defaults=dict(JOB_DEFAULTS)
    )
    for spec in SPECS:
        if _enabled(spec.name, app.config)[0]:
            scheduler.add_job(
                spec.func, trigger(spec.name, app.config), id=spec.name, name=spec.title, replace_existing=True
            )
    return scheduler


def prepare(app: Flask, now: datetime | None = None) -> BlockingScheduler:
    """Build the scheduler and, if the last daily sweep due was missed, add a catch-up run to start at once."""
    from provider_monitor.extensions import db

    scheduler = build_scheduler(app)
    now = now or utcnow()
    with app.app_context():
        key = jobs.sweep_catch_up_key(db.session, now, app.config["SWEEP_HOUR"])
        db.session.remove()
    if key is not None:
        app.logger.info("sweep_catch_up", extra={"run_key": key})
        scheduler.add_job(
            "provider_monitor.scheduler:daily_sweep",
            "date",
            run_date=now,
            args=[key],
            id="daily_sweep_catch_up",
            name="Catch-up daily sweep",
            replace_existing=True,
        )
    return scheduler


def run(app: Flask) -> None:
    """Run the scheduler in this process until Ctrl+C or SIGTERM; a running job finishes before the process exits."""
    scheduler = prepare(app)

    def stop(signum, frame):
        app.logger.info("scheduler_stopping", extra={"signal": signal.Signals(signum).name})
        scheduler.shutdown(wait=False)

    # Set both: a shell runs background commands with SIGINT ignored, and `make run` starts this in the background.
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    app.logger.info("scheduler_started", extra={"jobs": [job.id for job in scheduler.get_jobs()]})
    scheduler.start()


def catch_up(app: Flask, now: datetime | None = None) -> RunResult | None:
    """Run the missed daily sweep now, if it was missed (what the scheduler does at start)."""
    from provider_monitor.extensions import db

    with app.app_context():
        key = jobs.sweep_catch_up_key(db.session, now or utcnow(), app.config["SWEEP_HOUR"])
        db.session.remove()
    return daily_sweep(key, app=app) if key is not None else None


# --- the jobs (called by APScheduler in its worker threads) ------------------------------------


def _bound_app(app: Flask | None) -> Flask:
    app = app or _app
    if app is None:
        raise RuntimeError("No app: jobs run in the scheduler process (`flask --app wsgi scheduler run`).")
    return app


def daily_sweep(run_key: str | None = None, *, app: Flask | None = None) -> RunResult:
    """Raise and resolve flags as of now; queue e-mail digests of new flags when e-mail is on."""
    app = _bound_app(app)

    def work(session) -> Outcome:
        from provider_monitor.services import flags

        now = utcnow()
        today = jobs.london_today(now)
        result = flags.sweep(session, today=today, now=now)
        detail = result.summary()
        if app.config.get("MAIL_ENABLED"):
            from provider_monitor.services import outbox

            queued = outbox.queue_digests(session, today=today)
            detail = f"{detail}; {queued} e-mail digests queued"
        return Outcome(raised=count(result.raised), resolved=count(result.resolved), detail=detail)

    return jobs.run_job(app, jobs.DAILY_SWEEP, run_key or jobs.london_today(utcnow()).isoformat(), work)


def cqc_sync(run_key: str | None = None, *, app: Flask | None = None) -> RunResult:
    """Fetch what CQC changed since the last successful sync; skipped while there is no subscription key."""
    app = _bound_app(app)

    def work(session) -> Outcome:
        from provider_monitor.services import cqc_sync as sync

        settings = sync.settings(session)
        try:
            client = sync.client_for(settings, app.config)
        except sync.NotConfigured:
            return Outcome(skipped="no subscription key")
        authorities = sync.local_authorities(settings, app.config)
        if not authorities:
            return Outcome(skipped="no local authorities are set")
        with client:
            report = sync.sync(session, client, settings, authorities=authorities)
        detail = (
            f"{len(report.new_services)} new services, {report.snapshots_added} ratings updated, "
            f"{len(report.registrations_cancelled)} registrations cancelled, {len(report.failures)} records failed"
        )
        # A sync that stopped keeps what it stored and logs its own run, as `flask cqc sync` does.
        return Outcome(detail=detail, error=report.error)

    return jobs.run_job(app, "cqc_sync", run_key or jobs.london_today(utcnow()).isoformat(), work)


def send_outbox(run_key: str | None = None, *, app: Flask | None = None) -> RunResult:
    """Send the e-mails that are due; a refused one stays in the outbox for a later try."""
    app = _bound_app(app)

    def work(session) -> Outcome:
        from provider_monitor.services import outbox

        now = utcnow()
        result = outbox.send_due(session, now=now, sender=outbox.smtp_sender_from_config(app.config))
        jobs.prune_quiet_runs(session, "send_outbox", NOTHING_SENT, before=now - KEEP_QUIET_RUNS)
        detail = f"{count(result.sent)} sent, {count(result.failed)} failed"
        return Outcome(detail=detail)

    return jobs.run_job(app, "send_outbox", run_key or jobs.minute_key(utcnow()), work)
