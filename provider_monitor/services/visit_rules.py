"""The visit-frequency policy and who may do what with visits, with no database: pure and unit-tested."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from provider_monitor.enums import DueState, PolicyBand, Role
from provider_monitor.models.visit_policy import DEFAULT_INTERVALS, DEFAULT_SETTINGS
from provider_monitor.services.rating_rules import LABELS, rank

# Who may do what. Officers log visits; managers sign reports off (the design's "Who uses it").
VISIT_LOGGERS = frozenset({Role.OFFICER, Role.MANAGER})
REPORT_SHARERS = frozenset({Role.OFFICER, Role.MANAGER})
REPORT_SIGNERS = frozenset({Role.MANAGER})
POLICY_EDITORS = frozenset({Role.ADMIN})

BAND_BY_RANK = {
    4: PolicyBand.OUTSTANDING,
    3: PolicyBand.GOOD,
    2: PolicyBand.REQUIRES_IMPROVEMENT,
    1: PolicyBand.INADEQUATE,
}
# Escalation levels (the escalation issue): 1–2 enhanced monitoring / provider concerns, 3–5 suspension and above.
ENHANCED_LEVELS = range(1, 3)
SUSPENSION_LEVELS = range(3, 6)
DUE_STATE_ORDER = {state: position for position, state in enumerate(DueState)}


@dataclass(frozen=True)
class Policy:
    """The admin-edited policy table, as values."""

    intervals: Mapping[PolicyBand, int] = field(default_factory=lambda: dict(DEFAULT_INTERVALS))
    enhanced_cap_months: int = DEFAULT_SETTINGS["enhanced_cap_months"]
    suspension_cap_months: int = DEFAULT_SETTINGS["suspension_cap_months"]
    never_visited_grace_days: int = DEFAULT_SETTINGS["never_visited_grace_days"]
    due_soon_days: int = DEFAULT_SETTINGS["due_soon_days"]
    comment_window_days: int = DEFAULT_SETTINGS["comment_window_days"]


def add_months(day: date, months: int) -> date:
    """The same day `months` later; 31 August + 6 months is 28 (or 29) February."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def band_for(*, cqc_overall: str | None, local_rating: str | None, regulated: bool) -> PolicyBand:
    """The worse of CQC Overall and the local quality rating; with neither, not yet rated or unregulated."""
    ranks = [r for r in (rank(cqc_overall), rank(local_rating)) if r is not None]
    if ranks:
        return BAND_BY_RANK[min(ranks)]
    return PolicyBand.NOT_YET_RATED if regulated else PolicyBand.UNREGULATED


def interval_for(policy: Policy, band: PolicyBand, escalation_level: int = 0) -> int:
    """Months between routine visits: the band's interval, capped while the service is under escalation."""
    months = policy.intervals[band]
    if escalation_level in SUSPENSION_LEVELS:
        return min(months, policy.suspension_cap_months)
    if escalation_level in ENHANCED_LEVELS:
        return min(months, policy.enhanced_cap_months)
    return months


@dataclass(frozen=True)
class Due:
    """When the next routine visit is due, and why."""

    due_on: date
    state: DueState
    band: PolicyBand
    interval_months: int
    last_visit_on: date | None
    days_overdue: int
    days_until_due: int
    # The escalation level in force, and whether it shortened the band's interval.
    escalation_level: int = 0
    tightened_by_escalation: bool = False

    @property
    def urgency(self) -> tuple:
        """Sort key: overdue (longest first), never visited, due soon, on track (soonest first)."""
        return (DUE_STATE_ORDER[self.state], -self.days_overdue, self.due_on)

    @property
    def description(self) -> str:
        """'43 days overdue', 'Due in 12 days', 'Due today', 'Never visited, due now'."""
        if self.state == DueState.NEVER_VISITED:
            if self.days_until_due == 0:
                return "Never visited, due now"
            return f"Never visited, due in {_days(self.days_until_due)}"
        if self.days_overdue:
            return f"{_days(self.days_overdue)} overdue"
        return "Due today" if self.days_until_due == 0 else f"Due in {_days(self.days_until_due)}"


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def due_for(
    policy: Policy,
    *,
    last_routine_visit_on: date | None,
    cqc_overall: str | None,
    local_rating: str | None,
    regulated: bool,
    on_register_since: date,
    today: date,
    escalation_level: int = 0,
) -> Due:
    """The next routine visit for one service under the policy, as of `today`."""
    band = band_for(cqc_overall=cqc_overall, local_rating=local_rating, regulated=regulated)
    months = interval_for(policy, band, escalation_level)
    if last_routine_visit_on is None:
        # "A service never visited is due now": from the day it joined the register, plus any grace.
        due_on = on_register_since + timedelta(days=policy.never_visited_grace_days)
        state = DueState.NEVER_VISITED
    else:
        due_on = add_months(last_routine_visit_on, months)
        if due_on < today:
            state = DueState.OVERDUE
        elif (due_on - today).days <= policy.due_soon_days:
            state = DueState.DUE_SOON
        else:
            state = DueState.ON_TRACK
    return Due(
        due_on=due_on, state=state, band=band, interval_months=months, last_visit_on=last_routine_visit_on,
        days_overdue=max((today - due_on).days, 0), days_until_due=max((due_on - today).days, 0),
        escalation_level=escalation_level, tightened_by_escalation=months < interval_for(policy, band),
    )  # fmt: skip


def band_label(band: PolicyBand) -> str:
    return band.label


def rating_for_band(band: PolicyBand) -> str | None:
    """'Good' for the Good band; None for the two bands that are not ratings."""
    ranks = {b: r for r, b in BAND_BY_RANK.items()}
    return LABELS.get(ranks.get(band, 0))
