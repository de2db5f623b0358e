"""Benchmark: the market and caseload dashboards against the raw SQL aggregates behind them (`make bench`).

    .venv/bin/python -m benchmarks.dashboards [--quick] [--repeats 10] [--warmups 1] [--show-queries]

Builds 3,000 services (1/10 of England) with visits, actions, escalations, concerns and CQC rating history
(the flag sweep's builders), runs the flag sweep so there are flags to count, signs in a manager and a QMM
officer with a typical caseload, counts the SQL statements each dashboard sends, checks the raw SQL gives the
same figures, and times each page, its service alone and its raw SQL round by round; then grows to 30,000
services and does the same. Prints a Markdown report on stdout (progress on stderr). No figure is asserted on.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field

from flask.testing import FlaskClient

from benchmarks import dashboard_sql
from benchmarks.dashboard_sql import caseload_rows, market_rows, same_figures
from benchmarks.data import Scale
from benchmarks.environment import bench_environment, signed_in_client
from benchmarks.measure import (
    BenchmarkError,
    QueryLog,
    Stopwatch,
    Timing,
    log_requests,
    machine_load,
    ms,
    page_timing_arguments,
    parse_timing_arguments,
    progress,
    ratio,
    report_n_plus_one,
    short,
    statement_costs,
)
from benchmarks.runs import FULL, QUICK, GrowingRun
from benchmarks.sweep import clear_flags, grow, sweep_once
from benchmarks.visits import typical_officer
from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.models import User
from provider_monitor.services import visit_policy
from provider_monitor.services.dashboard_caseload import caseload_dashboard
from provider_monitor.services.dashboard_market import market


@dataclass(frozen=True)
class PageSpec:
    key: str  # "market" or "caseload"
    label: str
    url: str
    who: str  # whose client asks: "manager" or "officer"


PAGES = (
    PageSpec("market", "market dashboard", "/dashboards/market", "manager"),
    PageSpec("caseload", "caseload dashboard: the officer's own", "/dashboards/caseload", "officer"),
)


@dataclass
class Figures:
    """One size's measurements, per page key."""

    services: int
    pages: dict[str, Timing]
    services_only: dict[str, Timing]
    raw: dict[str, Timing]
    raw_logs: dict[str, QueryLog]
    same: dict[str, dict[str, bool]]  # page → dashboard table → raw SQL gave the same rows
    caseload: int
    flags_seconds: float


@dataclass
class Run(GrowingRun):
    pages: tuple[PageSpec, ...] = PAGES
    clients: dict[str, FlaskClient] = field(default_factory=dict)
    officer_id: int = 0
    logs: dict[int, dict[str, QueryLog]] = field(default_factory=dict)
    figures: list[Figures] = field(default_factory=list)


# --- measuring --------------------------------------------------------------------------------------


def sign_in(run: Run) -> None:
    with run.env.app.app_context():
        run.officer_id = typical_officer(run.builders["register"].staff(Role.OFFICER))
        manager_id = run.builders["register"].staff(Role.MANAGER)[0]
    run.clients = {
        "officer": signed_in_client(run.env.app, run.officer_id),
        "manager": signed_in_client(run.env.app, manager_id),
    }


def _statements(run: Run) -> dict[str, dict[str, str]]:
    return {
        "market": dashboard_sql.market_statements(run.env.dialect),
        "caseload": dashboard_sql.caseload_statements(run.env.dialect),
    }


def _service(run: Run, key: str):
    """The page's service alone (no request, no template), in its own app context as a request has."""
    with run.env.app.app_context():
        if key == "market":
            return market(db.session, run.today).tables
        officer = db.session.get(User, run.officer_id)
        return caseload_dashboard(db.session, officer, run.today).tables


def _get(run: Run, page: PageSpec) -> None:
    response = run.clients[page.who].get(page.url)
    if response.status_code != 200:
        raise BenchmarkError(f"GET {page.url} answered {response.status_code}, not 200")


