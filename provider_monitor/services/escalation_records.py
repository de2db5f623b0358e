"""Escalations as people read them: who may see which, the board, and what a provider user is shown."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from provider_monitor.enums import DecisionKind, MeetingKind, Role, SuspensionStatus, TimerKind, TimerState
from provider_monitor.models.escalation import Escalation, EscalationDecision, EscalationMeeting, EscalationTimer
from provider_monitor.models.user import User
from provider_monitor.services import escalation_rules as rules
from provider_monitor.services.exceptions import FieldError, NotFound
from provider_monitor.services.register import Page


def escalations_visible_to(viewer: User) -> sa.Select:
    """Every escalation for staff; a provider user's own provider's only (their level is theirs to know)."""
    stmt = sa.select(Escalation)
    if not viewer.is_staff:
        stmt = stmt.where(sa.false() if viewer.provider_id is None else Escalation.provider_id == viewer.provider_id)
    return stmt


def with_history(stmt: sa.Select) -> sa.Select:
    """Provider, service and lead officer joined; decisions, meetings and timers one query each."""
    return stmt.options(
        joinedload(Escalation.provider),
        joinedload(Escalation.service),
        joinedload(Escalation.lead_officer),
        selectinload(Escalation.decisions),
        selectinload(Escalation.meetings),
        selectinload(Escalation.timers),
    )


def get_escalation(session: Session, viewer: User, escalation_id: int) -> Escalation:
    """The escalation with its provider, service, lead officer, decisions, meetings and timers; else NotFound."""
    stmt = with_history(escalations_visible_to(viewer).where(Escalation.id == escalation_id))
    escalation = session.scalars(stmt).unique().one_or_none()
    if escalation is None:
        raise NotFound("escalation")
    return escalation


def get_timer(session: Session, escalation: Escalation, timer_id: int) -> EscalationTimer:
    """One of the escalation's timers (the escalation itself was loaded for the viewer by get_escalation)."""
    timer = session.scalar(
        sa.select(EscalationTimer).where(EscalationTimer.id == timer_id, EscalationTimer.escalation_id == escalation.id)
    )
    if timer is None:
        raise NotFound("timer")
    return timer


def open_escalations_of_service(session: Session, viewer: User, service) -> list[Escalation]:
    """The service's own open escalation and its provider's provider-wide one, highest level first."""
    stmt = escalations_visible_to(viewer).where(
        Escalation.closed_on.is_(None),
        Escalation.provider_id == service.provider_id,
        sa.or_(Escalation.service_id == service.id, Escalation.service_id.is_(None)),
    )
    found = session.scalars(with_history(stmt)).unique().all()
    return sorted(found, key=lambda escalation: -escalation.level)


@dataclass(frozen=True)
class TimerView:
    id: int
    kind: TimerKind
    started_on: date
    due_on: date
    met_on: date | None
    met_note: str | None
    state: TimerState

    @property
    def is_owed(self) -> bool:
        return self.met_on is None


@dataclass(frozen=True)
class DecisionView:
    id: int
    kind: DecisionKind
    decided_on: date
    decided_by: str
    decided_by_role: Role
    from_level: int
    to_level: int
    from_suspension: SuspensionStatus | None
    to_suspension: SuspensionStatus | None
    # None for provider users: the reasons can name sources and safeguarding matters.
    reason: str | None
    conditions_to_step_down: str | None
    next_review_on: date | None
    supersedes_id: int | None
    superseded_by_id: int | None


@dataclass(frozen=True)
class MeetingView:
    id: int
    kind: MeetingKind
    held_on: date
    minutes_internal: bool
    # Withheld (None) from provider users when the minutes are marked internal.
    attendees: str | None
    organisations: str | None
    minutes: str | None
    decisions: str | None
    withheld: bool


@dataclass(frozen=True)
class EscalationRecord:
    """One escalation as this viewer may read it."""

    id: int
    provider_id: int
    provider_name: str
    service_id: int | None
    service_name: str | None
    level: int
    level_label: str
    suspension_status: SuspensionStatus | None
    opened_on: date
    closed_on: date | None
    next_review_on: date | None
    lead_officer: str | None
    lead_officer_id: int | None
    conditions_to_step_down: str | None
    version_id: int
    decisions: list[DecisionView] = field(default_factory=list)
    meetings: list[MeetingView] = field(default_factory=list)
    timers: list[TimerView] = field(default_factory=list)
    for_provider: bool = False

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def owed_timers(self) -> list[TimerView]:
        return [timer for timer in self.timers if timer.is_owed]

    @property
    def missed(self) -> int:
        return sum(1 for timer in self.owed_timers if timer.state == TimerState.MISSED)

    @property
    def due_soon(self) -> int:
        return sum(1 for timer in self.owed_timers if timer.state == TimerState.DUE_SOON)

    @property
    def latest_decision(self) -> DecisionView | None:
        return self.decisions[-1] if self.decisions else None


