"""Escalation rules: who may take each move, what a step down needs, and the timers a suspension starts."""

from datetime import date

import pytest

from provider_monitor.enums import DecisionKind, Role, SuspensionStatus, TimerKind, TimerState
from provider_monitor.services import escalation_rules as rules
from provider_monitor.services.exceptions import FieldError

REVIEW = date(2027, 1, 15)
TODAY = date(2026, 12, 17)  # a Thursday a week before Christmas


def decision(from_level, to_level, role, **kwargs):
    kwargs.setdefault("reason", "Three safeguarding referrals in a month")
    kwargs.setdefault("next_review_on", REVIEW)
    kwargs.setdefault("decided_on", TODAY)
    if to_level == rules.SUSPENSION_LEVEL:
        kwargs.setdefault("to_suspension", SuspensionStatus.RED)
    return rules.Decision(from_level, to_level, role, **kwargs)


EXPECTED_AUTHORITY = {
    Role.OFFICER: [0],
    Role.MANAGER: [0, 1],
    Role.HEAD_OF_SERVICE: [0, 1, 2, 3],
    Role.DIRECTOR: [0, 1, 2, 3, 4, 5],
    Role.CONTRACT_MANAGER: [],
    Role.ADMIN: [],
    Role.PROVIDER: [],
}


@pytest.mark.parametrize(("role", "levels"), EXPECTED_AUTHORITY.items())
def test_default_authority_by_role(role, levels):
    assert rules.decidable_levels(role) == levels


@pytest.mark.parametrize("from_level", range(6))
@pytest.mark.parametrize("to_level", range(6))
@pytest.mark.parametrize("role", list(EXPECTED_AUTHORITY))
def test_every_move_needs_the_authority_of_the_higher_level(from_level, to_level, role):
    move = decision(from_level, to_level, role, from_suspension=SuspensionStatus.RED if from_level == 3 else None)
    allowed = max(from_level, to_level) in EXPECTED_AUTHORITY[role]
    if allowed:
        kind = rules.check(move, today=TODAY)
        expected = (
            DecisionKind.ESCALATE if to_level > from_level
            else DecisionKind.STEP_DOWN if to_level < from_level
            else DecisionKind.REVIEW
        )  # fmt: skip
        assert kind == expected
    else:
        with pytest.raises(FieldError) as refused:
            rules.check(move, today=TODAY)
        assert refused.value.field == "to_level"
        assert "or above can take a decision" in str(refused.value)


def test_authority_is_configurable():
    authority = dict(rules.DEFAULT_AUTHORITY) | {1: Role.OFFICER}
    assert rules.check(decision(0, 1, Role.OFFICER), authority, today=TODAY) == DecisionKind.ESCALATE


@pytest.mark.parametrize(
    ("move", "field", "message"),
    [
        (decision(2, 1, Role.HEAD_OF_SERVICE, reason=" "), "reason", "Enter the reason for stepping down"),
        (
            decision(1, 0, Role.MANAGER, reason="", closing=True),
            "reason",
            "Enter the reason for closing the escalation",
        ),
        (decision(0, 1, Role.MANAGER, reason=""), "reason", "Enter the reason for the decision"),
        (decision(2, 3, Role.HEAD_OF_SERVICE, to_suspension=None), "suspension_status", "Select red"),
        (decision(1, 2, Role.HEAD_OF_SERVICE, to_suspension=SuspensionStatus.AMBER), "suspension_status", "only"),
        (decision(0, 1, Role.MANAGER, next_review_on=None), "next_review_on", "Enter the next review date"),
        (decision(0, 1, Role.MANAGER, next_review_on=date(2026, 12, 1)), "next_review_on", "today or in the future"),
        (decision(0, 1, Role.MANAGER, decided_on=date(2026, 12, 18)), "decided_on", "today or in the past"),
        (decision(2, 1, Role.HEAD_OF_SERVICE, closing=True), "to_level", "only be closed at level 0"),
        (decision(0, 6, Role.DIRECTOR), "to_level", "from 0 to 5"),
    ],
)
def test_refusals_name_the_field_and_say_what_to_do(move, field, message):
    with pytest.raises(FieldError) as refused:
        rules.check(move, today=TODAY)
    assert refused.value.field == field
    assert message in str(refused.value)