def measure(run: Run, size: Scale, flags_seconds: float) -> None:
    services = size.services
    progress(f"  counting statements and checking figures at {services:,} services")
    with run.env.app.app_context():
        policy = visit_policy.load_policy(db.session)
    params = dashboard_sql.parameters(policy, run.today, run.officer_id)
    statements = _statements(run)
    run.logs[services] = {}
    same = {}
    for page in run.pages:
        (log,) = log_requests(run.env.engine, run.clients[page.who], page.url, times=1, warmups=1)
        run.logs[services][page.key] = log
        raw = dashboard_sql.run(run.env.engine, statements[page.key], params)
        shaped = market_rows(raw, run.today) if page.key == "market" else caseload_rows(raw)
        same[page.key] = same_figures(_service(run, page.key), shaped)
    progress(f"  timing at {services:,} services")
    run.load.append(f"{machine_load()} before timing at {services:,} services")
    for page in run.pages:
        for _ in range(run.options.warmups):
            _get(run, page)
            _service(run, page.key)
            dashboard_sql.run(run.env.engine, statements[page.key], params)
    samples = {kind: {p.key: [] for p in run.pages} for kind in ("page", "service", "raw")}
    raw_logs = {}
    for _ in range(run.options.repeats):
        for page in run.pages:
            with Stopwatch() as watch:
                _get(run, page)
            samples["page"][page.key].append(watch.seconds * 1000)
            with Stopwatch() as watch:
                _service(run, page.key)
            samples["service"][page.key].append(watch.seconds * 1000)
            with QueryLog(run.env.engine) as raw_log, Stopwatch() as watch:
                dashboard_sql.run(run.env.engine, statements[page.key], params)
            samples["raw"][page.key].append(watch.seconds * 1000)
            raw_logs[page.key] = raw_log
    timings = {kind: {key: Timing(tuple(v)) for key, v in values.items()} for kind, values in samples.items()}
    caseload = len(dashboard_sql.run(run.env.engine, {"mine": CASELOAD}, params)["mine"])
    run.figures.append(
        Figures(services, timings["page"], timings["service"], timings["raw"], raw_logs, same, caseload, flags_seconds)
    )


CASELOAD = f"SELECT s.id FROM service s WHERE s.status = 'active' {dashboard_sql.MINE}"


# --- reporting --------------------------------------------------------------------------------------


def report(run: Run) -> None:
    r = run.report
    small, large = run.sizes.small.services, run.sizes.large.services
    r.heading(f"Dashboards benchmark: {small:,} and {large:,} services", 2)
    steps = [
        f"{'Built' if i == 0 else 'Grew to'} {size.services:,} services in **{seconds:,.1f} s**, then the flag "
        f"sweep in {f.flags_seconds:,.1f} s (so there are flags to count)"
        for i, ((size, seconds, _), f) in enumerate(zip(run.builds, run.figures, strict=True))
    ]
    r.bullets(
        [
            f"Database: **{run.env.describe_database()}**; rows by SQLAlchemy bulk inserts (the flag sweep "
            f"benchmark's builders: register, monitoring, casework, rating history); as of {run.today}",
            *steps,
            "Rows at full size: " + ", ".join(f"{name} {n:,}" for name, n in run.rows.items() if n),
            run.env.describe_software(),
            "Signed in as a manager (market) and a QMM officer with the median caseload (caseload dashboard: "
            + ", ".join(f"{f.caseload:,} active services at {f.services:,}" for f in run.figures)
            + ")",
            f"Timing: median of {run.options.repeats} rounds after {run.options.warmups} warm-up(s); each round "
            "takes, per dashboard, the page (Flask test client, in-process: the service, the template, the "
            "session check), the dashboard's service function alone (its own app context, no template), and the "
            "raw SQL (`benchmarks/dashboard_sql.py`: the same figures as plain aggregates, every row fetched, on "
            "one connection). Machine: " + "; ".join(run.load),
        ]
    )
    rows = []
    for f in run.figures:
        for page in run.pages:
            log = run.logs[f.services][page.key]
            page_ms, raw_ms = f.pages[page.key].median, f.raw[page.key].median
            same = f.same[page.key]
            rows.append(
                [f"{f.services:,}", page.label, ms(page_ms), ms(f.services_only[page.key].median), ms(raw_ms),
                 ratio(page_ms, raw_ms), ms(log.sql_seconds * 1000), log.count, f.raw_logs[page.key].count,
                 "yes" if all(same.values()) else "**NO**: " + ", ".join(t for t, ok in same.items() if not ok)]
            )  # fmt: skip
    r.table(
        ["services", "page", "page ms", "service ms", "raw SQL ms", "× raw SQL", "page's SQL ms", "statements",
         "raw statements", "same figures"],
        rows,
        "llrrrrrrrl",
    )  # fmt: skip
    r.paragraph(
        "page ms: the whole request; service ms: `market()` / `caseload_dashboard()` alone; page's SQL ms: time "
        "inside the page's statements (one logged request, the driver's execute only: on SQLite that runs a "
        "statement up to its first row, so row-by-row fetching is left out). Same figures: every table of the "
        "dashboard, row for row, against the raw SQL's results shaped into the same rows "
        "(`benchmarks/dashboard_sql.py`)."
    )
    report_scaling(run)
    report_n_plus_one(run, "data")
    report_costs(run)


