"""Escalations as stored: decisions (append-only), the timers they start, meetings, and current levels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from provider_monitor.enums import DecisionKind, Role, SuspensionStatus, TimerKind
from provider_monitor.models.action import Action
from provider_monitor.models.escalation import (
    Escalation,
    EscalationAuthority,
    EscalationDecision,
    EscalationMeeting,
    EscalationSettings,
    EscalationTimer,
)
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.services import escalation_rules as rules
from provider_monitor.services.action_rules import ACTION_RAISERS
from provider_monitor.services.actions import actor_label, raise_action
from provider_monitor.services.editing import conflict_message
from provider_monitor.services.exceptions import DomainError, EditConflict, FieldError, NotFound

SETTINGS_ID = 1
TIMER_FIELDS = ("suspension_letter_working_days", "suspension_review_weeks", "appeal_working_days", "due_soon_days")


def load_authority(session: Session) -> dict[int, Role]:
    """Who may decide at each level; levels never configured keep the design's default."""
    stored = dict(session.execute(sa.select(EscalationAuthority.level, EscalationAuthority.role)).all())
    return {level: stored.get(level, role) for level, role in rules.DEFAULT_AUTHORITY.items()}


def load_timer_settings(session: Session) -> rules.TimerSettings:
    settings = session.get(EscalationSettings, SETTINGS_ID)
    if settings is None:
        return rules.TimerSettings()
    return rules.TimerSettings(**{name: getattr(settings, name) for name in TIMER_FIELDS})


def open_escalation(session: Session, *, provider_id: int, service_id: int | None) -> Escalation | None:
    """The open escalation of a service, or the provider-wide one when service_id is None."""
    return session.scalar(
        sa.select(Escalation).where(
            Escalation.provider_id == provider_id,
            Escalation.service_id.is_(None) if service_id is None else Escalation.service_id == service_id,
            Escalation.closed_on.is_(None),
        )
    )


@dataclass(frozen=True)
class DecisionInput:
    """What the decision form gives."""

    to_level: int
    reason: str
    decided_on: date
    next_review_on: date | None = None
    suspension_status: SuspensionStatus | None = None
    conditions_to_step_down: str | None = None
    lead_officer_id: int | None = None
    closing: bool = False
    supersedes_id: int | None = None


def decide(
    session: Session,
    *,
    provider_id: int,
    service_id: int | None,
    decision: DecisionInput,
    by: User,
    today: date,
    expected_version: int | None = None,
) -> EscalationDecision:
    """Take a decision on a service's (or provider's) escalation: checked, recorded, its timers started."""
    escalation = open_escalation(session, provider_id=provider_id, service_id=service_id)
    if escalation is not None and expected_version is not None and escalation.version_id != expected_version:
        raise EditConflict(conflict_message(session, escalation, "escalation"), current=escalation)
    if escalation is None and decision.to_level == 0:
        raise FieldError("to_level", "This is already at level 0, routine monitoring: choose a level to escalate to")
    from_level = escalation.level if escalation else 0
    from_suspension = escalation.suspension_status if escalation else None
    # Back to routine monitoring is the end of the escalation: there is no open escalation at level 0.
    closing = decision.closing or decision.to_level == 0
    proposed = rules.Decision(
        from_level=from_level, to_level=decision.to_level, role=by.role, reason=decision.reason or "",
        next_review_on=decision.next_review_on, decided_on=decision.decided_on, from_suspension=from_suspension,
        to_suspension=decision.suspension_status, closing=closing,
    )  # fmt: skip
    kind = rules.check(proposed, load_authority(session), today=today)
    if decision.supersedes_id is not None:
        _check_supersedes(session, escalation, decision.supersedes_id)
    if escalation is None:
        escalation = Escalation(provider_id=provider_id, service_id=service_id, opened_on=decision.decided_on)
        session.add(escalation)
    escalation.level = decision.to_level
    escalation.suspension_status = decision.suspension_status
    escalation.next_review_on = None if closing else decision.next_review_on
    if decision.conditions_to_step_down is not None:
        escalation.conditions_to_step_down = decision.conditions_to_step_down.strip() or None
    if decision.lead_officer_id is not None:
        escalation.lead_officer_id = decision.lead_officer_id
    if kind == DecisionKind.CLOSE:
        escalation.closed_on = decision.decided_on
    session.flush()
    recorded = EscalationDecision(
        escalation_id=escalation.id, kind=kind, decided_on=decision.decided_on, decided_by_id=by.id,
        decided_by_label=actor_label(by), decided_by_role=by.role, from_level=from_level, to_level=decision.to_level,
        from_suspension=from_suspension, to_suspension=decision.suspension_status, reason=decision.reason.strip(),
        conditions_to_step_down=decision.conditions_to_step_down, next_review_on=decision.next_review_on,
        supersedes_id=decision.supersedes_id,
    )  # fmt: skip
    session.add(recorded)
    session.flush()
    suspension_lifted = from_level == rules.SUSPENSION_LEVEL and decision.to_level != rules.SUSPENSION_LEVEL
    _close_review_timers(session, escalation, decision.decided_on, suspension_lifted=suspension_lifted)
    for timer in rules.timers_for(proposed, load_timer_settings(session)):
        session.add(
            EscalationTimer(
                escalation_id=escalation.id,
                decision_id=recorded.id,
                kind=timer.kind,
                started_on=decision.decided_on,
                due_on=timer.due_on,
            )  # fmt: skip
        )
    session.flush()
    return recorded


