"""The visit-frequency policy rules, over the whole default policy table."""

from datetime import date, timedelta

import pytest

from provider_monitor.enums import DueState, LocalRating, PolicyBand
from provider_monitor.services.visit_rules import (
    Policy,
    add_months,
    band_for,
    due_for,
    interval_for,
    rating_for_band,
)

TODAY = date(2026, 6, 15)
POLICY = Policy()
# How each band comes about: (CQC Overall, local rating, regulated).
BAND_INPUTS = {
    PolicyBand.OUTSTANDING: ("Outstanding", None, True),
    PolicyBand.GOOD: ("Good", None, True),
    PolicyBand.REQUIRES_IMPROVEMENT: ("Requires improvement", None, True),
    PolicyBand.INADEQUATE: ("Inadequate", None, True),
    PolicyBand.NOT_YET_RATED: (None, None, True),
    PolicyBand.UNREGULATED: (None, None, False),
}
DEFAULT_MONTHS = {
    PolicyBand.OUTSTANDING: 18,
    PolicyBand.GOOD: 12,
    PolicyBand.REQUIRES_IMPROVEMENT: 6,
    PolicyBand.INADEQUATE: 3,
    PolicyBand.NOT_YET_RATED: 3,
    PolicyBand.UNREGULATED: 12,
}


def due(band: PolicyBand, last: date | None, policy: Policy = POLICY, registered=date(2020, 1, 1), level=0):
    cqc, local, regulated = BAND_INPUTS[band]
    return due_for(
        policy, last_routine_visit_on=last, cqc_overall=cqc, local_rating=local, regulated=regulated,
        on_register_since=registered, today=TODAY, escalation_level=level,
    )  # fmt: skip


def test_the_default_table_is_the_designs():
    assert dict(POLICY.intervals) == DEFAULT_MONTHS
    assert (POLICY.enhanced_cap_months, POLICY.suspension_cap_months) == (3, 1)
    assert (POLICY.never_visited_grace_days, POLICY.due_soon_days, POLICY.comment_window_days) == (0, 30, 14)


@pytest.mark.parametrize("band", list(PolicyBand))
def test_never_visited_is_due_from_joining_the_register(band):
    result = due(band, None)
    assert (result.state, result.band, result.due_on) == (DueState.NEVER_VISITED, band, date(2020, 1, 1))
    assert result.interval_months == DEFAULT_MONTHS[band]
    assert result.description == "Never visited, due now"
    assert result.last_visit_on is None


@pytest.mark.parametrize("band", list(PolicyBand))
def test_visited_long_ago_is_overdue(band):
    months = DEFAULT_MONTHS[band]
    result = due(band, add_months(date(2026, 6, 1), -months))
    assert (result.state, result.due_on, result.days_overdue) == (DueState.OVERDUE, date(2026, 6, 1), 14)
    assert result.description == "14 days overdue"


@pytest.mark.parametrize("band", list(PolicyBand))
def test_due_within_the_due_soon_days_is_due_soon(band):
    last = add_months(date(2026, 6, 25), -DEFAULT_MONTHS[band])
    result = due(band, last)
    assert (result.state, result.due_on, result.days_until_due) == (DueState.DUE_SOON, date(2026, 6, 25), 10)
    assert result.description == "Due in 10 days"


@pytest.mark.parametrize("band", list(PolicyBand))
def test_due_later_is_on_track(band):
    last = add_months(date(2026, 9, 1), -DEFAULT_MONTHS[band])
    result = due(band, last)
    assert (result.state, result.due_on, result.days_overdue) == (DueState.ON_TRACK, date(2026, 9, 1), 0)
    assert result.last_visit_on == last


@pytest.mark.parametrize(
    ("due_on", "state", "description"),
    [
        (TODAY - timedelta(days=1), DueState.OVERDUE, "1 day overdue"),
        (TODAY, DueState.DUE_SOON, "Due today"),
        (TODAY + timedelta(days=1), DueState.DUE_SOON, "Due in 1 day"),
        (TODAY + timedelta(days=30), DueState.DUE_SOON, "Due in 30 days"),
        (TODAY + timedelta(days=31), DueState.ON_TRACK, "Due in 31 days"),
    ],
)
def test_the_edges_of_due_soon(due_on, state, description):
    result = due(PolicyBand.GOOD, add_months(due_on, -12))
    assert (result.due_on, result.state, result.description) == (due_on, state, description)


def test_due_soon_days_come_from_the_policy():
    last = add_months(TODAY + timedelta(days=20), -12)
    assert due(PolicyBand.GOOD, last, Policy(due_soon_days=10)).state == DueState.ON_TRACK
    assert due(PolicyBand.GOOD, last, Policy(due_soon_days=20)).state == DueState.DUE_SOON


def test_edited_intervals_move_the_due_date():
    policy = Policy(intervals={**DEFAULT_MONTHS, PolicyBand.GOOD: 6})
    result = due(PolicyBand.GOOD, date(2025, 11, 1), policy)
    assert (result.due_on, result.state, result.interval_months) == (date(2026, 5, 1), DueState.OVERDUE, 6)