def report_scaling(run: Run) -> None:
    small, large = run.figures[0], run.figures[-1]
    factor = large.services / small.services

    def scaled(a: float, b: float) -> str:
        return f"{b / a:,.1f}× ({b / a / factor:,.2f} of linear)" if a > 0 else "–"

    items = []
    for page in run.pages:
        key = page.key
        items.append(
            f"{page.label}: page {scaled(small.pages[key].median, large.pages[key].median)}; "
            f"raw SQL {scaled(small.raw[key].median, large.raw[key].median)}"
        )
    run.report.paragraph(
        f"**Scaling from {small.services:,} to {large.services:,} services** ({factor:g}× the data; the caseload "
        "grows with it, as officers are added in proportion):"
    )
    run.report.bullets(items)


def report_costs(run: Run) -> None:
    large = run.figures[-1]
    for page in run.pages:
        log = run.logs[large.services][page.key]
        costs = statement_costs([log])[:6]
        run.report.paragraph(
            f"Costliest statements of the **{page.label}** at {large.services:,} services (of {log.count}; SQL "
            f"{log.sql_seconds * 1000:,.0f} ms of a {large.pages[page.key].median:,.0f} ms page, the rest Python "
            "and the template):"
        )
        run.report.table(
            ["ms", "times", "statement"],
            [[ms(c.ms), f"{c.per_request:g}", f"`{short(c.sql, 140)}`"] for c in costs],
            "rrl",
        )
        raw_log = large.raw_logs[page.key]
        names = list(_statements(run)[page.key])
        run.report.paragraph(f"Its raw SQL at {large.services:,} services, statement by statement (last round):")
        run.report.table(
            ["ms", "aggregate"],
            [[ms(s.seconds * 1000), name] for name, s in zip(names, raw_log.statements, strict=False)],
            "rl",
        )


# --- running ----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = page_timing_arguments("python -m benchmarks.dashboards", __doc__.split("\n\n")[0], repeats=10, warmups=1)
    return parse_timing_arguments(parser, argv)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    started = time.perf_counter()
    with bench_environment() as env:
        run = Run(env=env, sizes=QUICK if options.quick else FULL, options=options)
        for size in (run.sizes.small, run.sizes.large):
            # Before growing: the builders give audit rows explicit ids, which the flags' audit rows would hold.
            clear_flags(run)
            grow(run, size)
            progress("  flag sweep")
            swept = sweep_once(run, memory=False)
            if not run.officer_id:
                sign_in(run)
            measure(run, size, swept.seconds + swept.commit_seconds)
        report(run)
    run.report.paragraph(f"Total run time: {time.perf_counter() - started:,.1f} s.")
    print(run.report.render(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
