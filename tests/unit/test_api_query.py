"""The API's query parsing: every bad parameter is named in a 400, good ones become filters."""

import pytest
from werkzeug.datastructures import MultiDict

from provider_monitor.api.query import ApiInputError, parse_provider_query, parse_service_query
from provider_monitor.services.register import RegisterFilters

MAX = 200


def services(**args) -> RegisterFilters:
    return parse_service_query(MultiDict(args), max_per_page=MAX)


def problems(parse, args: dict) -> list[dict]:
    with pytest.raises(ApiInputError) as raised:
        parse(MultiDict(args), max_per_page=MAX)
    return raised.value.errors


def test_no_parameters_gives_the_defaults():
    assert services() == RegisterFilters(sort="name", direction="asc", page=1, per_page=50)


def test_every_service_parameter_is_parsed_to_its_filter():
    filters = services(
        q="  Willow  ",
        service_type="home_care",
        district_code="E07000170",
        sector="internal",
        regulated="false",
        registration_status="deregistered",
        link_officer_id="7",
        contract_manager_id="8",
        cqc_location_id="1-1000210669",
        provider_id="9",
        sort="district",
        direction="desc",
        page="3",
        per_page="200",
    )
    assert filters == RegisterFilters(
        text="Willow",
        service_type="home_care",
        district_code="E07000170",
        sector="internal",
        regulated=False,
        registration_status="deregistered",
        link_officer_id=7,
        contract_manager_id=8,
        cqc_location_id="1-1000210669",
        provider_id=9,
        sort="district",
        direction="desc",
        page=3,
        per_page=200,
    )


def test_regulated_true_is_a_boolean():
    assert services(regulated="true").regulated is True


def test_blank_values_are_ignored():
    assert services(q="   ", service_type="", page="", per_page=" ") == services()


@pytest.mark.parametrize(
    ("args", "parameter"),
    [
        ({"colour": "red"}, "colour"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"page": "1000001"}, "page"),
        # Unicode digits pass str.isdigit() and `\d` but not int() or the database.
        ({"page": "²"}, "page"),
        ({"page": "٣"}, "page"),
        ({"per_page": "0"}, "per_page"),
        ({"per_page": str(MAX + 1)}, "per_page"),
        ({"per_page": "9999"}, "per_page"),
        ({"provider_id": str(2**31)}, "provider_id"),
        ({"link_officer_id": "x"}, "link_officer_id"),
        ({"contract_manager_id": "1e3"}, "contract_manager_id"),
        ({"cqc_location_id": "nonsense"}, "cqc_location_id"),
        ({"cqc_location_id": "1-٣٣٣"}, "cqc_location_id"),
        ({"cqc_location_id": "1-123 OR 1=1"}, "cqc_location_id"),
        ({"district_code": "E0700017"}, "district_code"),
        ({"district_code": "e07000170"}, "district_code"),
        ({"service_type": "spaceship"}, "service_type"),
        ({"service_type": "HOME_CARE"}, "service_type"),
        ({"sector": "private"}, "sector"),
        ({"regulated": "maybe"}, "regulated"),
        ({"regulated": "1"}, "regulated"),
        ({"registration_status": "pending"}, "registration_status"),
        ({"sort": "password_hash"}, "sort"),
        ({"direction": "sideways"}, "direction"),
        ({"q": "x" * 101}, "q"),
        ({"q": "x" * 500}, "q"),
        # PostgreSQL cannot take a NUL in a string: it must be a 400, not a database error.
        ({"q": "care\x00home"}, "q"),
        ({"q": "care\x1bhome"}, "q"),
    ],
)
def test_a_bad_service_parameter_is_named(args, parameter):
    errors = problems(parse_service_query, args)
    assert [e["parameter"] for e in errors] == [parameter]
    assert f"'{parameter}'" in errors[0]["message"]


def test_every_problem_is_reported_at_once():
    errors = problems(parse_service_query, {"colour": "red", "page": "0", "regulated": "maybe"})
    assert sorted(e["parameter"] for e in errors) == ["colour", "page", "regulated"]


def test_the_longest_accepted_text_is_100_characters():
    assert services(q="x" * 100).text == "x" * 100


def test_the_per_page_limit_comes_from_the_caller():
    assert parse_service_query(MultiDict({"per_page": "20"}), max_per_page=20).per_page == 20
    with pytest.raises(ApiInputError, match="from 1 to 10"):
        parse_service_query(MultiDict({"per_page": "20"}), max_per_page=10)


def test_provider_query_defaults_and_values():
    assert parse_provider_query(MultiDict(), max_per_page=MAX) == (None, 1, 50)
    args = MultiDict({"q": " Acme ", "page": "2", "per_page": "5"})
    assert parse_provider_query(args, max_per_page=MAX) == ("Acme", 2, 5)


@pytest.mark.parametrize(
    ("args", "parameter"),
    [
        ({"service_type": "home_care"}, "service_type"),  # a services filter, unknown to providers
        ({"page": "0"}, "page"),
        ({"per_page": str(MAX + 1)}, "per_page"),
        ({"q": "x" * 101}, "q"),
        ({"q": "a\x00b"}, "q"),
    ],
)
def test_a_bad_provider_parameter_is_named(args, parameter):
    assert [e["parameter"] for e in problems(parse_provider_query, args)] == [parameter]
