"""Benchmark: the escalations board, concerns, an escalation, a suspended service and the casework API (`make bench`).

    .venv/bin/python -m benchmarks.escalations [--quick] [--repeats 20] [--warmups 2] [--show-queries]

Builds 3,000 services (1/10 of England) with their visits, actions, ratings, concerns and escalations,
counts the SQL statements each page sends, grows to 30,000 services (about 1,500 open escalations,
some 10,000 concerns), counts again, then times each page, round by round, with a manager (who sees
every service) signed in. Prints a Markdown report on stdout (progress on stderr). No figure is asserted on.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask.testing import FlaskClient

from benchmarks.casework_data import SUSPENSION_LEVEL, CaseworkBuilder
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
    report_n_plus_one,
    thousands,
)
from benchmarks.monitoring_data import MonitoringBuilder
from benchmarks.runs import Sizes
from provider_monitor.enums import ConcernStatus, Role, SuspensionStatus
from provider_monitor.extensions import db
from provider_monitor.models import Service
from provider_monitor.models.concern import Concern
from provider_monitor.models.escalation import Escalation, EscalationDecision, EscalationMeeting, EscalationTimer

FULL = Sizes(small=ENGLAND.scaled(1 / 10), large=ENGLAND)
QUICK = Sizes(small=ENGLAND.scaled(1 / 500), large=ENGLAND.scaled(1 / 20))
API_PAGE = 100


@dataclass(frozen=True)
class PageSpec:
    key: str
    label: str
    url: str
    # How many records the page has to consider (counted in SQL), for the report.
    rows: Callable[[], int] | None = None


@dataclass
class Run:
    env: BenchEnvironment
    sizes: Sizes
    options: argparse.Namespace
    report: Report = field(default_factory=Report)
    register: RegisterBuilder | None = None
    monitoring: MonitoringBuilder | None = None
    casework: CaseworkBuilder | None = None
    client: FlaskClient | None = None
    pages: list[PageSpec] = field(default_factory=list)
    builds: list[tuple[Scale, float, dict[str, int]]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    logs: dict[int, dict[str, QueryLog]] = field(default_factory=dict)
    matched: dict[int, dict[str, int]] = field(default_factory=dict)  # services → page → records behind it
    timings: dict[str, Timing] = field(default_factory=dict)
    load: tuple[str, str] = ("", "")


# --- sections ---------------------------------------------------------------------------------------


def build_small(run: Run) -> None:
    with run.env.app.app_context():
        run.register = RegisterBuilder(db.session)
        run.monitoring = MonitoringBuilder(db.session)
        # Staff exist only once the register is built; the casework builder needs its managers.
        _grow(run, run.sizes.small)
        run.pages = choose_pages()
        manager_id = run.register.staff(Role.MANAGER)[0]
    run.client = signed_in_client(run.env.app, manager_id)


def count_small(run: Run) -> None:
    _count(run, run.sizes.small.services)


def grow_large(run: Run) -> None:
    with run.env.app.app_context():
        run.register.session = run.monitoring.session = run.casework.session = db.session
        _grow(run, run.sizes.large)
        run.rows = table_counts(db.session)


def count_large(run: Run) -> None:
    _count(run, run.sizes.large.services)


def time_pages(run: Run) -> None:
    """Each page in turn, round by round, so background load falls on every page alike."""
    run.load = (machine_load(), "")
    for page in run.pages:
        for _ in range(run.options.warmups):
            _get(run, page)
    samples: dict[str, list[float]] = {p.key: [] for p in run.pages}
    for _ in range(run.options.repeats):
        for page in run.pages:
            with Stopwatch() as watch:
                _get(run, page)
            samples[page.key].append(watch.seconds * 1000)
    run.timings = {key: Timing(tuple(values)) for key, values in samples.items()}
    run.load = (run.load[0], machine_load())


def report_environment(run: Run) -> None:
    large = run.sizes.large
    run.report.heading(f"Casework benchmark (concerns and escalations): {large.services:,} services", 2)
    steps = [
        f"{'Built' if i == 0 else 'Grew to'} {size.services:,} services in **{seconds:,.1f} s** "
        f"({added.get('escalation', 0):,} escalations, {added.get('escalation_decision', 0):,} decisions, "
        f"{added.get('concern', 0):,} concerns, {added.get('visit', 0):,} visits; {sum(added.values()):,} rows in all)"
        for i, (size, seconds, added) in enumerate(run.builds)
    ]
    run.report.bullets(
        [
            f"Database: **{run.env.describe_database()}**; rows by SQLAlchemy bulk inserts"
            + ("; ANALYZE after loading" if run.env.dialect == "postgresql" else ""),
            *steps,
            "Rows at full size: " + ", ".join(f"{name} {n:,}" for name, n in run.rows.items() if n),
            "Casework: ~5% of services under an open escalation (levels 1–2 mostly, ~13% at level 3 red or amber, "
            "a few at 4–5; 2–6 decisions, 0–3 meetings, 1–4 deadlines each), ~2% with a closed one, a few "
            "provider-wide; ~3% of services with open concerns, ~10% with closed ones",
            run.env.describe_software(),
            "Signed in as a manager (sees every service and every concern)",
            f"Timing: median of {run.options.repeats} requests per page after {run.options.warmups} warm-ups, "
            "round by round; the Flask test client in-process. Machine: "
            f"{run.load[0]} before timing and {run.load[1].rsplit(' ', 1)[-1]} after",
        ]
    )


def report_pages(run: Run) -> None:
    small, large = run.sizes.small.services, run.sizes.large.services
    rows = []
    for page in run.pages:
        n_small, n_large = run.logs[small][page.key].count, run.logs[large][page.key].count
        timing = run.timings[page.key]
        rows.append(
            [
                page.label,
                ms(timing.median),
                ms(timing.p90),
                ms(run.logs[large][page.key].sql_seconds * 1000),
                n_small,
                n_large,
                "yes" if n_small == n_large else "**NO**",
            ]
        )
    run.report.table(
        ["page", "median ms", "p90 ms", "SQL ms", f"queries @{small:,}", f"queries @{large:,}", "same"],
        rows,
        "lrrrrrl",
    )
    run.report.paragraph(
        "SQL ms: time in the database driver during one request at full size. What each row requested, "
        "and how many records are behind it:"
    )
    run.report.table(
        ["page", "URL", f"records @{small:,}", f"records @{large:,}"],
        [
            [page.label, f"`{page.url}`", *(thousands(run.matched[n].get(page.key)) for n in (small, large))]
            for page in run.pages
        ],
        "llrr",
    )


def report_query_changes(run: Run) -> None:
    report_n_plus_one(run, "casework")


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


# --- pages ------------------------------------------------------------------------------------------


def _count_of(stmt: sa.Select) -> Callable[[], int]:
    return lambda: db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))


def _open_escalations() -> sa.Select:
    return sa.select(Escalation.id).where(Escalation.closed_on.is_(None), Escalation.level > 0)


def _missed() -> sa.Select:
    owed = sa.select(EscalationTimer.escalation_id).where(
        EscalationTimer.met_on.is_(None), EscalationTimer.due_on < date.today()
    )
    return _open_escalations().where(Escalation.id.in_(owed))


def _history(escalation_ids: sa.Select) -> Callable[[], int]:
    """Decisions, meetings and deadlines of some escalations."""
    tables = (EscalationDecision, EscalationMeeting, EscalationTimer)
    return lambda: sum(
        db.session.scalar(sa.select(sa.func.count()).where(table.escalation_id.in_(escalation_ids))) for table in tables
    )


def _of_service(service_id: int) -> sa.Select:
    """The escalations the service page reads: the service's own and its provider's provider-wide ones."""
    provider_id = sa.select(Service.provider_id).where(Service.id == service_id).scalar_subquery()
    return sa.select(Escalation.id).where(
        Escalation.provider_id == provider_id,
        sa.or_(Escalation.service_id == service_id, Escalation.service_id.is_(None)),
    )


def _escalated_services() -> sa.Select:
    """Services with an open escalation above routine, their own or their provider's."""
    open_ = sa.and_(Escalation.closed_on.is_(None), Escalation.level > 0)
    own = sa.select(Escalation.service_id).where(open_, Escalation.service_id.is_not(None))
    wide = sa.select(Escalation.provider_id).where(open_, Escalation.service_id.is_(None))
    return sa.select(Service.id).where(sa.or_(Service.id.in_(own), Service.provider_id.in_(wide)))


