"""Scheduled jobs: each run locked and recorded once per key, failures rolled back, a missed sweep caught up."""

import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine
from apscheduler.triggers.cron import CronTrigger

from config import TestingConfig
from provider_monitor import create_app, scheduler
from provider_monitor.enums import JobStatus
from provider_monitor.extensions import db
from provider_monitor.models import Flag, JobRun, OutboxMessage
from provider_monitor.services import jobs
from tests import factories

LONDON = ZoneInfo("Europe/London")


def _at(text: str) -> datetime:
    """A UK wall-clock time as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def _runs(name: str | None = None) -> list[JobRun]:
    db.session.expire_all()
    stmt = sa.select(JobRun).order_by(JobRun.id)
    if name:
        stmt = stmt.where(JobRun.job_name == name)
    return list(db.session.scalars(stmt))


def _success(name: str, started: datetime, run_key: str) -> None:
    db.session.add(
        JobRun(job_name=name, run_key=run_key, started_at=started, finished_at=started + timedelta(seconds=3),
               status=JobStatus.SUCCEEDED)
    )  # fmt: skip
    db.session.commit()


@pytest.fixture
def fake_sweep(monkeypatch):
    """flags.sweep replaced by one that counts its calls and reports 3 raised, 1 resolved."""
    flags = pytest.importorskip("provider_monitor.services.flags", reason="the flags service is not written yet")
    calls = []

    def sweep(session, *, today, now):
        calls.append((today, now))
        return SimpleNamespace(raised=3, resolved=1, summary=lambda: "Raised 3, resolved 1, still open 7")

    monkeypatch.setattr(flags, "sweep", sweep)
    return calls


def _message(key: str) -> OutboxMessage:
    return OutboxMessage(key=key, to_address="a@example.gov.uk", subject="s", body="b")


def test_a_sweep_run_is_recorded_with_what_it_raised_and_resolved(app, app_ctx, fake_sweep):
    with time_machine.travel(_at("2026-11-23T06:00:01"), tick=False):
        result = scheduler.daily_sweep(app=app)

    assert result.status == JobStatus.SUCCEEDED
    [run] = _runs()
    assert (run.job_name, run.run_key, run.status) == ("daily_sweep", "2026-11-23", JobStatus.SUCCEEDED)
    assert (run.raised, run.resolved) == (3, 1)
    assert run.detail == "Raised 3, resolved 1, still open 7"
    assert run.finished_at is not None and run.error is None
    assert fake_sweep[0][0].isoformat() == "2026-11-23"


def test_a_second_run_with_the_same_key_is_skipped(app, app_ctx, fake_sweep):
    first = scheduler.daily_sweep("2026-11-23", app=app)
    second = scheduler.daily_sweep("2026-11-23", app=app)

    assert first.status == JobStatus.SUCCEEDED
    assert (second.status, second.reason) == (JobStatus.SKIPPED, "already succeeded")
    assert len(fake_sweep) == 1
    assert [(r.run_key, r.status) for r in _runs()] == [("2026-11-23", JobStatus.SUCCEEDED)]


def test_a_failure_is_recorded_and_its_work_rolled_back(app, app_ctx):
    def work(session):
        session.add(_message("half-done"))
        session.flush()
        raise ValueError("the rules broke")

    result = jobs.run_job(app, "daily_sweep", "2026-11-23", work)

    assert result.status == JobStatus.FAILED and "the rules broke" in result.reason
    [run] = _runs()
    assert run.status == JobStatus.FAILED and run.finished_at is not None
    assert run.error == "ValueError: the rules broke"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_a_failed_run_is_retried_with_the_same_key(app, app_ctx):
    attempts = []

    def flaky(session):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("database went away")
        session.add(_message("done"))
        return jobs.Outcome(raised=2)

    assert jobs.run_job(app, "daily_sweep", "2026-11-23", flaky).status == JobStatus.FAILED
    retried = jobs.run_job(app, "daily_sweep", "2026-11-23", flaky)

    assert retried.status == JobStatus.SUCCEEDED
    [run] = _runs()
    assert (run.status, run.raised, run.error) == (JobStatus.SUCCEEDED, 2, None)
    assert db.session.scalar(sa.select(OutboxMessage.key)) == "done"


def test_a_run_another_runner_has_started_is_skipped_or_taken_over_when_abandoned(app, app_ctx):
    calls = []
    now = datetime.now(UTC)
    db.session.add(JobRun(job_name="daily_sweep", run_key="2026-11-23", started_at=now, status=JobStatus.RUNNING))
    db.session.add(
        JobRun(job_name="daily_sweep", run_key="2026-11-22", started_at=now - timedelta(hours=3),
               status=JobStatus.RUNNING)
    )  # fmt: skip
    db.session.commit()

    recent = jobs.run_job(app, "daily_sweep", "2026-11-23", lambda s: calls.append("23"))
    abandoned = jobs.run_job(app, "daily_sweep", "2026-11-22", lambda s: calls.append("22"))

    assert abandoned.status == JobStatus.SUCCEEDED
    if db.engine.dialect.name == "postgresql":
        # We hold the advisory lock, so the "running" row's runner cannot be alive: it is taken over.
        assert recent.status == JobStatus.SUCCEEDED and calls == ["23", "22"]
    else:
        assert (recent.status, recent.reason) == (JobStatus.SKIPPED, "skipped: another runner")
        assert calls == ["22"]
        skipped = [r for r in _runs() if r.status == JobStatus.SKIPPED]
        assert len(skipped) == 1 and skipped[0].detail == "skipped: another runner had 2026-11-23"


def test_on_postgresql_a_held_advisory_lock_means_skipped(app, app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL only; SQLite relies on the job_run row")
    calls = []
    with db.engine.connect() as other_runner:
        other_runner.execute(sa.select(sa.func.pg_advisory_lock(jobs.lock_key("daily_sweep"))))
        try:
            result = jobs.run_job(app, "daily_sweep", "2026-11-23", lambda s: calls.append(1))
        finally:
            other_runner.execute(sa.select(sa.func.pg_advisory_unlock(jobs.lock_key("daily_sweep"))))

    assert (result.status, result.reason) == (JobStatus.SKIPPED, "skipped: another runner")
    assert calls == []
    assert [r.status for r in _runs()] == [JobStatus.SKIPPED]
    assert jobs.run_job(app, "daily_sweep", "2026-11-23", lambda s: calls.append(1)).status == JobStatus.SUCCEEDED


def test_lock_keys_are_stable_and_distinct():
    keys = {name: jobs.lock_key(name) for name in ("daily_sweep", "cqc_sync", "send_outbox")}
    assert len(set(keys.values())) == 3
    assert all(-(2**63) <= key < 2**63 for key in keys.values())
    assert jobs.lock_key("daily_sweep") == keys["daily_sweep"]


# --- catch-up -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "last_success", "expected"),
    [
        ("2026-11-23T10:00", None, "2026-11-23"),  # never swept
        ("2026-11-23T10:00", "2026-11-22T06:00:02", "2026-11-23"),  # today's 06:00 was missed
        ("2026-11-23T10:00", "2026-11-23T06:00:02", None),  # today's ran
        ("2026-11-23T03:00", "2026-11-22T06:00:02", None),  # today's is still to come
        ("2026-11-23T03:00", "2026-11-21T06:00:02", "2026-11-22"),  # yesterday's was missed
    ],
)
def test_catch_up_is_due_only_when_the_last_sweep_due_was_missed(app, app_ctx, now, last_success, expected):
    if last_success:
        _success("daily_sweep", _at(last_success), "earlier")
    assert jobs.sweep_catch_up_key(db.session, _at(now), hour=6) == expected


def test_the_scheduler_catches_up_a_missed_sweep_at_start(app, app_ctx, fake_sweep):
    _success("daily_sweep", _at("2026-11-21T06:00:02"), "2026-11-21")

    with time_machine.travel(_at("2026-11-23T09:30"), tick=False):
        result = scheduler.catch_up(app)
        again = scheduler.catch_up(app)

    assert result.status == JobStatus.SUCCEEDED and result.run_key == "2026-11-23"
    assert again is None
    assert len(fake_sweep) == 1
    assert [r.run_key for r in _runs()] == ["2026-11-21", "2026-11-23"]


def test_no_catch_up_when_the_last_sweep_ran(app, app_ctx, fake_sweep):
    _success("daily_sweep", _at("2026-11-23T06:00:02"), "2026-11-23")

    with time_machine.travel(_at("2026-11-23T09:30"), tick=False):
        assert scheduler.catch_up(app) is None

    assert fake_sweep == [] and len(_runs()) == 1


# --- the other jobs -----------------------------------------------------------------------------


def test_the_sweep_queues_digests_only_when_mail_is_on(app, app_ctx, fake_sweep, monkeypatch):
    outbox = pytest.importorskip("provider_monitor.services.outbox", reason="the outbox service is not written yet")
    queued = []
    monkeypatch.setattr(outbox, "queue_digests", lambda session, *, today: queued.append(today) or 4)

    monkeypatch.setitem(app.config, "MAIL_ENABLED", False)
    scheduler.daily_sweep("2026-11-22", app=app)
    monkeypatch.setitem(app.config, "MAIL_ENABLED", True)
    scheduler.daily_sweep("2026-11-23", app=app)

    assert len(queued) == 1
    assert _runs()[-1].detail == "Raised 3, resolved 1, still open 7; 4 e-mail digests queued"


def test_the_cqc_sync_without_a_subscription_key_records_skipped(app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "CQC_SUBSCRIPTION_KEY", "")
    result = scheduler.cqc_sync(app=app)

    assert result.status == JobStatus.SKIPPED
    [run] = _runs()
    assert (run.job_name, run.status, run.detail) == ("cqc_sync", JobStatus.SKIPPED, "skipped: no subscription key")


def test_the_outbox_job_records_what_it_sent(app, app_ctx, monkeypatch):
    outbox = pytest.importorskip("provider_monitor.services.outbox", reason="the outbox service is not written yet")
    monkeypatch.setattr(outbox, "smtp_sender_from_config", lambda config: "sender", raising=False)
    monkeypatch.setattr(outbox, "send_due", lambda session, *, now, sender: SimpleNamespace(sent=2, failed=1))

    with time_machine.travel(datetime(2026, 11, 23, 6, 5, 1, tzinfo=UTC), tick=False):
        result = scheduler.send_outbox(app=app)

    assert result.status == JobStatus.SUCCEEDED
    [run] = _runs()
    assert (run.run_key, run.detail) == ("2026-11-23T06:05Z", "2 sent, 1 failed")


def test_the_outbox_job_prunes_old_runs_that_sent_nothing(app, app_ctx, monkeypatch):
    outbox = pytest.importorskip("provider_monitor.services.outbox", reason="the outbox service is not written yet")
    monkeypatch.setattr(outbox, "smtp_sender_from_config", lambda config: "sender", raising=False)
    monkeypatch.setattr(outbox, "send_due", lambda session, *, now, sender: SimpleNamespace(sent=0, failed=0))
    now = datetime(2026, 11, 23, 6, 5, 1, tzinfo=UTC)
    for key, days, detail in [("old-quiet", 8, "0 sent, 0 failed"), ("old-busy", 8, "3 sent, 0 failed"),
                              ("new-quiet", 6, "0 sent, 0 failed")]:  # fmt: skip
        db.session.add(JobRun(job_name="send_outbox", run_key=key, started_at=now - timedelta(days=days),
                              status=JobStatus.SUCCEEDED, detail=detail))  # fmt: skip
    db.session.commit()

    with time_machine.travel(now, tick=False):
        scheduler.send_outbox(app=app)

    assert [r.run_key for r in _runs()] == ["old-busy", "new-quiet", "2026-11-23T06:05Z"]


def test_the_real_sweep_records_what_it_raised(app, app_ctx):
    pytest.importorskip("provider_monitor.services.flags", reason="the flags service is not written yet")
    factories.ServiceFactory()

    result = scheduler.daily_sweep("2026-11-23", app=app)

    assert result.status == JobStatus.SUCCEEDED, result.reason
    [run] = _runs()
    assert run.raised == db.session.scalar(sa.select(sa.func.count()).select_from(Flag))


# --- the scheduler itself -----------------------------------------------------------------------


def test_the_scheduler_refuses_to_start_unless_enabled(app, monkeypatch):
    monkeypatch.setattr(scheduler, "_app", None)
    monkeypatch.setitem(app.config, "SCHEDULER_ENABLED", False)
    with pytest.raises(RuntimeError, match="scheduler run"):
        scheduler.build_scheduler(app)


def test_jobs_are_declared_by_reference_with_safe_defaults(app, app_ctx, monkeypatch):
    monkeypatch.setattr(scheduler, "_app", None)
    monkeypatch.setitem(app.config, "SCHEDULER_ENABLED", True)
    monkeypatch.setitem(app.config, "MAIL_ENABLED", False)
    _success("daily_sweep", datetime.now(UTC), "today")

    built = scheduler.prepare(app)
    jobs_by_id = {job.id: job for job in built.get_jobs()}

    assert set(jobs_by_id) == {"daily_sweep", "cqc_sync"}  # no outbox while e-mail is off, no catch-up needed
    assert jobs_by_id["daily_sweep"].func_ref == "provider_monitor.scheduler:daily_sweep"
    sweep = jobs_by_id["daily_sweep"]
    # Applied to each job when the scheduler starts: coalesce, one at a time, an hour's grace (not 1 second).
    assert built._job_defaults == {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
    assert isinstance(sweep.trigger, CronTrigger) and str(sweep.trigger.timezone) == "Europe/London"
    assert str(built.timezone) == "Europe/London"

    monkeypatch.setitem(app.config, "MAIL_ENABLED", True)
    db.session.execute(sa.delete(JobRun))
    db.session.commit()
    with_mail = {job.id for job in scheduler.prepare(app).get_jobs()}
    assert with_mail == {"daily_sweep", "cqc_sync", "send_outbox", "daily_sweep_catch_up"}


def test_scheduler_run_command_enables_and_starts_one_scheduler(app, app_ctx, monkeypatch):
    started = []
    monkeypatch.setattr(scheduler, "_app", None)
    monkeypatch.setattr(scheduler.signal, "signal", lambda *args: None)
    monkeypatch.setattr(scheduler.BlockingScheduler, "start", lambda self: started.append(self.get_jobs()))
    monkeypatch.setitem(app.config, "SCHEDULER_ENABLED", False)

    result = app.test_cli_runner().invoke(args=["scheduler", "run"])

    assert result.exit_code == 0, result.output
    assert app.config["SCHEDULER_ENABLED"] is True
    [job_list] = started
    assert "daily_sweep_catch_up" in {job.id for job in job_list}  # nothing has ever swept


def test_creating_the_app_starts_no_scheduler_thread():
    before = set(threading.enumerate())
    create_app(TestingConfig)
    assert set(threading.enumerate()) == before
