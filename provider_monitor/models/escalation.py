"""Escalations: a service (or a provider) above routine monitoring, its decisions, meetings and timers."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from provider_monitor.enums import DecisionKind, MeetingKind, Role, SuspensionStatus, TimerKind
from provider_monitor.models.base import Base, TimestampMixin, VersionedMixin, enum_column, utcnow
from provider_monitor.models.provider import Provider
from provider_monitor.models.service import Service
from provider_monitor.models.user import User


class Escalation(TimestampMixin, VersionedMixin, Base):
    """The current state; how it got here is in its decisions, which are never edited."""

    __tablename__ = "escalation"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    # Empty when the escalation covers the provider across all its services.
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service.id"), index=True)
    level: Mapped[int] = mapped_column(default=0, index=True)
    suspension_status: Mapped[SuspensionStatus | None] = mapped_column(enum_column(SuspensionStatus), index=True)
    opened_on: Mapped[date]
    closed_on: Mapped[date | None]
    next_review_on: Mapped[date | None] = mapped_column(index=True)
    lead_officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    # Shown to the provider: what must happen for the level to come down.
    conditions_to_step_down: Mapped[str | None] = mapped_column(sa.Text)

    provider: Mapped[Provider] = relationship(lazy="raise")
    service: Mapped[Service | None] = relationship(lazy="raise")
    lead_officer: Mapped[User | None] = relationship(lazy="raise")
    decisions: Mapped[list[EscalationDecision]] = relationship(
        back_populates="escalation", lazy="raise", order_by="EscalationDecision.id"
    )
    meetings: Mapped[list[EscalationMeeting]] = relationship(
        back_populates="escalation", lazy="raise", order_by="EscalationMeeting.held_on"
    )
    timers: Mapped[list[EscalationTimer]] = relationship(
        back_populates="escalation", lazy="raise", order_by="EscalationTimer.due_on"
    )

    __table_args__ = (
        sa.CheckConstraint("level BETWEEN 0 AND 5", name="level_in_range"),
        sa.CheckConstraint(
            "(level = 3 AND suspension_status IS NOT NULL) OR (level <> 3 AND suspension_status IS NULL)",
            name="suspension_only_at_level_3",
        ),
        # One open escalation per service; provider-wide ones are keyed by provider.
        sa.Index(
            "uq_escalation_open_service",
            "service_id",
            unique=True,
            sqlite_where=sa.text("closed_on IS NULL AND service_id IS NOT NULL"),
            postgresql_where=sa.text("closed_on IS NULL AND service_id IS NOT NULL"),
        ),  # fmt: skip
    )

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class EscalationDecision(Base):
    """A decision: append-only. A wrong one is superseded by a later decision that says why."""

    __tablename__ = "escalation_decision"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(sa.ForeignKey("escalation.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DecisionKind] = mapped_column(enum_column(DecisionKind))
    decided_on: Mapped[date]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # Name and role as they were when the decision was taken.
    decided_by_label: Mapped[str] = mapped_column(sa.String(200))
    decided_by_role: Mapped[Role] = mapped_column(enum_column(Role))
    from_level: Mapped[int]
    to_level: Mapped[int]
    from_suspension: Mapped[SuspensionStatus | None] = mapped_column(enum_column(SuspensionStatus))
    to_suspension: Mapped[SuspensionStatus | None] = mapped_column(enum_column(SuspensionStatus))
    reason: Mapped[str] = mapped_column(sa.Text)
    conditions_to_step_down: Mapped[str | None] = mapped_column(sa.Text)
    next_review_on: Mapped[date | None]
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("escalation_decision.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    escalation: Mapped[Escalation] = relationship(back_populates="decisions", lazy="raise")


class EscalationMeeting(TimestampMixin, VersionedMixin, Base):
    __tablename__ = "escalation_meeting"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(sa.ForeignKey("escalation.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MeetingKind] = mapped_column(enum_column(MeetingKind))
    held_on: Mapped[date]
    attendees: Mapped[str | None] = mapped_column(sa.Text)
    organisations: Mapped[str | None] = mapped_column(sa.Text)
    minutes: Mapped[str | None] = mapped_column(sa.Text)
    # Internal minutes are never shown to the provider.
    minutes_internal: Mapped[bool] = mapped_column(default=True)
    decisions: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    escalation: Mapped[Escalation] = relationship(back_populates="meetings", lazy="raise")


class EscalationTimer(Base):
    """A deadline a decision started (suspension letter, appeal window, reviews), and when it was met."""

    __tablename__ = "escalation_timer"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(sa.ForeignKey("escalation.id", ondelete="CASCADE"), index=True)
    decision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("escalation_decision.id"))
    kind: Mapped[TimerKind] = mapped_column(enum_column(TimerKind))
    started_on: Mapped[date]
    due_on: Mapped[date] = mapped_column(index=True)
    met_on: Mapped[date | None]
    met_note: Mapped[str | None] = mapped_column(sa.Text)
    met_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    escalation: Mapped[Escalation] = relationship(back_populates="timers", lazy="raise")


class EscalationSettings(TimestampMixin, VersionedMixin, Base):
    """The one row of timer lengths (admin-edited); authority per level is in EscalationAuthority."""

    __tablename__ = "escalation_settings"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    suspension_letter_working_days: Mapped[int] = mapped_column(default=7)
    suspension_review_weeks: Mapped[int] = mapped_column(default=4)
    appeal_working_days: Mapped[int] = mapped_column(default=5)
    due_soon_days: Mapped[int] = mapped_column(default=5)


class EscalationAuthority(TimestampMixin, VersionedMixin, Base):
    """The least senior role that may take decisions at one level."""

    __tablename__ = "escalation_authority"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[int] = mapped_column(unique=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))

    __table_args__ = (sa.CheckConstraint("level BETWEEN 0 AND 5", name="level_in_range"),)


@sa.event.listens_for(EscalationDecision, "before_update")
@sa.event.listens_for(EscalationDecision, "before_delete")
def _decisions_are_never_changed(mapper, connection, target: EscalationDecision) -> None:
    """The record of who decided what must stand: a wrong decision is superseded, never edited or removed."""
    raise ValueError(f"Escalation decision {target.id} is append-only: record a new decision that supersedes it")
