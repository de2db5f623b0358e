"""The register of services: search, filter, sort, page and export."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload, selectinload

from provider_monitor.enums import KeyQuestion, Sector, SuspensionStatus
from provider_monitor.models.area import District
from provider_monitor.models.escalation import Escalation
from provider_monitor.models.provider import Provider
from provider_monitor.models.rating import RatingSnapshot
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.services.escalation_rules import SUSPENSION_LEVEL
from provider_monitor.services.visibility import services_visible_to

RANKED = {"Outstanding": 4, "Good": 3, "Requires improvement": 2, "Inadequate": 1}
NO_RATING = "none"
# Escalation filter values: "0" is routine monitoring (no open escalation), "above" any level from 1.
ESCALATION_LEVELS = ("0", "1", "2", "3", "4", "5")
ABOVE_ROUTINE = "above"
ESCALATION_FILTERS = (*ESCALATION_LEVELS, ABOVE_ROUTINE)


def rating_rank(question: KeyQuestion):
    """The current rating of one key question as 1 (Inadequate) … 4 (Outstanding); NULL when not rated."""
    return sa.case(RANKED, value=getattr(RatingSnapshot, question.value), else_=None)


# Sort key → (label, column). The id tiebreak keeps paging stable when names repeat.
SORTABLE_COLUMNS = {
    "name": ("Service name", Service.name),
    "provider": ("Provider", Provider.name),
    "type": ("Service type", Service.service_type),
    "district": ("District", District.name),
    "town": ("Town", Service.town),
    "postcode": ("Postcode", Service.postcode),
    "registration": ("Registration status", Service.registration_status),
    # Rating sorts put the worst first (ascending rank); services with no rating come last.
    **{f"rating_{q.value}": (f"CQC {q.label} rating", rating_rank(q)) for q in KeyQuestion},
}


@dataclass(frozen=True)
class RegisterFilters:
    text: str | None = None
    service_type: str | None = None
    district_code: str | None = None
    sector: str | None = None  # "internal" (council-run) or "external"
    regulated: bool | None = None
    registration_status: str | None = None
    link_officer_id: int | None = None
    contract_manager_id: int | None = None
    cqc_location_id: str | None = None
    provider_id: int | None = None
    rating_question: str = KeyQuestion.OVERALL.value
    rating: str | None = None  # Outstanding … Inadequate, or "none" for no published rating
    escalation_level: str | None = None  # one of ESCALATION_FILTERS
    suspension: str | None = None  # "red" or "amber"
    sort: str = "name"
    direction: str = "asc"
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


CQC_ID = re.compile(r"^1-[0-9]+$")
POSTCODE_START = re.compile(r"^[a-z0-9]{1,2}$|^[a-z]{1,2}[0-9][a-z0-9]*$")


def _text_condition(text: str):
    """Name or town contains the text; or it is a CQC id; or it starts a postcode."""
    needle = text.replace("\x00", "").strip().lower()  # PostgreSQL refuses NUL in text
    compact = needle.replace(" ", "")
    conditions = [
        sa.func.lower(Service.name).contains(needle, autoescape=True),
        sa.func.lower(Service.town).contains(needle, autoescape=True),
    ]
    # Only look where the text could be: fewer OR branches keep the search cheap at England scale.
    if CQC_ID.match(compact):
        conditions += [
            sa.func.lower(Service.cqc_location_id) == compact,
            sa.func.lower(Provider.cqc_provider_id) == compact,
        ]
    if POSTCODE_START.match(compact):
        conditions.append(
            sa.func.lower(sa.func.replace(Service.postcode, " ", "")).startswith(compact, autoescape=True)
        )
    return sa.or_(*conditions)


def _conditions(filters: RegisterFilters) -> list:
    exact = {
        Service.service_type: filters.service_type,
        Service.district_code: filters.district_code,
        Service.registration_status: filters.registration_status,
        Service.link_officer_id: filters.link_officer_id,
        Service.contract_manager_id: filters.contract_manager_id,
        Service.cqc_location_id: filters.cqc_location_id,
        Service.provider_id: filters.provider_id,
    }
    conditions = [column == value for column, value in exact.items() if value]
    if filters.text:
        conditions.append(_text_condition(filters.text))
    if filters.sector == "internal":
        conditions.append(Provider.sector == Sector.COUNCIL_RUN)
    elif filters.sector == "external":
        conditions.append(Provider.sector != Sector.COUNCIL_RUN)
    if filters.regulated is not None:
        conditions.append(Service.regulated.is_(filters.regulated))
    if filters.rating:
        rank = rating_rank(KeyQuestion(filters.rating_question))
        conditions.append(rank.is_(None) if filters.rating == NO_RATING else rank == RANKED[filters.rating])
    conditions += _escalation_conditions(filters)
    return conditions


# --- Escalation in force --------------------------------------------------------------------------
# A service's level is the higher of its own open escalation and its provider's provider-wide one; at
# level 3 red outranks amber. The page, the filters, the CSV and the API all read it from here.


def _open_escalations(service_ids: list[int] | None = None) -> sa.Subquery:
    """One row per (service, open escalation that covers it): its own, and its provider's provider-wide one."""
    own = sa.select(
        Escalation.service_id.label("service_id"), Escalation.id.label("escalation_id"), Escalation.level,
        Escalation.suspension_status, Escalation.next_review_on, sa.literal(0).label("provider_wide"),
    ).where(Escalation.closed_on.is_(None), Escalation.service_id.is_not(None))  # fmt: skip
    covered = aliased(Service)
    provider_wide = (
        sa.select(
            covered.id,
            Escalation.id,
            Escalation.level,
            Escalation.suspension_status,
            Escalation.next_review_on,
            sa.literal(1),
        )
        .join(Escalation, (Escalation.provider_id == covered.provider_id) & Escalation.service_id.is_(None))
        .where(Escalation.closed_on.is_(None))
    )
    if service_ids is not None:
        own = own.where(Escalation.service_id.in_(service_ids))
        provider_wide = provider_wide.where(covered.id.in_(service_ids))
    return sa.union_all(own, provider_wide).subquery("open_escalation")


