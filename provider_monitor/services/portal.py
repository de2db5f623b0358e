"""A provider user's landing page: what is waiting for them, their escalations and each of their services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.enums import (
    PROVIDER_VISIBLE_REPORT_STATUSES,
    RAG,
    ActionStatus,
    ServiceStatus,
    SuspensionStatus,
    VisitStatus,
)
from provider_monitor.models.action import Action, ActionEvent
from provider_monitor.models.provider import Provider
from provider_monitor.models.rating import RatingSnapshot
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.models.visit import Visit
from provider_monitor.services import action_rules, escalation_records, escalations, providers
from provider_monitor.services.actions import visible_action_ids
from provider_monitor.services.escalation_records import EscalationRecord
from provider_monitor.services.visibility import services_visible_to
from provider_monitor.services.visit_policy import due_dates
from provider_monitor.services.visit_rules import Due

# Actions due within this many days count as waiting for the provider.
DUE_SOON_DAYS = 14


@dataclass(frozen=True)
class ReportToComment:
    """A shared report whose factual-accuracy comment window is still open."""

    visit_id: int
    service_name: str
    visited_on: date
    comments_due_on: date
    days_left: int


@dataclass(frozen=True)
class ActionWaiting:
    """An action the provider owes something on: overdue, due soon or returned."""

    action_id: int
    service_name: str
    description: str
    status: ActionStatus
    due_on: date
    days: int  # days until due (negative when overdue)
    returned_reason: str | None = None

    @property
    def overdue(self) -> bool:
        return self.days < 0


@dataclass(frozen=True)
class LastReport:
    """The newest visit report the provider may read."""

    visit_id: int
    visited_on: date
    status: VisitStatus


@dataclass(frozen=True)
class ServiceSummary:
    """One of the provider's services as its own users see it."""

    id: int
    name: str
    active: bool
    ratings: RatingSnapshot | None
    last_report: LastReport | None
    due: Due | None
    red: int
    amber: int
    escalation: EscalationRecord | None

    @property
    def open_actions(self) -> int:
        return self.red + self.amber

    @property
    def routine_visit_text(self) -> str | None:
        """The month only: visits may be unannounced, so planned dates are never shown to the provider."""
        if self.due is None:
            return None
        if self.due.days_until_due == 0:
            return "Next routine monitoring visit due now"
        return f"Next routine monitoring visit due by {self.due.due_on:%B %Y}"

    @property
    def rag(self) -> RAG | None:
        """Red if any open action is overdue, amber if any is open; None when nothing is."""
        if self.red:
            return RAG.RED
        return RAG.AMBER if self.amber else None


@dataclass(frozen=True)
class Portal:
    provider: Provider
    reports: list[ReportToComment]
    actions: list[ActionWaiting]
    provider_wide: list[EscalationRecord]
    service_escalations: list[EscalationRecord]
    services: list[ServiceSummary] = field(default_factory=list)

    @property
    def nothing_waiting(self) -> bool:
        return not self.reports and not self.actions


def reports_to_comment(session: Session, service_ids: sa.Select, today: date) -> list[ReportToComment]:
    """Shared reports still open for comments, soonest deadline first."""
    rows = session.execute(
        sa.select(Visit.id, Service.name, Visit.visited_on, Visit.comments_due_on)
        .join(Service, Service.id == Visit.service_id)
        .where(Visit.service_id.in_(service_ids), Visit.status == VisitStatus.SHARED, Visit.comments_due_on >= today)
        .order_by(Visit.comments_due_on, Service.name, Visit.id)
    )
    return [
        ReportToComment(visit_id=row.id, service_name=row.name, visited_on=row.visited_on,
                        comments_due_on=row.comments_due_on, days_left=(row.comments_due_on - today).days)
        for row in rows
    ]  # fmt: skip


