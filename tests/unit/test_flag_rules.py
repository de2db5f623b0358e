"""The flag rules on fixed days: every kind, its boundaries, severities, evidence and subjects."""

from datetime import date, timedelta

import pytest

from provider_monitor.enums import (
    ActionPriority,
    ActionStatus,
    FlagKind,
    FlagSeverity,
    KeyQuestion,
    TimerKind,
)
from provider_monitor.services import flag_rules as rules
from provider_monitor.services.flags import SweepResult
from provider_monitor.services.visit_rules import Policy, due_for

TODAY = date(2026, 6, 15)
POLICY = Policy()  # Good: every 12 months; due soon within 30 days; no grace for new services


def due(last_visit_on=None, *, on_register_since=date(2020, 1, 1), escalation_level=0, policy=POLICY):
    return due_for(
        policy, last_routine_visit_on=last_visit_on, cqc_overall="Good", local_rating=None, regulated=True,
        on_register_since=on_register_since, today=TODAY, escalation_level=escalation_level,
    )  # fmt: skip


def visit(d, policy=POLICY):
    return rules.visit_flag(7, 3, d, TODAY, policy.due_soon_days)


# Visits ------------------------------------------------------------------------------------------------------


def test_a_visit_due_today_is_due_soon_not_overdue():
    flag = visit(due(date(2025, 6, 15)))
    assert (flag.kind, flag.severity, flag.evidence) == (
        FlagKind.VISIT_DUE_SOON,
        FlagSeverity.LOW,
        "Visit due 15 June 2026",
    )
    assert (flag.subject_key, flag.service_id, flag.provider_id, flag.since_on) == (
        "service:7",
        7,
        3,
        date(2026, 6, 15),
    )


def test_one_day_past_due_is_overdue():
    flag = visit(due(date(2025, 6, 14)))
    assert (flag.kind, flag.severity) == (FlagKind.VISIT_OVERDUE, FlagSeverity.MEDIUM)
    assert flag.evidence == "Visit due 14 June 2026"
    assert flag.since_on == date(2026, 6, 14)


def test_overdue_turns_high_after_90_days():
    # Due 17 March 2026: 90 days overdue on 15 June; due 16 March: 91.
    assert visit(due(date(2025, 3, 17))).severity == FlagSeverity.MEDIUM
    flag = visit(due(date(2025, 3, 16)))
    assert (flag.severity, flag.evidence) == (FlagSeverity.HIGH, "Visit due 16 March 2026")


def test_overdue_at_suspension_is_high_at_once_and_says_the_level():
    # Level 3 caps the interval at one month: a visit on 14 May is due 14 June.
    flag = visit(due(date(2026, 5, 14), escalation_level=3))
    assert (flag.kind, flag.severity) == (FlagKind.VISIT_OVERDUE, FlagSeverity.HIGH)
    assert flag.evidence == "Visit due 14 June 2026; escalation level 3"


def test_due_soon_window_ends_at_the_policy_days():
    assert visit(due(date(2025, 7, 15))).evidence == "Visit due 15 July 2026"
    assert visit(due(date(2025, 7, 16))) is None


def test_never_visited_is_due_from_joining_the_register():
    flag = visit(due(on_register_since=date(2026, 5, 2)))
    assert (flag.kind, flag.severity) == (FlagKind.NEVER_VISITED, FlagSeverity.MEDIUM)
    assert flag.evidence == "Never visited; first visit due 2 May 2026"
    assert visit(due(on_register_since=TODAY)).evidence == "Never visited; first visit due 15 June 2026"
    assert visit(due(on_register_since=date(2025, 1, 1))).severity == FlagSeverity.HIGH


def test_a_new_service_in_its_grace_period_is_due_soon_then_never_visited():
    policy = Policy(never_visited_grace_days=60)
    soon = visit(due(on_register_since=date(2026, 5, 1), policy=policy), policy)
    assert (soon.kind, soon.evidence) == (FlagKind.VISIT_DUE_SOON, "Visit due 30 June 2026")
    assert visit(due(on_register_since=date(2026, 6, 1), policy=policy), policy) is None
    late = visit(due(on_register_since=date(2026, 4, 1), policy=policy), policy)
    assert late.kind == FlagKind.NEVER_VISITED


def test_on_track_raises_nothing():
    assert visit(due(date(2026, 1, 10))) is None


# Rating declines --------------------------------------------------------------------------------------------


def decline(changed_on=date(2026, 5, 1), *, question=KeyQuestion.SAFE, after="Requires improvement", current=None,
            high=False):  # fmt: skip
    return rules.Decline(
        change_id=55, service_id=7, provider_id=3, question=question, before="Good", after=after,
        changed_on=changed_on, high_severity=high, current=current if current is not None else after,
    )  # fmt: skip


