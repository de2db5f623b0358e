"""Escalation rules, with no database: the levels, who may decide each move, and the timers a decision starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from provider_monitor.enums import DecisionKind, Role, SuspensionStatus, TimerKind, TimerState
from provider_monitor.services.exceptions import FieldError
from provider_monitor.services.working_days import add_working_days

LEVELS = {
    0: "Routine monitoring",
    1: "Enhanced monitoring",
    2: "Provider concerns process",
    3: "Suspension of new placements",
    4: "Organisational safeguarding enquiry",
    5: "Provider failure or exit",
}
SUSPENSION_LEVEL = 3
# Who outranks whom when decisions are taken; roles not listed take no escalation decisions.
SENIORITY = {Role.OFFICER: 1, Role.MANAGER: 2, Role.HEAD_OF_SERVICE: 3, Role.DIRECTOR: 4}
# The design's default: officer 0, QMM manager 1, head of service 2–3, director 4–5.
DEFAULT_AUTHORITY = {
    0: Role.OFFICER,
    1: Role.MANAGER,
    2: Role.HEAD_OF_SERVICE,
    3: Role.HEAD_OF_SERVICE,
    4: Role.DIRECTOR,
    5: Role.DIRECTOR,
}


@dataclass(frozen=True)
class TimerSettings:
    """How long each timer runs (admin-configurable)."""

    suspension_letter_working_days: int = 7
    suspension_review_weeks: int = 4
    appeal_working_days: int = 5
    due_soon_days: int = 5


@dataclass(frozen=True)
class Decision:
    """A proposed move: from where, to where, by whom, and why."""

    from_level: int
    to_level: int
    role: Role
    reason: str = ""
    next_review_on: date | None = None
    decided_on: date | None = None
    from_suspension: SuspensionStatus | None = None
    to_suspension: SuspensionStatus | None = None
    closing: bool = False


@dataclass(frozen=True)
class PlannedTimer:
    kind: TimerKind
    due_on: date


@dataclass(frozen=True)
class Outcome:
    kind: DecisionKind
    timers: list[PlannedTimer] = field(default_factory=list)


def role_words(role: Role) -> str:
    """A role's label inside a sentence: 'head of service', but 'QMM officer' keeps its capitals."""
    label = role.label
    return label if label[:2].isupper() else label[0].lower() + label[1:]


def level_label(level: int) -> str:
    return f"Level {level}: {LEVELS[level]}"


def may_decide(role: Role, level: int, authority: dict[int, Role] | None = None) -> bool:
    """Whether this role has the authority for decisions touching `level`."""
    needed = (authority or DEFAULT_AUTHORITY)[level]
    return SENIORITY.get(role, 0) >= SENIORITY[needed]


def decidable_levels(role: Role, authority: dict[int, Role] | None = None) -> list[int]:
    return [level for level in LEVELS if may_decide(role, level, authority)]


def _is_step_down(decision: Decision) -> bool:
    if decision.to_level < decision.from_level:
        return True
    # Red to amber keeps level 3 but lets placements resume: a step down, which must say why.
    return (
        decision.to_level == decision.from_level == SUSPENSION_LEVEL
        and decision.from_suspension == SuspensionStatus.RED
        and decision.to_suspension == SuspensionStatus.AMBER
    )


def kind_of(decision: Decision) -> DecisionKind:
    if decision.closing:
        return DecisionKind.CLOSE
    if _is_step_down(decision):
        return DecisionKind.STEP_DOWN
    if decision.to_level > decision.from_level or (
        decision.to_level == SUSPENSION_LEVEL and decision.to_suspension != decision.from_suspension
    ):
        return DecisionKind.ESCALATE
    return DecisionKind.REVIEW


def check(decision: Decision, authority: dict[int, Role] | None = None, today: date | None = None) -> DecisionKind:
    """Refuse a decision the rules do not allow; return what kind of decision it is."""
    if decision.to_level not in LEVELS:
        raise FieldError("to_level", "Select a level from 0 to 5")
    kind = kind_of(decision)
    if decision.closing and decision.to_level != 0:
        raise FieldError("to_level", "An escalation can only be closed at level 0, routine monitoring")
    # Moving between levels needs the authority of the higher one: stepping down from suspension is
    # the head of service's call, as suspending was.
    highest = max(decision.from_level, decision.to_level)
    if not may_decide(decision.role, highest, authority):
        needed = (authority or DEFAULT_AUTHORITY)[highest]
        raise FieldError(
            "to_level", f"Only a {role_words(needed)} or above can take a decision at {level_label(highest).lower()}"
        )
    if kind in (DecisionKind.STEP_DOWN, DecisionKind.CLOSE) and not decision.reason.strip():
        noun = "closing the escalation" if kind == DecisionKind.CLOSE else "stepping down"
        raise FieldError("reason", f"Enter the reason for {noun}")
    if not decision.reason.strip():
        raise FieldError("reason", "Enter the reason for the decision")
    if decision.to_level == SUSPENSION_LEVEL and decision.to_suspension is None:
        raise FieldError("suspension_status", "Select red (no new placements) or amber (place with caution)")
    if decision.to_level != SUSPENSION_LEVEL and decision.to_suspension is not None:
        raise FieldError("suspension_status", "Suspension status only applies at level 3")
    if decision.to_level > 0 and not decision.closing and decision.next_review_on is None:
        raise FieldError("next_review_on", "Enter the next review date")
    if today and decision.next_review_on and decision.next_review_on < today:
        raise FieldError("next_review_on", "Next review date must be today or in the future")
    if today and decision.decided_on and decision.decided_on > today:
        raise FieldError("decided_on", "Date of the decision must be today or in the past")
    return kind


def timers_for(decision: Decision, settings: TimerSettings | None = None) -> list[PlannedTimer]:
    """The timers a decision starts: a suspension starts its letter, its week-4 review and the appeal window."""
    settings = settings or TimerSettings()
    decided_on = decision.decided_on or date.today()
    timers = []
    newly_suspended = decision.to_level == SUSPENSION_LEVEL and decision.from_level != SUSPENSION_LEVEL
    if newly_suspended:
        timers += [
            PlannedTimer(
                TimerKind.SUSPENSION_LETTER, add_working_days(decided_on, settings.suspension_letter_working_days)
            ),
            PlannedTimer(TimerKind.SUSPENSION_REVIEW, decided_on + timedelta(weeks=settings.suspension_review_weeks)),
            PlannedTimer(TimerKind.APPEAL, add_working_days(decided_on, settings.appeal_working_days)),
        ]
    if decision.to_level > 0 and not decision.closing and decision.next_review_on:
        timers.append(PlannedTimer(TimerKind.LEVEL_REVIEW, decision.next_review_on))
    return timers


def timer_state(due_on: date, met_on: date | None, today: date, settings: TimerSettings | None = None) -> TimerState:
    """Met (on or before the due date, or late: still met), missed once past due, due soon, or running."""
    settings = settings or TimerSettings()
    if met_on is not None:
        return TimerState.MET if met_on <= due_on else TimerState.MISSED
    if today > due_on:
        return TimerState.MISSED
    return TimerState.DUE_SOON if (due_on - today).days <= settings.due_soon_days else TimerState.RUNNING
