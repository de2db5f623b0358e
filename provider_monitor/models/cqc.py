"""CQC connection settings and the log of sync runs (whose last success is the sync watermark)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from provider_monitor.enums import LabelledEnum
from provider_monitor.models.base import Base, enum_column, utcnow


class SyncKind(LabelledEnum):
    SYNC = "sync", "Changes since the last sync"
    FULL = "full", "Full refresh"
    FETCH = "fetch", "Fetch named locations"
    IMPORT_JSON = "import-json", "Import saved JSON"


class SyncStatus(LabelledEnum):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Partly failed"
    FAILED = "failed", "Failed"


class CQCSettings(Base):
    """One row (id 1): the subscription key and the local authorities whose services the council covers.

    The key is write-only in the app (shown masked) and is never written to the audit trail; a change
    of key is audited through `key_changed_at`. CQC_SUBSCRIPTION_KEY in the environment wins over it.
    """

    __tablename__ = "cqc_settings"
    __audit__ = True
    __audit_exclude__ = frozenset({"subscription_key"})

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    subscription_key: Mapped[str | None] = mapped_column(sa.String(200))
    key_changed_at: Mapped[datetime | None]
    local_authorities: Mapped[str] = mapped_column(sa.String(500), default="")
    # Blank: the server's configuration (CQC_API_BASE_URL, CQC_REQUESTS_PER_SECOND) applies.
    base_url: Mapped[str | None] = mapped_column(sa.String(200))
    requests_per_second: Mapped[float | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    @property
    def authorities(self) -> list[str]:
        """The local authorities, trimmed, blanks and repeats (in any case) left out."""
        seen, names = set(), []
        for name in (self.local_authorities or "").split(","):
            name = " ".join(name.split())
            if name and name.lower() not in seen:
                seen.add(name.lower())
                names.append(name)
        return names


class CQCSyncRun(Base):
    """One sync, full refresh, fetch or JSON import: what it covered, what it changed and what failed."""

    __tablename__ = "cqc_sync_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SyncKind] = mapped_column(enum_column(SyncKind))
    status: Mapped[SyncStatus] = mapped_column(enum_column(SyncStatus), index=True)
    started_by: Mapped[str] = mapped_column(sa.String(200), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # [window_start, window_end) in UTC; the window_end of the newest succeeded run is the watermark.
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    new_services: Mapped[int] = mapped_column(default=0)
    snapshots_added: Mapped[int] = mapped_column(default=0)  # "ratings updated"
    registrations_cancelled: Mapped[int] = mapped_column(default=0)
    gone: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    failures: Mapped[list] = mapped_column(sa.JSON, default=list)  # [{"location_id", "reason"}]
    error: Mapped[str | None] = mapped_column(sa.Text)
