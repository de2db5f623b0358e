"""Raw SQL that selects the rows each measured page shows: the floor the pages are compared with.

Written by hand for SQLite and PostgreSQL alike; enum columns hold their values ('planned', 'open'…).
Each query runs every statement it has and fetches every row, as a page has to.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

LOGGED = "('draft', 'shared', 'final')"
AWAITING_PROVIDER = "('open', 'in_progress', 'returned')"
RAG = (
    f"CASE WHEN a.status = 'verified' THEN 'green' WHEN a.status IN {AWAITING_PROVIDER} AND a.due_on < :today "
    "THEN 'red' ELSE 'amber' END"
)

# The caseload: each active service with its current CQC Overall, then (for those services) the last
# routine visit, latest local rating, next booked visit and open/overdue actions: the same rows
# services/caseload.py gathers, one statement each.
CASELOAD_SERVICES = """
SELECT s.id, s.name, s.service_type, s.regulated, s.registration_date, s.created_at, d.name AS district, r.overall
FROM service s
LEFT JOIN district d ON d.code = s.district_code
LEFT JOIN rating_snapshot r ON r.service_id = s.id AND r.is_current
WHERE s.status = 'active' {owner}
"""
CASELOAD_IDS = "SELECT id FROM service WHERE status = 'active' {owner}"
CASELOAD_EXTRAS = (
    f"""SELECT service_id, MAX(visited_on) FROM visit
    WHERE service_id IN ({CASELOAD_IDS}) AND status IN {LOGGED} AND (kind = 'planned' OR full_quality_visit)
    GROUP BY service_id""",
    f"""SELECT service_id, local_rating FROM (
      SELECT service_id, local_rating,
             ROW_NUMBER() OVER (PARTITION BY service_id ORDER BY visited_on DESC, id DESC) AS position
      FROM visit WHERE service_id IN ({CASELOAD_IDS}) AND status IN {LOGGED} AND local_rating IS NOT NULL
    ) AS ranked WHERE position = 1""",
    f"""SELECT service_id, MIN(planned_on) FROM visit
    WHERE service_id IN ({CASELOAD_IDS}) AND status = 'planned' AND planned_on >= :today GROUP BY service_id""",
    f"""SELECT service_id, COUNT(*),
           SUM(CASE WHEN status IN {AWAITING_PROVIDER} AND due_on < :today THEN 1 ELSE 0 END)
    FROM action WHERE service_id IN ({CASELOAD_IDS}) AND status <> 'verified' GROUP BY service_id""",
)

# Action plans: counts by RAG, then the first page, red first then by due date (services/action_plans.py).
PLAN_COUNTS = f"""
SELECT {RAG} AS rag, COUNT(*) FROM action a JOIN service s ON s.id = a.service_id
WHERE a.status <> 'verified' {{mine}} GROUP BY {RAG}
"""
PLAN_PAGE = f"""
SELECT a.id, a.description, a.key_question, a.kind, a.priority, a.due_on, a.status, a.owner, {RAG} AS rag,
       s.id AS service_id, s.name AS service_name, p.name AS provider_name
FROM action a JOIN service s ON s.id = a.service_id JOIN provider p ON p.id = s.provider_id
WHERE a.status <> 'verified' {{mine}}
ORDER BY CASE {RAG} WHEN 'red' THEN 0 WHEN 'amber' THEN 1 ELSE 2 END, a.due_on, s.name, a.id
LIMIT 50
"""

# The API's first pages (api/records.py), without the officers, findings and timelines they add.
VISIT_COUNT = "SELECT COUNT(v.id) FROM visit v JOIN service s ON s.id = v.service_id"
VISIT_PAGE = """
SELECT v.*, s.name AS service_name, s.cqc_location_id FROM visit v JOIN service s ON s.id = v.service_id
ORDER BY COALESCE(v.visited_on, v.planned_on) DESC NULLS LAST, v.id DESC LIMIT 50
"""
RED_ACTION_COUNT = f"SELECT COUNT(a.id) FROM action a JOIN service s ON s.id = a.service_id WHERE {RAG} = 'red'"
RED_ACTION_PAGE = f"""
SELECT a.*, s.name AS service_name, s.cqc_location_id FROM action a JOIN service s ON s.id = a.service_id
WHERE {RAG} = 'red' ORDER BY a.due_on, a.id LIMIT 50
"""


@dataclass(frozen=True)
class RawQuery:
    """Statements run in order on one connection, every row fetched; `listed` is the one the page lists."""

    statements: tuple[str, ...]
    listed: int = -1

    def run(self, engine: sa.Engine, params: dict) -> int:
        """Run them all; how many rows the listed statement gave."""
        counts = []
        with engine.connect() as connection:
            for statement in self.statements:
                text = sa.text(statement)
                wanted = {name: value for name, value in params.items() if f":{name}" in statement}
                text = text.bindparams(*(sa.bindparam(name, type_=_type(value)) for name, value in wanted.items()))
                counts.append(len(connection.execute(text, wanted).all()))
            connection.rollback()
        return counts[self.listed]


def _type(value):
    return sa.Date() if hasattr(value, "isoformat") else sa.Integer()


def _caseload(owner: str) -> RawQuery:
    services = CASELOAD_SERVICES.format(owner=owner.replace("link_", "s.link_").replace("contract_", "s.contract_"))
    return RawQuery((services, *(extra.format(owner=owner) for extra in CASELOAD_EXTRAS)), listed=0)


def raw_queries() -> dict[str, RawQuery]:
    mine_plans = "AND s.link_officer_id = :uid"
    return {
        "caseload_mine": _caseload("AND (link_officer_id = :uid OR contract_manager_id = :uid)"),
        "caseload_all": _caseload(""),
        "plans_mine": RawQuery((PLAN_COUNTS.format(mine=mine_plans), PLAN_PAGE.format(mine=mine_plans))),
        "plans_all": RawQuery((PLAN_COUNTS.format(mine=""), PLAN_PAGE.format(mine=""))),
        "api_visits": RawQuery((VISIT_COUNT, VISIT_PAGE)),
        "api_actions": RawQuery((RED_ACTION_COUNT, RED_ACTION_PAGE)),
    }
