"""Measuring: request timings, SQL statements (counted and timed), query plans, Markdown output."""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask.testing import FlaskClient


class BenchmarkError(RuntimeError):
    """A page did not answer as expected, so figures measured on it would mean nothing."""


# --- progress -------------------------------------------------------------------------------------

_START = time.perf_counter()


def progress(message: str) -> None:
    """A progress line on stderr (stdout carries only the report)."""
    print(f"[{time.perf_counter() - _START:7.1f}s] {message}", file=sys.stderr, flush=True)


class Stopwatch:
    """with Stopwatch() as watch: …; watch.seconds"""

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self._start


# --- SQL statements --------------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")
_IN_LIST = re.compile(r"\(\s*(?:\?|%\(\w+\)s|\$\d+)(?:\s*,\s*(?:\?|%\(\w+\)s|\$\d+))*\s*\)")


def shape(sql: str) -> str:
    """A statement's text with whitespace collapsed and IN-lists folded, for grouping repeats."""
    return _IN_LIST.sub("(…)", _SPACE.sub(" ", sql).strip())


def short(sql: str, width: int = 110) -> str:
    text = shape(sql)
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass
class Statement:
    sql: str
    parameters: object
    executemany: bool
    seconds: float = 0.0

    @property
    def shape(self) -> str:
        return shape(self.sql)


@dataclass
class QueryLog:
    """Every statement sent to the database through the engine while active.

    Counted by a `before_cursor_execute` listener (one per cursor execute; an executemany counts
    once) and timed up to `after_cursor_execute` (the driver's execute, not fetching rows).
    """

    engine: sa.Engine
    statements: list[Statement] = field(default_factory=list)

    def __enter__(self) -> QueryLog:
        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        sa.event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._before)
        sa.event.remove(self.engine, "after_cursor_execute", self._after)

    def _before(self, connection, cursor, statement, parameters, context, executemany):
        record = Statement(statement, parameters, executemany)
        self.statements.append(record)
        connection.info.setdefault("bench_running", []).append((record, time.perf_counter()))

    def _after(self, connection, cursor, statement, parameters, context, executemany):
        running = connection.info.get("bench_running")
        if running:
            record, started = running.pop()
            record.seconds = time.perf_counter() - started

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def sql_seconds(self) -> float:
        return sum(s.seconds for s in self.statements)

    def shapes(self) -> Counter:
        return Counter(s.shape for s in self.statements)


def differing_shapes(small: QueryLog, large: QueryLog) -> list[tuple[str, int, int]]:
    """(statement, times at the small size, times at the large size) for each statement whose count differs."""
    a, b = small.shapes(), large.shapes()
    return sorted(((sql, a[sql], b[sql]) for sql in a.keys() | b.keys() if a[sql] != b[sql]), key=lambda r: -r[2])


@dataclass(frozen=True)
class StatementCost:
    sql: str
    per_request: float  # how many times a request sends it
    ms: float  # mean milliseconds per request, all its executions together
    example: Statement


def statement_costs(logs: Sequence[QueryLog]) -> list[StatementCost]:
    """Each distinct statement's mean cost per request over several logged requests, costliest first."""
    seconds, times, examples = defaultdict(float), Counter(), {}
    for log in logs:
        for s in log.statements:
            seconds[s.shape] += s.seconds
            times[s.shape] += 1
            examples.setdefault(s.shape, s)
    n = max(1, len(logs))
    costs = [StatementCost(sql, times[sql] / n, seconds[sql] * 1000 / n, examples[sql]) for sql in seconds]
    return sorted(costs, key=lambda c: -c.ms)


def explain(engine: sa.Engine, statement: Statement) -> str:
    """The database's plan for a logged statement: EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite."""
    if statement.executemany:
        return "(an executemany; not explained)"
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            rows = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.parameters)
            text = "\n".join(row[0] for row in rows)
        elif engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement.sql, statement.parameters).all()
            depth = {0: -1}
            lines = []
            for node, parent, _, detail in rows:
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
            text = "\n".join(lines)
        else:
            text = f"(no EXPLAIN for {engine.dialect.name})"
        connection.rollback()
    return text


# --- requests -------------------------------------------------------------------------------------


def get_ok(client: FlaskClient, url: str, *, expect: int = 200):
    response = client.get(url)
    if response.status_code != expect:
        raise BenchmarkError(f"GET {url} answered {response.status_code}, not {expect}")
    return response


@dataclass(frozen=True)
class Timing:
    """Server times of repeated requests (milliseconds, in the order made)."""

    samples_ms: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p90(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]

    @property
    def fastest(self) -> float:
        return min(self.samples_ms)


def time_requests(client: FlaskClient, url: str, *, warmups: int = 3, repeats: int = 30) -> Timing:
    """Time `client.get(url)` with perf_counter, after some untimed warm-ups (each must answer 200)."""
    for _ in range(warmups):
        get_ok(client, url)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise BenchmarkError(f"GET {url} answered {response.status_code} while being timed")
    return Timing(tuple(samples))


def time_interleaved(
    client: FlaskClient, urls: Sequence[str], *, warmups: int = 3, repeats: int = 30
) -> dict[str, Timing]:
    """Time several URLs round-robin (one request to each per round), after warm-ups of each.

    Interleaving spreads any background load (another process, autovacuum) over every URL alike,
    so ratios between them stay fair on a busy machine.
    """
    for url in urls:
        for _ in range(warmups):
            get_ok(client, url)
    samples: dict[str, list[float]] = {url: [] for url in urls}
    for _ in range(repeats):
        for url in urls:
            start = time.perf_counter()
            response = client.get(url)
            samples[url].append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise BenchmarkError(f"GET {url} answered {response.status_code} while being timed")
    return {url: Timing(tuple(values)) for url, values in samples.items()}


