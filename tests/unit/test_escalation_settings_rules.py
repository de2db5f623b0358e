"""Escalation rules as admins edit them: authority never gets less senior up the levels; timers in range."""

from datetime import UTC, datetime

import pytest

from provider_monitor.enums import Role
from provider_monitor.services import escalation_rules as rules
from provider_monitor.services import escalation_settings as settings
from provider_monitor.services.audit import SettingsChange
from provider_monitor.services.escalations import TIMER_FIELDS
from provider_monitor.services.exceptions import FieldError

OFFICER, MANAGER, HEAD, DIRECTOR = Role.OFFICER, Role.MANAGER, Role.HEAD_OF_SERVICE, Role.DIRECTOR


def authority(*roles: Role) -> dict[int, Role]:
    return dict(enumerate(roles))


def test_the_design_default_is_allowed():
    assert settings.authority_problems(dict(rules.DEFAULT_AUTHORITY)) == {}


def test_one_role_for_every_level_is_allowed():
    assert settings.authority_problems(authority(*[DIRECTOR] * 6)) == {}
    assert settings.authority_problems(authority(*[OFFICER] * 6)) == {}


def test_a_level_needing_a_less_senior_role_than_the_one_below_is_refused():
    problems = settings.authority_problems(authority(OFFICER, MANAGER, HEAD, MANAGER, DIRECTOR, DIRECTOR))
    assert problems == {3: "Level 3 needs a role at least as senior as level 2 (head of service)"}


def test_the_most_senior_level_below_is_named_even_when_not_the_next_one():
    problems = settings.authority_problems(authority(OFFICER, DIRECTOR, OFFICER, MANAGER, DIRECTOR, DIRECTOR))
    assert problems == {
        2: "Level 2 needs a role at least as senior as level 1 (director)",
        3: "Level 3 needs a role at least as senior as level 1 (director)",
    }


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CONTRACT_MANAGER, Role.PROVIDER, None])
def test_only_roles_that_take_escalation_decisions_may_hold_authority(role):
    problems = settings.authority_problems(authority(OFFICER, role, HEAD, HEAD, DIRECTOR, DIRECTOR))
    assert problems == {
        1: "Level 1 needs a role that takes escalation decisions: QMM officer, manager, head of service or director"
    }


def test_the_deciding_roles_are_listed_least_senior_first():
    assert settings.deciding_roles() == [OFFICER, MANAGER, HEAD, DIRECTOR]
    assert set(settings.deciding_roles()) == set(rules.SENIORITY)


@pytest.mark.parametrize(
    ("field", "low", "high", "message"),
    [
        ("suspension_letter_working_days", 1, 30, "Suspension letter must be between 1 and 30 working days"),
        ("suspension_review_weeks", 1, 12, "Suspension review must be between 1 and 12 weeks"),
        ("appeal_working_days", 1, 30, "Provider appeal must be between 1 and 30 working days"),
        ("due_soon_days", 0, 30, "Due soon warning must be between 0 and 30 days"),
    ],
)
def test_timer_limits(field, low, high, message):
    assert settings.timer_problem(field, low) is None
    assert settings.timer_problem(field, high) is None
    assert settings.timer_problem(field, low - 1) == message
    assert settings.timer_problem(field, high + 1) == message


def test_every_timer_has_limits_and_the_design_defaults_are_within_them():
    assert list(settings.TIMER_LIMITS) == list(TIMER_FIELDS)
    defaults = rules.TimerSettings()
    assert all(settings.timer_problem(name, getattr(defaults, name)) is None for name in TIMER_FIELDS)


def test_check_rules_names_the_field_of_the_first_problem():
    bad = authority(OFFICER, MANAGER, HEAD, MANAGER, HEAD, DIRECTOR)
    with pytest.raises(FieldError) as error:
        settings.check_rules(bad, {"due_soon_days": 99})
    assert error.value.field == "authority_3"
    with pytest.raises(FieldError) as error:
        settings.check_rules(dict(rules.DEFAULT_AUTHORITY), {"suspension_review_weeks": 0, "due_soon_days": 99})
    assert (error.value.field, str(error.value)) == (
        "suspension_review_weeks",
        "Suspension review must be between 1 and 12 weeks",
    )
    settings.check_rules(dict(rules.DEFAULT_AUTHORITY), {"due_soon_days": 0})  # allowed: no error


def test_role_words_keep_the_capitals_of_qmm():
    assert [settings.role_words(role) for role in settings.deciding_roles()] == [
        "QMM officer",
        "manager",
        "head of service",
        "director",
    ]


AT = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)


def test_changes_are_described_in_words():
    level = SettingsChange(AT, "Ada Admin", 3, {"role": ("head_of_service", "director")})
    assert settings.describe(level) == ["Level 3 (Suspension of new placements): Head of service → Director"]
    timers = SettingsChange(AT, "Ada Admin", None, {"due_soon_days": (5, 3), "suspension_letter_working_days": (7, 10)})
    assert settings.describe(timers) == ["Suspension letter: 7 → 10 working days", "Due soon warning: 5 → 3 days"]
