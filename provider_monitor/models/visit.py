"""Monitoring visits: planned or unplanned, their findings, compliance checks and report workflow."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from provider_monitor.enums import (
    ComplianceArea,
    ComplianceResult,
    KeyQuestion,
    LocalRating,
    VisitKind,
    VisitPurpose,
    VisitStatus,
)
from provider_monitor.models.base import Base, TimestampMixin, VersionedMixin, enum_column
from provider_monitor.models.service import Service
from provider_monitor.models.user import User

visit_officer = sa.Table(
    "visit_officer",
    Base.metadata,
    sa.Column("visit_id", sa.ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user_account.id"), primary_key=True, index=True),
)


class Visit(TimestampMixin, VersionedMixin, Base):
    __tablename__ = "visit"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("service.id"), index=True)
    kind: Mapped[VisitKind] = mapped_column(enum_column(VisitKind))
    purpose: Mapped[VisitPurpose] = mapped_column(enum_column(VisitPurpose))
    status: Mapped[VisitStatus] = mapped_column(enum_column(VisitStatus), default=VisitStatus.PLANNED, index=True)
    planned_on: Mapped[date | None]
    visited_on: Mapped[date | None]
    # An unplanned visit resets the routine clock only when the officer says it covered everything.
    full_quality_visit: Mapped[bool] = mapped_column(default=False)

    # Who was spoken to.
    spoke_to_people: Mapped[bool] = mapped_column(default=False)
    spoke_to_carers: Mapped[bool] = mapped_column(default=False)
    spoke_to_staff: Mapped[bool] = mapped_column(default=False)
    spoke_to_manager: Mapped[bool] = mapped_column(default=False)
    people_spoken_to_notes: Mapped[str | None] = mapped_column(sa.Text)

    local_rating: Mapped[LocalRating | None] = mapped_column(enum_column(LocalRating))
    summary: Mapped[str | None] = mapped_column(sa.Text)
    # The furthest step of the visit form the officer has saved (drafts resume there).
    steps_completed: Mapped[int] = mapped_column(default=0)

    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    logged_at: Mapped[datetime | None]
    logged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    shared_at: Mapped[datetime | None]
    shared_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    comments_due_on: Mapped[date | None]
    finalised_at: Mapped[datetime | None]
    finalised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    cancelled_reason: Mapped[str | None] = mapped_column(sa.Text)

    service: Mapped[Service] = relationship(lazy="raise")
    officers: Mapped[list[User]] = relationship(secondary=visit_officer, lazy="raise", order_by="User.name")
    findings: Mapped[list[VisitFinding]] = relationship(
        back_populates="visit", lazy="raise", cascade="all, delete-orphan", order_by="VisitFinding.id"
    )
    compliance: Mapped[list[VisitCompliance]] = relationship(
        back_populates="visit", lazy="raise", cascade="all, delete-orphan", order_by="VisitCompliance.id"
    )
    shared_by: Mapped[User | None] = relationship(foreign_keys=[shared_by_id], lazy="raise")
    finalised_by: Mapped[User | None] = relationship(foreign_keys=[finalised_by_id], lazy="raise")
    logged_by: Mapped[User | None] = relationship(foreign_keys=[logged_by_id], lazy="raise")

    __table_args__ = (
        # "The last routine visit" per service is the caseload's core query.
        sa.Index("ix_visit_service_status_visited", "service_id", "status", "visited_on"),
        sa.CheckConstraint(
            "status IN ('planned', 'cancelled') OR visited_on IS NOT NULL", name="logged_visit_has_date"
        ),
    )

    @property
    def date(self) -> date | None:
        """The day it happened, or the day it is planned for."""
        return self.visited_on or self.planned_on

    @property
    def resets_routine_clock(self) -> bool:
        return self.kind == VisitKind.PLANNED or self.full_quality_visit

    def __repr__(self) -> str:
        return f"<Visit {self.id} service={self.service_id} {self.status}>"


class VisitFinding(Base):
    """What the visit found on one key question: evidence notes and a local judgement."""

    __tablename__ = "visit_finding"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visit.id", ondelete="CASCADE"), index=True)
    key_question: Mapped[KeyQuestion] = mapped_column(enum_column(KeyQuestion))
    judgement: Mapped[LocalRating | None] = mapped_column(enum_column(LocalRating))
    evidence: Mapped[str | None] = mapped_column(sa.Text)

    visit: Mapped[Visit] = relationship(back_populates="findings", lazy="raise")

    __table_args__ = (sa.UniqueConstraint("visit_id", "key_question", name="uq_visit_finding_visit_question"),)


class VisitCompliance(Base):
    """One line of the compliance checklist."""

    __tablename__ = "visit_compliance"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visit.id", ondelete="CASCADE"), index=True)
    area: Mapped[ComplianceArea] = mapped_column(enum_column(ComplianceArea))
    result: Mapped[ComplianceResult | None] = mapped_column(enum_column(ComplianceResult))
    notes: Mapped[str | None] = mapped_column(sa.Text)

    visit: Mapped[Visit] = relationship(back_populates="compliance", lazy="raise")

    __table_args__ = (sa.UniqueConstraint("visit_id", "area", name="uq_visit_compliance_visit_area"),)
