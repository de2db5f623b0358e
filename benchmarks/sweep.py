"""Benchmark: the daily flag sweep at 3,000 and 30,000 services, against raw SQL for the same flag sets (`make bench`).

    .venv/bin/python -m benchmarks.sweep [--quick] [--raw-repeats 5]

Builds 3,000 services (1/10 of England) with their visits, actions, CQC rating history, escalations and
deadlines, contracts and deregistrations; runs a first sweep (it raises everything) and a second one on the
same day (it should change nothing), each timed and measured; times raw SQL that selects the same flag sets;
then clears the flags, grows to 30,000 services (300,000 visits, 100,000 actions, 300,000 rating snapshots)
and does the same. Prints a Markdown report on stdout (progress on stderr). No figure is asserted on.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from dataclasses import dataclass, field

import sqlalchemy as sa

from benchmarks import sweep_sql
from benchmarks.casework_data import CaseworkBuilder
from benchmarks.data import RegisterBuilder, Scale, table_counts
from benchmarks.environment import bench_environment
from benchmarks.measure import QueryLog, Stopwatch, machine_load, ms, progress, ratio, short, thousands
from benchmarks.monitoring_data import MonitoringBuilder
from benchmarks.runs import FULL, QUICK, GrowingRun
from benchmarks.sweep_data import SweepDataBuilder
from provider_monitor.enums import FlagKind, Role
from provider_monitor.extensions import db
from provider_monitor.models.audit import AuditEvent
from provider_monitor.models.base import utcnow
from provider_monitor.models.flag import Flag, FlagNote
from provider_monitor.services import flags, visit_policy
from provider_monitor.services.audit import Actor, reset_actor, set_actor


@dataclass
class Pass:
    """One sweep: its time (flush included, commit not), Python's peak memory, statements, and what it did."""

    seconds: float
    commit_seconds: float
    peak_mib: float
    log: QueryLog
    result: flags.SweepResult


@dataclass
class Figures:
    services: int
    first: Pass
    second: Pass
    raw_ms: list[float]
    raw_sets: dict[str, set[str]]
    swept_sets: dict[str, set[str]]


@dataclass
class Run(GrowingRun):
    figures: list[Figures] = field(default_factory=list)


# --- building ---------------------------------------------------------------------------------------


def grow(run: Run, size: Scale) -> None:
    progress(f"  growing to {size.services:,} services")
    with run.env.app.app_context(), Stopwatch() as watch:
        session = db.session
        if not run.builders:
            monitoring = MonitoringBuilder(session, today=run.today)
            run.builders = {
                "register": RegisterBuilder(session),
                "monitoring": monitoring,
                "sweep": SweepDataBuilder(session, monitoring, today=run.today),
            }
        for builder in run.builders.values():
            builder.session = session
        added = run.builders["register"].grow_to(size)
        added |= run.builders["monitoring"].grow()
        if "casework" not in run.builders:
            run.builders["casework"] = CaseworkBuilder(
                session, run.builders["register"].staff(Role.MANAGER), today=run.today
            )
        run.builders["casework"].session = session
        run.builders["casework"].managers = run.builders["register"].staff(Role.MANAGER)
        added |= run.builders["casework"].grow()
        added |= run.builders["sweep"].grow()
        run.rows = table_counts(session)
    run.builds.append((size, watch.seconds, added))
    progress(f"  {watch.seconds:.1f} s")


def clear_flags(run: Run) -> None:
    """No flags at all, so the next sweep is a first sweep over the whole register."""
    with run.env.app.app_context():
        db.session.execute(sa.delete(FlagNote))
        db.session.execute(sa.delete(Flag))
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.entity_type == Flag.__tablename__))
        db.session.commit()


# --- measuring --------------------------------------------------------------------------------------


def sweep_once(run: Run, *, memory: bool) -> Pass:
    """One sweep in its own app context, as the scheduler's job runs it; rolled back when measuring memory."""
    with run.env.app.app_context():
        token = set_actor(Actor(None, "Flag sweep (benchmark)"))
        try:
            if memory:
                tracemalloc.start()
            with QueryLog(run.env.engine) as log, Stopwatch() as watch:
                result = flags.sweep(db.session, today=run.today, now=utcnow())
            peak = tracemalloc.get_traced_memory()[1] / 2**20 if memory else 0.0
            if memory:
                tracemalloc.stop()
            with Stopwatch() as commit:
                db.session.rollback() if memory else db.session.commit()
        finally:
            reset_actor(token)
    return Pass(watch.seconds, commit.seconds, peak, log, result)