def timer_views(timers: list[EscalationTimer], today: date, settings: rules.TimerSettings) -> list[TimerView]:
    return [
        TimerView(
            id=timer.id,
            kind=timer.kind,
            started_on=timer.started_on,
            due_on=timer.due_on,
            met_on=timer.met_on,
            met_note=timer.met_note,
            state=rules.timer_state(timer.due_on, timer.met_on, today, settings),
        )  # fmt: skip
        for timer in sorted(timers, key=lambda timer: (timer.due_on, timer.id))
    ]


def _decision_views(decisions: list[EscalationDecision], for_provider: bool) -> list[DecisionView]:
    superseded_by = {decision.supersedes_id: decision.id for decision in decisions if decision.supersedes_id}
    return [
        DecisionView(
            id=decision.id,
            kind=decision.kind,
            decided_on=decision.decided_on,
            decided_by=decision.decided_by_label,
            decided_by_role=decision.decided_by_role,
            from_level=decision.from_level,
            to_level=decision.to_level,
            from_suspension=decision.from_suspension,
            to_suspension=decision.to_suspension,
            reason=None if for_provider else decision.reason,
            conditions_to_step_down=decision.conditions_to_step_down,
            next_review_on=decision.next_review_on,
            supersedes_id=decision.supersedes_id,
            superseded_by_id=superseded_by.get(decision.id),
        )  # fmt: skip
        for decision in sorted(decisions, key=lambda decision: decision.id)
    ]


def _meeting_views(meetings: list[EscalationMeeting], for_provider: bool) -> list[MeetingView]:
    views = []
    for meeting in sorted(meetings, key=lambda meeting: (meeting.held_on, meeting.id)):
        withheld = for_provider and meeting.minutes_internal
        views.append(
            MeetingView(
                id=meeting.id,
                kind=meeting.kind,
                held_on=meeting.held_on,
                minutes_internal=meeting.minutes_internal,
                attendees=None if withheld else meeting.attendees,
                organisations=None if withheld else meeting.organisations,
                minutes=None if withheld else meeting.minutes,
                decisions=None if withheld else meeting.decisions,
                withheld=withheld,
            )  # fmt: skip
        )
    return views


def record_for(viewer: User, escalation: Escalation, today: date, settings: rules.TimerSettings) -> EscalationRecord:
    """What this viewer may read of an escalation loaded with its history (see get_escalation)."""
    if not viewer.is_staff and escalation.provider_id != viewer.provider_id:
        raise NotFound("escalation")
    for_provider = not viewer.is_staff
    return replace(
        _board_record(viewer, escalation, today, settings),
        decisions=_decision_views(escalation.decisions, for_provider),
        meetings=_meeting_views(escalation.meetings, for_provider),
    )


@dataclass(frozen=True)
class BoardFilters:
    level: int | None = None
    suspension_status: SuspensionStatus | str | None = None
    lead_officer_id: int | None = None
    # "missed": with a missed deadline; "due": with one due soon; "review": review date passed.
    attention: str | None = None


ATTENTION = {
    "missed": "A deadline missed",
    "due": "A deadline due soon",
    "review": "Review date passed",
}


def _owing(*conditions) -> sa.Exists:
    """The escalation has a deadline not yet met that matches the conditions."""
    return (
        sa.select(EscalationTimer.id)
        .where(EscalationTimer.escalation_id == Escalation.id, EscalationTimer.met_on.is_(None), *conditions)
        .exists()
    )


def _board_conditions(filters: BoardFilters, today: date, settings: rules.TimerSettings) -> list:
    conditions = [Escalation.closed_on.is_(None), Escalation.level > 0]
    if filters.level is not None:
        if filters.level not in rules.LEVELS or filters.level == 0:
            raise FieldError("level", "Select a level from 1 to 5")
        conditions.append(Escalation.level == filters.level)
    if filters.suspension_status:
        try:
            status = SuspensionStatus(filters.suspension_status)
        except ValueError:
            raise FieldError("suspension_status", "Select red or amber") from None
        conditions.append(Escalation.suspension_status == status)
    if filters.lead_officer_id:
        conditions.append(Escalation.lead_officer_id == filters.lead_officer_id)
    if filters.attention and filters.attention not in ATTENTION:
        raise FieldError("attention", "Select what needs attention from the list")
    # The same states as rules.timer_state, in SQL: missed once past due; due soon within the warning days.
    if filters.attention == "missed":
        conditions.append(_owing(EscalationTimer.due_on < today))
    elif filters.attention == "due":
        soon = today + timedelta(days=settings.due_soon_days)
        conditions.append(_owing(EscalationTimer.due_on >= today, EscalationTimer.due_on <= soon))
    elif filters.attention == "review":
        conditions.append(Escalation.next_review_on < today)
    return conditions


