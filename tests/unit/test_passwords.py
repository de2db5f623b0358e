"""The password policy: length over complexity, no common choices."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provider_monitor.services.passwords import hash_password, password_problem, verify_password


@given(st.text(min_size=12, max_size=128).filter(lambda p: len(set(p.lower())) > 2))
def test_any_long_enough_varied_password_is_accepted(password):
    if password.lower() not in {"password1234", "qwertyuiop12"}:
        assert password_problem(password) is None or "easy to guess" in password_problem(password)


@given(st.text(max_size=11))
def test_short_passwords_are_refused(password):
    assert password_problem(password) == "Password must be 12 characters or more"


@pytest.mark.parametrize("password", ["Password1234", "aaaaaaaaaaaa", "abababababab", "123456789012"])
def test_common_or_repetitive_passwords_are_refused(password):
    assert "too easy to guess" in password_problem(password)


def test_a_password_containing_the_email_name_is_refused():
    assert password_problem("jo.bloggs-is-great", email="jo.bloggs@notts.example") == (
        "Password must not contain your email address"
    )


def test_very_long_passwords_are_allowed_up_to_256():
    assert password_problem("correct horse battery staple " * 8) is None
    assert password_problem("x1" * 129) == "Password must be 256 characters or fewer"


def test_hash_and_verify():
    stored = hash_password("marble kettle orchard")
    assert verify_password(stored, "marble kettle orchard")
    assert not verify_password(stored, "marble kettle orchards")
    assert not verify_password("not-a-hash", "anything")