def _capped(count: Callable[[], int], cap: int) -> Callable[[], int]:
    return lambda: min(cap, count())


def busiest_escalation() -> int:
    """The open escalation with the most decisions (the lowest id among equals)."""
    n = sa.func.count(EscalationDecision.id)
    stmt = (
        sa.select(Escalation.id)
        .join(EscalationDecision, EscalationDecision.escalation_id == Escalation.id)
        .where(Escalation.closed_on.is_(None))
        .group_by(Escalation.id)
        .order_by(n.desc(), Escalation.id)
        .limit(1)
    )
    return db.session.scalar(stmt)


def suspended_service() -> int:
    """A service suspended red at level 3, the one with the longest escalation history."""
    n = sa.func.count(EscalationDecision.id)
    stmt = (
        sa.select(Escalation.service_id)
        .join(EscalationDecision, EscalationDecision.escalation_id == Escalation.id)
        .where(
            Escalation.closed_on.is_(None),
            Escalation.level == SUSPENSION_LEVEL,
            Escalation.suspension_status == SuspensionStatus.RED,
            Escalation.service_id.is_not(None),
        )
        .group_by(Escalation.service_id)
        .order_by(n.desc(), Escalation.service_id)
        .limit(1)
    )
    return db.session.scalar(stmt)


