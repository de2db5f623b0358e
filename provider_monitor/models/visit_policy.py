"""The visit-frequency policy: an interval per rating band, and the rules around it (admin-edited)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from provider_monitor.enums import PolicyBand
from provider_monitor.models.base import Base, TimestampMixin, VersionedMixin, enum_column

# The design's sensible default, loaded by the migration and restored by "reset to default".
DEFAULT_INTERVALS = {
    PolicyBand.OUTSTANDING: 18,
    PolicyBand.GOOD: 12,
    PolicyBand.REQUIRES_IMPROVEMENT: 6,
    PolicyBand.INADEQUATE: 3,
    PolicyBand.NOT_YET_RATED: 3,
    PolicyBand.UNREGULATED: 12,
}
DEFAULT_SETTINGS = {
    "enhanced_cap_months": 3,
    "suspension_cap_months": 1,
    "never_visited_grace_days": 0,
    "due_soon_days": 30,
    "comment_window_days": 14,
}


class VisitPolicyBand(TimestampMixin, VersionedMixin, Base):
    """Months from the last routine visit to the next, for one rating band."""

    __tablename__ = "visit_policy_band"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    band: Mapped[PolicyBand] = mapped_column(enum_column(PolicyBand), unique=True)
    interval_months: Mapped[int]

    __table_args__ = (sa.CheckConstraint("interval_months BETWEEN 1 AND 60", name="interval_in_range"),)


class VisitPolicySettings(TimestampMixin, VersionedMixin, Base):
    """The one row of policy rules that are not per band."""

    __tablename__ = "visit_policy_settings"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    # Escalation caps: enhanced monitoring / provider concerns (levels 1–2), suspension and above (3–5).
    enhanced_cap_months: Mapped[int] = mapped_column(default=3)
    suspension_cap_months: Mapped[int] = mapped_column(default=1)
    # A service never visited is due this many days after it joined the register (0: due at once).
    never_visited_grace_days: Mapped[int] = mapped_column(default=0)
    due_soon_days: Mapped[int] = mapped_column(default=30)
    # Days a provider has for factual-accuracy comments on a shared report.
    comment_window_days: Mapped[int] = mapped_column(default=14)
