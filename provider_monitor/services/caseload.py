"""An officer's caseload: their services, most urgent visit first, with the monitoring picture of each."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.enums import RAG, DueState, PolicyBand, ServiceStatus, ServiceType, VisitStatus
from provider_monitor.models.action import Action
from provider_monitor.models.area import District
from provider_monitor.models.rating import RatingSnapshot
from provider_monitor.models.service import Service
from provider_monitor.models.visit import Visit
from provider_monitor.services import action_rules
from provider_monitor.services.rating_rules import is_rating
from provider_monitor.services.register import Page
from provider_monitor.services.visit_policy import due_dates, latest_local_ratings
from provider_monitor.services.visit_rules import Due, Policy

PER_PAGE = 50


@dataclass(frozen=True)
class CaseloadFilters:
    # Services this member of staff is link officer or contract manager for; None is every service.
    owner_id: int | None = None
    due_state: DueState | None = None
    district_code: str | None = None
    service_type: ServiceType | str | None = None
    text: str | None = None


@dataclass(frozen=True)
class ActionSummary:
    """A service's open actions: how many are pending and overdue, and the plan's RAG."""

    pending: int = 0
    overdue: int = 0

    @property
    def rag(self) -> RAG | None:
        """Red if any is overdue, amber if any is pending; None when nothing is open."""
        if self.overdue:
            return RAG.RED
        return RAG.AMBER if self.pending else None


@dataclass(frozen=True)
class Row:
    """One service on the caseload."""

    service_id: int
    name: str
    service_type: ServiceType
    district: str | None
    cqc_overall: str | None
    local_rating: str | None
    due: Due
    next_planned_on: date | None
    actions: ActionSummary

    @property
    def interval_text(self) -> str:
        return interval_text(self.due, self.cqc_overall, self.local_rating)


@dataclass(frozen=True)
class Caseload:
    """Every matching service, most urgent first, and how many stand in each due state."""

    rows: list[Row]
    counts: dict[DueState, int]

    def page(self, number: int, per_page: int = PER_PAGE) -> Page:
        pages = max(1, math.ceil(len(self.rows) / per_page))
        number = min(max(1, number), pages)
        start = (number - 1) * per_page
        return Page(items=self.rows[start : start + per_page], total=len(self.rows), page=number, per_page=per_page)


def _conditions(filters: CaseloadFilters) -> list:
    conditions = [Service.status == ServiceStatus.ACTIVE]
    if filters.owner_id is not None:
        conditions.append(
            sa.or_(Service.link_officer_id == filters.owner_id, Service.contract_manager_id == filters.owner_id)
        )
    if filters.district_code:
        conditions.append(Service.district_code == filters.district_code)
    if filters.service_type:
        conditions.append(Service.service_type == filters.service_type)
    if filters.text:
        needle = filters.text.replace("\x00", "").strip().lower()
        conditions.append(sa.func.lower(Service.name).contains(needle, autoescape=True))
    return conditions


def next_planned_visits(service_ids: sa.Select, today: date) -> sa.Select:
    """(service_id, the earliest planned visit on or after today)."""
    return (
        sa.select(Visit.service_id, sa.func.min(Visit.planned_on))
        .where(Visit.service_id.in_(service_ids), Visit.status == VisitStatus.PLANNED, Visit.planned_on >= today)
        .group_by(Visit.service_id)
    )


def action_summaries(service_ids: sa.Select, today: date) -> sa.Select:
    """(service_id, pending actions, overdue actions), using the action rules' meaning of overdue."""
    overdue = sa.and_(Action.status.in_(action_rules.AWAITING_PROVIDER), Action.due_on < today)
    return (
        sa.select(Action.service_id, sa.func.count(), sa.func.sum(sa.case((overdue, 1), else_=0)))
        .where(Action.service_id.in_(service_ids), Action.status.in_(action_rules.PENDING))
        .group_by(Action.service_id)
    )


def _extras(session: Session, ids: sa.Select, today: date) -> tuple[dict, dict, dict]:
    """Local ratings, next planned visits and action summaries: three queries, however many services."""
    local = {sid: str(rating) for sid, rating in session.execute(latest_local_ratings(ids))}
    planned = dict(session.execute(next_planned_visits(ids, today)).all())
    actions = {
        sid: ActionSummary(pending=pending, overdue=int(overdue or 0))
        for sid, pending, overdue in session.execute(action_summaries(ids, today))
    }
    return local, planned, actions


