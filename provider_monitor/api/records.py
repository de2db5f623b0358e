"""Finding visits and actions for the API: scoped to the viewer, filtered and paged in SQL."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager, selectinload

from provider_monitor.enums import PROVIDER_VISIBLE_REPORT_STATUSES
from provider_monitor.models.action import Action
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.models.visit import Visit
from provider_monitor.services.action_plans import rag_case
from provider_monitor.services.action_rules import PENDING
from provider_monitor.services.actions import visible_action_ids
from provider_monitor.services.exceptions import NotFound
from provider_monitor.services.register import Page
from provider_monitor.services.visibility import services_visible_to


@dataclass(frozen=True)
class VisitFilters:
    service_id: int | None = None
    cqc_location_id: str | None = None
    status: str | None = None
    kind: str | None = None
    visited_from: date | None = None
    visited_to: date | None = None
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class ActionFilters:
    service_id: int | None = None
    cqc_location_id: str | None = None
    status: str | None = None
    kind: str | None = None
    priority: str | None = None
    key_question: str | None = None
    rag: str | None = None
    due_from: date | None = None
    due_to: date | None = None
    open: bool | None = None  # True: not yet verified complete; False: verified
    page: int = 1
    per_page: int = 50


def _visible_service_ids(viewer: User) -> sa.ScalarSelect:
    return services_visible_to(viewer).with_only_columns(Service.id).scalar_subquery()


def paged(session: Session, stmt: sa.Select, ordered: sa.Select, count_of, page: int, per_page: int) -> Page:
    """A page past the end gives the last page, as the other API lists do."""
    total = session.scalar(stmt.with_only_columns(sa.func.count(count_of)).order_by(None))
    page = min(max(1, page), max(1, math.ceil(total / per_page)))
    rows = session.scalars(ordered.limit(per_page).offset((page - 1) * per_page))
    return Page(items=list(rows), total=total, page=page, per_page=per_page)


# --- Visits --------------------------------------------------------------------------------------


def _visits_visible_to(viewer: User) -> sa.Select:
    """Staff see every visit; a provider user only shared or final reports of their own services."""
    stmt = sa.select(Visit).join(Visit.service).where(Visit.service_id.in_(_visible_service_ids(viewer)))
    if not viewer.is_staff:
        stmt = stmt.where(Visit.status.in_(PROVIDER_VISIBLE_REPORT_STATUSES))
    return stmt


def _with_visit_details(stmt: sa.Select) -> sa.Select:
    """The service from the join; officers, findings and compliance one query each per page."""
    return stmt.options(
        contains_eager(Visit.service),
        selectinload(Visit.officers),
        selectinload(Visit.findings),
        selectinload(Visit.compliance),
    )


def search_visits(session: Session, viewer: User, filters: VisitFilters) -> Page:
    """Newest first (by the day visited, or planned for): five queries per page, whatever the size."""
    exact = {
        Visit.service_id: filters.service_id,
        Service.cqc_location_id: filters.cqc_location_id,
        Visit.status: filters.status,
        Visit.kind: filters.kind,
    }
    conditions = [column == value for column, value in exact.items() if value is not None]
    if filters.visited_from:
        conditions.append(Visit.visited_on >= filters.visited_from)
    if filters.visited_to:
        conditions.append(Visit.visited_on <= filters.visited_to)
    stmt = _visits_visible_to(viewer).where(*conditions)
    day = sa.func.coalesce(Visit.visited_on, Visit.planned_on)
    ordered = _with_visit_details(stmt.order_by(day.desc().nulls_last(), Visit.id.desc()))
    return paged(session, stmt, ordered, Visit.id, filters.page, filters.per_page)


def get_visit(session: Session, viewer: User, visit_id: int) -> Visit:
    """One visit the viewer may see; a missing and a forbidden visit are the same NotFound."""
    visit = session.scalar(_with_visit_details(_visits_visible_to(viewer).where(Visit.id == visit_id)))
    if visit is None:
        raise NotFound("visit")
    return visit


# --- Actions -------------------------------------------------------------------------------------


def _actions_visible_to(viewer: User) -> sa.Select:
    """Staff see every action; a provider user their own provider's, less those of reports not yet shared."""
    stmt = sa.select(Action).join(Action.service).where(Action.service_id.in_(_visible_service_ids(viewer)))
    if not viewer.is_staff:
        stmt = stmt.where(Action.id.in_(visible_action_ids(viewer)))
    return stmt


def _with_action_details(stmt: sa.Select) -> sa.Select:
    return stmt.options(contains_eager(Action.service), selectinload(Action.events))


def search_actions(session: Session, viewer: User, filters: ActionFilters, today: date) -> Page:
    """Soonest due first: three queries per page, whatever the size."""
    exact = {
        Action.service_id: filters.service_id,
        Service.cqc_location_id: filters.cqc_location_id,
        Action.status: filters.status,
        Action.kind: filters.kind,
        Action.priority: filters.priority,
        Action.key_question: filters.key_question,
    }
    conditions = [column == value for column, value in exact.items() if value is not None]
    if filters.rag:
        conditions.append(rag_case(today) == filters.rag)
    if filters.due_from:
        conditions.append(Action.due_on >= filters.due_from)
    if filters.due_to:
        conditions.append(Action.due_on <= filters.due_to)
    if filters.open is not None:
        pending = Action.status.in_(PENDING)
        conditions.append(pending if filters.open else sa.not_(pending))
    stmt = _actions_visible_to(viewer).where(*conditions)
    ordered = _with_action_details(stmt.order_by(Action.due_on, Action.id))
    return paged(session, stmt, ordered, Action.id, filters.page, filters.per_page)


def get_action(session: Session, viewer: User, action_id: int) -> Action:
    """One action of a service the viewer may see; otherwise NotFound."""
    action = session.scalar(_with_action_details(_actions_visible_to(viewer).where(Action.id == action_id)))
    if action is None:
        raise NotFound("action")
    return action
