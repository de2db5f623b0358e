"""CQC connection settings and the log of sync runs (whose last success is the sync watermark)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from provider_monitor.models.base import Base, utcnow


class CQCSettings(Base):
    """One row: the subscription key and the local authorities whose services the council covers."""

    __tablename__ = "cqc_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_key: Mapped[str | None] = mapped_column(sa.String(200))
    local_authorities: Mapped[str] = mapped_column(sa.String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    @property
    def authorities(self) -> list[str]:
        return [name.strip() for name in self.local_authorities.split(",") if name.strip()]


class CQCSyncRun(Base):
    """One sync, fetch or import: what it covered, what it changed and what failed."""

    __tablename__ = "cqc_sync_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # sync, full, fetch
    status: Mapped[str] = mapped_column(sa.String(20), index=True)  # succeeded, partial, failed
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    new_services: Mapped[int] = mapped_column(default=0)
    snapshots_added: Mapped[int] = mapped_column(default=0)
    registrations_cancelled: Mapped[int] = mapped_column(default=0)
    gone: Mapped[int] = mapped_column(default=0)
    failures: Mapped[list] = mapped_column(sa.JSON, default=list)
    error: Mapped[str | None] = mapped_column(sa.Text)
