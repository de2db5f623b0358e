"""The audit trail: who changed what, when, field by field. Append-only."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from provider_monitor.models.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(20))
    entity_type: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int] = mapped_column()
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(sa.String(36))

    __table_args__ = (sa.Index("ix_audit_event_entity", "entity_type", "entity_id", "at"),)