def machine_load() -> str:
    """'2 CPUs, load average 1.05' (where the OS tells), to judge how noisy timings may be."""
    cpus = os.cpu_count() or 0
    try:
        load = f", load average {os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):
        load = ""
    return f"{cpus} CPU{'s' if cpus != 1 else ''}{load}"


def log_requests(engine: sa.Engine, client: FlaskClient, url: str, *, times: int = 1, warmups: int = 1):
    """The statements each of `times` requests sent, after warm-ups.

    The warm-up also takes any once-a-minute write (the session's last_seen_at) out of the count.
    """
    for _ in range(warmups):
        get_ok(client, url)
    logs = []
    for _ in range(times):
        with QueryLog(engine) as log:
            get_ok(client, url)
        logs.append(log)
    return logs


# --- output ---------------------------------------------------------------------------------------


def count_statements(run, services: int, client_of, matched_of) -> None:
    """Log each page's statements over one request (after a warm-up) and note how many records it matched.

    `client_of(page)` is the signed-in client that asks; `matched_of(page, client)` the records behind the page,
    or None where there is nothing to count. Fills run.logs[services] and run.matched[services] by page key.
    """
    progress(f"  counting statements at {services:,} services")
    run.logs[services], run.matched[services] = {}, {}
    for page in run.pages:
        client = client_of(page)
        (log,) = log_requests(run.env.engine, client, page.url, times=1, warmups=1)
        run.logs[services][page.key] = log
        matched = matched_of(page, client)
        if matched is not None:
            run.matched[services][page.key] = matched


def thousands(n: int | None) -> str:
    return "–" if n is None else f"{n:,}"


def ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:,.1f}×" if baseline > 0 else "–"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]], align: str | None = None) -> str:
    """An aligned Markdown table; `align` has one letter per column, l or r (default: all l)."""
    align = (align or "l" * len(headers)).ljust(len(headers), "l")
    cells = [[_cell(h) for h in headers]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row):
        padded = [c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(row, widths, align, strict=True)]
        return "| " + " | ".join(padded) + " |"

    dashes = [("-" * (w - 1) + ":") if a == "r" else "-" * w for w, a in zip(widths, align, strict=True)]
    rule = "| " + " | ".join(dashes) + " |"
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def _cell(value: object) -> str:
    """Cell text, with pipes escaped (SQL's || would otherwise split the cell)."""
    return str(value).replace("|", "\\|").replace("\n", " ")


class Report:
    """Markdown built up section by section, printed at the end."""

    def __init__(self) -> None:
        self.blocks: list[str] = []

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append(f"{'#' * level} {text}")

    def paragraph(self, text: str) -> None:
        self.blocks.append(text)

    def bullets(self, items: Sequence[str]) -> None:
        self.blocks.append("\n".join(f"- {item}" for item in items))

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[object]], align: str | None = None) -> None:
        self.blocks.append(markdown_table(headers, rows, align))

    def code(self, text: str, language: str = "") -> None:
        self.blocks.append(f"```{language}\n{text}\n```")

    def render(self) -> str:
        return "\n\n".join(self.blocks) + "\n"


def page_timing_arguments(prog: str, description: str, *, repeats: int, warmups: int) -> argparse.ArgumentParser:
    """The command-line options every page benchmark takes (--quick, --repeats, --warmups, --show-queries)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (60 → 1,500 services) for a smoke run")
    parser.add_argument("--repeats", type=int, default=repeats, help=f"timed requests per page (default {repeats})")
    parser.add_argument(
        "--warmups", type=int, default=warmups, help=f"untimed requests before timing (default {warmups})"
    )
    parser.add_argument("--show-queries", action="store_true", help="print every statement each page sends")
    return parser


def parse_timing_arguments(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    options = parser.parse_args(argv)
    if options.repeats < 1 or options.warmups < 0:
        parser.error("--repeats must be at least 1 and --warmups at least 0")
    return options


def report_n_plus_one(run, what: str) -> None:
    """Name any statement whose count grew with the data (an N+1), or say there is none.

    `run` has sizes.small/large.services, pages (label, key), logs[size][key], options.show_queries and report.
    """
    small, large = run.sizes.small.services, run.sizes.large.services
    problems = [
        [page.label, a, b, f"`{short(sql, 120)}`"]
        for page in run.pages
        for sql, a, b in differing_shapes(run.logs[small][page.key], run.logs[large][page.key])
    ]
    if problems:
        run.report.paragraph(f"**Statements whose count changed with the size of the {what} (N+1 suspects):**")
        run.report.table(["page", f"@{small:,}", f"@{large:,}", "statement"], problems, "lrrl")
    else:
        run.report.paragraph(f"Every page sends the same statements at {small:,} and {large:,} services: no N+1 query.")
    if run.options.show_queries:
        for page in run.pages:
            statements = run.logs[large][page.key].statements
            run.report.paragraph(f"Statements of **{page.label}** at {large:,} services:")
            run.report.code("\n".join(f"{i}. {short(s.sql, 400)}" for i, s in enumerate(statements, 1)), "sql")
