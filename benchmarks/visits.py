"""Benchmark: the caseload and action plans pages, and the visits/actions API, at England scale (`make bench`).

    .venv/bin/python -m benchmarks.visits [--quick] [--repeats 20] [--warmups 2] [--show-queries]

Builds 3,000 services (1/10 of England) with their visits, actions and current CQC ratings, counts
the SQL statements each page sends, grows to 30,000 services with 300,000 visits and 100,000
actions, counts again, then times each page against raw SQL that selects the same rows, taken in
turn in the same run. A QMM officer with a typical caseload and a manager (who sees every service)
are signed in. Prints a Markdown report on stdout (progress on stderr). No figure is asserted on.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask.testing import FlaskClient

from benchmarks.data import ENGLAND, RegisterBuilder, Scale, table_counts
from benchmarks.environment import BenchEnvironment, run_sections, signed_in_client
from benchmarks.measure import (
    BenchmarkError,
    QueryLog,
    Report,
    Stopwatch,
    Timing,
    count_statements,
    machine_load,
    ms,
    page_timing_arguments,
    parse_timing_arguments,
    progress,
    ratio,
    report_n_plus_one,
    thousands,
)
from benchmarks.monitoring_data import MonitoringBuilder
from benchmarks.runs import Sizes
from benchmarks.visit_sql import RawQuery, raw_queries
from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.models import Service

FULL = Sizes(small=ENGLAND.scaled(1 / 10), large=ENGLAND)
QUICK = Sizes(small=ENGLAND.scaled(1 / 500), large=ENGLAND.scaled(1 / 20))


@dataclass(frozen=True)
class PageSpec:
    key: str
    label: str
    url: str
    who: str  # "officer" or "manager": whose client asks
    raw: RawQuery | None = None


@dataclass
class Run:
    env: BenchEnvironment
    sizes: Sizes
    options: argparse.Namespace
    report: Report = field(default_factory=Report)
    register: RegisterBuilder | None = None
    monitoring: MonitoringBuilder | None = None
    clients: dict[str, FlaskClient] = field(default_factory=dict)
    officer_id: int = 0
    pages: list[PageSpec] = field(default_factory=list)
    builds: list[tuple[Scale, float, dict[str, int]]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    caseload: dict[int, int] = field(default_factory=dict)  # services → the officer's caseload
    logs: dict[int, dict[str, QueryLog]] = field(default_factory=dict)
    matched: dict[int, dict[str, int]] = field(default_factory=dict)  # services → page → rows the raw SQL selects
    timings: dict[str, Timing] = field(default_factory=dict)
    raw_timings: dict[str, Timing] = field(default_factory=dict)
    load: tuple[str, str] = ("", "")


# --- sections ---------------------------------------------------------------------------------------


def build_small(run: Run) -> None:
    with run.env.app.app_context():
        run.register = RegisterBuilder(db.session)
        run.monitoring = MonitoringBuilder(db.session)
        _grow(run, run.sizes.small)
        run.officer_id = typical_officer(run.register.staff(Role.OFFICER))
        manager_id = run.register.staff(Role.MANAGER)[0]
    run.clients = {
        "officer": signed_in_client(run.env.app, run.officer_id),
        "manager": signed_in_client(run.env.app, manager_id),
    }
    run.pages = choose_pages(run.officer_id)


def count_small(run: Run) -> None:
    _count(run, run.sizes.small.services)


def grow_large(run: Run) -> None:
    with run.env.app.app_context():
        run.register.session = run.monitoring.session = db.session
        _grow(run, run.sizes.large)
        run.rows = table_counts(db.session)


def count_large(run: Run) -> None:
    _count(run, run.sizes.large.services)


def time_pages(run: Run) -> None:
    """Each page and its raw SQL in turn, round by round, so background load falls on both alike."""
    run.load = (machine_load(), "")
    today = date.today()
    for page in run.pages:
        for _ in range(run.options.warmups):
            _get(run, page)
            if page.raw:
                page.raw.run(run.env.engine, {"uid": run.officer_id, "today": today})
    pages: dict[str, list[float]] = {p.key: [] for p in run.pages}
    raws: dict[str, list[float]] = {p.key: [] for p in run.pages if p.raw}
    for _ in range(run.options.repeats):
        for page in run.pages:
            with Stopwatch() as watch:
                _get(run, page)
            pages[page.key].append(watch.seconds * 1000)
            if page.raw:
                with Stopwatch() as watch:
                    page.raw.run(run.env.engine, {"uid": run.officer_id, "today": today})
                raws[page.key].append(watch.seconds * 1000)
    run.timings = {key: Timing(tuple(values)) for key, values in pages.items()}
    run.raw_timings = {key: Timing(tuple(values)) for key, values in raws.items()}
    run.load = (run.load[0], machine_load())


def report_environment(run: Run) -> None:
    large = run.sizes.large
    run.report.heading(f"Visits and actions benchmark: {large.services:,} services", 2)
    steps = [
        f"{'Built' if i == 0 else 'Grew to'} {size.services:,} services in **{seconds:,.1f} s** "
        f"({added.get('visit', 0):,} visits, {added.get('action', 0):,} actions, {sum(added.values()):,} rows in all)"
        for i, (size, seconds, added) in enumerate(run.builds)
    ]
    small, large_n = run.sizes.small.services, large.services
    run.report.bullets(
        [
            f"Database: **{run.env.describe_database()}**; rows by SQLAlchemy bulk inserts"
            + ("; ANALYZE after loading" if run.env.dialect == "postgresql" else ""),
            *steps,
            "Rows at full size: " + ", ".join(f"{name} {n:,}" for name, n in run.rows.items() if n),
            run.env.describe_software(),
            f"Signed in as a QMM officer whose caseload is {run.caseload[small]:,} services at {small:,} "
            f"({run.caseload[large_n]:,} at {large_n:,}; the median officer's share), and as a manager",
            f"Timing: median of {run.options.repeats} requests per page after {run.options.warmups} warm-ups, "
            "each page followed by its raw SQL (the same rows, through the same engine, fetched in full), round by "
            "round; the Flask test client in-process. Machine: "
            f"{run.load[0]} before timing and {run.load[1].rsplit(' ', 1)[-1]} after",
        ]
    )


def report_pages(run: Run) -> None:
    small, large = run.sizes.small.services, run.sizes.large.services
    rows = []
    for page in run.pages:
        n_small, n_large = run.logs[small][page.key].count, run.logs[large][page.key].count
        timing, raw = run.timings[page.key], run.raw_timings.get(page.key)
        rows.append(
            [
                page.label,
                ms(timing.median),
                ms(raw.median) if raw else "–",
                ratio(timing.median, raw.median) if raw else "–",
                n_small,
                n_large,
                "yes" if n_small == n_large else "**NO**",
            ]
        )
    run.report.table(
        ["page", "median ms", "raw SQL ms", "× raw SQL", f"queries @{small:,}", f"queries @{large:,}", "same"],
        rows,
        "lrrrrrl",
    )
    run.report.paragraph("What each row requested, and how many rows its raw SQL selects:")
    run.report.table(
        ["page", "URL", "signed in as", f"rows @{small:,}", f"rows @{large:,}", "p90 ms"],
        [
            [
                page.label,
                f"`{page.url}`",
                page.who,
                thousands(run.matched[small].get(page.key)),
                thousands(run.matched[large].get(page.key)),
                ms(run.timings[page.key].p90),
            ]
            for page in run.pages
        ],
        "lllrrr",
    )


def report_query_changes(run: Run) -> None:
    report_n_plus_one(run, "data")


SECTIONS = (
    build_small,
    count_small,
    grow_large,
    count_large,
    time_pages,
    report_environment,
    report_pages,
    report_query_changes,
)


# --- helpers ----------------------------------------------------------------------------------------


def typical_officer(officer_ids: list[int]) -> int:
    """The officer whose caseload is the median size: a realistic share, not the busiest or the emptiest."""
    # Link officer only: officers are never contract managers, so that is their whole caseload.
    sizes = dict(
        db.session.execute(
            sa.select(Service.link_officer_id, sa.func.count())
            .where(Service.link_officer_id.in_(officer_ids))
            .group_by(Service.link_officer_id)
        ).all()
    )
    ranked = sorted(officer_ids, key=lambda uid: (sizes.get(uid, 0), uid))
    return ranked[len(ranked) // 2]


def choose_pages(officer_id: int) -> list[PageSpec]:
    raw = raw_queries()
    return [
        PageSpec("trivial", "trivial: /healthz (SELECT 1)", "/healthz", "officer"),
        PageSpec("caseload", "caseload: the officer's own", "/caseload", "officer", raw["caseload_mine"]),
        PageSpec("caseload_all", "caseload: all services", "/caseload?officer=all", "manager", raw["caseload_all"]),
        PageSpec("plans", "action plans: the officer's", "/action-plans", "officer", raw["plans_mine"]),
        PageSpec("plans_all", "action plans: all services", "/action-plans?whose=all", "manager", raw["plans_all"]),
        PageSpec("api_visits", "API: visits, 50 a page", "/api/v1/visits?per_page=50", "manager", raw["api_visits"]),
        PageSpec(
            "api_actions",
            "API: red actions, 50 a page",
            "/api/v1/actions?rag=red&per_page=50",
            "manager",
            raw["api_actions"],
        ),  # fmt: skip
    ]


def _get(run: Run, page: PageSpec):
    response = run.clients[page.who].get(page.url)
    if response.status_code != 200:
        raise BenchmarkError(f"GET {page.url} answered {response.status_code}, not 200")
    return response


def _grow(run: Run, size: Scale) -> None:
    progress(f"  growing to {size.services:,} services")
    with Stopwatch() as watch:
        added = run.register.grow_to(size)
        added |= run.monitoring.grow()
    run.builds.append((size, watch.seconds, added))
    if run.officer_id:
        run.caseload[size.services] = _caseload_size(run.officer_id)
    progress(f"  {watch.seconds:.1f} s")


def _caseload_size(officer_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(Service.link_officer_id == officer_id))


def _count(run: Run, services: int) -> None:
    if services not in run.caseload:
        with run.env.app.app_context():
            run.caseload[services] = _caseload_size(run.officer_id)
    params = {"uid": run.officer_id, "today": date.today()}
    count_statements(
        run,
        services,
        lambda page: run.clients[page.who],
        lambda page, client: page.raw.run(run.env.engine, params) if page.raw else None,
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = page_timing_arguments("python -m benchmarks.visits", __doc__.split("\n\n")[0], repeats=20, warmups=2)
    return parse_timing_arguments(parser, argv)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    sizes = QUICK if options.quick else FULL
    return run_sections(lambda env: Run(env=env, sizes=sizes, options=options), SECTIONS)


if __name__ == "__main__":
    raise SystemExit(main())