def test_red_to_amber_is_a_step_down_and_needs_a_reason():
    red_to_amber = decision(3, 3, Role.HEAD_OF_SERVICE, from_suspension=SuspensionStatus.RED,
                            to_suspension=SuspensionStatus.AMBER)  # fmt: skip
    assert rules.check(red_to_amber, today=TODAY) == DecisionKind.STEP_DOWN
    amber_to_red = decision(3, 3, Role.HEAD_OF_SERVICE, from_suspension=SuspensionStatus.AMBER,
                            to_suspension=SuspensionStatus.RED)  # fmt: skip
    assert rules.check(amber_to_red, today=TODAY) == DecisionKind.ESCALATE
    with pytest.raises(FieldError, match="stepping down"):
        rules.check(
            decision(3, 3, Role.HEAD_OF_SERVICE, reason="", from_suspension=SuspensionStatus.RED,
                     to_suspension=SuspensionStatus.AMBER),
            today=TODAY,
        )  # fmt: skip


def test_closing_at_level_zero_needs_no_review_date():
    move = decision(1, 0, Role.MANAGER, closing=True, next_review_on=None, reason="Action plan complete")
    assert rules.check(move, today=TODAY) == DecisionKind.CLOSE
    assert rules.timers_for(move) == []


def test_a_suspension_starts_its_letter_review_and_appeal_timers_across_christmas():
    timers = {t.kind: t.due_on for t in rules.timers_for(decision(2, 3, Role.HEAD_OF_SERVICE))}
    # Thu 17 Dec 2026 + 7 working days skips Christmas Day and the Boxing Day substitute (Mon 28).
    assert timers[TimerKind.SUSPENSION_LETTER] == date(2026, 12, 30)
    assert timers[TimerKind.SUSPENSION_REVIEW] == date(2027, 1, 14)
    assert timers[TimerKind.APPEAL] == date(2026, 12, 24)
    assert timers[TimerKind.LEVEL_REVIEW] == REVIEW


def test_a_suspension_over_new_year_and_easter():
    new_year = {t.kind: t.due_on for t in rules.timers_for(decision(1, 3, Role.HEAD_OF_SERVICE,
                                                                   decided_on=date(2026, 12, 29)))}  # fmt: skip
    # Tue 29 Dec: Wed 30, Thu 31, (Fri 1 Jan holiday), Mon 4, Tue 5, Wed 6: the appeal window closes Wed 6 Jan.
    assert new_year[TimerKind.APPEAL] == date(2027, 1, 6)
    easter = {t.kind: t.due_on for t in rules.timers_for(decision(2, 3, Role.HEAD_OF_SERVICE,
                                                                 decided_on=date(2027, 3, 24)))}  # fmt: skip
    # Wed 24 Mar 2027: Thu 25, (Good Friday 26, Easter Monday 29) Tue 30, Wed 31, Thu 1, Fri 2, Mon 5, Tue 6 Apr.
    assert easter[TimerKind.SUSPENSION_LETTER] == date(2027, 4, 6)


def test_timer_lengths_are_configurable():
    settings = rules.TimerSettings(suspension_letter_working_days=10, suspension_review_weeks=6, appeal_working_days=3)
    timers = {t.kind: t.due_on for t in rules.timers_for(decision(2, 3, Role.HEAD_OF_SERVICE), settings)}
    assert timers[TimerKind.SUSPENSION_LETTER] == date(2027, 1, 5)
    assert timers[TimerKind.SUSPENSION_REVIEW] == date(2027, 1, 28)
    assert timers[TimerKind.APPEAL] == date(2026, 12, 22)


def test_staying_suspended_starts_no_new_suspension_timers():
    move = decision(3, 3, Role.HEAD_OF_SERVICE, from_suspension=SuspensionStatus.RED)
    assert [t.kind for t in rules.timers_for(move)] == [TimerKind.LEVEL_REVIEW]


@pytest.mark.parametrize(
    ("due", "met", "state"),
    [
        (date(2026, 12, 30), date(2026, 12, 29), TimerState.MET),
        (date(2026, 12, 30), date(2026, 12, 30), TimerState.MET),
        (date(2026, 12, 30), date(2026, 12, 31), TimerState.MISSED),
        (date(2026, 12, 16), None, TimerState.MISSED),
        (date(2026, 12, 17), None, TimerState.DUE_SOON),
        (date(2026, 12, 22), None, TimerState.DUE_SOON),
        (date(2026, 12, 23), None, TimerState.RUNNING),
    ],
)
def test_timer_state(due, met, state):
    assert rules.timer_state(due, met, TODAY) == state
