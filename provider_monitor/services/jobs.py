"""Scheduled job runs: one runner at a time per job and run key, each recorded in job_run, and the state admins see.

A run takes a lock before doing anything: on PostgreSQL an advisory lock held on a dedicated connection
for the run's length; everywhere, the UNIQUE(job_name, run_key) row it claims. A second scheduler started
by mistake, or a run key that already succeeded, is skipped; a failed run rolls its work back, is recorded
with the error, and may be retried with the same key.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from provider_monitor.enums import JobStatus
from provider_monitor.models.base import utcnow
from provider_monitor.models.flag import JobRun
from provider_monitor.services.audit import Actor, reset_actor, set_actor

LONDON = ZoneInfo("Europe/London")
DAILY_SWEEP = "daily_sweep"
# Without an advisory lock (SQLite), a "running" row this old is taken to be left by a runner that died.
ABANDONED_AFTER = timedelta(hours=1)
RECENT_RUNS = 20

log = logging.getLogger("provider_monitor.jobs")


@dataclass
class Outcome:
    """What a job function did: counts for the record, or why it did nothing, or the failure it reported."""

    raised: int = 0
    resolved: int = 0
    detail: str | None = None
    # The job chose not to run ("no subscription key"): recorded as skipped, and may run again with the same key.
    skipped: str | None = None
    # The job finished but reported a failure (its work is kept, as the CQC sync keeps what it stored).
    error: str | None = None


@dataclass(frozen=True)
class RunResult:
    """How one call of run_job ended."""

    job_name: str
    run_key: str
    status: JobStatus
    # Why nothing ran ("skipped: another runner", "already succeeded"), or the error.
    reason: str | None = None
    job_run_id: int | None = None

    @property
    def did_work(self) -> bool:
        return self.status == JobStatus.SUCCEEDED


def lock_key(job_name: str) -> int:
    """A stable signed 64-bit advisory lock key per job (the same in every process, unlike hash())."""
    digest = hashlib.blake2b(f"provider_monitor.job:{job_name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def count(value) -> int:
    """A count given as a number or as the list of things counted."""
    return value if isinstance(value, int) else len(value)


# --- running a job ------------------------------------------------------------------------------


def run_job(app: Flask, name: str, run_key: str, fn: Callable[[Session], Outcome | None]) -> RunResult:
    """Run fn once for (name, run_key) in a new app context and session, locked and recorded; never raises."""
    from provider_monitor.extensions import db

    with app.app_context():
        token = set_actor(Actor(None, f"Scheduler: {name.replace('_', ' ')}"))
        lock = None
        try:
            if db.engine.dialect.name == "postgresql":
                lock = db.engine.connect()
                lock.begin()
                # Held until this connection's transaction ends: a crashed runner releases it too.
                if not lock.execute(sa.select(sa.func.pg_try_advisory_xact_lock(lock_key(name)))).scalar():
                    return _skipped_by_another(db.session, name, run_key)
            return _claimed_run(db.session, name, run_key, fn, locked=lock is not None)
        except Exception as error:  # the database itself failed: log it, keep the scheduler alive
            db.session.rollback()
            log.exception("job_crashed", extra={"job": name, "run_key": run_key})
            return RunResult(name, run_key, JobStatus.FAILED, reason=_describe(error))
        finally:
            if lock is not None:
                lock.rollback()
                lock.close()
            reset_actor(token)
            db.session.remove()


def _claimed_run(session: Session, name: str, run_key: str, fn, *, locked: bool) -> RunResult:
    run_id, reason = _claim(session, name, run_key, utcnow(), locked=locked)
    if run_id is None:
        if reason == "already succeeded":
            log.info("job_skipped", extra={"job": name, "run_key": run_key, "reason": reason})
            return RunResult(name, run_key, JobStatus.SKIPPED, reason=reason)
        return _skipped_by_another(session, name, run_key)
    log.info("job_started", extra={"job": name, "run_key": run_key})
    try:
        outcome = fn(session) or Outcome()
        _finish(session, run_id, outcome)
        session.commit()
    except Exception as error:
        session.rollback()
        log.exception("job_failed", extra={"job": name, "run_key": run_key})
        message = _describe(error)
        _finish(session, run_id, Outcome(error=message))
        session.commit()
        return RunResult(name, run_key, JobStatus.FAILED, reason=message, job_run_id=run_id)
    status = _status(outcome)
    log.info(
        "job_finished",
        extra={"job": name, "run_key": run_key, "status": status.value, "raised": outcome.raised,
               "resolved": outcome.resolved},
    )  # fmt: skip
    reason = outcome.error or (f"skipped: {outcome.skipped}" if outcome.skipped else None)
    return RunResult(name, run_key, status, reason=reason, job_run_id=run_id)


def _status(outcome: Outcome) -> JobStatus:
    if outcome.error:
        return JobStatus.FAILED
    return JobStatus.SKIPPED if outcome.skipped else JobStatus.SUCCEEDED


def _describe(error: Exception) -> str:
    return f"{error.__class__.__name__}: {error}"[:2000]


def _claim(session: Session, name: str, run_key: str, now: datetime, *, locked: bool) -> tuple[int | None, str]:
    """Insert (or take back) the run's row and commit it; (None, why) when this runner must not run."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    fresh = {"status": JobStatus.RUNNING, "started_at": now, "finished_at": None, "raised": 0, "resolved": 0,
             "detail": None, "error": None}  # fmt: skip
    stmt = (
        insert(JobRun)
        .values(job_name=name, run_key=run_key, **fresh)
        .on_conflict_do_nothing(index_elements=["job_name", "run_key"])
        .returning(JobRun.id)
    )
    run_id = session.execute(stmt).scalar()
    if run_id is not None:
        session.commit()
        return run_id, "claimed"
    row = session.execute(
        sa.select(JobRun.id, JobRun.status, JobRun.started_at).where(JobRun.job_name == name, JobRun.run_key == run_key)
    ).one()
    if row.status == JobStatus.SUCCEEDED:
        session.rollback()
        return None, "already succeeded"
    # A failed or skipped run is retried. A "running" one is abandoned if we hold the advisory lock (its
    # runner would hold it otherwise), or, without locks, if it is too old to be anything but abandoned.
    retry = row.status in (JobStatus.FAILED, JobStatus.SKIPPED) or locked or row.started_at < now - ABANDONED_AFTER
    if retry:
        # Compare-and-set: of two runners retrying at once, one updates the row and the other sees 0 rows.
        taken = session.execute(
            sa.update(JobRun)
            .where(JobRun.id == row.id, JobRun.status == row.status, JobRun.started_at == row.started_at)
            .values(**fresh)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.commit()
        if taken == 1:
            return row.id, "retried"
    session.rollback()
    return None, "another runner"


def _finish(session: Session, run_id: int, outcome: Outcome) -> None:
    detail = outcome.detail
    if outcome.skipped:
        detail = f"skipped: {outcome.skipped}"
    session.execute(
        sa.update(JobRun)
        .where(JobRun.id == run_id)
        .values(
            status=_status(outcome),
            finished_at=utcnow(),
            raised=outcome.raised,
            resolved=outcome.resolved,
            detail=detail,
            error=outcome.error,
        )
        .execution_options(synchronize_session=False)
    )


def _skipped_by_another(session: Session, name: str, run_key: str) -> RunResult:
    """Log and record that another runner had this job: a row of its own, so the runner's row is untouched."""
    now = utcnow()
    log.warning("job_skipped", extra={"job": name, "run_key": run_key, "reason": "skipped: another runner"})
    record = JobRun(
        job_name=name,
        run_key=f"{run_key} skipped {now:%H%M%S%f}",
        started_at=now,
        finished_at=now,
        status=JobStatus.SKIPPED,
        detail=f"skipped: another runner had {run_key}",
    )
    session.add(record)
    session.commit()
    return RunResult(name, run_key, JobStatus.SKIPPED, reason="skipped: another runner", job_run_id=record.id)


def prune_quiet_runs(session: Session, name: str, detail: str, before: datetime) -> int:
    """Delete old successful runs that did nothing (a job every 5 minutes would otherwise add 100,000 a year)."""
    return session.execute(
        sa.delete(JobRun)
        .where(JobRun.job_name == name, JobRun.status == JobStatus.SUCCEEDED, JobRun.detail == detail,
               JobRun.started_at < before)
        .execution_options(synchronize_session=False)
    ).rowcount  # fmt: skip


# --- run keys and catch-up ----------------------------------------------------------------------


def london_today(now: datetime) -> date:
    return now.astimezone(LONDON).date()


def minute_key(now: datetime) -> str:
    """The run key of a job that runs every few minutes: the UTC minute, the same in every scheduler."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def last_sweep_time(now: datetime, hour: int) -> datetime:
    """When the daily sweep was last due (today at `hour` in London, or yesterday if that is still to come)."""
    today = london_today(now)
    due = datetime.combine(today, time(hour), tzinfo=LONDON)
    if due > now:
        due = datetime.combine(today - timedelta(days=1), time(hour), tzinfo=LONDON)
    return due


def last_success(session: Session, name: str) -> JobRun | None:
    return session.scalars(
        sa.select(JobRun)
        .where(JobRun.job_name == name, JobRun.status == JobStatus.SUCCEEDED)
        .order_by(JobRun.started_at.desc(), JobRun.id.desc())
        .limit(1)
    ).first()


def sweep_catch_up_key(session: Session, now: datetime, hour: int) -> str | None:
    """The run key for a catch-up sweep if the last one due was missed (no success since then), else None.

    The key is the missed day's date, so today's scheduled sweep still runs at its time.
    """
    due = last_sweep_time(now, hour)
    success = last_success(session, DAILY_SWEEP)
    if success is not None and success.started_at >= due:
        return None
    return due.date().isoformat()


def is_stale(session: Session, now: datetime, hours: int) -> bool:
    """No successful daily sweep finished in the last `hours` hours (the dead-man's switch)."""
    success = last_success(session, DAILY_SWEEP)
    return success is None or (success.finished_at or success.started_at) < now - timedelta(hours=hours)


# --- what admins see ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedJob:
    """A job as the scheduler declares it: what it is, when it runs, whether it is switched on."""

    name: str
    title: str
    when: str
    next_run: datetime | None
    enabled: bool = True
    off_because: str | None = None


@dataclass(frozen=True)
class JobState:
    job: PlannedJob
    last_run: JobRun | None
    last_success: JobRun | None

    @property
    def duration(self) -> timedelta | None:
        return duration(self.last_run) if self.last_run else None


def duration(run: JobRun) -> timedelta | None:
    return run.finished_at - run.started_at if run.finished_at else None


def format_duration(value: timedelta | None) -> str:
    if value is None:
        return ""
    seconds = value.total_seconds()
    if seconds < 60:
        return f"{seconds:.1f} seconds"
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds} s"


def job_states(session: Session, planned: list[PlannedJob]) -> list[JobState]:
    """Each planned job with its last run (of any status) and its last success."""
    states = []
    for job in planned:
        last = session.scalars(
            sa.select(JobRun)
            .where(JobRun.job_name == job.name)
            .order_by(JobRun.started_at.desc(), JobRun.id.desc())
            .limit(1)
        ).first()
        states.append(JobState(job, last, last_success(session, job.name)))
    return states


def recent_runs(session: Session, limit: int = RECENT_RUNS) -> list[JobRun]:
    return list(session.scalars(sa.select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)))
