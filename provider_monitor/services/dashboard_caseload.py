"""An officer's caseload dashboard: their services' visits, actions, escalations and flags, as tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.enums import DueState, ServiceStatus
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.services import caseload as caseload_service
from provider_monitor.services.dashboard_market import open_actions_by_rag, open_flags_by_kind
from provider_monitor.services.dashboards import Table
from provider_monitor.services.escalations import current_levels

OVERDUE_SHOWN = 10


@dataclass
class CaseloadDashboard:
    officer: User
    tables: list[Table]


def _services_of(officer_id: int) -> sa.Select:
    """The same services as the officer's caseload page: link officer or contract manager of, still active."""
    return sa.select(Service.id).where(
        Service.status == ServiceStatus.ACTIVE,
        sa.or_(Service.link_officer_id == officer_id, Service.contract_manager_id == officer_id),
    )


def _overdue(rows) -> Table:
    overdue = [row for row in rows if row.due.state == DueState.OVERDUE][:OVERDUE_SHOWN]
    return Table(
        name="overdue_visits", caption=f"Overdue visits (longest overdue first, up to {OVERDUE_SHOWN})",
        header=["Service", "Visit was due", "Days overdue", "CQC Overall"],
        rows=[[row.name, row.due.due_on, row.due.days_overdue, row.cqc_overall or ""] for row in overdue],
        counted="Services whose next routine visit is past its due date.",
    )  # fmt: skip


def _escalations(session: Session, services: dict[int, str], ids: sa.Select) -> Table:
    levels = current_levels(session, ids)
    rows = [
        [services[sid], level, status.label if status else ""]
        for sid, (level, status) in levels.items()
        if level > 0 and sid in services
    ]
    rows.sort(key=lambda row: (-row[1], row[0].lower()))
    return Table(
        name="escalations", caption="Escalations on these services", header=["Service", "Level", "Suspension"],
        rows=rows,
        counted="Services under an open escalation above level 0, their own or their provider's (the higher).",
    )  # fmt: skip


def caseload_dashboard(session: Session, officer: User, today: date) -> CaseloadDashboard:
    """A fixed number of queries (about fifteen), however many services the officer has."""
    ids = _services_of(officer.id)
    result = caseload_service.caseload(session, caseload_service.CaseloadFilters(owner_id=officer.id), today)
    states = Table(
        name="due_states", caption="Next routine visits by due state", header=["Due state", "Services"],
        rows=[[state.label, count] for state, count in result.counts.items()], count_column=1,
        counted="The officer's active services (link officer or contract manager) by their next routine visit.",
    )  # fmt: skip
    names = {row.service_id: row.name for row in result.rows}
    tables = [
        states, _overdue(result.rows), open_actions_by_rag(session, today, ids), _escalations(session, names, ids),
        open_flags_by_kind(session, ids),
    ]  # fmt: skip
    return CaseloadDashboard(officer=officer, tables=tables)