def test_a_recent_decline_is_flagged_with_its_report():
    flag = rules.decline_flag(decline(), TODAY)
    assert (flag.kind, flag.subject_key, flag.severity) == (
        FlagKind.RATING_DECLINE,
        "rating_change:55",
        FlagSeverity.MEDIUM,
    )
    assert flag.evidence == "Safe: Good → Requires improvement, report 1 May 2026"
    assert flag.since_on == date(2026, 5, 1)


def test_a_decline_is_flagged_for_90_days():
    assert rules.decline_flag(decline(TODAY - timedelta(days=90)), TODAY) is not None
    assert rules.decline_flag(decline(TODAY - timedelta(days=91)), TODAY) is None
    # Reports dated after the sweep's day, or undated, are not flagged.
    assert rules.decline_flag(decline(TODAY + timedelta(days=1)), TODAY) is None
    assert rules.decline_flag(decline(None), TODAY) is None


def test_high_severity_changes_give_high_flags():
    flag = rules.decline_flag(decline(question=KeyQuestion.OVERALL, high=True), TODAY)
    assert (flag.severity, flag.evidence) == (
        FlagSeverity.HIGH,
        "Overall: Good → Requires improvement, report 1 May 2026",
    )


def test_a_decline_clears_when_the_rating_comes_back_up_but_not_when_it_falls_further():
    assert rules.decline_flag(decline(current="Good"), TODAY) is None
    assert rules.decline_flag(decline(current="Inadequate"), TODAY) is not None
    assert rules.decline_flag(decline(current="Requires improvement"), TODAY) is not None


def test_declines_are_known_by_service_and_evidence_because_change_ids_are_rebuilt():
    a = rules.identity(FlagKind.RATING_DECLINE, "rating_change:1", 7, "Safe: Good → Requires improvement")
    b = rules.identity(FlagKind.RATING_DECLINE, "rating_change:9", 7, "Safe: Good → Requires improvement")
    assert a == b
    assert a != rules.identity(FlagKind.RATING_DECLINE, "rating_change:1", 8, "Safe: Good → Requires improvement")
    # Everything else is known by its subject, whatever its evidence says today.
    assert rules.identity(FlagKind.VISIT_OVERDUE, "service:7", 7, "1 day overdue") == rules.identity(
        FlagKind.VISIT_OVERDUE, "service:7", 7, "2 days overdue"
    )


# Actions ----------------------------------------------------------------------------------------------------


def action(status=ActionStatus.OPEN, priority=ActionPriority.MEDIUM, due_on=date(2026, 6, 14)):
    return rules.action_flag(
        55, 7, 3, description="Review   medication records", status=status, priority=priority, due_on=due_on,
        today=TODAY,
    )  # fmt: skip


def test_an_action_due_today_is_not_overdue_the_day_after_is():
    assert action(due_on=TODAY) is None
    flag = action()
    assert (flag.kind, flag.subject_key, flag.severity) == (FlagKind.ACTION_OVERDUE, "action:55", FlagSeverity.MEDIUM)
    assert flag.evidence == "Action due 14 June 2026: Review medication records"


@pytest.mark.parametrize("status", [ActionStatus.EVIDENCE_SUBMITTED, ActionStatus.VERIFIED])
def test_nothing_is_overdue_once_the_provider_has_submitted(status):
    assert action(status=status, due_on=date(2026, 1, 1)) is None


def test_returned_actions_stay_overdue():
    assert action(status=ActionStatus.RETURNED).kind == FlagKind.ACTION_OVERDUE


def test_action_severity():
    assert action(priority=ActionPriority.HIGH).severity == FlagSeverity.HIGH
    assert action(due_on=TODAY - timedelta(days=30)).severity == FlagSeverity.MEDIUM
    assert action(due_on=TODAY - timedelta(days=31)).severity == FlagSeverity.HIGH


def test_long_descriptions_are_shortened():
    flag = rules.action_flag(
        1, 7, 3, description="x" * 200, status=ActionStatus.OPEN, priority=ActionPriority.LOW,
        due_on=date(2026, 6, 1), today=TODAY,
    )  # fmt: skip
    assert flag.evidence.endswith("x…") and len(flag.evidence) < 140


# Escalations ------------------------------------------------------------------------------------------------


def test_review_overdue_from_the_day_after_the_review_date():
    assert rules.review_flag(4, 3, 7, level=1, next_review_on=TODAY, today=TODAY) is None
    assert rules.review_flag(4, 3, 7, level=1, next_review_on=None, today=TODAY) is None
    flag = rules.review_flag(4, 3, 7, level=1, next_review_on=date(2026, 6, 1), today=TODAY)
    assert (flag.kind, flag.subject_key, flag.severity) == (
        FlagKind.ESCALATION_REVIEW_OVERDUE,
        "escalation:4",
        FlagSeverity.MEDIUM,
    )
    assert flag.evidence == "Level 1 review due 1 June 2026"


