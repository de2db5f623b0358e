"""Two scheduler processes started at once on PostgreSQL: exactly one does the work, the other is skipped."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from provider_monitor.enums import JobStatus
from provider_monitor.extensions import db
from provider_monitor.models import JobRun, OutboxMessage

ROOT = Path(__file__).resolve().parents[2]

# One runner: its own app and engine (as the scheduler process has), all starting together when `go` appears.
# The work waits until the other runner has recorded its skip, so the two really overlap.
RUNNER = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path

    import sqlalchemy as sa
    from config import TestingConfig
    from provider_monitor import create_app
    from provider_monitor.enums import JobStatus
    from provider_monitor.extensions import db
    from provider_monitor.models import JobRun, OutboxMessage
    from provider_monitor.services import jobs

    app = create_app(TestingConfig)
    go = Path(sys.argv[1])
    while not go.exists():
        time.sleep(0.01)

    def work(session):
        session.add(OutboxMessage(key=f"worked-by-{os.getpid()}", to_address="a@example.gov.uk", subject="s", body="b"))
        session.flush()
        deadline = time.monotonic() + 30
        skipped = sa.select(sa.func.count()).select_from(JobRun).where(JobRun.status == JobStatus.SKIPPED)
        while time.monotonic() < deadline:
            with db.engine.connect() as connection:
                if connection.execute(skipped).scalar():
                    break
            time.sleep(0.05)
        return jobs.Outcome(raised=1)

    result = jobs.run_job(app, "daily_sweep", "2026-11-23", work)
    print(json.dumps({"status": result.status.value, "reason": result.reason}))
    """
)


def test_two_schedulers_at_once_run_the_sweep_once(app, app_ctx, tmp_path):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("advisory locks need PostgreSQL (set TEST_DATABASE_URL); SQLite relies on one process")
    script = tmp_path / "runner.py"
    script.write_text(RUNNER)
    go = tmp_path / "go"
    env = os.environ | {
        "TEST_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
    }
    runners = [
        subprocess.Popen([sys.executable, str(script), str(go)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    go.touch()
    outputs = [runner.communicate(timeout=120) for runner in runners]

    assert all(runner.returncode == 0 for runner in runners), outputs
    results = sorted((json.loads(out.strip().splitlines()[-1]) for out, _ in outputs), key=lambda r: r["status"])
    assert results == [
        {"status": "skipped", "reason": "skipped: another runner"},
        {"status": "succeeded", "reason": None},
    ]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1
    runs = db.session.execute(sa.select(JobRun.run_key, JobRun.status).order_by(JobRun.status)).all()
    assert [status for _, status in runs] == [JobStatus.SKIPPED, JobStatus.SUCCEEDED]
    assert {s: k for k, s in runs}[JobStatus.SUCCEEDED] == "2026-11-23"
