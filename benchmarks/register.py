"""Benchmark: the register of services at England scale (`make bench`).

    .venv/bin/python -m benchmarks.register [--quick] [--repeats 30] [--warmups 3] [--explain] [--show-queries]

Builds a small register (1/100 of England: 300 services), counts the SQL statements each page
sends, grows it to England's size (30,000 services, 12,000 providers, 300 districts), counts
again, then times each page with the Flask test client against a trivial route. Prints a
Markdown report on stdout (progress goes to stderr). No figure here is asserted on.

Each step is a function taking the `Run`; `SECTIONS` runs them in order. A later benchmark can
add a section (a function) or import the pieces from benchmarks.environment, .data and .measure.
"""

from __future__ import annotations

import argparse
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask.testing import FlaskClient

from benchmarks.data import ENGLAND, RegisterBuilder, Scale, table_counts
from benchmarks.environment import BenchEnvironment, run_sections, signed_in_client
from benchmarks.measure import (
    QueryLog,
    Report,
    StatementCost,
    Stopwatch,
    Timing,
    count_statements,
    explain,
    get_ok,
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
    thousands,
    time_interleaved,
)
from benchmarks.runs import Sizes
from provider_monitor.enums import RegistrationStatus, Role
from provider_monitor.extensions import db
from provider_monitor.models import AuditEvent, Service

FULL = Sizes(small=ENGLAND.scaled(1 / 100), large=ENGLAND)
QUICK = Sizes(small=ENGLAND.scaled(1 / 500), large=ENGLAND.scaled(1 / 20))


@dataclass(frozen=True)
class PageSpec:
    key: str
    label: str
    url: str