def measured_sweep(run: Run, label: str) -> Pass:
    """Peak memory from a pass under tracemalloc (rolled back: tracemalloc slows Python), then the timed pass."""
    progress(f"  {label}: memory pass")
    memory = sweep_once(run, memory=True)
    progress(f"  {label}: timed pass")
    timed = sweep_once(run, memory=False)
    timed.peak_mib = memory.peak_mib
    return timed


def raw_sql(run: Run) -> tuple[list[float], dict[str, set[str]]]:
    with run.env.app.app_context():
        policy = visit_policy.load_policy(db.session)
    sets = sweep_sql.flag_sets(run.env.engine, policy, run.today)  # warm-up, and the sets to compare
    samples = []
    for _ in range(run.options.raw_repeats):
        with Stopwatch() as watch:
            sweep_sql.flag_sets(run.env.engine, policy, run.today)
        samples.append(watch.seconds * 1000)
    return samples, sets


def open_flags(run: Run) -> dict[str, set[str]]:
    with run.env.app.app_context():
        rows = db.session.execute(sa.select(Flag.kind, Flag.subject_key).where(Flag.resolved_at.is_(None)))
        found: dict[str, set[str]] = {}
        for kind, subject in rows:
            found.setdefault(kind.value, set()).add(subject)
    return found


def measure(run: Run, size: Scale) -> None:
    run.load.append(f"{machine_load()} before measuring at {size.services:,} services")
    progress(f"  raw SQL at {size.services:,} services")
    raw_ms, raw_sets = raw_sql(run)
    first = measured_sweep(run, "first sweep")
    swept = open_flags(run)
    second = measured_sweep(run, "second sweep")
    run.figures.append(Figures(size.services, first, second, raw_ms, raw_sets, swept))


# --- reporting --------------------------------------------------------------------------------------


def report(run: Run) -> None:
    r = run.report
    r.heading(f"Flag sweep benchmark: {run.sizes.small.services:,} and {run.sizes.large.services:,} services", 2)
    steps = [
        f"{'Built' if i == 0 else 'Grew to'} {size.services:,} services in **{seconds:,.1f} s**"
        for i, (size, seconds, _) in enumerate(run.builds)
    ]
    r.bullets(
        [
            f"Database: **{run.env.describe_database()}**; rows by SQLAlchemy bulk inserts; swept as of {run.today}",
            *steps,
            "Rows at full size: " + ", ".join(f"{name} {n:,}" for name, n in run.rows.items() if n),
            run.env.describe_software(),
            "Each sweep runs as the scheduler's job does (its own app context and session; `flags.sweep`, then "
            "commit). Time: perf_counter around `flags.sweep` (its queries, rules and flush, audit rows included; "
            "the commit apart). Peak memory: tracemalloc's peak of Python allocations over an identical pass run "
            "first and rolled back (tracemalloc slows Python, so it is not the timed pass). Statements: every "
            "cursor execute in the timed pass (an executemany counts once); SQL ms: time inside those executes "
            "(fetching rows not included)",
            f"Raw SQL: the median of {run.options.raw_repeats} runs (after one untimed) of hand-written SQL "
            "selecting the same flag sets (kind and subject), every row fetched, on one connection: see "
            "`benchmarks/sweep_sql.py` for what it computes. It decides the sets only: no severity, evidence, "
            "comparison with the open flags or writes",
            f"Machine: {'; '.join(run.load)}",
        ]
    )
    rows = []
    for f in run.figures:
        raw = statistics.median(f.raw_ms)
        for label, p in (("first sweep", f.first), ("second sweep, same day", f.second)):
            res = p.result
            rows.append(
                [f"{f.services:,}", label, ms(p.seconds * 1000), ms(p.commit_seconds * 1000), f"{p.peak_mib:,.1f}",
                 p.log.count, ms(p.log.sql_seconds * 1000), thousands(res.raised), thousands(res.resolved),
                 thousands(res.updated), thousands(res.still_open), ratio(p.seconds * 1000, raw)]
            )  # fmt: skip
        rows.append(
            [
                f"{f.services:,}",
                "raw SQL, same sets",
                ms(raw),
                "–",
                "–",
                len(sweep_sql.statements(run.env.dialect)),
                "–",
                "–",
                "–",
                "–",
                "–",
                "1.0×",
            ]
        )
    r.table(
        ["services", "run", "ms", "commit ms", "peak MiB", "statements", "SQL ms", "raised", "resolved", "updated",
         "open after", "× raw SQL"],
        rows,
        "llrrrrrrrrrr",
    )  # fmt: skip
    report_kinds(run)
    report_scaling(run)
    report_statements(run)