def board(
    session: Session,
    viewer: User,
    filters: BoardFilters,
    today: date,
    settings: rules.TimerSettings,
    *,
    page: int = 1,
    per_page: int = 50,
) -> Page:
    """One page of open escalations above routine monitoring: highest level first, red before amber, next review
    first. Three queries whatever the size (count, escalations, their timers)."""
    stmt = escalations_visible_to(viewer).where(*_board_conditions(filters, today, settings))
    total = session.scalar(stmt.with_only_columns(sa.func.count(Escalation.id)))
    page = min(max(1, page), max(1, math.ceil(total / per_page)))
    stmt = _board_ordered(stmt).limit(per_page).offset((page - 1) * per_page)
    records = [_board_record(viewer, escalation, today, settings) for escalation in session.scalars(stmt).unique()]
    return Page(items=records, total=total, page=page, per_page=per_page)


def board_export(
    session: Session, viewer: User, filters: BoardFilters, today: date, settings: rules.TimerSettings
) -> list[EscalationRecord]:
    """Every escalation on the board with these filters, in the board's order (two queries whatever the size)."""
    stmt = _board_ordered(escalations_visible_to(viewer).where(*_board_conditions(filters, today, settings)))
    return [_board_record(viewer, escalation, today, settings) for escalation in session.scalars(stmt).unique()]


def _board_ordered(stmt: sa.Select) -> sa.Select:
    """Highest level first, red before amber, then next review first; with what a board row shows."""
    return stmt.options(
        joinedload(Escalation.provider),
        joinedload(Escalation.service),
        joinedload(Escalation.lead_officer),
        selectinload(Escalation.timers),
    ).order_by(
        Escalation.level.desc(),
        (Escalation.suspension_status == SuspensionStatus.RED).desc(),
        Escalation.next_review_on.is_(None),
        Escalation.next_review_on,
        Escalation.id,
    )


def _board_record(viewer: User, escalation: Escalation, today: date, settings: rules.TimerSettings):
    """The escalation with its timers; decisions and meetings left empty (the board and lists never load them)."""
    lead = escalation.lead_officer
    return EscalationRecord(
        id=escalation.id, provider_id=escalation.provider_id, provider_name=escalation.provider.name,
        service_id=escalation.service_id, service_name=escalation.service.name if escalation.service else None,
        level=escalation.level, level_label=rules.level_label(escalation.level),
        suspension_status=escalation.suspension_status, opened_on=escalation.opened_on,
        closed_on=escalation.closed_on, next_review_on=escalation.next_review_on,
        lead_officer=lead.name if lead else None, lead_officer_id=lead.id if lead else None,
        conditions_to_step_down=escalation.conditions_to_step_down, version_id=escalation.version_id,
        timers=timer_views(escalation.timers, today, settings), for_provider=not viewer.is_staff,
    )  # fmt: skip


def level_counts(session: Session, viewer: User) -> dict[int, int]:
    """Open escalations at each level 1–5 (zeros included), for the board's headline."""
    stmt = (
        escalations_visible_to(viewer)
        .with_only_columns(Escalation.level, sa.func.count(Escalation.id))
        .where(Escalation.closed_on.is_(None), Escalation.level > 0)
        .group_by(Escalation.level)
    )
    counts = dict(session.execute(stmt).all())
    return {level: counts.get(level, 0) for level in rules.LEVELS if level > 0}


def open_escalations_of_provider(
    session: Session, viewer: User, provider_id: int, today: date, settings: rules.TimerSettings
) -> list[EscalationRecord]:
    """The provider's open escalations (provider-wide first, then each service's), highest level first."""
    stmt = (
        escalations_visible_to(viewer)
        .where(Escalation.provider_id == provider_id, Escalation.closed_on.is_(None))
        .options(
            joinedload(Escalation.provider),
            joinedload(Escalation.service),
            joinedload(Escalation.lead_officer),
            selectinload(Escalation.timers),
        )
        .order_by(Escalation.service_id.is_not(None), Escalation.level.desc(), Escalation.id)
    )
    return [_board_record(viewer, escalation, today, settings) for escalation in session.scalars(stmt).unique()]
