"""Concerns about a service or a provider: log, edit, close, link visits, raise actions, find and read them."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager, joinedload

from provider_monitor.enums import ConcernCategory, ConcernSeverity, ConcernSource, ConcernStatus, VisitStatus
from provider_monitor.models.action import Action
from provider_monitor.models.audit import AuditEvent
from provider_monitor.models.base import utcnow
from provider_monitor.models.concern import Concern, concern_visit
from provider_monitor.models.provider import Provider
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.models.visit import Visit
from provider_monitor.services import actions, concern_rules
from provider_monitor.services.action_rules import ACTION_RAISERS
from provider_monitor.services.audit import current_actor, history_for
from provider_monitor.services.concern_rules import CONCERN_LOGGERS, CONFIDENTIAL_READERS, WITHHELD
from provider_monitor.services.editing import apply_changes, flush_checked
from provider_monitor.services.exceptions import DomainError, FieldError, NotFound
from provider_monitor.services.register import Page

__all__ = ["CONCERN_LOGGERS", "CONFIDENTIAL_READERS", "WITHHELD", "ConcernFilters"]

# What a staff page may show of a concern (redacted_for replaces the confidential ones as the role requires).
SHOWN_FIELDS = (
    "id", "provider_id", "service_id", *concern_rules.DETAIL_FIELDS, "status", "closed_on", "closed_reason",
    "logged_by_id", "version_id",
)  # fmt: skip


def _scope(session: Session, data: dict) -> tuple[int, int | None]:
    """The provider and (optional) service a new concern is about, checked against each other."""
    provider_id, service_id = data.get("provider_id"), data.get("service_id")
    if service_id:
        service_provider = session.scalar(sa.select(Service.provider_id).where(Service.id == service_id))
        if service_provider is None:
            raise FieldError("service_id", "Select a service")
        if provider_id and provider_id != service_provider:
            raise FieldError("service_id", "Select a service run by this provider")
        return service_provider, service_id
    if not provider_id or session.get(Provider, provider_id) is None:
        raise FieldError("provider_id", "Select the provider the concern is about")
    return provider_id, None


def log_concern(session: Session, data: dict, *, by: User, today: date | None = None) -> Concern:
    """A new open concern about a service, or about a provider across its services."""
    concern_rules.check_logger(by.role)
    provider_id, service_id = _scope(session, data)
    details = concern_rules.clean_details(data, today=today or date.today())
    concern = Concern(
        provider_id=provider_id, service_id=service_id, status=ConcernStatus.OPEN, logged_by_id=by.id, **details
    )
    session.add(concern)
    flush_checked(session, {}, noun="concern")
    return concern


def update_concern(
    session: Session, concern: Concern, data: dict, *, expected_version: int | None, today: date | None = None
) -> dict:
    """Change a concern's details on the version the editor saw; returns what changed (field → (old, new)).

    Fields missing from data keep their values; the provider and service a concern is about do not change here.
    """
    merged = {name: getattr(concern, name) for name in concern_rules.DETAIL_FIELDS}
    merged.update({name: data[name] for name in concern_rules.DETAIL_FIELDS if name in data})
    details = concern_rules.clean_details(merged, today=today or date.today())
    changed = apply_changes(session, concern, details, expected_version=expected_version, noun="concern")
    flush_checked(session, {}, noun="concern")
    return changed


def close_concern(
    session: Session,
    concern: Concern,
    *,
    reason: str | None,
    on: date | None,
    by: User,
    expected_version: int | None = None,
    today: date | None = None,
) -> Concern:
    """Close an open concern, saying why and when."""
    concern_rules.check_logger(by.role)
    if concern.status == ConcernStatus.CLOSED:
        raise DomainError("This concern is already closed")
    closed_reason, closed_on = concern_rules.clean_closing(
        reason, on, received_on=concern.received_on, today=today or date.today()
    )
    values = {"status": ConcernStatus.CLOSED, "closed_on": closed_on, "closed_reason": closed_reason}
    apply_changes(session, concern, values, expected_version=expected_version, noun="concern")
    flush_checked(session, {}, noun="concern")
    return concern


def _check_visit_in_scope(session: Session, concern: Concern, visit: Visit) -> None:
    provider_id = session.scalar(sa.select(Service.provider_id).where(Service.id == visit.service_id))
    if provider_id != concern.provider_id:
        raise FieldError("visit_id", "Select a visit to one of this provider's services")
    if concern.service_id is not None and visit.service_id != concern.service_id:
        raise FieldError("visit_id", "Select a visit to the service this concern is about")


def _linked(session: Session, concern: Concern, visit: Visit) -> bool:
    stmt = sa.select(concern_visit.c.visit_id).where(
        concern_visit.c.concern_id == concern.id, concern_visit.c.visit_id == visit.id
    )
    return session.scalar(stmt) is not None


def _audit_link(session: Session, concern: Concern, visit_id_change: list) -> None:
    """The link table is not a model, so the audit trail gets its row here."""
    actor = current_actor()
    session.add(
        AuditEvent(
            at=utcnow(), actor_id=actor.user_id, actor_label=actor.label, action="update", entity_type="concern",
            entity_id=concern.id, changes={"visit_id": visit_id_change}, request_id=actor.request_id,
        )
    )  # fmt: skip


def link_visit(session: Session, concern: Concern, visit: Visit) -> bool:
    """Link a visit to the concern (one to its service, or to any of its provider's); False if already linked."""
    _check_visit_in_scope(session, concern, visit)
    if _linked(session, concern, visit):
        return False
    session.execute(sa.insert(concern_visit).values(concern_id=concern.id, visit_id=visit.id))
    _audit_link(session, concern, [None, visit.id])
    # A loaded list of visits is now out of date.
    session.expire(concern, ["visits"])
    session.flush()
    return True


def unlink_visit(session: Session, concern: Concern, visit: Visit) -> bool:
    """Remove a visit's link to the concern; False if it was not linked."""
    if not _linked(session, concern, visit):
        return False
    session.execute(
        sa.delete(concern_visit).where(concern_visit.c.concern_id == concern.id, concern_visit.c.visit_id == visit.id)
    )
    _audit_link(session, concern, [visit.id, None])
    session.expire(concern, ["visits"])
    session.flush()
    return True


def raise_action(session: Session, concern: Concern, data: dict, *, by: User) -> Action:
    """An action raised from the concern, on its service (a provider-wide concern: one the caller names)."""
    if by.role not in ACTION_RAISERS:
        raise DomainError("Your role cannot raise an action")
    if concern.status == ConcernStatus.CLOSED:
        raise DomainError("This concern is closed: log a new concern to raise an action")
    service = _action_service(session, concern, data.get("service_id"))
    action = actions.raise_action(session, service, data, by=by, concern_id=concern.id)
    return action


def _action_service(session: Session, concern: Concern, service_id: int | None) -> Service:
    if concern.service_id is not None:
        if service_id and service_id != concern.service_id:
            raise FieldError("service_id", "Select the service this concern is about")
        return session.get(Service, concern.service_id)
    if not service_id:
        raise FieldError("service_id", "Select the service the action is for")
    service = session.scalar(
        sa.select(Service).where(Service.id == service_id, Service.provider_id == concern.provider_id)
    )
    if service is None:
        raise FieldError("service_id", "Select one of this provider's services")
    return service


def concerns_visible_to(viewer: User) -> sa.Select:
    """Every concern for staff; none for provider users (concerns are internal, whoever they are about)."""
    stmt = sa.select(Concern)
    if not viewer.is_staff:
        stmt = stmt.where(sa.false())
    return stmt


def get_concern(session: Session, viewer: User, concern_id: int, *, with_visits: bool = False) -> Concern:
    """The concern with its provider and service, if the viewer may see it; otherwise NotFound."""
    options = [joinedload(Concern.provider), joinedload(Concern.service)]
    if with_visits:
        options.append(joinedload(Concern.visits).joinedload(Visit.service))
    stmt = concerns_visible_to(viewer).where(Concern.id == concern_id).options(*options)
    concern = session.scalars(stmt).unique().one_or_none()
    if concern is None:
        raise NotFound("concern")
    return concern


def redacted_for(viewer: User, concern: Concern) -> dict:
    """What this viewer may see of the concern: confidential parts 'Withheld' unless their role may read them."""
    if not viewer.is_staff:
        raise NotFound("concern")
    return concern_rules.redact(viewer.role, {name: getattr(concern, name) for name in SHOWN_FIELDS})


def history(session: Session, viewer: User, concern: Concern) -> list[dict]:
    """The concern's audit trail, newest first, without what this viewer may not read."""
    events = [
        {"at": e.at, "actor_label": e.actor_label, "action": e.action, "changes": e.changes or {}}
        for e in history_for(session, "concern", concern.id)
    ]
    return concern_rules.redact_history(viewer.role, events)


def linkable_visits(session: Session, concern: Concern, limit: int = 50) -> list[Visit]:
    """Visits not cancelled nor linked yet, to its service (or any of its provider's), newest first."""
    linked = sa.select(concern_visit.c.visit_id).where(concern_visit.c.concern_id == concern.id)
    stmt = (
        sa.select(Visit).join(Visit.service).options(contains_eager(Visit.service))
        .where(Service.provider_id == concern.provider_id, Visit.status != VisitStatus.CANCELLED,
               Visit.id.not_in(linked))
        .order_by(sa.func.coalesce(Visit.visited_on, Visit.planned_on).desc(), Visit.id.desc()).limit(limit)
    )  # fmt: skip
    if concern.service_id is not None:
        stmt = stmt.where(Visit.service_id == concern.service_id)
    return list(session.scalars(stmt))


def actions_raised(session: Session, concern: Concern) -> list[Action]:
    """The actions raised from the concern, with their services, by due date."""
    stmt = sa.select(Action).where(Action.concern_id == concern.id).options(joinedload(Action.service))
    return list(session.scalars(stmt.order_by(Action.due_on, Action.id)))


@dataclass(frozen=True)
class ConcernFilters:
    status: ConcernStatus | str | None = None
    category: ConcernCategory | str | None = None
    severity: ConcernSeverity | str | None = None
    source: ConcernSource | str | None = None
    service_id: int | None = None
    provider_id: int | None = None
    received_from: date | None = None
    received_to: date | None = None
    page: int = 1
    per_page: int = 50


FILTER_CHOICES = {
    "status": ConcernStatus, "category": ConcernCategory, "severity": ConcernSeverity, "source": ConcernSource,
}  # fmt: skip


def _filter_choice(name: str, enum, value):
    try:
        return enum(value)
    except ValueError:
        raise FieldError(name, f"Select a {name} from the list") from None


def _conditions(filters: ConcernFilters, today: date) -> list:
    if filters.received_from and filters.received_from > today:
        raise FieldError("received_from", "Date from must be today or in the past")
    if filters.received_from and filters.received_to and filters.received_to < filters.received_from:
        raise FieldError("received_to", "Date to must be the same as or after date from")
    conditions = [
        getattr(Concern, name) == _filter_choice(name, enum, getattr(filters, name))
        for name, enum in FILTER_CHOICES.items()
        if getattr(filters, name)
    ]
    if filters.service_id:
        conditions.append(Concern.service_id == filters.service_id)
    if filters.provider_id:
        conditions.append(Concern.provider_id == filters.provider_id)
    if filters.received_from:
        conditions.append(Concern.received_on >= filters.received_from)
    if filters.received_to:
        conditions.append(Concern.received_on <= filters.received_to)
    return conditions


def search(session: Session, viewer: User, filters: ConcernFilters, today: date) -> Page:
    """One page of concerns, newest received first, with provider and service: two queries whatever the size."""
    stmt = concerns_visible_to(viewer).where(*_conditions(filters, today))
    total = session.scalar(stmt.with_only_columns(sa.func.count(Concern.id)))
    page = min(max(1, filters.page), max(1, math.ceil(total / filters.per_page)))
    rows = session.scalars(
        stmt.options(joinedload(Concern.provider), joinedload(Concern.service))
        .order_by(Concern.received_on.desc(), Concern.id.desc())
        .limit(filters.per_page)
        .offset((page - 1) * filters.per_page)
    )
    return Page(items=list(rows), total=total, page=page, per_page=filters.per_page)


def export_rows(session: Session, viewer: User, filters: ConcernFilters, today: date) -> Iterator[tuple[Concern, dict]]:
    """Every concern matching the filters, in the page's order, each with what this viewer may read of it.

    The filters are checked now (a FieldError before anything is sent); the rows are read as they are written.
    """
    stmt = concerns_visible_to(viewer).where(*_conditions(filters, today))
    stmt = stmt.options(joinedload(Concern.provider), joinedload(Concern.service)).order_by(
        Concern.received_on.desc(), Concern.id.desc()
    )
    found = session.scalars(stmt.execution_options(yield_per=500))
    return ((concern, redacted_for(viewer, concern)) for concern in found)


def open_about_service(session: Session, viewer: User, service: Service, limit: int = 10) -> list[Concern]:
    """Open concerns about this service, or about its provider as a whole, newest received first."""
    stmt = concerns_visible_to(viewer).where(
        Concern.status == ConcernStatus.OPEN,
        Concern.provider_id == service.provider_id,
        sa.or_(Concern.service_id == service.id, Concern.service_id.is_(None)),
    )
    return list(session.scalars(stmt.order_by(Concern.received_on.desc(), Concern.id.desc()).limit(limit)))
