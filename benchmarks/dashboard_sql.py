"""Raw SQL aggregates behind the market and caseload dashboards: the floor their server time is compared with.

Hand-written SQL for SQLite and PostgreSQL (enum columns hold their values), one statement per figure group,
every row fetched on one connection. The due dates are `benchmarks.sweep_sql.due_ctes`, the flag sweep
benchmark's (the visit policy's due date: last routine visit plus the band's months, capped under escalation;
never visited: from joining the register plus the grace days). What each statement computes, as of `today`:

Market (GET /dashboards/market), over active services unless said:
- ratings_by_district / ratings_by_type: services by district name (or service type) and the rank of the CQC
  Overall in the current snapshot (no rank: not rated);
- good_over_time: for each of the last 8 quarter ends, services whose latest snapshot published on or before
  it (a LEAD window over the rating history) has an Overall rating, and how many are Good or Outstanding;
- visits_completed: routine visits (logged; planned, or unplanned full quality) dated in the quarter, and the
  services they were at;
- due_states: services by due state (overdue, never visited, due soon, on track), with how many fall due in
  the quarter and how many fell due before it;
- actions_by_rag: actions not verified, red (the provider owes something past its due date) or amber;
- escalations_by_level: open escalations above level 0 (every service and provider) by level and suspension;
- flags_by_kind: unresolved flags (all of them) by kind;
- before_and_after: services with a routine visit: the latest visit followed by a rated snapshot, the Overall
  in force on that day against the first rated Overall after it (improved, same, declined, Good or better
  before and after), and how many had no rating before or none since.

Caseload (GET /dashboards/caseload, the signed-in officer's active services, link officer or contract manager):
due_states, overdue (the 10 longest overdue: name, due date, days overdue, Overall), actions_by_rag, escalations
(each service's higher of its own and its provider-wide open escalation above level 0, red suspension first on
a tie) and flags_by_kind (flags on those services).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

import sqlalchemy as sa

from benchmarks.sweep_sql import POSTGRESQL, ROUTINE, SQLITE, Dates, due_ctes, rank
from benchmarks.sweep_sql import parameters as sweep_parameters
from provider_monitor.enums import RAG, DueState, FlagKind, ServiceType, SuspensionStatus
from provider_monitor.services.dashboard_market import NO_DISTRICT, NOT_RATED, RATING_COLUMNS
from provider_monitor.services.dashboards import Quarter, percent
from provider_monitor.services.rating_rules import LABELS
from provider_monitor.services.visit_rules import Policy

QUARTERS_SHOWN = 8
AWAITING_PROVIDER = "('open', 'in_progress', 'returned')"
MINE = "AND (s.link_officer_id = :uid OR s.contract_manager_id = :uid)"
# Per dialect: a date-typed parameter (SQLite keeps dates as ISO text) and whole days from a date to today.
DATE_PARAM = {"sqlite": "{p}", "postgresql": "CAST({p} AS DATE)"}
DAYS_SINCE = {"sqlite": "CAST(julianday(:today) - julianday({d}) AS INTEGER)", "postgresql": "(:today - {d})"}


STATES = """,
states AS (
  SELECT id, name, overall, due_on, CASE WHEN last_on IS NULL THEN 'never_visited' WHEN due_on < :today THEN 'overdue'
    WHEN due_on <= :due_soon_end THEN 'due_soon' ELSE 'on_track' END AS state
  FROM due
)
"""


def _due(dates: Dates, mine: str) -> str:
    """CTEs ending in `states` (id, name, overall, due_on, state): sweep_sql's due dates, each with its state."""
    return due_ctes(dates, mine) + STATES


def _ratings_by(column: str, join: str) -> str:
    return f"""
SELECT {column}, {rank("r.overall")} AS overall_rank, COUNT(*) FROM service s {join}
LEFT JOIN rating_snapshot r ON r.service_id = s.id AND r.is_current
WHERE s.status = 'active' GROUP BY 1, 2
"""


