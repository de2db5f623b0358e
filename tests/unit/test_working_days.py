"""Working days skip weekends and English bank holidays, including substitute days."""

from datetime import date

import pytest

from provider_monitor.services.working_days import add_working_days, is_working_day, working_days_between


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 23), True),  # a Monday
        (date(2026, 11, 28), False),  # a Saturday
        (date(2026, 12, 25), False),  # Christmas Day
        (date(2026, 12, 28), False),  # Boxing Day (substitute): the 26th is a Saturday
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 8, 31), False),  # Summer bank holiday (England, not Scotland's first Monday)
        (date(2026, 8, 3), True),
    ],
)
def test_is_working_day(day, working):
    assert is_working_day(day) is working


def test_seven_working_days_from_a_thursday_before_christmas_skip_the_bank_holidays():
    # Thu 17 Dec 2026 → Fri 18, Mon 21, Tue 22, Wed 23, Thu 24, (Fri 25, Mon 28 holidays) Tue 29, Wed 30.
    assert add_working_days(date(2026, 12, 17), 7) == date(2026, 12, 30)


def test_five_working_days_over_easter():
    # Wed 1 Apr 2026 → Thu 2, (Good Friday 3, Easter Monday 6) Tue 7, Wed 8, Thu 9, Fri 10.
    assert add_working_days(date(2026, 4, 1), 5) == date(2026, 4, 10)


def test_zero_working_days_is_the_start_and_negative_is_refused():
    assert add_working_days(date(2026, 11, 28), 0) == date(2026, 11, 28)
    with pytest.raises(ValueError, match="negative"):
        add_working_days(date(2026, 11, 28), -1)


def test_working_days_between_counts_what_add_working_days_adds():
    start = date(2026, 12, 17)
    assert working_days_between(start, add_working_days(start, 7)) == 7
    assert working_days_between(start, start) == 0
    assert working_days_between(start, date(2026, 12, 1)) == 0
