"""Admins see the scheduler's jobs and recent runs, with a warning when sweeps have stopped; so does the CLI."""

from datetime import UTC, datetime, timedelta

import pytest

from provider_monitor.enums import JobStatus, Role
from provider_monitor.extensions import db
from provider_monitor.models import JobRun
from tests.helpers import page, table_rows, text


def _run(name: str, key: str, ago: timedelta, status=JobStatus.SUCCEEDED, **fields) -> None:
    started = datetime.now(UTC) - ago
    db.session.add(
        JobRun(job_name=name, run_key=key, started_at=started, finished_at=started + timedelta(seconds=4),
               status=status, **fields)
    )  # fmt: skip
    db.session.commit()


@pytest.mark.parametrize("role", [Role.MANAGER, Role.OFFICER, Role.PROVIDER])
def test_only_admins_reach_the_scheduler_page(client, login_as, role):
    login_as(role)
    assert client.get("/admin/scheduler").status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get("/admin/scheduler")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_page_shows_each_job_and_recent_runs(client, login_as):
    _run("daily_sweep", "2026-11-22", timedelta(hours=30), raised=9, resolved=2)
    _run("daily_sweep", "2026-11-23", timedelta(hours=2), raised=5, resolved=1, detail="Raised 5, resolved 1")
    _run("cqc_sync", "2026-11-23", timedelta(hours=6), JobStatus.FAILED, error="CQCError: 503 from the API")
    login_as(Role.ADMIN)

    soup = page(client.get("/admin/scheduler"))

    assert soup.select_one("[data-testid=stale-warning]") is None
    jobs = {row[0]: row for row in table_rows(soup, "[data-testid=jobs]")}
    assert set(jobs) == {"Daily sweep", "CQC sync", "E-mail outbox"}
    sweep = jobs["Daily sweep"]
    assert sweep[1] == "Every day at 06:00"
    assert "Succeeded" in sweep[3] and sweep[5] == "4.0 seconds" and sweep[6:] == ["5", "1"]
    assert "Off: E-mail is off" in jobs["E-mail outbox"][1] and jobs["E-mail outbox"][2] == "None"
    assert "Failed" in jobs["CQC sync"][3] and jobs["CQC sync"][4] == "Never"

    runs = table_rows(soup, "[data-testid=job-runs]")
    assert [(r[1], r[2], r[3]) for r in runs] == [
        ("Daily sweep", "2026-11-23", "Succeeded"),
        ("CQC sync", "2026-11-23", "Failed"),
        ("Daily sweep", "2026-11-22", "Succeeded"),
    ]
    assert runs[1][7] == "Error: CQCError: 503 from the API"


def test_the_page_warns_when_no_sweep_succeeded_in_26_hours(client, login_as):
    _run("daily_sweep", "2026-11-22", timedelta(hours=27))
    _run("daily_sweep", "2026-11-23", timedelta(hours=3), JobStatus.FAILED, error="ValueError: boom")
    login_as(Role.ADMIN)

    soup = page(client.get("/admin/scheduler"))

    warning = soup.select_one("[data-testid=stale-warning]")
    assert "No successful sweep in the last 26 hours" in text(warning)


def test_the_page_shows_only_the_last_20_runs(client, login_as):
    for minute in range(25):
        _run("send_outbox", f"key-{minute:02d}", timedelta(minutes=minute))
    login_as(Role.ADMIN)

    runs = table_rows(page(client.get("/admin/scheduler")), "[data-testid=job-runs]")

    assert [r[2] for r in runs] == [f"key-{m:02d}" for m in range(20)]


def test_status_command_lists_the_jobs_and_warns_when_sweeps_stopped(app, app_ctx):
    _run("daily_sweep", "2026-11-21", timedelta(hours=50), raised=4, resolved=3)

    result = app.test_cli_runner().invoke(args=["scheduler", "status"])

    assert result.exit_code == 1
    assert "daily_sweep: Daily sweep" in result.output
    assert "cqc_sync: CQC sync" in result.output
    assert "Last run:      never" in result.output  # the CQC sync
    assert "raised 4, resolved 3" in result.output
    assert "Next run:" in result.output and "Schedule:      Every day at 06:00" in result.output
    assert result.output.strip().endswith("WARNING: no successful sweep in the last 26 hours")


def test_status_command_is_quiet_when_the_sweep_ran(app, app_ctx):
    _run("daily_sweep", "2026-11-23", timedelta(hours=1), raised=0, resolved=0)

    result = app.test_cli_runner().invoke(args=["scheduler", "status"])

    assert result.exit_code == 0, result.output
    assert "WARNING" not in result.output
    assert "succeeded · key 2026-11-23 · 4.0 seconds" in result.output
