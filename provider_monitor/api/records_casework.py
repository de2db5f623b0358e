"""Finding escalations for the API, and the visits linked to concerns: scoped, filtered and paged in SQL."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.api.records import paged
from provider_monitor.enums import SuspensionStatus
from provider_monitor.models.concern import concern_visit
from provider_monitor.models.escalation import Escalation
from provider_monitor.models.user import User
from provider_monitor.services import escalation_records
from provider_monitor.services.escalation_records import escalations_visible_to
from provider_monitor.services.register import Page


@dataclass(frozen=True)
class EscalationFilters:
    level: int | None = None
    suspension_status: str | None = None
    open: bool | None = True  # True: open only (the default); False: closed only; None: both
    service_id: int | None = None
    provider_id: int | None = None
    page: int = 1
    per_page: int = 50


def search_escalations(session: Session, viewer: User, filters: EscalationFilters) -> Page:
    """Highest level first, red before amber, then the newest: five queries per page, whatever the size."""
    exact = {
        Escalation.level: filters.level,
        Escalation.suspension_status: filters.suspension_status,
        Escalation.service_id: filters.service_id,
        Escalation.provider_id: filters.provider_id,
    }
    conditions = [column == value for column, value in exact.items() if value is not None]
    if filters.open is not None:
        conditions.append(Escalation.closed_on.is_(None) if filters.open else Escalation.closed_on.is_not(None))
    stmt = escalations_visible_to(viewer).where(*conditions)
    ordered = escalation_records.with_history(
        stmt.order_by(
            Escalation.level.desc(),
            (Escalation.suspension_status == SuspensionStatus.RED).desc(),
            Escalation.opened_on.desc(),
            Escalation.id.desc(),
        )
    )
    return paged(session, stmt, ordered, Escalation.id, filters.page, filters.per_page)


def linked_visit_ids(session: Session, concern_ids: list[int]) -> dict[int, list[int]]:
    """The visits linked to each concern, in id order: one query for a whole page."""
    linked: dict[int, list[int]] = {concern_id: [] for concern_id in concern_ids}
    if not concern_ids:
        return linked
    rows = session.execute(
        sa.select(concern_visit.c.concern_id, concern_visit.c.visit_id)
        .where(concern_visit.c.concern_id.in_(concern_ids))
        .order_by(concern_visit.c.concern_id, concern_visit.c.visit_id)
    )
    for concern_id, visit_id in rows:
        linked[concern_id].append(visit_id)
    return linked