def actions_waiting(session: Session, viewer: User, today: date) -> list[ActionWaiting]:
    """Actions awaiting the provider that are overdue, due within 14 days or returned; one query."""
    latest_return = (
        sa.select(ActionEvent.note)
        .where(ActionEvent.action_id == Action.id, ActionEvent.to_status == ActionStatus.RETURNED)
        .order_by(ActionEvent.id.desc())
        .limit(1)
        .correlate(Action)
        .scalar_subquery()
        .label("returned_reason")
    )
    rows = session.execute(
        sa.select(Action.id, Service.name, Action.description, Action.status, Action.due_on, latest_return)
        .join(Service, Service.id == Action.service_id)
        .where(
            Action.id.in_(visible_action_ids(viewer)),
            Action.status.in_(sorted(action_rules.AWAITING_PROVIDER)),
            sa.or_(Action.due_on <= today + timedelta(days=DUE_SOON_DAYS), Action.status == ActionStatus.RETURNED),
        )
        .order_by(Action.due_on, Service.name, Action.id)
    )
    return [
        ActionWaiting(action_id=row.id, service_name=row.name, description=row.description, status=row.status,
                      due_on=row.due_on, days=(row.due_on - today).days,
                      returned_reason=row.returned_reason if row.status == ActionStatus.RETURNED else None)
        for row in rows
    ]  # fmt: skip


def _last_reports(session: Session, service_ids: sa.Select) -> dict[int, LastReport]:
    """Each service's newest shared or final report, in one query."""
    ranked = (
        sa.select(
            Visit.id,
            Visit.service_id,
            Visit.visited_on,
            Visit.status,
            sa.func.row_number()
            .over(partition_by=Visit.service_id, order_by=(Visit.visited_on.desc(), Visit.id.desc()))
            .label("position"),
        )
        .where(Visit.service_id.in_(service_ids), Visit.status.in_(sorted(PROVIDER_VISIBLE_REPORT_STATUSES)))
        .subquery()
    )
    rows = session.execute(sa.select(ranked).where(ranked.c.position == 1))
    return {row.service_id: LastReport(row.id, row.visited_on, VisitStatus(row.status)) for row in rows}


def _rag_counts(session: Session, viewer: User, today: date) -> dict[int, tuple[int, int]]:
    """(red, amber) open actions per service, counting only actions this viewer may see."""
    overdue = sa.and_(Action.status.in_(sorted(action_rules.AWAITING_PROVIDER)), Action.due_on < today)
    red = sa.func.sum(sa.case((overdue, 1), else_=0))
    rows = session.execute(
        sa.select(Action.service_id, sa.func.count(), red)
        .where(Action.id.in_(visible_action_ids(viewer)), Action.status.in_(sorted(action_rules.PENDING)))
        .group_by(Action.service_id)
    )
    return {service_id: (int(reds or 0), pending - int(reds or 0)) for service_id, pending, reds in rows}


def _worse(first: EscalationRecord | None, second: EscalationRecord | None) -> EscalationRecord | None:
    """The escalation in force: the higher level; at the same level a red suspension wins."""
    if first is None or second is None:
        return first or second

    def rank(record: EscalationRecord) -> tuple:
        return record.level, record.suspension_status == SuspensionStatus.RED

    return second if rank(second) > rank(first) else first


def portal(session: Session, viewer: User, today: date) -> Portal:
    """Everything the landing page shows, in a fixed number of queries however many services there are."""
    provider = providers.get_provider(session, viewer, viewer.provider_id or -1)
    ids = services_visible_to(viewer).with_only_columns(Service.id)
    services = session.execute(
        services_visible_to(viewer)
        .add_columns(RatingSnapshot)
        .outerjoin(RatingSnapshot, sa.and_(RatingSnapshot.service_id == Service.id, RatingSnapshot.is_current))
        .order_by(Service.status != ServiceStatus.ACTIVE, Service.name, Service.id)
    ).all()
    records = escalation_records.open_escalations_of_provider(
        session, viewer, provider.id, today, escalations.load_timer_settings(session)
    )
    provider_wide = [record for record in records if record.service_id is None]
    own = {record.service_id: record for record in records if record.service_id is not None}
    dues = due_dates(session, ids, today) if services else {}
    last = _last_reports(session, ids)
    rags = _rag_counts(session, viewer, today)
    summaries = []
    for service, snapshot in services:
        red, amber = rags.get(service.id, (0, 0))
        active = service.status == ServiceStatus.ACTIVE
        summaries.append(
            ServiceSummary(
                id=service.id,
                name=service.name,
                active=active,
                ratings=snapshot,
                last_report=last.get(service.id),
                due=dues.get(service.id) if active else None,
                red=red,
                amber=amber,
                escalation=_worse(own.get(service.id), provider_wide[0] if provider_wide else None),
            )
        )
    return Portal(
        provider=provider,
        reports=reports_to_comment(session, ids, today),
        actions=actions_waiting(session, viewer, today),
        provider_wide=provider_wide,
        service_escalations=list(own.values()),
        services=summaries,
    )