def _good_over_time(dialect: str) -> str:
    ends = " UNION ALL ".join(
        f"SELECT {i} AS position, {DATE_PARAM[dialect].format(p=f':end_{i}')} AS quarter_end"
        for i in range(1, QUARTERS_SHOWN + 1)
    )
    return f"""
WITH spans AS (
  SELECT {rank("r.overall")} AS overall_rank, r.published_on,
         LEAD(r.published_on) OVER (PARTITION BY r.service_id ORDER BY r.published_on, r.id) AS next_on
  FROM rating_snapshot r JOIN service s ON s.id = r.service_id
  WHERE s.status = 'active' AND r.published_on IS NOT NULL
),
ends AS ({ends})
SELECT e.position, COUNT(sp.overall_rank), SUM(CASE WHEN sp.overall_rank >= 3 THEN 1 ELSE 0 END)
FROM ends e LEFT JOIN spans sp
  ON sp.published_on <= e.quarter_end AND (sp.next_on IS NULL OR sp.next_on > e.quarter_end)
GROUP BY e.position ORDER BY e.position
"""


VISITS_COMPLETED = f"""
SELECT COUNT(*), COUNT(DISTINCT v.service_id) FROM visit v JOIN service s ON s.id = v.service_id
WHERE s.status = 'active' AND {ROUTINE} AND v.visited_on BETWEEN :quarter_start AND :quarter_end
"""
MARKET_DUE_STATES = """
SELECT state, COUNT(*), SUM(CASE WHEN due_on BETWEEN :quarter_start AND :quarter_end THEN 1 ELSE 0 END),
       SUM(CASE WHEN due_on < :quarter_start THEN 1 ELSE 0 END)
FROM states GROUP BY state
"""
ACTIONS_BY_RAG = f"""
SELECT CASE WHEN a.status IN {AWAITING_PROVIDER} AND a.due_on < :today THEN 'red' ELSE 'amber' END, COUNT(*)
FROM action a JOIN service s ON s.id = a.service_id
WHERE s.status = 'active' {{mine}} AND a.status <> 'verified' GROUP BY 1
"""
ESCALATIONS_BY_LEVEL = """
SELECT level, suspension_status, COUNT(*) FROM escalation WHERE closed_on IS NULL AND level > 0
GROUP BY level, suspension_status
"""
FLAGS_BY_KIND = "SELECT kind, COUNT(*) FROM flag WHERE resolved_at IS NULL GROUP BY kind"
MY_FLAGS_BY_KIND = f"""
SELECT f.kind, COUNT(*) FROM flag f JOIN service s ON s.id = f.service_id
WHERE f.resolved_at IS NULL AND s.status = 'active' {MINE} GROUP BY f.kind
"""
RATED = f"r.published_on IS NOT NULL AND {rank('r.overall')} IS NOT NULL"
BEFORE_AND_AFTER = f"""
WITH rated AS MATERIALIZED (
  SELECT r.service_id, MAX(r.published_on) AS last_rated_on FROM rating_snapshot r
  JOIN service s ON s.id = r.service_id WHERE s.status = 'active' AND {RATED} GROUP BY r.service_id
),
latest AS (
  SELECT v.service_id, MAX(CASE WHEN v.visited_on < rated.last_rated_on THEN v.visited_on END) AS visit_on
  FROM visit v JOIN service s ON s.id = v.service_id LEFT JOIN rated ON rated.service_id = v.service_id
  WHERE s.status = 'active' AND {ROUTINE}
  GROUP BY v.service_id
),
compared AS MATERIALIZED (
  SELECT l.visit_on,
    (SELECT {rank("r.overall")} FROM rating_snapshot r
     WHERE r.service_id = l.service_id AND r.published_on <= l.visit_on
     ORDER BY r.published_on DESC, r.id DESC LIMIT 1) AS before_rank,
    (SELECT {rank("r.overall")} FROM rating_snapshot r
     WHERE r.service_id = l.service_id AND r.published_on > l.visit_on AND {RATED}
     ORDER BY r.published_on, r.id LIMIT 1) AS after_rank
  FROM latest l
)
SELECT SUM(CASE WHEN after_rank > before_rank THEN 1 ELSE 0 END),
       SUM(CASE WHEN after_rank = before_rank THEN 1 ELSE 0 END),
       SUM(CASE WHEN after_rank < before_rank THEN 1 ELSE 0 END),
       SUM(CASE WHEN before_rank >= 3 THEN 1 ELSE 0 END),
       SUM(CASE WHEN before_rank IS NOT NULL AND after_rank >= 3 THEN 1 ELSE 0 END),
       SUM(CASE WHEN visit_on IS NOT NULL AND before_rank IS NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN visit_on IS NULL THEN 1 ELSE 0 END)
FROM compared
"""
MY_ESCALATIONS = f"""
WITH mine AS (SELECT s.id, s.name, s.provider_id FROM service s WHERE s.status = 'active' {MINE}),
held AS (
  SELECT m.id AS service_id, e.level, e.suspension_status FROM mine m
  JOIN escalation e ON e.service_id = m.id AND e.closed_on IS NULL
  UNION ALL
  SELECT m.id, e.level, e.suspension_status FROM mine m
  JOIN escalation e ON e.provider_id = m.provider_id AND e.service_id IS NULL AND e.closed_on IS NULL
),
ranked AS (
  SELECT service_id, level, suspension_status, ROW_NUMBER() OVER (
    PARTITION BY service_id ORDER BY level DESC, CASE WHEN suspension_status = 'red' THEN 0 ELSE 1 END) AS position
  FROM held
)
SELECT m.name, r.level, r.suspension_status FROM ranked r JOIN mine m ON m.id = r.service_id
WHERE r.position = 1 AND r.level > 0 ORDER BY r.level DESC, lower(m.name)
"""