@pytest.mark.parametrize(
    ("cqc", "local", "regulated", "band"),
    [
        ("Good", "Good", True, PolicyBand.GOOD),
        ("Good", "Inadequate", True, PolicyBand.INADEQUATE),
        ("Inadequate", "Outstanding", True, PolicyBand.INADEQUATE),
        ("Outstanding", "Requires improvement", True, PolicyBand.REQUIRES_IMPROVEMENT),
        ("Requires Improvement", None, True, PolicyBand.REQUIRES_IMPROVEMENT),  # CQC's capital I
        ("Outstanding", None, True, PolicyBand.OUTSTANDING),
        (None, "Good", True, PolicyBand.GOOD),
        (None, LocalRating.INADEQUATE, False, PolicyBand.INADEQUATE),
        # Non-ratings never pick the band: the other rating does, or the fallback.
        ("Inspected but not rated", "Good", True, PolicyBand.GOOD),
        ("Insufficient evidence to rate", None, True, PolicyBand.NOT_YET_RATED),
        ("No published rating", None, True, PolicyBand.NOT_YET_RATED),
        ("Not Rated", None, False, PolicyBand.UNREGULATED),
        (None, None, True, PolicyBand.NOT_YET_RATED),
        (None, None, False, PolicyBand.UNREGULATED),
        # A regulated-looking rating on an unregulated service still counts.
        ("Good", None, False, PolicyBand.GOOD),
    ],
)
def test_the_worse_of_cqc_overall_and_the_local_rating_picks_the_band(cqc, local, regulated, band):
    assert band_for(cqc_overall=cqc, local_rating=local, regulated=regulated) == band


@pytest.mark.parametrize("band", list(PolicyBand))
@pytest.mark.parametrize(
    ("level", "cap"),
    [(0, None), (1, 3), (2, 3), (3, 1), (4, 1), (5, 1)],
)
def test_escalation_caps_the_interval(band, level, cap):
    months = DEFAULT_MONTHS[band]
    assert interval_for(POLICY, band, level) == (months if cap is None else min(months, cap))


def test_caps_come_from_the_policy_and_never_lengthen_an_interval():
    policy = Policy(intervals={**DEFAULT_MONTHS, PolicyBand.INADEQUATE: 2}, enhanced_cap_months=4)
    assert interval_for(policy, PolicyBand.GOOD, 1) == 4
    assert interval_for(policy, PolicyBand.INADEQUATE, 2) == 2
    assert interval_for(policy, PolicyBand.GOOD, 6) == 12  # no such level: no cap


def test_an_escalated_service_is_due_sooner():
    result = due(PolicyBand.GOOD, date(2026, 2, 1), level=3)
    assert (result.interval_months, result.due_on, result.state) == (1, date(2026, 3, 1), DueState.OVERDUE)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # leap year
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 11, 15), 3, date(2027, 2, 15)),
        (date(2026, 6, 15), 18, date(2027, 12, 15)),
        (date(2026, 6, 15), 12, date(2027, 6, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), -2, date(2025, 11, 15)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(start, months, expected):
    assert add_months(start, months) == expected


def test_never_visited_grace_days():
    policy = Policy(never_visited_grace_days=30)
    result = due(PolicyBand.GOOD, None, policy, registered=date(2026, 6, 1))
    assert (result.state, result.due_on) == (DueState.NEVER_VISITED, date(2026, 7, 1))
    assert result.description == "Never visited, due in 16 days"
    passed = due(PolicyBand.GOOD, None, policy, registered=date(2026, 5, 1))
    assert (passed.due_on, passed.days_overdue, passed.description) == (date(2026, 5, 31), 15, "Never visited, due now")
    one_day = due(PolicyBand.GOOD, None, Policy(never_visited_grace_days=1), registered=TODAY)
    assert one_day.description == "Never visited, due in 1 day"


def test_urgency_orders_overdue_longest_first_then_never_visited_then_due_soon_then_on_track():
    dues = {
        "on track": due(PolicyBand.GOOD, date(2026, 1, 1)),
        "due soon later": due(PolicyBand.GOOD, date(2025, 7, 10)),
        "overdue a little": due(PolicyBand.GOOD, date(2025, 6, 10)),
        "never visited": due(PolicyBand.GOOD, None),
        "overdue a lot": due(PolicyBand.INADEQUATE, date(2025, 6, 1)),
        "due soon first": due(PolicyBand.GOOD, date(2025, 6, 20)),
    }
    ordered = sorted(dues, key=lambda name: dues[name].urgency)
    assert ordered == [
        "overdue a lot", "overdue a little", "never visited", "due soon first", "due soon later", "on track",
    ]  # fmt: skip


def test_rating_for_band():
    assert rating_for_band(PolicyBand.GOOD) == "Good"
    assert rating_for_band(PolicyBand.REQUIRES_IMPROVEMENT) == "Requires improvement"
    assert rating_for_band(PolicyBand.NOT_YET_RATED) is None
    assert rating_for_band(PolicyBand.UNREGULATED) is None


def test_an_escalation_that_does_not_shorten_the_interval_is_not_said_to_tighten_it():
    inadequate = due_for(
        POLICY, last_routine_visit_on=date(2026, 1, 1), cqc_overall="Inadequate", local_rating=None, regulated=True,
        on_register_since=date(2020, 1, 1), today=date(2026, 2, 1), escalation_level=1,
    )  # fmt: skip
    assert (inadequate.interval_months, inadequate.tightened_by_escalation) == (3, False)
