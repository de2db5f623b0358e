"""Concern rules: what a concern's details must hold, who may log one, and who may read its confidential parts."""

from datetime import date

import pytest

from provider_monitor.enums import ConcernCategory, ConcernSeverity, ConcernSource, ConcernStatus, Role
from provider_monitor.models import Concern, User
from provider_monitor.services import concern_rules
from provider_monitor.services.concern_rules import CONCERN_LOGGERS, CONFIDENTIAL_READERS, WITHHELD
from provider_monitor.services.concerns import redacted_for
from provider_monitor.services.exceptions import DomainError, FieldError, NotFound

TODAY = date(2026, 6, 15)


def _details(**overrides) -> dict:
    data = {
        "received_on": date(2026, 6, 10),
        "source": "family",
        "category": "medication",
        "severity": "high",
        "description": "  Medicines were given late on three evenings  ",
        "people_affected": 2,
        "source_identity": "",
        "safeguarding_reference": None,
        "safeguarding_detail": None,
    }
    data.update(overrides)
    return data


def _field_error(data: dict) -> tuple[str, str]:
    with pytest.raises(FieldError) as error:
        concern_rules.clean_details(data, today=TODAY)
    return error.value.field, str(error.value)


def test_good_details_are_tidied_and_typed():
    cleaned = concern_rules.clean_details(_details(), today=TODAY)
    assert cleaned["description"] == "Medicines were given late on three evenings"
    assert (cleaned["source"], cleaned["category"], cleaned["severity"]) == (
        ConcernSource.FAMILY, ConcernCategory.MEDICATION, ConcernSeverity.HIGH,
    )  # fmt: skip
    assert cleaned["source_identity"] is None
    assert cleaned["people_affected"] == 2
    assert cleaned["confidential"] is False


def test_received_today_is_allowed_but_not_tomorrow():
    assert concern_rules.clean_details(_details(received_on=TODAY), today=TODAY)["received_on"] == TODAY
    assert _field_error(_details(received_on=date(2026, 6, 16))) == (
        "received_on", "Date the concern was received must be today or in the past",
    )  # fmt: skip
    assert _field_error(_details(received_on=None)) == ("received_on", "Enter the date the concern was received")


@pytest.mark.parametrize("description", [None, "", "   "])
def test_a_description_is_required(description):
    assert _field_error(_details(description=description)) == ("description", "Enter a description of the concern")


def test_people_affected_is_optional_but_never_negative():
    assert concern_rules.clean_details(_details(people_affected=None), today=TODAY)["people_affected"] is None
    assert concern_rules.clean_details(_details(people_affected=0), today=TODAY)["people_affected"] == 0
    assert _field_error(_details(people_affected=-1)) == (
        "people_affected", "Number of people affected must be 0 or more",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("source", "Select where the concern came from"),
        ("category", "Select the type of concern"),
        ("severity", "Select how serious the concern is"),
    ],
)
def test_choices_must_be_from_the_list(field, message):
    assert _field_error(_details(**{field: "nonsense"})) == (field, message)
    assert _field_error(_details(**{field: None})) == (field, message)


@pytest.mark.parametrize(
    ("source", "category"),
    [("safeguarding", "medication"), ("family", "safeguarding"), ("safeguarding", "safeguarding")],
)
def test_safeguarding_concerns_need_the_safeguarding_reference(source, category):
    data = _details(source=source, category=category, safeguarding_reference="  ")
    assert _field_error(data) == ("safeguarding_reference", "Enter the safeguarding reference")
    data["safeguarding_reference"] = " SG-2026-0042 "
    assert concern_rules.clean_details(data, today=TODAY)["safeguarding_reference"] == "SG-2026-0042"


def test_other_concerns_do_not_need_a_safeguarding_reference_but_it_has_a_length_limit():
    assert concern_rules.clean_details(_details(), today=TODAY)["safeguarding_reference"] is None
    field, message = _field_error(_details(safeguarding_reference="X" * 61))
    assert (field, message) == ("safeguarding_reference", "Safeguarding reference must be 60 characters or fewer")


def test_the_source_identity_is_stored_when_given_and_never_required():
    whistleblower = _details(source="whistleblower", source_identity=" Sam Carer, night staff ")
    assert concern_rules.clean_details(whistleblower, today=TODAY)["source_identity"] == "Sam Carer, night staff"
    anonymous = _details(source="whistleblower", source_identity=None)
    assert concern_rules.clean_details(anonymous, today=TODAY)["source_identity"] is None