def caseload(session: Session, filters: CaseloadFilters, today: date, policy: Policy | None = None) -> Caseload:
    """The caseload: a fixed number of queries (about nine), sorted by urgency in Python."""
    conditions = _conditions(filters)
    ids = sa.select(Service.id).where(*conditions)
    services = session.execute(
        sa.select(
            Service.id, Service.name, Service.service_type, District.name.label("district"), RatingSnapshot.overall
        )
        .outerjoin(District, District.code == Service.district_code)
        .outerjoin(RatingSnapshot, sa.and_(RatingSnapshot.service_id == Service.id, RatingSnapshot.is_current))
        .where(*conditions)
    ).all()
    if not services:
        return Caseload(rows=[], counts=dict.fromkeys(DueState, 0))
    dues = due_dates(session, ids, today, policy=policy)
    local, planned, actions = _extras(session, ids, today)
    rows = [
        Row(
            service_id=s.id,
            name=s.name,
            service_type=s.service_type,
            district=s.district,
            cqc_overall=s.overall,
            local_rating=local.get(s.id),
            due=dues[s.id],
            next_planned_on=planned.get(s.id),
            actions=actions.get(s.id, ActionSummary()),
        )  # fmt: skip
        for s in services
    ]
    counted = Counter(row.due.state for row in rows)
    if filters.due_state:
        rows = [row for row in rows if row.due.state == filters.due_state]
    rows.sort(key=lambda row: (*row.due.urgency, row.name.lower(), row.service_id))
    return Caseload(rows=rows, counts={state: counted.get(state, 0) for state in DueState})


def due_state_counts(
    session: Session, today: date, policy: Policy | None = None, service_ids: sa.Select | None = None
) -> dict[DueState, int]:
    """How many active services stand in each due state under a policy (the policy page's effect)."""
    ids = service_ids if service_ids is not None else sa.select(Service.id).where(*_conditions(CaseloadFilters()))
    counted = Counter(due.state for due in due_dates(session, ids, today, policy=policy).values())
    return {state: counted.get(state, 0) for state in DueState}


@dataclass(frozen=True)
class Monitoring:
    """The service page's monitoring summary."""

    due: Due
    cqc_overall: str | None
    local_rating: str | None
    next_planned_on: date | None
    actions: ActionSummary

    @property
    def interval_text(self) -> str:
        return interval_text(self.due, self.cqc_overall, self.local_rating)


def service_monitoring(session: Session, service_id: int, today: date) -> Monitoring:
    """One service's next routine visit, planned visit and open actions (a fixed number of queries)."""
    ids = sa.select(sa.literal(service_id))
    due = due_dates(session, ids, today)[service_id]
    overall = session.scalar(
        sa.select(RatingSnapshot.overall).where(RatingSnapshot.service_id == service_id, RatingSnapshot.is_current)
    )
    local, planned, actions = _extras(session, ids, today)
    return Monitoring(
        due=due, cqc_overall=overall, local_rating=local.get(service_id), next_planned_on=planned.get(service_id),
        actions=actions.get(service_id, ActionSummary()),
    )  # fmt: skip


def interval_text(due: Due, cqc_overall: str | None, local_rating: str | None) -> str:
    """'Every 12 months — Good (worse of CQC Overall Good and local rating Good)'."""
    months = "Every month" if due.interval_months == 1 else f"Every {due.interval_months} months"
    text = f"{months} — {due.band.label} ({_band_reason(due.band, cqc_overall, local_rating)})"
    if due.tightened_by_escalation:
        text += f", tightened while at escalation level {due.escalation_level}"
    return text


def _band_reason(band: PolicyBand, cqc_overall: str | None, local_rating: str | None) -> str:
    cqc = cqc_overall if is_rating(cqc_overall) else None
    local = local_rating if is_rating(local_rating) else None
    if cqc and local:
        return f"worse of CQC Overall {cqc} and local rating {local}"
    if cqc:
        return f"CQC Overall {cqc}; no local rating yet"
    if local:
        return f"local rating {local}; no CQC Overall rating"
    if band == PolicyBand.UNREGULATED:
        return "no local rating yet"
    return "no CQC Overall or local rating yet"
