"""Concerns about a service (or a provider across its services), with their confidential parts."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from provider_monitor.enums import ConcernCategory, ConcernSeverity, ConcernSource, ConcernStatus
from provider_monitor.models.base import Base, TimestampMixin, VersionedMixin, enum_column
from provider_monitor.models.provider import Provider
from provider_monitor.models.service import Service
from provider_monitor.models.visit import Visit

concern_visit = sa.Table(
    "concern_visit",
    Base.metadata,
    sa.Column("concern_id", sa.ForeignKey("concern.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("visit_id", sa.ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Concern(TimestampMixin, VersionedMixin, Base):
    __tablename__ = "concern"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("provider.id"), index=True)
    # Empty when the concern is about the provider across all its services.
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service.id"), index=True)
    received_on: Mapped[date] = mapped_column(index=True)
    source: Mapped[ConcernSource] = mapped_column(enum_column(ConcernSource))
    category: Mapped[ConcernCategory] = mapped_column(enum_column(ConcernCategory), index=True)
    severity: Mapped[ConcernSeverity] = mapped_column(enum_column(ConcernSeverity), index=True)
    description: Mapped[str] = mapped_column(sa.Text)
    people_affected: Mapped[int | None]
    # Confidential: never shown to provider users, whatever the page (enforced in services/visibility).
    source_identity: Mapped[str | None] = mapped_column(sa.Text)
    safeguarding_reference: Mapped[str | None] = mapped_column(sa.String(60))
    safeguarding_detail: Mapped[str | None] = mapped_column(sa.Text)
    confidential: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ConcernStatus] = mapped_column(enum_column(ConcernStatus), default=ConcernStatus.OPEN, index=True)
    closed_on: Mapped[date | None]
    closed_reason: Mapped[str | None] = mapped_column(sa.Text)
    logged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    provider: Mapped[Provider] = relationship(lazy="raise")
    service: Mapped[Service | None] = relationship(lazy="raise")
    visits: Mapped[list[Visit]] = relationship(secondary=concern_visit, lazy="raise", order_by="Visit.visited_on")

    def __repr__(self) -> str:
        return f"<Concern {self.id} provider={self.provider_id} service={self.service_id}>"
