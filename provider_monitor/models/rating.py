"""CQC ratings as history: one snapshot per published change, and the changes between them."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from provider_monitor.enums import ChangeDirection, KeyQuestion, RatingSource
from provider_monitor.models.base import Base, enum_column, utcnow
from provider_monitor.models.service import Service

# Columns per key question: <q> (the rating as published), <q>_date, <q>_link (CQC report link id).
QUESTION_KEYS = tuple(q.value for q in KeyQuestion)


class RatingSnapshot(Base):
    """The ratings in force after one published report (or one hand entry)."""

    __tablename__ = "rating_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("service.id", ondelete="CASCADE"), index=True)
    published_on: Mapped[date | None]
    source: Mapped[RatingSource] = mapped_column(enum_column(RatingSource))
    # Same ratings and dates from another source or a second import add nothing.
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    is_current: Mapped[bool] = mapped_column(default=False)
    inherited_from: Mapped[str | None] = mapped_column(sa.String(20))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    overall: Mapped[str | None] = mapped_column(sa.String(40))
    overall_date: Mapped[date | None]
    overall_link: Mapped[str | None] = mapped_column(sa.String(64))
    safe: Mapped[str | None] = mapped_column(sa.String(40))
    safe_date: Mapped[date | None]
    safe_link: Mapped[str | None] = mapped_column(sa.String(64))
    effective: Mapped[str | None] = mapped_column(sa.String(40))
    effective_date: Mapped[date | None]
    effective_link: Mapped[str | None] = mapped_column(sa.String(64))
    caring: Mapped[str | None] = mapped_column(sa.String(40))
    caring_date: Mapped[date | None]
    caring_link: Mapped[str | None] = mapped_column(sa.String(64))
    responsive: Mapped[str | None] = mapped_column(sa.String(40))
    responsive_date: Mapped[date | None]
    responsive_link: Mapped[str | None] = mapped_column(sa.String(64))
    well_led: Mapped[str | None] = mapped_column(sa.String(40))
    well_led_date: Mapped[date | None]
    well_led_link: Mapped[str | None] = mapped_column(sa.String(64))

    service: Mapped[Service] = relationship(lazy="raise")

    __table_args__ = (
        sa.UniqueConstraint("service_id", "fingerprint", name="uq_rating_snapshot_service_fingerprint"),
        # Finding a service's current ratings (register filters and sorting) is one indexed join.
        sa.Index("ix_rating_snapshot_current", "service_id", "is_current"),
    )


class RatingChange(Base):
    """A rating that went up or down between two snapshots (derived; rebuilt from the snapshots)."""

    __tablename__ = "rating_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("service.id", ondelete="CASCADE"), index=True)
    snapshot_id: Mapped[int] = mapped_column(sa.ForeignKey("rating_snapshot.id", ondelete="CASCADE"), index=True)
    key_question: Mapped[KeyQuestion] = mapped_column(enum_column(KeyQuestion))
    from_rating: Mapped[str] = mapped_column(sa.String(40))
    to_rating: Mapped[str] = mapped_column(sa.String(40))
    direction: Mapped[ChangeDirection] = mapped_column(enum_column(ChangeDirection), index=True)
    high_severity: Mapped[bool] = mapped_column(default=False)
    changed_on: Mapped[date | None] = mapped_column(index=True)
    report_link: Mapped[str | None] = mapped_column(sa.String(64))

    service: Mapped[Service] = relationship(lazy="raise")


# A service's current snapshot, for pages that list many services (loaded with selectinload).
Service.current_rating = relationship(
    RatingSnapshot,
    primaryjoin=sa.and_(RatingSnapshot.service_id == Service.id, RatingSnapshot.is_current.is_(True)),
    viewonly=True,
    uselist=False,
    lazy="raise",
)
