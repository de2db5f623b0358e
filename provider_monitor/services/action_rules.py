"""Action rules, with no database: the status flow, who may move it, and RAG."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from provider_monitor.enums import RAG, ActionStatus, Role
from provider_monitor.services.exceptions import FieldError

# Officers raise actions from visits; contract managers hold the action plans and may add to them.
ACTION_RAISERS = frozenset({Role.OFFICER, Role.CONTRACT_MANAGER, Role.MANAGER})
# Verifying evidence (or returning it) is the contract manager's call; managers may stand in.
ACTION_VERIFIERS = frozenset({Role.CONTRACT_MANAGER, Role.MANAGER})
# Progress and evidence come from the provider; staff may record them on the provider's behalf.
ACTION_WORKERS = frozenset({Role.PROVIDER, Role.OFFICER, Role.CONTRACT_MANAGER, Role.MANAGER})

# Where each status may go next, and who may send it there.
TRANSITIONS: dict[ActionStatus, dict[ActionStatus, frozenset[Role]]] = {
    ActionStatus.OPEN: {
        ActionStatus.IN_PROGRESS: ACTION_WORKERS,
        ActionStatus.EVIDENCE_SUBMITTED: ACTION_WORKERS,
    },
    ActionStatus.IN_PROGRESS: {ActionStatus.EVIDENCE_SUBMITTED: ACTION_WORKERS},
    ActionStatus.RETURNED: {
        ActionStatus.IN_PROGRESS: ACTION_WORKERS,
        ActionStatus.EVIDENCE_SUBMITTED: ACTION_WORKERS,
    },
    ActionStatus.EVIDENCE_SUBMITTED: {
        ActionStatus.VERIFIED: ACTION_VERIFIERS,
        ActionStatus.RETURNED: ACTION_VERIFIERS,
    },
    ActionStatus.VERIFIED: {},
}
# Moves that must say why.
REASON_REQUIRED = frozenset({ActionStatus.RETURNED})
# Statuses in which the provider still owes something: these turn red once the due date passes.
AWAITING_PROVIDER = frozenset({ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.RETURNED})
PENDING = frozenset(ActionStatus) - {ActionStatus.VERIFIED}


def next_statuses(status: ActionStatus, role: Role) -> list[ActionStatus]:
    """The statuses this role may move an action to from `status`, in flow order."""
    return [to for to, allowed in TRANSITIONS[status].items() if role in allowed]


def check_move(status: ActionStatus, to: ActionStatus, role: Role, reason: str | None) -> None:
    """Refuse a move the flow or the role does not allow, or a return without a reason."""
    allowed = TRANSITIONS[status]
    if to not in allowed:
        raise FieldError("status", f"An action that is {status.label.lower()} cannot be marked {to.label.lower()}")
    if role not in allowed[to]:
        raise FieldError("status", f"Your role cannot mark an action {to.label.lower()}")
    if to in REASON_REQUIRED and not (reason or "").strip():
        raise FieldError("note", "Enter the reason the evidence is being returned")


def is_overdue(status: ActionStatus, due_on: date, today: date) -> bool:
    """Past its due date while the provider still owes something (submitted evidence stops the clock)."""
    return status in AWAITING_PROVIDER and due_on < today


def rag(status: ActionStatus, due_on: date, today: date) -> RAG:
    """Green: nothing pending; red: overdue; amber: open and in time."""
    if status == ActionStatus.VERIFIED:
        return RAG.GREEN
    return RAG.RED if is_overdue(status, due_on, today) else RAG.AMBER


def plan_rag(actions: Iterable[tuple[ActionStatus, date]], today: date) -> RAG:
    """A whole action plan: red if any action is overdue, amber if any is pending, else green."""
    colours = {rag(status, due_on, today) for status, due_on in actions}
    if RAG.RED in colours:
        return RAG.RED
    return RAG.AMBER if RAG.AMBER in colours else RAG.GREEN