def report_kinds(run: Run) -> None:
    small, large = run.figures[0], run.figures[-1]
    rows = []
    for kind in FlagKind:
        cells = [kind.label]
        for f in (small, large):
            swept, raw = f.swept_sets.get(kind.value, set()), f.raw_sets.get(kind.value, set())
            cells += [
                thousands(len(swept)),
                thousands(len(raw)),
                "yes" if swept == raw else f"**NO** ({len(swept ^ raw)})",
            ]
        rows.append(cells)
    run.report.paragraph("Open flags after the first sweep, by kind, against the raw SQL's sets (compared key by key):")
    s, b = f"@{small.services:,}", f"@{large.services:,}"
    run.report.table(["kind", f"sweep {s}", f"raw {s}", "same", f"sweep {b}", f"raw {b}", "same"], rows, "lrrlrrl")


def report_scaling(run: Run) -> None:
    small, large = run.figures[0], run.figures[-1]
    factor = large.services / small.services

    def scaled(a: float, b: float) -> str:
        return f"{b / a:,.1f}× ({b / a / factor:,.2f} of linear)" if a > 0 else "–"

    run.report.paragraph(
        f"**Scaling from {small.services:,} to {large.services:,} services** ({factor:g}× the data): time at the "
        f"large size over time at the small, and that over {factor:g} (1.00 is linear):"
    )
    run.report.bullets(
        [
            f"first sweep: {scaled(small.first.seconds, large.first.seconds)}; "
            f"peak memory {scaled(small.first.peak_mib, large.first.peak_mib)}",
            f"second sweep: {scaled(small.second.seconds, large.second.seconds)}; "
            f"peak memory {scaled(small.second.peak_mib, large.second.peak_mib)}",
            f"raw SQL: {scaled(statistics.median(small.raw_ms), statistics.median(large.raw_ms))}",
        ]
    )


def report_statements(run: Run) -> None:
    large = run.figures[-1]
    for label, p in (("first", large.first), ("second", large.second)):
        costs: dict[str, list[float]] = {}
        for statement in p.log.statements:
            costs.setdefault(statement.shape, []).append(statement.seconds)
        top = sorted(costs.items(), key=lambda item: -sum(item[1]))[:6]
        run.report.paragraph(
            f"Costliest statements of the {label} sweep at {large.services:,} services (of {p.log.count}; "
            f"SQL {p.log.sql_seconds:,.2f} s of {p.seconds:,.2f} s, the rest Python):"
        )
        run.report.table(
            ["ms", "times", "statement"],
            [[ms(sum(times) * 1000), len(times), f"`{short(sql, 140)}`"] for sql, times in top],
            "rrl",
        )


# --- running ----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sweep", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (150 → 1,500 services) for a smoke run")
    parser.add_argument("--raw-repeats", type=int, default=5, help="timed runs of the raw SQL (default 5)")
    options = parser.parse_args(argv)
    if options.raw_repeats < 1:
        parser.error("--raw-repeats must be at least 1")
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    started = time.perf_counter()
    with bench_environment() as env:
        run = Run(env=env, sizes=QUICK if options.quick else FULL, options=options)
        for size in (run.sizes.small, run.sizes.large):
            # Before growing: the builders give audit rows explicit ids, which the flags' audit rows would hold.
            clear_flags(run)
            grow(run, size)
            measure(run, size)
        report(run)
    run.report.paragraph(f"Total run time: {time.perf_counter() - started:,.1f} s.")
    print(run.report.render(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
