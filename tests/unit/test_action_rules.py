"""The action flow, who may move it, and RAG, for every status and role on a chosen day."""

from datetime import date, timedelta

import pytest

from provider_monitor.enums import RAG, ActionStatus, Role
from provider_monitor.services import action_rules
from provider_monitor.services.exceptions import FieldError

TODAY = date(2026, 6, 15)
S = ActionStatus
WORK = {Role.PROVIDER, Role.OFFICER, Role.CONTRACT_MANAGER, Role.MANAGER}
VERIFY = {Role.CONTRACT_MANAGER, Role.MANAGER}

# Who may make each move; anything not listed is refused for everyone.
EXPECTED_MOVES = {
    (S.OPEN, S.IN_PROGRESS): WORK,
    (S.OPEN, S.EVIDENCE_SUBMITTED): WORK,
    (S.IN_PROGRESS, S.EVIDENCE_SUBMITTED): WORK,
    (S.RETURNED, S.IN_PROGRESS): WORK,
    (S.RETURNED, S.EVIDENCE_SUBMITTED): WORK,
    (S.EVIDENCE_SUBMITTED, S.VERIFIED): VERIFY,
    (S.EVIDENCE_SUBMITTED, S.RETURNED): VERIFY,
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("start", list(ActionStatus))
@pytest.mark.parametrize("to", list(ActionStatus))
def test_every_move_for_every_role(start, to, role):
    allowed = role in EXPECTED_MOVES.get((start, to), set())
    reason = "The policy does not cover night staff"
    if allowed:
        action_rules.check_move(start, to, role, reason)
    else:
        with pytest.raises(FieldError) as refused:
            action_rules.check_move(start, to, role, reason)
        assert refused.value.field == "status"
    assert (to in action_rules.next_statuses(start, role)) == allowed


def test_next_statuses_follow_the_flow_order():
    assert action_rules.next_statuses(S.OPEN, Role.PROVIDER) == [S.IN_PROGRESS, S.EVIDENCE_SUBMITTED]
    assert action_rules.next_statuses(S.EVIDENCE_SUBMITTED, Role.CONTRACT_MANAGER) == [S.VERIFIED, S.RETURNED]
    assert action_rules.next_statuses(S.EVIDENCE_SUBMITTED, Role.OFFICER) == []
    assert action_rules.next_statuses(S.VERIFIED, Role.MANAGER) == []
    assert action_rules.next_statuses(S.OPEN, Role.ADMIN) == []


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_returning_evidence_needs_a_reason(reason):
    with pytest.raises(FieldError) as refused:
        action_rules.check_move(S.EVIDENCE_SUBMITTED, S.RETURNED, Role.CONTRACT_MANAGER, reason)
    assert refused.value.field == "note"
    assert str(refused.value) == "Enter the reason the evidence is being returned"


def test_verifying_needs_no_reason():
    action_rules.check_move(S.EVIDENCE_SUBMITTED, S.VERIFIED, Role.CONTRACT_MANAGER, None)
    assert action_rules.rag(S.VERIFIED, TODAY, TODAY) == RAG.GREEN


DUE = {"yesterday": TODAY - timedelta(days=1), "today": TODAY, "tomorrow": TODAY + timedelta(days=1)}
EXPECTED_RAG = {
    S.OPEN: {"yesterday": RAG.RED, "today": RAG.AMBER, "tomorrow": RAG.AMBER},
    S.IN_PROGRESS: {"yesterday": RAG.RED, "today": RAG.AMBER, "tomorrow": RAG.AMBER},
    S.RETURNED: {"yesterday": RAG.RED, "today": RAG.AMBER, "tomorrow": RAG.AMBER},
    # Submitted evidence stops the clock: the council owes the next step, not the provider.
    S.EVIDENCE_SUBMITTED: {"yesterday": RAG.AMBER, "today": RAG.AMBER, "tomorrow": RAG.AMBER},
    S.VERIFIED: {"yesterday": RAG.GREEN, "today": RAG.GREEN, "tomorrow": RAG.GREEN},
}


@pytest.mark.parametrize("status", list(ActionStatus))
@pytest.mark.parametrize("due", list(DUE))
def test_rag_for_every_status_and_due_date(status, due):
    assert action_rules.rag(status, DUE[due], TODAY) == EXPECTED_RAG[status][due]
    assert action_rules.is_overdue(status, DUE[due], TODAY) == (EXPECTED_RAG[status][due] == RAG.RED)


def test_the_same_action_turns_red_the_day_after_it_is_due():
    due = date(2026, 3, 31)
    assert action_rules.rag(S.OPEN, due, date(2026, 3, 31)) == RAG.AMBER
    assert action_rules.rag(S.OPEN, due, date(2026, 4, 1)) == RAG.RED


def test_a_plan_takes_its_worst_action():
    late, soon = TODAY - timedelta(days=3), TODAY + timedelta(days=3)
    assert action_rules.plan_rag([(S.VERIFIED, late), (S.OPEN, late)], TODAY) == RAG.RED
    assert action_rules.plan_rag([(S.VERIFIED, late), (S.IN_PROGRESS, soon)], TODAY) == RAG.AMBER
    assert action_rules.plan_rag([(S.VERIFIED, late)], TODAY) == RAG.GREEN
    assert action_rules.plan_rag([], TODAY) == RAG.GREEN
