"""Action plans across services: filter, page and export actions, with RAG worked out in SQL."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager

from provider_monitor.enums import RAG, ActionStatus, Role
from provider_monitor.models.action import Action
from provider_monitor.models.provider import Provider
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.services import action_rules
from provider_monitor.services.register import Page
from provider_monitor.services.visibility import services_visible_to

MINE, ALL = "mine", "all"
NO_KEY_QUESTION = "none"
RAG_ORDER = {RAG.RED: 0, RAG.AMBER: 1, RAG.GREEN: 2}


@dataclass(frozen=True)
class PlanFilters:
    whose: str = ALL
    service_text: str | None = None
    provider_text: str | None = None
    provider_id: int | None = None
    key_question: str | None = None  # a KeyQuestion value, or NO_KEY_QUESTION
    kind: str | None = None
    priority: str | None = None
    status: str | None = None
    rag: str | None = None
    due_from: date | None = None
    due_to: date | None = None
    include_verified: bool = False
    service_id: int | None = None
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class PlanRow:
    """An action as a row of a plan, with its RAG on the day asked about."""

    action: Action
    rag: RAG


@dataclass(frozen=True)
class PlanPage(Page):
    rag_counts: dict | None = None


def default_whose(viewer: User) -> str:
    """Contract managers and officers start with their own services; managers and admins with all."""
    return MINE if viewer.role in (Role.CONTRACT_MANAGER, Role.OFFICER) else ALL


def rag_case(today: date) -> sa.Case:
    """action_rules.rag as SQL: green when verified, red when the provider owes something past its due date."""
    return sa.case(
        (Action.status == ActionStatus.VERIFIED, RAG.GREEN.value),
        (sa.and_(Action.status.in_(sorted(action_rules.AWAITING_PROVIDER)), Action.due_on < today), RAG.RED.value),
        else_=RAG.AMBER.value,
    )


def _rag_rank(today: date) -> sa.Case:
    """Red first, then amber, then green."""
    return sa.case(*((rag_case(today) == rag.value, rank) for rag, rank in RAG_ORDER.items()), else_=3)


def _mine(viewer: User):
    if viewer.role == Role.CONTRACT_MANAGER:
        return Service.contract_manager_id == viewer.id
    if viewer.role == Role.OFFICER:
        return Service.link_officer_id == viewer.id
    return sa.or_(Service.contract_manager_id == viewer.id, Service.link_officer_id == viewer.id)


def _name_contains(column, text: str):
    needle = text.replace("\x00", "").strip().lower()
    return sa.func.lower(column).contains(needle, autoescape=True)


def _conditions(viewer: User, filters: PlanFilters, today: date) -> list:
    exact = {
        Service.provider_id: filters.provider_id, Action.kind: filters.kind, Action.priority: filters.priority,
        Action.status: filters.status, Action.service_id: filters.service_id,
    }  # fmt: skip
    conditions = [column == value for column, value in exact.items() if value]
    if filters.whose == MINE:
        conditions.append(_mine(viewer))
    if filters.service_text:
        conditions.append(_name_contains(Service.name, filters.service_text))
    if filters.provider_text:
        conditions.append(_name_contains(Provider.name, filters.provider_text))
    if filters.key_question == NO_KEY_QUESTION:
        conditions.append(Action.key_question.is_(None))
    elif filters.key_question:
        conditions.append(Action.key_question == filters.key_question)
    if filters.rag:
        conditions.append(rag_case(today) == filters.rag)
    if filters.due_from:
        conditions.append(Action.due_on >= filters.due_from)
    if filters.due_to:
        conditions.append(Action.due_on <= filters.due_to)
    # Asking for verified actions by status or by green RAG shows them without ticking the box as well.
    asked_for_verified = filters.status == ActionStatus.VERIFIED or filters.rag == RAG.GREEN
    if not (filters.include_verified or asked_for_verified):
        conditions.append(Action.status != ActionStatus.VERIFIED)
    return conditions


def _filtered(viewer: User, filters: PlanFilters, today: date) -> sa.Select:
    visible = services_visible_to(viewer).with_only_columns(Service.id)
    return (
        sa.select(Action)
        .join(Action.service)
        .join(Service.provider)
        .where(Action.service_id.in_(visible), *_conditions(viewer, filters, today))
    )


def _ordered(stmt: sa.Select, today: date) -> sa.Select:
    return stmt.order_by(_rag_rank(today), Action.due_on, Service.name, Action.id).options(
        contains_eager(Action.service).contains_eager(Service.provider)
    )


def _rows(actions, today: date) -> list[PlanRow]:
    return [PlanRow(action, action_rules.rag(action.status, action.due_on, today)) for action in actions]


def search(session: Session, viewer: User, filters: PlanFilters, today: date) -> PlanPage:
    """One page of actions, red first then by due date, with counts by RAG: two queries whatever the size."""
    stmt = _filtered(viewer, filters, today)
    rag = rag_case(today).label("rag")
    counts = {RAG(value): n for value, n in session.execute(stmt.with_only_columns(rag, sa.func.count()).group_by(rag))}
    total = sum(counts.values())
    page = min(max(1, filters.page), max(1, math.ceil(total / filters.per_page)))
    actions = session.scalars(_ordered(stmt, today).limit(filters.per_page).offset((page - 1) * filters.per_page))
    return PlanPage(
        items=_rows(actions, today), total=total, page=page, per_page=filters.per_page,
        rag_counts={colour: counts.get(colour, 0) for colour in RAG_ORDER},
    )  # fmt: skip


def export_rows(session: Session, viewer: User, filters: PlanFilters, today: date) -> Iterator[PlanRow]:
    """Every action matching the filters, in the page's order, streamed."""
    stmt = _ordered(_filtered(viewer, filters, today), today).execution_options(yield_per=500)
    for action in session.scalars(stmt):
        yield PlanRow(action, action_rules.rag(action.status, action.due_on, today))


def open_actions_for_service(session: Session, viewer: User, service_id: int, today: date) -> list[PlanRow]:
    """A service's actions not yet verified, red first then by due date (for the service page)."""
    stmt = _filtered(viewer, PlanFilters(service_id=service_id), today)
    return _rows(session.scalars(_ordered(stmt, today)), today)


def plan_rag_by_service(session: Session, service_ids_select: sa.Select, today: date) -> dict[int, RAG]:
    """Each service's plan RAG (as action_rules.plan_rag) in one query; services with no actions are left out."""
    worst = sa.func.min(_rag_rank(today))
    stmt = (
        sa.select(Action.service_id, worst).where(Action.service_id.in_(service_ids_select)).group_by(Action.service_id)
    )
    by_rank = {rank: rag for rag, rank in RAG_ORDER.items()}
    return {service_id: by_rank[rank] for service_id, rank in session.execute(stmt)}