def market_statements(dialect: str) -> dict[str, str]:
    """The market dashboard's aggregates, by name, for 'sqlite' or 'postgresql'."""
    dates = POSTGRESQL if dialect == "postgresql" else SQLITE
    return {
        "ratings_by_district": _ratings_by("d.name", "LEFT JOIN district d ON d.code = s.district_code"),
        "ratings_by_type": _ratings_by("s.service_type", ""),
        "good_over_time": _good_over_time(dialect),
        "visits_completed": VISITS_COMPLETED,
        "due_states": _due(dates, "") + MARKET_DUE_STATES,
        "actions_by_rag": ACTIONS_BY_RAG.format(mine=""),
        "escalations_by_level": ESCALATIONS_BY_LEVEL,
        "flags_by_kind": FLAGS_BY_KIND,
        "before_and_after": BEFORE_AND_AFTER,
    }


def caseload_statements(dialect: str) -> dict[str, str]:
    """The caseload dashboard's aggregates for the officer `:uid`."""
    dates = POSTGRESQL if dialect == "postgresql" else SQLITE
    overdue = (
        f"SELECT name, due_on, {DAYS_SINCE[dialect].format(d='due_on')}, overall FROM states "
        "WHERE state = 'overdue' ORDER BY due_on, lower(name), id LIMIT 10"
    )
    return {
        "due_states": _due(dates, MINE) + "SELECT state, COUNT(*) FROM states GROUP BY state",
        "overdue": _due(dates, MINE) + overdue,
        "actions_by_rag": ACTIONS_BY_RAG.format(mine=MINE),
        "escalations": MY_ESCALATIONS,
        "flags_by_kind": MY_FLAGS_BY_KIND,
    }


def parameters(policy: Policy, today: date, officer_id: int) -> dict:
    """Today, the quarter and its last 8 quarter ends, the policy's numbers and the officer."""
    quarter = Quarter.of(today)
    ends = {f"end_{i}": q.end for i, q in enumerate(quarter.last(QUARTERS_SHOWN), 1)}
    return {
        **sweep_parameters(policy, today),
        "quarter_start": quarter.start,
        "quarter_end": quarter.end,
        "uid": officer_id,
        **ends,
    }


def run(engine: sa.Engine, statements: dict[str, str], params: dict) -> dict[str, list[tuple]]:
    """Every statement on one connection, every row fetched: {name: rows}."""
    found = {}
    with engine.connect() as connection:
        for name, statement in statements.items():
            wanted = {key: value for key, value in params.items() if f":{key}" in statement}
            text = sa.text(statement).bindparams(
                *(
                    sa.bindparam(key, type_=sa.Date() if isinstance(value, date) else sa.Integer())
                    for key, value in wanted.items()
                )
            )
            found[name] = [tuple(row) for row in connection.execute(text, wanted).all()]
        connection.rollback()
    return found


# --- the results as the dashboards' rows (to check the raw SQL gives the same figures) ---------------


