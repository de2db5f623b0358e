"""Actions: what a provider must or should do, tracked on a timeline to verified completion."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from provider_monitor.enums import ActionKind, ActionPriority, ActionStatus, KeyQuestion
from provider_monitor.models.base import Base, TimestampMixin, VersionedMixin, enum_column, utcnow
from provider_monitor.models.service import Service
from provider_monitor.models.user import User
from provider_monitor.models.visit import Visit


class Action(TimestampMixin, VersionedMixin, Base):
    __tablename__ = "action"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("service.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visit.id"), index=True)
    concern_id: Mapped[int | None] = mapped_column(sa.ForeignKey("concern.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("escalation_meeting.id"), index=True)
    description: Mapped[str] = mapped_column(sa.Text)
    key_question: Mapped[KeyQuestion | None] = mapped_column(enum_column(KeyQuestion), index=True)
    kind: Mapped[ActionKind] = mapped_column(enum_column(ActionKind), index=True)
    priority: Mapped[ActionPriority] = mapped_column(enum_column(ActionPriority), index=True)
    due_on: Mapped[date] = mapped_column(index=True)
    # The person at the provider responsible (a name or a job title, as the plan says).
    owner: Mapped[str] = mapped_column(sa.String(120))
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus), default=ActionStatus.OPEN, index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    service: Mapped[Service] = relationship(lazy="raise")
    visit: Mapped[Visit | None] = relationship(lazy="raise")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="raise")
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id], lazy="raise")
    events: Mapped[list[ActionEvent]] = relationship(
        back_populates="action", lazy="raise", order_by="ActionEvent.id", cascade="all, delete-orphan"
    )
    evidence: Mapped[list[ActionEvidence]] = relationship(
        back_populates="action", lazy="raise", order_by="ActionEvidence.id", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.Index("ix_action_service_status", "service_id", "status"),)

    def __repr__(self) -> str:
        return f"<Action {self.id} service={self.service_id} {self.status}>"


class ActionEvent(Base):
    """One step on an action's timeline: a status change, a progress note, evidence added. Never edited."""

    __tablename__ = "action_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("action.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # Who, in words, as it was at the time (a name and role), so renaming a user keeps the record true.
    actor_label: Mapped[str] = mapped_column(sa.String(200))
    from_status: Mapped[ActionStatus | None] = mapped_column(enum_column(ActionStatus))
    to_status: Mapped[ActionStatus | None] = mapped_column(enum_column(ActionStatus))
    note: Mapped[str | None] = mapped_column(sa.Text)

    action: Mapped[Action] = relationship(back_populates="events", lazy="raise")


class ActionEvidence(Base):
    """A file attached to an action, kept outside static/ and served only to those who may see it."""

    __tablename__ = "action_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("action.id", ondelete="CASCADE"), index=True)
    # The name the uploader's file had (shown, and offered on download); never used as a path.
    filename: Mapped[str] = mapped_column(sa.String(255))
    # A random name in the evidence folder.
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    uploaded_by_label: Mapped[str] = mapped_column(sa.String(200))

    action: Mapped[Action] = relationship(back_populates="evidence", lazy="raise")