def _levels_in_force() -> sa.Subquery:
    """Per escalated service: the level in force, and 1 when a red suspension is among those at level 3."""
    rows = _open_escalations()
    red = sa.case(
        ((rows.c.level == SUSPENSION_LEVEL) & (rows.c.suspension_status == SuspensionStatus.RED.value), 1), else_=0
    )
    return (
        sa.select(rows.c.service_id, sa.func.max(rows.c.level).label("level"), sa.func.max(red).label("red"))
        .group_by(rows.c.service_id)
        .subquery("level_in_force")
    )


def _escalation_conditions(filters: RegisterFilters) -> list:
    """The escalation filters as `service.id IN (…)`, so they need no join and count the same way."""
    if not filters.escalation_level and not filters.suspension:
        return []
    levels = _levels_in_force()
    escalated = sa.select(levels.c.service_id)
    conditions = []
    if filters.escalation_level == "0":
        conditions.append(Service.id.not_in(escalated.where(levels.c.level > 0)))
    elif filters.escalation_level == ABOVE_ROUTINE:
        conditions.append(Service.id.in_(escalated.where(levels.c.level > 0)))
    elif filters.escalation_level:
        conditions.append(Service.id.in_(escalated.where(levels.c.level == int(filters.escalation_level))))
    if filters.suspension:
        red = 1 if filters.suspension == SuspensionStatus.RED.value else 0
        conditions.append(Service.id.in_(escalated.where(levels.c.level == SUSPENSION_LEVEL, levels.c.red == red)))
    return conditions


@dataclass(frozen=True)
class EscalationInForce:
    """The open escalation that sets a service's level: its own, or its provider's provider-wide one."""

    escalation_id: int
    level: int
    suspension_status: SuspensionStatus | None
    next_review_on: date | None
    provider_wide: bool