def choose_pages() -> list[PageSpec]:
    """Needs an app context; the records chosen at the small size are measured again at the large one."""
    escalation_id, service_id = busiest_escalation(), suspended_service()
    if escalation_id is None or service_id is None:
        raise BenchmarkError("the casework built has no open escalation or no red suspension to measure")
    open_concerns = _count_of(sa.select(Concern.id).where(Concern.status == ConcernStatus.OPEN))
    all_concerns = _count_of(sa.select(Concern.id))
    return [
        PageSpec("trivial", "trivial: /healthz (SELECT 1)", "/healthz"),
        PageSpec("board", "escalations board", "/escalations", _count_of(_open_escalations())),
        PageSpec("board_missed", "board: a deadline missed", "/escalations?attention=missed", _count_of(_missed())),
        PageSpec("concerns", "concerns: open (50 a page)", "/concerns", open_concerns),
        PageSpec("concerns_all", "concerns: all (50 a page)", "/concerns?status=", all_concerns),
        PageSpec(
            "escalation",
            "an escalation, most decisions",
            f"/escalations/{escalation_id}",
            _history(sa.select(sa.literal(escalation_id))),
        ),
        PageSpec("service", "a suspended service's page", f"/services/{service_id}", _history(_of_service(service_id))),
        PageSpec(
            "api_escalations",
            f"API: escalations, {API_PAGE} a page",
            f"/api/v1/escalations?per_page={API_PAGE}",
            _capped(_count_of(sa.select(Escalation.id)), API_PAGE),
        ),  # fmt: skip
        PageSpec(
            "api_concerns",
            f"API: concerns, {API_PAGE} a page",
            f"/api/v1/concerns?per_page={API_PAGE}",
            _capped(all_concerns, API_PAGE),
        ),  # fmt: skip
        PageSpec(
            "register",
            "register: escalated services",
            "/services?escalation_level=above",
            _count_of(_escalated_services()),
        ),  # fmt: skip
    ]


# --- helpers ----------------------------------------------------------------------------------------


def _get(run: Run, page: PageSpec):
    response = run.client.get(page.url)
    if response.status_code != 200:
        raise BenchmarkError(f"GET {page.url} answered {response.status_code}, not 200")
    return response


def _grow(run: Run, size: Scale) -> None:
    progress(f"  growing to {size.services:,} services")
    with Stopwatch() as watch:
        added = run.register.grow_to(size)
        added |= run.monitoring.grow()
        if run.casework is None:
            run.casework = CaseworkBuilder(db.session, run.register.staff(Role.MANAGER))
        else:
            run.casework.managers = run.register.staff(Role.MANAGER)
        added |= run.casework.grow()
    run.builds.append((size, watch.seconds, added))
    progress(f"  {watch.seconds:.1f} s")


def _count(run: Run, services: int) -> None:
    def records(page: PageSpec, client) -> int | None:
        if not page.rows:
            return None
        with run.env.app.app_context():
            return page.rows()

    count_statements(run, services, lambda page: run.client, records)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = page_timing_arguments("python -m benchmarks.escalations", __doc__.split("\n\n")[0], repeats=20, warmups=2)
    return parse_timing_arguments(parser, argv)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    sizes = QUICK if options.quick else FULL
    return run_sections(lambda env: Run(env=env, sizes=sizes, options=options), SECTIONS)


if __name__ == "__main__":
    raise SystemExit(main())