def _check_supersedes(session: Session, escalation: Escalation | None, decision_id: int) -> None:
    """Only the latest decision of this escalation can be superseded (earlier ones stand in the record)."""
    latest = None
    if escalation is not None:
        latest = session.scalar(
            sa.select(EscalationDecision.id)
            .where(EscalationDecision.escalation_id == escalation.id)
            .order_by(EscalationDecision.id.desc())
            .limit(1)
        )
    if latest != decision_id:
        raise FieldError("supersedes_id", "Only the latest decision on this escalation can be superseded")


def _close_review_timers(session: Session, escalation: Escalation, on: date, *, suspension_lifted: bool) -> None:
    """A new decision is itself the review the previous one asked for; a lifted suspension needs no week-4 review."""
    owed = {TimerKind.LEVEL_REVIEW: "Reviewed at the next decision"}
    if suspension_lifted:
        owed[TimerKind.SUSPENSION_REVIEW] = "Suspension lifted before its review"
    for timer in session.scalars(
        sa.select(EscalationTimer).where(
            EscalationTimer.escalation_id == escalation.id,
            EscalationTimer.kind.in_(owed),
            EscalationTimer.met_on.is_(None),
        )
    ):
        timer.met_on = max(on, timer.started_on)
        timer.met_note = owed[timer.kind]


def meet_timer(session: Session, timer: EscalationTimer, *, on: date, note: str | None, by: User, today: date) -> None:
    """Record that a deadline was met (the letter sent, the appeal heard)."""
    if timer.met_on is not None:
        raise FieldError("met_on", "This deadline has already been recorded as met")
    if on > today:
        raise FieldError("met_on", "Date met must be today or in the past")
    if on < timer.started_on:
        raise FieldError("met_on", "Date met must be on or after the day the timer started")
    timer.met_on, timer.met_note, timer.met_by_id = on, (note or "").strip() or None, by.id
    session.flush()


def record_meeting(session: Session, escalation: Escalation, data: dict, *, by: User, today: date) -> EscalationMeeting:
    if data["held_on"] > today:
        raise FieldError("held_on", "Date of the meeting must be today or in the past")
    meeting = EscalationMeeting(escalation_id=escalation.id, recorded_by_id=by.id, **data)
    session.add(meeting)
    session.flush()
    return meeting


def current_levels(session: Session, service_ids: sa.Select) -> dict[int, tuple[int, SuspensionStatus | None]]:
    """Each service's escalation level in force: its own, or its provider's provider-wide one, whichever is higher."""
    own = sa.select(Escalation.service_id.label("service_id"), Escalation.level, Escalation.suspension_status).where(
        Escalation.closed_on.is_(None), Escalation.service_id.in_(service_ids)
    )
    provider_wide = (
        sa.select(Service.id.label("service_id"), Escalation.level, Escalation.suspension_status)
        .join(Escalation, sa.and_(Escalation.provider_id == Service.provider_id, Escalation.service_id.is_(None)))
        .where(Escalation.closed_on.is_(None), Service.id.in_(service_ids))
    )
    levels: dict[int, tuple[int, SuspensionStatus | None]] = {}
    for service_id, level, status in session.execute(sa.union_all(own, provider_wide)):
        held = levels.get(service_id)
        if held is None or level > held[0] or (level == held[0] and status == SuspensionStatus.RED):
            levels[service_id] = (level, status)
    return levels


def get_meeting(session: Session, escalation: Escalation, meeting_id: int) -> EscalationMeeting:
    """One of the escalation's meetings (the escalation was loaded for the viewer)."""
    meeting = session.scalar(
        sa.select(EscalationMeeting).where(
            EscalationMeeting.id == meeting_id, EscalationMeeting.escalation_id == escalation.id
        )
    )
    if meeting is None:
        raise NotFound("meeting")
    return meeting


def services_in_scope(session: Session, escalation: Escalation) -> list[Service]:
    """The services an escalation covers: its own, or every service of the provider for a provider-wide one."""
    stmt = sa.select(Service).where(Service.provider_id == escalation.provider_id).order_by(Service.name, Service.id)
    if escalation.service_id is not None:
        stmt = stmt.where(Service.id == escalation.service_id)
    return list(session.scalars(stmt))


def raise_meeting_action(
    session: Session,
    escalation: Escalation,
    meeting: EscalationMeeting,
    service_id: int | None,
    data: dict,
    *,
    by: User,
) -> Action:
    """An action agreed at a meeting, on one of the services the escalation covers."""
    if by.role not in ACTION_RAISERS:
        raise DomainError("Your role cannot raise an action")
    covered = {service.id: service for service in services_in_scope(session, escalation)}
    if escalation.service_id is not None:
        service_id = escalation.service_id
    if service_id not in covered:
        raise FieldError("service_id", "Select the service the action is for")
    return raise_action(session, covered[service_id], data, by=by, meeting_id=meeting.id)


def meeting_actions(session: Session, escalation: Escalation) -> list[Action]:
    """Actions raised at this escalation's meetings, oldest first."""
    return list(
        session.scalars(
            sa.select(Action)
            .join(EscalationMeeting, EscalationMeeting.id == Action.meeting_id)
            .where(EscalationMeeting.escalation_id == escalation.id)
            .order_by(Action.id)
        )
    )