def test_a_provider_wide_review_has_no_service_and_says_so():
    flag = rules.review_flag(4, 3, None, level=3, next_review_on=date(2026, 6, 14), today=TODAY)
    assert (flag.service_id, flag.provider_id, flag.severity) == (None, 3, FlagSeverity.HIGH)
    assert flag.evidence == "Level 3 review (provider-wide) due 14 June 2026"


def timer(kind=TimerKind.SUSPENSION_LETTER, due_on=date(2026, 6, 14), met_on=None, service_id=7):
    return rules.timer_flag(9, 3, service_id, kind=kind, due_on=due_on, met_on=met_on, today=TODAY)


def test_a_timer_is_missed_the_day_after_it_falls_due_until_it_is_met():
    assert timer(due_on=TODAY) is None
    flag = timer()
    assert (flag.kind, flag.subject_key, flag.severity) == (
        FlagKind.ESCALATION_TIMER_MISSED,
        "timer:9",
        FlagSeverity.HIGH,
    )
    assert flag.evidence == "Suspension letter with remedial action plan due 14 June 2026: not met"
    assert timer(met_on=TODAY) is None  # met late: still met
    assert timer(service_id=None).service_id is None


def test_a_missed_level_review_is_left_to_the_review_flag():
    assert timer(kind=TimerKind.LEVEL_REVIEW) is None
    assert timer(kind=TimerKind.APPEAL).kind == FlagKind.ESCALATION_TIMER_MISSED
    assert timer(kind=TimerKind.SUSPENSION_REVIEW).kind == FlagKind.ESCALATION_TIMER_MISSED


# Contracts and registration ---------------------------------------------------------------------------------


def contract(days_left, reference="NCC-CH-00123"):
    return rules.contract_flag(7, 3, reference=reference, contract_end=TODAY + timedelta(days=days_left), today=TODAY)


def test_a_contract_is_flagged_from_90_days_before_its_end():
    assert contract(91) is None
    flag = contract(90)
    assert (flag.kind, flag.subject_key, flag.severity) == (FlagKind.CONTRACT_EXPIRING, "service:7", FlagSeverity.LOW)
    assert flag.evidence == "Contract NCC-CH-00123 ends 13 September 2026"
    assert flag.since_on == TODAY
    assert rules.contract_flag(7, 3, reference=None, contract_end=None, today=TODAY) is None


def test_contract_severity_rises_as_the_end_nears_and_passes():
    assert contract(31).severity == FlagSeverity.LOW
    assert contract(30).severity == FlagSeverity.MEDIUM
    assert (contract(0).severity, contract(0).evidence) == (
        FlagSeverity.MEDIUM,
        "Contract NCC-CH-00123 ends 15 June 2026",
    )
    ended = contract(-1, reference=None)
    assert (ended.severity, ended.evidence) == (FlagSeverity.HIGH, "Contract ended 14 June 2026")


def test_registration_cancelled():
    assert rules.registration_flag(7, 3, deregistered=False) is None
    flag = rules.registration_flag(7, 3, deregistered=True)
    assert (flag.kind, flag.subject_key, flag.severity) == (
        FlagKind.REGISTRATION_CANCELLED,
        "service:7",
        FlagSeverity.HIGH,
    )
    assert flag.evidence == "CQC registration cancelled, but the service is still active on the register"


# Notes and summary ------------------------------------------------------------------------------------------


def test_cleared_notes_say_why():
    assert rules.cleared_note(FlagKind.ACTION_OVERDUE).startswith("Condition cleared: the action is no longer overdue")
    assert rules.cleared_note(FlagKind.VISIT_OVERDUE, service_active=False) == (
        "Condition cleared: the service is no longer active on the register"
    )
    assert rules.cleared_note(FlagKind.VISIT_DUE_SOON, replaced_by=FlagKind.VISIT_OVERDUE) == (
        "Condition cleared: now visit overdue"
    )
    assert all(kind in rules.CLEARED for kind in FlagKind)


def test_summary_names_the_open_kinds_in_order():
    counts = dict.fromkeys(FlagKind, 0) | {FlagKind.RATING_DECLINE: 2, FlagKind.VISIT_OVERDUE: 81}
    result = SweepResult(raised=12, resolved=3, updated=4, open_by_kind=counts)
    assert result.summary() == "Raised 12, resolved 3, still open 83 (visit overdue 81, CQC rating decline 2)"
    empty = SweepResult(raised=0, resolved=0, updated=0, open_by_kind=dict.fromkeys(FlagKind, 0))
    assert empty.summary() == "Raised 0, resolved 0, still open 0"