@pytest.mark.parametrize("role", list(Role))
def test_who_may_log_a_concern(role):
    expected = {Role.OFFICER, Role.MANAGER, Role.HEAD_OF_SERVICE, Role.DIRECTOR, Role.CONTRACT_MANAGER}
    assert (role in CONCERN_LOGGERS) == (role in expected)
    if role in expected:
        concern_rules.check_logger(role)
    else:
        with pytest.raises(DomainError, match="Your role cannot log or change concerns"):
            concern_rules.check_logger(role)


def test_closing_needs_a_reason_and_a_sensible_date():
    received = date(2026, 6, 1)
    assert concern_rules.clean_closing(" Resolved at visit ", TODAY, received_on=received, today=TODAY) == (
        "Resolved at visit", TODAY,
    )  # fmt: skip
    cases = [
        (" ", TODAY, "reason", "Enter the reason for closing the concern"),
        ("Resolved", None, "closed_on", "Enter the date the concern was closed"),
        ("Resolved", date(2026, 6, 16), "closed_on", "Date the concern was closed must be today or in the past"),
        ("Resolved", date(2026, 5, 31), "closed_on",
         "Date the concern was closed must be the same as or after the date it was received"),
    ]  # fmt: skip
    for reason, on, field, message in cases:
        with pytest.raises(FieldError) as error:
            concern_rules.clean_closing(reason, on, received_on=received, today=TODAY)
        assert (error.value.field, str(error.value)) == (field, message)


def _concern(**overrides) -> Concern:
    values = {
        "id": 7, "provider_id": 3, "service_id": 5, "received_on": date(2026, 6, 10),
        "source": ConcernSource.WHISTLEBLOWER, "category": ConcernCategory.SAFEGUARDING,
        "severity": ConcernSeverity.CRITICAL, "description": "Residents left unattended at night",
        "people_affected": 4, "source_identity": "Sam Carer, night staff", "safeguarding_reference": "SG-1",
        "safeguarding_detail": "Bruising found on a resident", "confidential": True, "status": ConcernStatus.OPEN,
        "version_id": 1,
    }  # fmt: skip
    values.update(overrides)
    return Concern(**values)


@pytest.mark.parametrize("role", [role for role in Role if role != Role.PROVIDER])
def test_staff_see_the_confidential_parts_only_when_their_role_may_read_them(role):
    shown = redacted_for(User(role=role), _concern())
    readers = {Role.OFFICER, Role.MANAGER, Role.HEAD_OF_SERVICE, Role.DIRECTOR}
    assert (role in CONFIDENTIAL_READERS) == (role in readers)
    if role in readers:
        assert shown["source_identity"] == "Sam Carer, night staff"
        assert shown["safeguarding_detail"] == "Bruising found on a resident"
    else:
        assert shown["source_identity"] == shown["safeguarding_detail"] == WITHHELD
    # Everything else is the same for every staff role.
    assert shown["description"] == "Residents left unattended at night"
    assert shown["safeguarding_reference"] == "SG-1"
    assert (shown["id"], shown["service_id"], shown["status"]) == (7, 5, ConcernStatus.OPEN)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CONTRACT_MANAGER])
def test_withheld_does_not_reveal_whether_anything_was_recorded(role):
    shown = redacted_for(User(role=role), _concern(source_identity=None, safeguarding_detail=None))
    assert shown["source_identity"] == shown["safeguarding_detail"] == WITHHELD


def test_a_provider_user_gets_nothing_of_a_concern():
    with pytest.raises(NotFound):
        redacted_for(User(role=Role.PROVIDER, provider_id=3), _concern())
    assert Role.PROVIDER not in CONFIDENTIAL_READERS
    assert concern_rules.redact(Role.PROVIDER, {"source_identity": "x", "description": "y"}) == {
        "source_identity": WITHHELD, "description": "y",
    }  # fmt: skip


def test_the_change_history_leaves_out_confidential_changes_for_roles_that_may_not_read_them():
    events = [
        {"action": "update", "changes": {"source_identity": [None, "Sam Carer"], "severity": ["low", "high"]}},
        {"action": "update", "changes": {"safeguarding_detail": ["Old", "New"]}},
        {"action": "create", "changes": {"source_identity": [None, "Sam Carer"]}},
    ]
    assert concern_rules.redact_history(Role.OFFICER, events) == events
    assert concern_rules.redact_history(Role.CONTRACT_MANAGER, events) == [
        {"action": "update", "changes": {"severity": ["low", "high"]}},
        {"action": "create", "changes": {}},
    ]
