"""Which flags should be open "as of now", with no database: one function per kind, pure and unit-tested.

Severities, kept deliberately simple:
- visit overdue / never visited: high when more than 90 days past due or the service is at escalation
  level 3 or above (suspension and beyond), otherwise medium; visit due soon: low.
- CQC rating decline: high for a high-severity change (a drop to Inadequate, or any drop in Overall),
  otherwise medium. A decline stays flagged for 90 days from its report, unless the rating recovers.
- action overdue: high for a high-priority action or one more than 30 days overdue, otherwise medium.
- escalation review overdue: high at level 3 or above, otherwise medium.
- escalation deadline missed: high for the suspension deadlines (letter, appeal window, suspension review).
  A missed level review is not raised here: "escalation review overdue" already says it.
- contract expiring: high once ended, medium within 30 days of its end, low within 90.
- CQC registration cancelled: always high (a service still active on the register).

Evidence names the dates ("Visit due 1 March 2026"), never a count of days: the pages work out how long
ago from the flag's `since_on`, so a flag only changes when its facts or severity do, not every morning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from provider_monitor.enums import ActionPriority, DueState, FlagKind, FlagSeverity, KeyQuestion, TimerKind, TimerState
from provider_monitor.services.action_rules import is_overdue
from provider_monitor.services.escalation_rules import SUSPENSION_LEVEL, timer_state
from provider_monitor.services.rating_rules import rank
from provider_monitor.services.visit_rules import Due

RATING_DECLINE_WINDOW_DAYS = 90
CONTRACT_NOTICE_DAYS = 90
CONTRACT_SOON_DAYS = 30
VISIT_LONG_OVERDUE_DAYS = 90
ACTION_LONG_OVERDUE_DAYS = 30
VISIT_KINDS = frozenset({FlagKind.VISIT_OVERDUE, FlagKind.VISIT_DUE_SOON, FlagKind.NEVER_VISITED})
# A level review is owed at the escalation's next review date: that has a flag of its own.
TIMERS_FLAGGED = frozenset(TimerKind) - {TimerKind.LEVEL_REVIEW}

CLEARED = {
    FlagKind.VISIT_OVERDUE: "the service's next visit is no longer overdue",
    FlagKind.VISIT_DUE_SOON: "the service's next visit is no longer due soon",
    FlagKind.NEVER_VISITED: "the service is no longer waiting for its first visit",
    FlagKind.RATING_DECLINE: "the rating has gone back up, or the report is more than 90 days old",
    FlagKind.ACTION_OVERDUE: "the action is no longer overdue (evidence submitted, verified or a new due date)",
    FlagKind.ESCALATION_REVIEW_OVERDUE: "the review was held, or the escalation closed",
    FlagKind.ESCALATION_TIMER_MISSED: "the deadline was met, or the escalation closed",
    FlagKind.CONTRACT_EXPIRING: "the contract now ends more than 90 days from today, or has no end date",
    FlagKind.REGISTRATION_CANCELLED: "the service is registered with CQC again",
}
SERVICE_GONE = "the service is no longer active on the register"


@dataclass(frozen=True)
class Wanted:
    """A flag that should be open: the sweep raises it, or brings the open one up to date."""

    kind: FlagKind
    subject_key: str
    provider_id: int
    service_id: int | None
    severity: FlagSeverity
    evidence: str
    since_on: date | None


def identity(kind: FlagKind, subject_key: str, service_id: int | None, evidence: str) -> tuple:
    """What makes two flags the same condition.

    Rating changes are rebuilt (new ids) whenever a service's snapshots are refreshed, so a decline is
    known by its service and its evidence (question, ratings and report date); everything else by subject.
    """
    if kind == FlagKind.RATING_DECLINE:
        return (kind, service_id, evidence)
    return (kind, subject_key)


def day(value: date) -> str:
    """1 March 2026, the GOV.UK style."""
    return f"{value.day} {value:%B %Y}"


def days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def cleared_note(kind: FlagKind, *, service_active: bool = True, replaced_by: FlagKind | None = None) -> str:
    """Why an open flag was resolved: 'Condition cleared: …'."""
    if not service_active:
        reason = SERVICE_GONE
    elif replaced_by is not None:
        reason = f"now {kind_phrase(replaced_by)}"
    else:
        reason = CLEARED[kind]
    return f"Condition cleared: {reason}"


def visit_flag(service_id: int, provider_id: int, due: Due, today: date, due_soon_days: int) -> Wanted | None:
    """Visit overdue, never visited or due soon, from the visit policy's due date (at most one per service)."""
    escalated = due.escalation_level >= SUSPENSION_LEVEL
    suffix = f"; escalation level {due.escalation_level}" if due.escalation_level else ""
    if due.state == DueState.NEVER_VISITED and due.due_on <= today:
        kind = FlagKind.NEVER_VISITED
        evidence = f"Never visited; first visit due {day(due.due_on)}"
    elif due.state == DueState.OVERDUE:
        kind = FlagKind.VISIT_OVERDUE
        evidence = f"Visit due {day(due.due_on)}"
    elif due.state in (DueState.DUE_SOON, DueState.NEVER_VISITED) and (due.due_on - today).days <= due_soon_days:
        # A new service in its grace period is simply due soon until its first visit falls due.
        kind = FlagKind.VISIT_DUE_SOON
        evidence = f"Visit due {day(due.due_on)}"
        return Wanted(kind, f"service:{service_id}", provider_id, service_id, FlagSeverity.LOW, evidence + suffix,
                      due.due_on)  # fmt: skip
    else:
        return None
    high = escalated or due.days_overdue > VISIT_LONG_OVERDUE_DAYS
    severity = FlagSeverity.HIGH if high else FlagSeverity.MEDIUM
    return Wanted(kind, f"service:{service_id}", provider_id, service_id, severity, evidence + suffix, due.due_on)


