"""Provider organisations: find, add and edit."""

from __future__ import annotations

import math

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from provider_monitor.models.provider import Provider
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.services.editing import apply_changes, flush_checked
from provider_monitor.services.exceptions import NotFound
from provider_monitor.services.register import Page
from provider_monitor.services.visibility import providers_visible_to, services_visible_to

UNIQUE_MESSAGES = {"cqc_provider_id": "A provider with this CQC provider ID is already on the register"}


def get_provider(session: Session, viewer: User, provider_id: int) -> Provider:
    """The provider, if the viewer may see it; otherwise NotFound (the same as a missing one)."""
    provider = session.scalar(providers_visible_to(viewer).where(Provider.id == provider_id))
    if provider is None:
        raise NotFound("provider")
    return provider


def services_of(session: Session, viewer: User, provider: Provider) -> list[Service]:
    stmt = (
        services_visible_to(viewer)
        .where(Service.provider_id == provider.id)
        .options(selectinload(Service.district), selectinload(Service.link_officer))
        .order_by(Service.name, Service.id)
    )
    return list(session.scalars(stmt))


def _matching(viewer: User, text: str | None) -> sa.Select:
    """The viewer's providers whose name contains the text, or whose CQC provider ID is it."""
    stmt = providers_visible_to(viewer)
    if text:
        needle = text.replace("\x00", "").strip().lower()  # PostgreSQL refuses NUL in text
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Provider.name).contains(needle, autoescape=True),
                sa.func.lower(Provider.cqc_provider_id) == needle,
            )
        )
    return stmt


def _with_service_counts(stmt: sa.Select) -> sa.Select:
    """Each provider with how many services it has, by name."""
    counts = (
        sa.select(Service.provider_id, sa.func.count(Service.id).label("n")).group_by(Service.provider_id).subquery()
    )
    return (
        stmt.add_columns(sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.provider_id == Provider.id)
        .order_by(Provider.name, Provider.id)
    )


def search_providers(session: Session, viewer: User, *, text: str | None, page: int, per_page: int = 50) -> Page:
    """Providers by name or CQC provider ID, with how many services each has."""
    stmt = _matching(viewer, text)
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.with_only_columns(Provider.id).subquery()))
    page = min(max(1, page), max(1, math.ceil(total / per_page)))
    rows = session.execute(_with_service_counts(stmt).limit(per_page).offset((page - 1) * per_page))
    return Page(items=[(p, n) for p, n in rows], total=total, page=page, per_page=per_page)


def export_providers(session: Session, viewer: User, *, text: str | None) -> list[tuple[Provider, int]]:
    """Every provider the search finds (not one page), with how many services each has."""
    return [(p, n) for p, n in session.execute(_with_service_counts(_matching(viewer, text)))]


def all_provider_choices(session: Session) -> list[tuple[int, str]]:
    stmt = sa.select(Provider.id, Provider.name).order_by(Provider.name, Provider.id)
    return [(provider_id, name) for provider_id, name in session.execute(stmt)]


def create_provider(session: Session, data: dict) -> Provider:
    provider = Provider(**data)
    session.add(provider)
    flush_checked(session, UNIQUE_MESSAGES, noun="provider")
    return provider


def update_provider(session: Session, provider: Provider, data: dict, *, expected_version: int | None) -> Provider:
    apply_changes(session, provider, data, expected_version=expected_version, noun="provider")
    flush_checked(session, UNIQUE_MESSAGES, noun="provider")
    return provider
