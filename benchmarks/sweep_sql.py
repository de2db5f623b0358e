"""Raw SQL that selects the flag sets a sweep should leave open: the floor the sweep is compared with.

One statement per flag kind (visits: one statement for all three kinds), written by hand for SQLite and
PostgreSQL; enum columns hold their values ('active', 'decline'…). Each gives (kind, subject key) rows, the
same natural keys the sweep stores ("service:12", "action:55", "rating_change:7", "escalation:3", "timer:9"),
so the two can be compared flag for flag. What it computes, as of `today`:

- visit overdue / due soon / never visited, for active services: the visit policy's due date in SQL — the
  last logged routine visit (planned, or a full quality visit) plus the band's interval in months (day of the
  month clamped, as `add_months`), the band the worse of the current CQC Overall and the newest local rating
  (not yet rated / unregulated without either), the interval capped at 3 months at escalation levels 1–2 and
  1 month at 3–5 (the higher of the service's own and its provider-wide open escalation); never visited: due
  from the registration date (or the day it joined the register) plus the grace days. The policy's numbers
  are passed in as parameters;
- CQC rating decline: declines dated in the last 90 days (up to today) of active services, unless the current
  snapshot now rates that key question higher than the decline left it;
- action overdue: actions the provider still owes (open, in progress, returned) past their due date, on
  active services;
- escalation review overdue: open escalations past their next review date;
- escalation deadline missed: unmet deadlines past due on open escalations, except level reviews;
- contract expiring: active services whose contract ends within 90 days or has ended;
- CQC registration cancelled: active services CQC has deregistered.

It computes the sets only: no severity, no evidence text, nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from provider_monitor.enums import PolicyBand
from provider_monitor.services import flag_rules
from provider_monitor.services.visit_rules import Policy

LOGGED = "('draft', 'shared', 'final')"
AWAITING_PROVIDER = "('open', 'in_progress', 'returned')"
TIMERS_FLAGGED = "(" + ", ".join(f"'{kind.value}'" for kind in sorted(flag_rules.TIMERS_FLAGGED)) + ")"


def rank(column: str) -> str:
    return (
        f"CASE lower({column}) WHEN 'outstanding' THEN 4 WHEN 'good' THEN 3 "
        f"WHEN 'requires improvement' THEN 2 WHEN 'inadequate' THEN 1 END"
    )


@dataclass(frozen=True)
class Dates:
    """The date arithmetic the two databases spell differently."""

    add_days: str  # {d} + {n} days
    add_months: str  # {d} + {n} months, the day clamped to the month's last
    day_of: str  # a timestamp's date


SQLITE = Dates(
    add_days="date({d}, '+' || ({n}) || ' days')",
    # SQLite rolls 31 January + 1 month over to 3 March; take the earlier of that and the month's last day.
    add_months=(
        "MIN(date({d}, 'start of month', '+' || ({n}) || ' months', "
        "'+' || (CAST(strftime('%d', {d}) AS INTEGER) - 1) || ' days'), "
        "date({d}, 'start of month', '+' || (({n}) + 1) || ' months', '-1 day'))"
    ),
    day_of="date({d})",
)
POSTGRESQL = Dates(
    add_days="({d} + CAST({n} AS INTEGER))",
    add_months="CAST({d} + make_interval(months => CAST({n} AS INTEGER)) AS DATE)",
    day_of="CAST({d} AS DATE)",
)


ROUTINE = f"v.status IN {LOGGED} AND (v.kind = 'planned' OR v.full_quality_visit)"


def due_ctes(dates: Dates, narrow: str = "") -> str:
    """CTEs ending in `due` (id, name, overall, last_on, due_on): active services' due dates by the visit policy."""
    # `narrow` adds to the services' WHERE ("AND …" on `service s`): the caseload dashboard's officer, say.
    band_rank = (
        f"CASE WHEN {rank('lr.overall')} IS NULL THEN {rank('lr.local_rating')} "
        f"WHEN {rank('lr.local_rating')} IS NULL THEN {rank('lr.overall')} "
        f"WHEN {rank('lr.overall')} < {rank('lr.local_rating')} THEN {rank('lr.overall')} "
        f"ELSE {rank('lr.local_rating')} END"
    )
    months = (
        "CASE b.band_rank WHEN 4 THEN :m_outstanding WHEN 3 THEN :m_good WHEN 2 THEN :m_requires_improvement "
        "WHEN 1 THEN :m_inadequate ELSE CASE WHEN b.regulated THEN :m_not_yet_rated ELSE :m_unregulated END END"
    )
    capped = (
        f"CASE WHEN b.level BETWEEN 3 AND 5 AND ({months}) > :suspension_cap THEN :suspension_cap "
        f"WHEN b.level BETWEEN 1 AND 2 AND ({months}) > :enhanced_cap THEN :enhanced_cap ELSE ({months}) END"
    )
    since = f"COALESCE(s.registration_date, {dates.day_of.format(d='s.created_at')})"
    # Per service, correlated subqueries on the visit and escalation indexes: SQLite plans these far better
    # than joins to grouped or windowed subqueries (which it scans once per service). MATERIALIZED, so that
    # neither database copies the subqueries into each expression that uses their columns.
    return f"""
WITH facts AS MATERIALIZED (
  SELECT s.id, s.name, s.regulated, {since} AS since, r.overall,
    (SELECT MAX(v.visited_on) FROM visit v WHERE v.service_id = s.id AND {ROUTINE}) AS last_on,
    (SELECT v.local_rating FROM visit v
     WHERE v.service_id = s.id AND v.status IN {LOGGED} AND v.local_rating IS NOT NULL
     ORDER BY v.visited_on DESC, v.id DESC LIMIT 1) AS local_rating,
    COALESCE((SELECT MAX(e.level) FROM escalation e WHERE e.service_id = s.id AND e.closed_on IS NULL), 0) AS own_level,
    COALESCE((SELECT MAX(e.level) FROM escalation e
              WHERE e.provider_id = s.provider_id AND e.service_id IS NULL AND e.closed_on IS NULL), 0) AS wide_level
  FROM service s LEFT JOIN rating_snapshot r ON r.service_id = s.id AND r.is_current
  WHERE s.status = 'active' {narrow}
),
banded AS (
  SELECT id, name, overall, regulated, since, last_on,
         CASE WHEN own_level > wide_level THEN own_level ELSE wide_level END AS level, {band_rank} AS band_rank
  FROM facts AS lr
),
due AS (
  SELECT b.id, b.name, b.overall, b.last_on,
         CASE WHEN b.last_on IS NULL THEN {dates.add_days.format(d="b.since", n=":grace_days")}
              ELSE {dates.add_months.format(d="b.last_on", n=capped)} END AS due_on
  FROM banded b
)"""


