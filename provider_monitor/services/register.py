"""The register of services: search, filter, sort, page and export."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload, selectinload

from provider_monitor.enums import KeyQuestion, Sector
from provider_monitor.models.area import District
from provider_monitor.models.provider import Provider
from provider_monitor.models.rating import RatingSnapshot
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.services.visibility import services_visible_to

RANKED = {"Outstanding": 4, "Good": 3, "Requires improvement": 2, "Inadequate": 1}
NO_RATING = "none"


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
    return conditions


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


def export_rows(session: Session, viewer: User, filters: RegisterFilters) -> Iterator[Service]:
    """Every service matching the filters, in the register's order, streamed in batches."""
    stmt = _with_related(_ordered(_filtered(viewer, filters), filters)).execution_options(yield_per=500)
    yield from session.scalars(stmt)


def district_choices(session: Session) -> list[tuple[str, str]]:
    return [(d.code, d.name) for d in session.scalars(sa.select(District).order_by(District.name))]