@dataclass
class Run:
    """What the sections share: the environment, the options and everything measured so far."""

    env: BenchEnvironment
    sizes: Sizes
    options: argparse.Namespace
    report: Report = field(default_factory=Report)
    builder: RegisterBuilder | None = None
    client: FlaskClient | None = None
    pages: list[PageSpec] = field(default_factory=list)
    builds: list[tuple[str, Scale, float, dict[str, int]]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # table → rows, at the large size
    logs: dict[int, dict[str, QueryLog]] = field(default_factory=dict)  # services → page → statements
    matched: dict[int, dict[str, int | None]] = field(default_factory=dict)  # services → page → rows matched
    timings: dict[str, Timing] = field(default_factory=dict)
    costs: dict[str, list[StatementCost]] = field(default_factory=dict)
    sql_ms: dict[str, float] = field(default_factory=dict)
    load_before: str = ""
    load_after: str = ""

    @property
    def baseline(self) -> PageSpec:
        return self.pages[0]


# --- measuring sections ---------------------------------------------------------------------------


def build_small(run: Run) -> None:
    """Build the small register, sign an officer in and fix the URLs measured at both sizes."""
    with run.env.app.app_context():
        run.builder = RegisterBuilder(db.session)
        _grow(run, run.sizes.small, "build")
        officer_id = run.builder.staff(Role.OFFICER)[0]
        run.pages = choose_pages()
    run.client = signed_in_client(run.env.app, officer_id)


def count_small(run: Run) -> None:
    _count_queries(run, run.sizes.small.services)


def grow_large(run: Run) -> None:
    with run.env.app.app_context():
        run.builder.session = db.session
        _grow(run, run.sizes.large, "grow")
        run.rows = table_counts(db.session)


def count_large(run: Run) -> None:
    _count_queries(run, run.sizes.large.services)


def time_pages(run: Run) -> None:
    """Server time of each page at the large size, round-robin with the trivial route."""
    run.load_before = machine_load()
    timings = time_interleaved(
        run.client, [page.url for page in run.pages], warmups=run.options.warmups, repeats=run.options.repeats
    )
    run.timings = {page.key: timings[page.url] for page in run.pages}
    run.load_after = machine_load()


def sql_costs(run: Run) -> None:
    """Which statements each page's time goes on (5 logged requests at the large size)."""
    for page in run.pages:
        logs = log_requests(run.env.engine, run.client, page.url, times=5)
        run.costs[page.key] = statement_costs(logs)
        run.sql_ms[page.key] = statistics.median(log.sql_seconds * 1000 for log in logs)


# --- report sections ------------------------------------------------------------------------------


def report_environment(run: Run) -> None:
    large = run.sizes.large
    run.report.heading(f"Register benchmark: {large.services:,} services, {large.providers:,} providers", 2)
    steps = [
        f"{'Built' if step == 'build' else 'Grew to'} {size.services:,} services / {size.providers:,} providers / "
        f"{size.districts:,} district{'' if size.districts == 1 else 's'} in **{seconds:,.1f} s** "
        f"({sum(added.values()):,} rows)"
        for step, size, seconds, added in run.builds
    ]
    run.report.bullets(
        [
            f"Database: **{run.env.describe_database()}**; schema from `db.create_all()`, "
            "rows by SQLAlchemy bulk inserts" + ("; ANALYZE after loading" if run.env.dialect == "postgresql" else ""),
            *steps,
            "Rows at full size: " + ", ".join(f"{name} {n:,}" for name, n in run.rows.items() if n),
            f"{run.env.describe_software()}",
            f"Timing: median of {run.options.repeats} requests per page after {run.options.warmups} warm-ups, "
            "pages taken in turn (round-robin), perf_counter around the Flask test client's `get` "
            "(in-process: no network, no WSGI server); signed in as a QMM officer with a server-side session; "
            f"each request in a fresh app context. Machine: {run.load_before} before timing and "
            f"{run.load_after.rsplit(' ', 1)[-1]} after",
        ]
    )


def report_pages(run: Run) -> None:
    small, large = run.sizes.small.services, run.sizes.large.services
    base = run.timings[run.baseline.key].median
    rows = []
    for page in run.pages:
        n_small, n_large = run.logs[small][page.key].count, run.logs[large][page.key].count
        timing = run.timings[page.key]
        rows.append(
            [
                page.label,
                ms(timing.median),
                ratio(timing.median, base),
                n_small,
                n_large,
                "yes" if n_small == n_large else "**NO**",
            ]
        )
    run.report.table(
        ["page", "median ms", "× trivial", f"queries @{small:,}", f"queries @{large:,}", "same"], rows, "lrrrrl"
    )
    run.report.paragraph("What each row requested, and how many services it matched:")
    run.report.table(
        ["page", "URL", f"matches @{small:,}", f"matches @{large:,}", "p90 ms"],
        [
            [
                page.label,
                f"`{page.url}`",
                thousands(run.matched[small].get(page.key)),
                thousands(run.matched[large].get(page.key)),
                ms(run.timings[page.key].p90),
            ]
            for page in run.pages
        ],
        "llrrr",
    )


def report_sql(run: Run) -> None:
    run.report.paragraph(f"Where the time goes at {run.sizes.large.services:,} services (mean of 5 logged requests):")
    rows = []
    for page in run.pages:
        costs = run.costs[page.key]
        top = costs[0]
        rows.append(
            [
                page.label,
                ms(run.sql_ms[page.key]),
                f"{run.sql_ms[page.key] / run.timings[page.key].median:.0%}",
                ms(top.ms),
                f"`{short(top.sql, 90)}`",
            ]
        )
    run.report.table(["page", "SQL ms", "of median", "costliest ms", "costliest statement"], rows, "lrrrl")
    if run.options.explain:
        for page in run.pages:
            top = run.costs[page.key][0]
            run.report.paragraph(f"Plan of the costliest statement of **{page.label}** ({ms(top.ms)} ms):")
            run.report.code(explain(run.env.engine, top.example))


def report_query_changes(run: Run) -> None:
    report_n_plus_one(run, "register")


SECTIONS: tuple[Callable[[Run], None], ...] = (
    build_small,
    count_small,
    grow_large,
    count_large,
    time_pages,
    sql_costs,
    report_environment,
    report_pages,
    report_sql,
    report_query_changes,
)


# --- helpers --------------------------------------------------------------------------------------


def _grow(run: Run, size: Scale, step: str) -> None:
    progress(f"  {step}: {size.services:,} services, {size.providers:,} providers, {size.districts:,} districts")
    with Stopwatch() as watch:
        added = run.builder.grow_to(size)
    run.builds.append((step, size, watch.seconds, added))
    progress(f"  {step}: {watch.seconds:.1f} s")


def choose_pages() -> list[PageSpec]:
    """The URLs to measure, fixed on the small register so the same pages are measured at both sizes.

    The district is the one with most registered services; the service is the one with the most
    history among those with a link officer, contract manager, ward and district (the fullest page).
    """
    district = db.session.scalar(
        sa.select(Service.district_code)
        .where(Service.registration_status == RegistrationStatus.REGISTERED, Service.district_code.is_not(None))
        .group_by(Service.district_code)
        .order_by(sa.func.count().desc(), Service.district_code)
        .limit(1)
    )
    service_id = db.session.scalar(
        sa.select(Service.id)
        .join(AuditEvent, sa.and_(AuditEvent.entity_type == "service", AuditEvent.entity_id == Service.id))
        .where(
            Service.link_officer_id.is_not(None),
            Service.contract_manager_id.is_not(None),
            Service.ward_code.is_not(None),
            Service.district_code.is_not(None),
        )
        .group_by(Service.id)
        .order_by(sa.func.count().desc(), Service.id)
        .limit(1)
    )
    return [
        PageSpec("trivial", "trivial: /healthz (SELECT 1)", "/healthz"),
        PageSpec("register", "register, unfiltered, page 1", "/services"),
        PageSpec(
            "register_search",
            "register: search + type, by provider Z–A, p3",
            "/services?q=care&service_type=care_home&sort=provider&direction=desc&page=3",
        ),
        PageSpec(
            "register_district",
            "register: district + status, by town, p2",
            f"/services?district={district}&registration_status=registered&sort=town&page=2",
        ),
        PageSpec("service", "service page", f"/services/{service_id}"),
        PageSpec("api_list", "API list: by name, 50 a page, p10", "/api/v1/services?per_page=50&sort=name&page=10"),
    ]


RESULT_COUNT = re.compile(r'data-testid="result-count"[^>]*>\s*(?:No services match|([\d,]+) services?)')


def rows_matched(response) -> int | None:
    """How many services a page matched: the API's meta.total, the register's result count, or None."""
    if response.is_json:
        meta = (response.get_json() or {}).get("meta") if isinstance(response.get_json(), dict) else None
        return meta.get("total") if meta else None
    found = RESULT_COUNT.search(response.get_data(as_text=True))
    if not found:
        return None
    return int(found.group(1).replace(",", "")) if found.group(1) else 0


def _count_queries(run: Run, services: int) -> None:
    count_statements(
        run, services, lambda page: run.client, lambda page, client: rows_matched(get_ok(client, page.url))
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = page_timing_arguments("python -m benchmarks.register", __doc__.split("\n\n")[0], repeats=30, warmups=3)
    parser.add_argument("--explain", action="store_true", help="print the plan of each page's costliest statement")
    return parse_timing_arguments(parser, argv)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    sizes = QUICK if options.quick else FULL
    return run_sections(lambda env: Run(env=env, sizes=sizes, options=options), SECTIONS)


if __name__ == "__main__":
    raise SystemExit(main())