def escalations_in_force(session: Session, service_ids: list[int]) -> dict[int, EscalationInForce]:
    """The escalation in force for each of these services (escalated ones only): one query."""
    if not service_ids:
        return {}
    rows = _open_escalations(list(service_ids))
    found: dict[int, EscalationInForce] = {}
    for service_id, escalation_id, level, status, next_review_on, provider_wide in session.execute(sa.select(rows)):
        status = SuspensionStatus(status) if status else None
        candidate = EscalationInForce(escalation_id, level, status, next_review_on, bool(provider_wide))
        held = found.get(service_id)
        if held is None or _outranks(candidate, held):
            found[service_id] = candidate
    return found


def _outranks(candidate: EscalationInForce, held: EscalationInForce) -> bool:
    """Higher level first; at the same level red beats amber, then the older escalation stands."""

    def rank(item: EscalationInForce):
        return (item.level, item.suspension_status == SuspensionStatus.RED, -item.escalation_id)

    return rank(candidate) > rank(held)


def _needs_ratings(filters: RegisterFilters) -> bool:
    return bool(filters.rating) or filters.sort.startswith("rating_")


def _filtered(viewer: User, filters: RegisterFilters, *, joins: bool = True) -> sa.Select:
    stmt = services_visible_to(viewer)
    if joins:
        stmt = stmt.join(Service.provider).outerjoin(Service.district)
    if _needs_ratings(filters):
        stmt = stmt.outerjoin(RatingSnapshot, (RatingSnapshot.service_id == Service.id) & RatingSnapshot.is_current)
    return stmt.where(*_conditions(filters))


def _ordered(stmt: sa.Select, filters: RegisterFilters) -> sa.Select:
    _, column = SORTABLE_COLUMNS.get(filters.sort, SORTABLE_COLUMNS["name"])
    if filters.direction == "desc":
        return stmt.order_by(column.desc().nulls_last(), Service.id.desc())
    return stmt.order_by(column.asc().nulls_last(), Service.id.asc())


def _with_related(stmt: sa.Select) -> sa.Select:
    link_officer, contract_manager = aliased(User), aliased(User)
    return stmt.options(
        contains_eager(Service.provider),
        contains_eager(Service.district),
        joinedload(Service.ward),
        joinedload(Service.link_officer.of_type(link_officer)),
        joinedload(Service.contract_manager.of_type(contract_manager)),
        selectinload(Service.current_rating),
    )


def _count(session: Session, viewer: User, filters: RegisterFilters) -> int:
    """How many services match, joining the provider only when a filter needs it."""
    stmt = _filtered(viewer, filters, joins=False)
    if filters.text or filters.sector in ("internal", "external"):
        stmt = stmt.join(Service.provider)
    return session.scalar(stmt.with_only_columns(sa.func.count(Service.id)))


def search(session: Session, viewer: User, filters: RegisterFilters) -> Page:
    """One page of the register, filtered and sorted: two queries whatever the size."""
    stmt = _filtered(viewer, filters)
    total = _count(session, viewer, filters)
    page = min(max(1, filters.page), max(1, math.ceil(total / filters.per_page)))
    rows = session.scalars(
        _with_related(_ordered(stmt, filters)).limit(filters.per_page).offset((page - 1) * filters.per_page)
    )
    return Page(items=list(rows.unique()), total=total, page=page, per_page=filters.per_page)


def export_rows(
    session: Session, viewer: User, filters: RegisterFilters
) -> Iterator[tuple[Service, int, SuspensionStatus | None]]:
    """Every service matching the filters with its escalation level and suspension, in the register's order."""
    levels = _levels_in_force()
    at_suspension = levels.c.level == SUSPENSION_LEVEL
    suspension = sa.case(
        (at_suspension & (levels.c.red == 1), SuspensionStatus.RED.value),
        (at_suspension, SuspensionStatus.AMBER.value),
        else_=None,
    )
    stmt = (
        _with_related(_ordered(_filtered(viewer, filters), filters))
        .outerjoin(levels, levels.c.service_id == Service.id)
        .add_columns(sa.func.coalesce(levels.c.level, 0), suspension)
        .execution_options(yield_per=500)
    )
    for service, level, status in session.execute(stmt):
        yield service, level, SuspensionStatus(status) if status else None


def district_choices(session: Session) -> list[tuple[str, str]]:
    return [(d.code, d.name) for d in session.scalars(sa.select(District).order_by(District.name))]