VISIT_FLAGS = """
SELECT kind, 'service:' || id FROM (
  SELECT id, CASE
    WHEN last_on IS NULL AND due_on <= :today THEN 'never_visited'
    WHEN last_on IS NOT NULL AND due_on < :today THEN 'visit_overdue'
    WHEN due_on >= :today AND due_on <= :due_soon_end THEN 'visit_due_soon'
  END AS kind FROM due
) AS states WHERE kind IS NOT NULL
"""


def visits(dates: Dates) -> str:
    """Visit overdue, due soon and never visited, for every active service, in one statement."""
    return due_ctes(dates) + VISIT_FLAGS


QUESTION_COLUMN = (
    "CASE c.key_question WHEN 'overall' THEN r.overall WHEN 'safe' THEN r.safe WHEN 'effective' THEN r.effective "
    "WHEN 'caring' THEN r.caring WHEN 'responsive' THEN r.responsive WHEN 'well_led' THEN r.well_led END"
)
DECLINES = f"""
SELECT 'rating_decline', 'rating_change:' || c.id FROM rating_change c
JOIN service s ON s.id = c.service_id AND s.status = 'active'
LEFT JOIN rating_snapshot r ON r.service_id = c.service_id AND r.is_current
WHERE c.direction = 'decline' AND c.changed_on >= :decline_since AND c.changed_on <= :today
  AND NOT COALESCE({rank(QUESTION_COLUMN)} > {rank("c.to_rating")}, FALSE)
"""
ACTIONS = f"""
SELECT 'action_overdue', 'action:' || a.id FROM action a JOIN service s ON s.id = a.service_id
WHERE s.status = 'active' AND a.status IN {AWAITING_PROVIDER} AND a.due_on < :today
"""
REVIEWS = """
SELECT 'escalation_review_overdue', 'escalation:' || id FROM escalation
WHERE closed_on IS NULL AND next_review_on < :today
"""
TIMERS = f"""
SELECT 'escalation_timer_missed', 'timer:' || t.id FROM escalation_timer t JOIN escalation e ON e.id = t.escalation_id
WHERE e.closed_on IS NULL AND t.met_on IS NULL AND t.due_on < :today AND t.kind IN {TIMERS_FLAGGED}
"""
CONTRACTS = """
SELECT 'contract_expiring', 'service:' || id FROM service
WHERE status = 'active' AND contract_end <= :contract_notice_end
"""
DEREGISTERED = """
SELECT 'registration_cancelled', 'service:' || id FROM service
WHERE status = 'active' AND registration_status = 'deregistered'
"""


def statements(dialect: str) -> dict[str, str]:
    """Each flag kind's statement (the visit one covers three kinds), for 'sqlite' or 'postgresql'."""
    dates = POSTGRESQL if dialect == "postgresql" else SQLITE
    return {
        "visits": visits(dates),
        "declines": DECLINES,
        "actions": ACTIONS,
        "reviews": REVIEWS,
        "timers": TIMERS,
        "contracts": CONTRACTS,
        "deregistered": DEREGISTERED,
    }


def parameters(policy: Policy, today: date) -> dict:
    """The values the statements take: today, the windows around it, and the policy's numbers."""
    months = {f"m_{band.value}": policy.intervals[band] for band in PolicyBand}
    return {
        "today": today,
        "due_soon_end": today + timedelta(days=policy.due_soon_days),
        "decline_since": today - timedelta(days=flag_rules.RATING_DECLINE_WINDOW_DAYS),
        "contract_notice_end": today + timedelta(days=flag_rules.CONTRACT_NOTICE_DAYS),
        "grace_days": policy.never_visited_grace_days,
        "enhanced_cap": policy.enhanced_cap_months,
        "suspension_cap": policy.suspension_cap_months,
        **months,
    }


def flag_sets(engine: sa.Engine, policy: Policy, today: date) -> dict[str, set[str]]:
    """Run every statement on one connection, fetching every row: {kind value: {subject key}}."""
    params = parameters(policy, today)
    found: dict[str, set[str]] = {}
    with engine.connect() as connection:
        for statement in statements(engine.dialect.name).values():
            wanted = {name: value for name, value in params.items() if f":{name}" in statement}
            text = sa.text(statement).bindparams(
                *(
                    sa.bindparam(name, type_=sa.Date() if isinstance(value, date) else sa.Integer())
                    for name, value in wanted.items()
                )
            )
            for kind, subject in connection.execute(text, wanted).all():
                found.setdefault(kind, set()).add(subject)
        connection.rollback()
    return found
