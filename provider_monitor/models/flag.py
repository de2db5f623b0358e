"""Flags the daily sweep raises and resolves, the job runs that did it, and the e-mail outbox."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from provider_monitor.enums import FlagKind, FlagSeverity, JobStatus
from provider_monitor.models.base import Base, TimestampMixin, VersionedMixin, enum_column, utcnow
from provider_monitor.models.provider import Provider
from provider_monitor.models.service import Service
from provider_monitor.models.user import User


class Flag(TimestampMixin, VersionedMixin, Base):
    """Something needing attention, raised by a sweep while its condition holds and resolved when it clears."""

    __tablename__ = "flag"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FlagKind] = mapped_column(enum_column(FlagKind), index=True)
    # What the flag is about, as "service:12", "action:55", "rating_change:7", "escalation:3" or "timer:9":
    # with the kind, the natural key that keeps one open flag per condition.
    subject_key: Mapped[str] = mapped_column(sa.String(60))
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    # Empty only for a provider-wide escalation.
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service.id"), index=True)
    severity: Mapped[FlagSeverity] = mapped_column(enum_column(FlagSeverity), index=True)
    evidence: Mapped[str] = mapped_column(sa.Text)
    # The day the condition began (a visit's due date, a report's date), for the flag's age.
    since_on: Mapped[date | None]
    raised_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_note: Mapped[str | None] = mapped_column(sa.Text)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)

    provider: Mapped[Provider] = relationship(lazy="raise")
    service: Mapped[Service | None] = relationship(lazy="raise")
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id], lazy="raise")
    notes: Mapped[list[FlagNote]] = relationship(back_populates="flag", lazy="raise", order_by="FlagNote.id")

    __table_args__ = (
        sa.Index(
            "uq_flag_open_kind_subject",
            "kind",
            "subject_key",
            unique=True,
            sqlite_where=sa.text("resolved_at IS NULL"),
            postgresql_where=sa.text("resolved_at IS NULL"),
        ),
    )

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class FlagNote(Base):
    """Who acknowledged or assigned a flag, or commented on it: append-only."""

    __tablename__ = "flag_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(sa.ForeignKey("flag.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    by_label: Mapped[str] = mapped_column(sa.String(200))
    # "acknowledged", "assigned" or "comment".
    action: Mapped[str] = mapped_column(sa.String(20))
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    text: Mapped[str | None] = mapped_column(sa.Text)

    flag: Mapped[Flag] = relationship(back_populates="notes", lazy="raise")


class JobRun(Base):
    """One run of a scheduled job: its idempotency key, what it did, and how it ended."""

    __tablename__ = "job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(sa.String(60), index=True)
    # "2026-11-23" for the daily sweep; a timestamp for a run started by hand.
    run_key: Mapped[str] = mapped_column(sa.String(60))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus), index=True)
    raised: Mapped[int] = mapped_column(default=0)
    resolved: Mapped[int] = mapped_column(default=0)
    detail: Mapped[str | None] = mapped_column(sa.Text)
    error: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (sa.UniqueConstraint("job_name", "run_key", name="uq_job_run_job_name_run_key"),)


class OutboxMessage(Base):
    """An e-mail waiting to be sent: written in the same transaction as its cause, sent and retried by a job."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A natural key ("digest:user:12:2026-11-23"), so a rerun never queues the same message twice.
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime | None]