@dataclass(frozen=True)
class Decline:
    """A CQC rating decline as stored, with the service's current rating for that key question."""

    change_id: int
    service_id: int
    provider_id: int
    question: KeyQuestion
    before: str
    after: str
    changed_on: date | None
    high_severity: bool
    current: str | None


def decline_flag(decline: Decline, today: date) -> Wanted | None:
    """A decline from a report in the last 90 days, while the rating has not come back up."""
    if decline.changed_on is None or decline.changed_on > today:
        return None
    if (today - decline.changed_on).days > RATING_DECLINE_WINDOW_DAYS:
        return None
    now, after = rank(decline.current), rank(decline.after)
    if now is not None and after is not None and now > after:
        return None
    evidence = f"{decline.question.label}: {decline.before} → {decline.after}, report {day(decline.changed_on)}"
    severity = FlagSeverity.HIGH if decline.high_severity else FlagSeverity.MEDIUM
    return Wanted(FlagKind.RATING_DECLINE, f"rating_change:{decline.change_id}", decline.provider_id,
                  decline.service_id, severity, evidence, decline.changed_on)  # fmt: skip


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def action_flag(
    action_id: int, service_id: int, provider_id: int, *, description: str, status, priority, due_on: date, today: date
) -> Wanted | None:
    """An action past its due date while the provider still owes something."""
    if not is_overdue(status, due_on, today):
        return None
    overdue = (today - due_on).days
    high = priority == ActionPriority.HIGH or overdue > ACTION_LONG_OVERDUE_DAYS
    evidence = f"Action due {day(due_on)}: {_short(description)}"
    return Wanted(FlagKind.ACTION_OVERDUE, f"action:{action_id}", provider_id, service_id,
                  FlagSeverity.HIGH if high else FlagSeverity.MEDIUM, evidence, due_on)  # fmt: skip


def review_flag(
    escalation_id: int,
    provider_id: int,
    service_id: int | None,
    *,
    level: int,
    next_review_on: date | None,
    today: date,
) -> Wanted | None:
    """An open escalation whose review date has passed without a decision."""
    if next_review_on is None or next_review_on >= today:
        return None
    scope = "" if service_id is not None else " (provider-wide)"
    evidence = f"Level {level} review{scope} due {day(next_review_on)}"
    severity = FlagSeverity.HIGH if level >= SUSPENSION_LEVEL else FlagSeverity.MEDIUM
    return Wanted(FlagKind.ESCALATION_REVIEW_OVERDUE, f"escalation:{escalation_id}", provider_id, service_id, severity,
                  evidence, next_review_on)  # fmt: skip


def timer_flag(
    timer_id: int, provider_id: int, service_id: int | None, *, kind: TimerKind, due_on: date, met_on: date | None,
    today: date,
) -> Wanted | None:  # fmt: skip
    """A suspension deadline passed and not met (a deadline met late is met: the flag clears)."""
    if kind not in TIMERS_FLAGGED or met_on is not None or timer_state(due_on, met_on, today) != TimerState.MISSED:
        return None
    evidence = f"{kind.label} due {day(due_on)}: not met"
    return Wanted(FlagKind.ESCALATION_TIMER_MISSED, f"timer:{timer_id}", provider_id, service_id, FlagSeverity.HIGH,
                  evidence, due_on)  # fmt: skip


def contract_flag(
    service_id: int, provider_id: int, *, reference: str | None, contract_end: date | None, today: date
) -> Wanted | None:
    """A contract ending within 90 days, or already ended while the service is still active."""
    if contract_end is None or (contract_end - today).days > CONTRACT_NOTICE_DAYS:
        return None
    name = f"Contract {reference}" if reference else "Contract"
    left = (contract_end - today).days
    if left < 0:
        evidence, severity = f"{name} ended {day(contract_end)}", FlagSeverity.HIGH
    else:
        severity = FlagSeverity.MEDIUM if left <= CONTRACT_SOON_DAYS else FlagSeverity.LOW
        evidence = f"{name} ends {day(contract_end)}"
    since = contract_end - timedelta(days=CONTRACT_NOTICE_DAYS)
    return Wanted(FlagKind.CONTRACT_EXPIRING, f"service:{service_id}", provider_id, service_id, severity, evidence,
                  since)  # fmt: skip


def registration_flag(service_id: int, provider_id: int, *, deregistered: bool) -> Wanted | None:
    """A service CQC has deregistered that is still active on the council's register."""
    if not deregistered:
        return None
    evidence = "CQC registration cancelled, but the service is still active on the register"
    return Wanted(FlagKind.REGISTRATION_CANCELLED, f"service:{service_id}", provider_id, service_id,
                  FlagSeverity.HIGH, evidence, None)  # fmt: skip


def kind_phrase(kind: FlagKind) -> str:
    """'visit overdue', 'CQC rating decline': the label as it reads mid-sentence."""
    label = kind.label
    return label if label[:3].isupper() else label[0].lower() + label[1:]