def _day(value) -> date:
    """A date as the database returns it (SQLite: ISO text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _count(value) -> int:
    return int(value or 0)


def _ratings_rows(counts: dict[str, Counter]) -> list[list]:
    rows = []
    for group in sorted(counts, key=lambda g: (g == NO_DISTRICT, g.lower())):
        counted = counts[group]
        rated = sum(counted[label] for label in LABELS.values())
        good = counted["Outstanding"] + counted["Good"]
        rows.append([group, *(counted[c] for c in RATING_COLUMNS), sum(counted.values()), percent(good, rated)])
    return rows


def _by_rating(rows, name) -> dict[str, Counter]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for group, overall_rank, count in rows:
        counts[name(group)][LABELS.get(overall_rank, NOT_RATED)] += count
    return counts


def _rag_rows(rows) -> list[list]:
    counts = dict(rows)
    return [[colour.label, counts.get(colour.value, 0)] for colour in (RAG.RED, RAG.AMBER)]


def _flag_rows(rows) -> list[list]:
    counts = dict(rows)
    return [[kind.label, counts.get(kind.value, 0)] for kind in FlagKind]


def market_rows(raw: dict[str, list[tuple]], today: date) -> dict[str, list[list]]:
    """The market dashboard's tables (by name) as rows, from `run` over `market_statements`."""
    quarter = Quarter.of(today)
    over_time = []
    for (_, rated, good), each in zip(raw["good_over_time"], quarter.last(QUARTERS_SHOWN), strict=True):
        over_time.append([str(each), each.end, rated, _count(good), percent(_count(good), rated)])
    ((visits, visited),) = raw["visits_completed"]
    states = {
        state: (count, _count(in_quarter), _count(before)) for state, count, in_quarter, before in raw["due_states"]
    }
    still_due = sum(v[1] for v in states.values())
    escalations = {(level, status): count for level, status, count in raw["escalations_by_level"]}
    levels = []
    for level in range(1, 6):
        if level == 3:
            levels += [[f"Level 3 – {s.label}", escalations.get((3, s.value), 0)] for s in SuspensionStatus]
        else:
            levels.append([f"Level {level}", escalations.get((level, None), 0)])
    ((improved, same, declined, good_before, good_after, not_rated, none_since),) = raw["before_and_after"]
    return {
        "ratings_by_district": _ratings_rows(_by_rating(raw["ratings_by_district"], lambda g: g or NO_DISTRICT)),
        "ratings_by_service_type": _ratings_rows(_by_rating(raw["ratings_by_type"], lambda g: ServiceType(g).label)),
        "good_over_time": over_time,
        "visits_this_quarter": [
            ["Routine visits completed in the quarter", visits],
            ["Services visited in the quarter", visited],
            ["Services whose routine visit falls due in the quarter, not yet done", still_due],
            ["Services due in the quarter: visited, or still due", visited + still_due],
            [
                "Services whose visit fell due before the quarter and is still outstanding",
                sum(v[2] for v in states.values()),
            ],
        ],  # fmt: skip
        "visits_by_due_state": [[s.label, states.get(s.value, (0, 0, 0))[0]] for s in DueState],
        "actions_by_rag": _rag_rows(raw["actions_by_rag"]),
        "escalations_by_level": levels,
        "flags_by_kind": _flag_rows(raw["flags_by_kind"]),
        "ratings_before_after": [
            ["Improved", _count(improved)],
            ["Stayed the same", _count(same)],
            ["Declined", _count(declined)],
            ["Good or better before the visit", _count(good_before)],
            ["Good or better at the next rating", _count(good_after)],
            ["Not rated before the visit (left out above)", _count(not_rated)],
            ["No CQC Overall published since the visit (left out above)", _count(none_since)],
        ],  # fmt: skip
    }


def caseload_rows(raw: dict[str, list[tuple]]) -> dict[str, list[list]]:
    """The caseload dashboard's tables (by name) as rows, from `run` over `caseload_statements`."""
    states = dict(raw["due_states"])
    return {
        "due_states": [[s.label, states.get(s.value, 0)] for s in DueState],
        "overdue_visits": [[name, _day(due), days, overall or ""] for name, due, days, overall in raw["overdue"]],
        "actions_by_rag": _rag_rows(raw["actions_by_rag"]),
        "escalations": [
            [name, level, SuspensionStatus(status).label if status else ""]
            for name, level, status in raw["escalations"]
        ],
        "flags_by_kind": _flag_rows(raw["flags_by_kind"]),
    }


def same_figures(tables, shaped: dict[str, list[list]]) -> dict[str, bool]:
    """For each dashboard table: did the raw SQL give the same rows?"""
    return {table.name: [list(row) for row in table.rows] == shaped.get(table.name) for table in tables}
