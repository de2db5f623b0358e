"""The read-only JSON API at /api/v1: sign-in and tokens, filters, paging, bad input, scoping, OpenAPI."""

import re
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provider_monitor.api.query import PROVIDER_PARAMETERS, SERVICE_PARAMETERS
from provider_monitor.enums import RegistrationStatus, Role, Sector, ServiceStatus, ServiceType
from provider_monitor.extensions import db
from provider_monitor.services import auth
from provider_monitor.services.register import SORTABLE_COLUMNS
from tests.factories import DistrictFactory, ProviderFactory, ServiceFactory, UserFactory

API = "/api/v1"
DATA_ENDPOINTS = ["/services", "/services/1", "/providers", "/providers/1"]
CORE_SERVICE_FIELDS = {
    "id", "name", "provider_id", "provider_name", "cqc_location_id", "service_type", "sector", "regulated",
    "registration_status", "postcode", "latitude", "longitude", "district_code", "district_name",
}  # fmt: skip


# --- Helpers and data ------------------------------------------------------------------------------


def bearer(user) -> dict:
    token = auth.issue_api_token(db.session, user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def get_json(client, path: str, status: int = 200, **kwargs) -> dict:
    response = client.get(API + path, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    return response.get_json()


def names(body: dict) -> list[str]:
    return [item["name"] for item in body["data"]]


def error_parameters(body: dict) -> list[str]:
    assert body["errors"], body
    assert all(isinstance(e["message"], str) and e["message"] for e in body["errors"])
    return [e.get("parameter") for e in body["errors"]]


@pytest.fixture
def market(app_ctx):
    """Five services of three providers in two districts, regulated and not, with officers."""
    ashfield = DistrictFactory(code="E07000170", name="Ashfield")
    bassetlaw = DistrictFactory(code="E07000171", name="Bassetlaw")
    acme = ProviderFactory(name="Acme Care Ltd", cqc_provider_id="1-101", sector=Sector.INDEPENDENT)
    council = ProviderFactory(
        name="Nottinghamshire County Council",
        cqc_provider_id=None,
        sector=Sector.COUNCIL_RUN,
    )
    rose = ProviderFactory(name="Rose Charity Trust", cqc_provider_id="1-103", sector=Sector.VOLUNTARY)
    officer = UserFactory(role=Role.OFFICER, name="Olive Officer")
    manager = UserFactory(role=Role.CONTRACT_MANAGER, name="Carl Contracts")
    common = {"district_code": ashfield.code, "town": "Mansfield"}
    willow = ServiceFactory(
        provider=acme, name="Willow Court", cqc_location_id="1-1000000001", postcode="NG18 2AB",
        latitude=53.14, longitude=-1.2, link_officer_id=officer.id, **common,
    )  # fmt: skip
    oak = ServiceFactory(
        provider=acme, name="Oak Lodge Nursing", cqc_location_id="1-1000000002",
        service_type=ServiceType.CARE_HOME_NURSING, town="Worksop", postcode="S80 1AA",
        district_code=bassetlaw.code, contract_manager_id=manager.id,
    )  # fmt: skip
    hilltop = ServiceFactory(
        provider=council, name="Hilltop Day Centre", cqc_location_id=None,
        service_type=ServiceType.DAY_OPPORTUNITIES, regulated=False,
        registration_status=RegistrationStatus.NOT_REGISTERED, postcode="NG19 7PQ", **common,
    )  # fmt: skip
    rose_care = ServiceFactory(
        provider=rose, name="Rose Home Care", cqc_location_id="1-1000000003",
        service_type=ServiceType.HOME_CARE, registration_status=RegistrationStatus.DEREGISTERED,
        town="Retford", postcode="DN22 6AA", district_code=bassetlaw.code,
    )  # fmt: skip
    ash = ServiceFactory(
        provider=rose, name="Ash Tree Supported Living", cqc_location_id="1-1000000004",
        service_type=ServiceType.SUPPORTED_LIVING, town=None, postcode=None,
    )  # fmt: skip
    return SimpleNamespace(
        acme=acme, council=council, rose=rose, officer=officer, manager=manager, willow=willow, oak=oak,
        hilltop=hilltop, rose_care=rose_care, ash=ash, ashfield=ashfield, bassetlaw=bassetlaw,
    )  # fmt: skip


@pytest.fixture
def manager(login_as):
    """The test client signed in as a manager, who sees the whole market."""
    return login_as(Role.MANAGER)


ALL_SERVICES = {
    "Willow Court",
    "Oak Lodge Nursing",
    "Hilltop Day Centre",
    "Rose Home Care",
    "Ash Tree Supported Living",
}


# --- Who may call it ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", DATA_ENDPOINTS)
def test_anonymous_callers_get_a_401_json_error(client, market, path):
    body = get_json(client, path, status=401)
    assert error_parameters(body) == [None]
    assert "Bearer" in body["errors"][0]["message"]


def test_the_openapi_document_is_public(client):
    assert get_json(client, "/openapi.json")["openapi"].startswith("3.1.")


def test_a_bearer_token_signs_a_staff_member_in_to_every_service(client, market):
    headers = bearer(UserFactory(role=Role.MANAGER))
    body = get_json(client, "/services", headers=headers)
    assert set(names(body)) == ALL_SERVICES
    assert body["meta"]["total"] == 5
    hilltop = get_json(client, f"/services/{market.hilltop.id}", headers=headers)["data"]
    assert hilltop["name"] == "Hilltop Day Centre"


def test_a_bearer_token_does_not_start_a_cookie_session(client, market):
    response = client.get(f"{API}/services", headers=bearer(UserFactory(role=Role.OFFICER)))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    "header", ["Bearer pm_not-a-real-token", "Bearer ", "Bearer", "Basic dXNlcjpwYXNz", "pm_not-a-real-token"]
)
def test_a_wrong_token_is_refused(client, market, header):
    UserFactory(role=Role.MANAGER)
    assert error_parameters(get_json(client, "/services", 401, headers={"Authorization": header})) == [None]


def test_a_deactivated_users_token_is_refused(client, market):
    user = UserFactory(role=Role.MANAGER)
    headers = bearer(user)
    get_json(client, "/services", headers=headers)
    user.active = False
    db.session.commit()
    get_json(client, "/services", 401, headers=headers)
    get_json(client, f"/services/{market.willow.id}", 401, headers=headers)


def test_issuing_a_new_token_retires_the_old_one(client, market):
    user = UserFactory(role=Role.MANAGER)
    old, new = bearer(user), bearer(user)
    get_json(client, "/services", 401, headers=old)
    get_json(client, "/services", headers=new)


@pytest.mark.parametrize("path", ["/services", "/services/1", "/providers", "/"])
def test_a_bearer_token_is_not_accepted_on_html_pages(client, market, path):
    headers = bearer(UserFactory(role=Role.MANAGER))
    response = client.get(path, headers=headers)
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_a_signed_in_browser_session_also_works(client, login_as, market):
    login_as(Role.OFFICER)
    assert set(names(get_json(client, "/services"))) == ALL_SERVICES


# --- What a service looks like ------------------------------------------------------------------------


def test_every_service_carries_the_core_fields(client, manager, market):
    body = get_json(client, "/services")
    assert len(body["data"]) == 5
    for item in body["data"]:
        assert CORE_SERVICE_FIELDS <= set(item), CORE_SERVICE_FIELDS - set(item)


def test_a_service_is_described_in_full(client, manager, market):
    willow = get_json(client, f"/services/{market.willow.id}")["data"]
    assert {k: willow[k] for k in CORE_SERVICE_FIELDS} == {
        "id": market.willow.id,
        "name": "Willow Court",
        "provider_id": market.acme.id,
        "provider_name": "Acme Care Ltd",
        "cqc_location_id": "1-1000000001",
        "service_type": "care_home",
        "sector": "independent",
        "regulated": True,
        "registration_status": "registered",
        "postcode": "NG18 2AB",
        "latitude": 53.14,
        "longitude": -1.2,
        "district_code": "E07000170",
        "district_name": "Ashfield",
    }
    assert willow["link_officer_id"] == market.officer.id
    assert willow["status"] == "active"


def test_a_service_in_the_list_matches_the_service_by_id(client, manager, market):
    listed = get_json(client, "/services", query_string={"q": "Hilltop"})["data"]
    assert listed == [get_json(client, f"/services/{market.hilltop.id}")["data"]]
    assert listed[0]["cqc_location_id"] is None
    assert listed[0]["regulated"] is False
    assert listed[0]["sector"] == "council_run"


def test_a_provider_is_described_with_its_service_count(client, manager, market):
    acme = get_json(client, f"/providers/{market.acme.id}")["data"]
    assert acme["name"] == "Acme Care Ltd"
    assert acme["cqc_provider_id"] == "1-101"
    assert acme["sector"] == "independent"
    assert acme["service_count"] == 2
    listed = get_json(client, "/providers", query_string={"q": "acme"})
    assert listed["data"] == [acme]
    assert listed["meta"]["total"] == 1


@pytest.mark.parametrize("path", ["/services/999999", "/providers/999999", "/nothing-here", "/services/abc"])
def test_a_missing_record_or_endpoint_is_a_404_json_error(client, manager, market, path):
    assert error_parameters(get_json(client, path, 404)) == [None]


@pytest.mark.parametrize("path", ["/services/99999999999999999999", "/providers/2147483648", "/services/0"])
def test_an_id_outside_the_database_range_is_a_404_not_a_500(client, manager, market, path):
    get_json(client, path, 404)


# --- Filters, sorting and paging ---------------------------------------------------------------------

FILTERS = [
    ({"q": "willow"}, {"Willow Court"}),
    ({"q": "WORKSOP"}, {"Oak Lodge Nursing"}),  # town, case-insensitive
    ({"q": "1-1000000002"}, {"Oak Lodge Nursing"}),  # CQC location ID
    ({"q": "1-101"}, {"Willow Court", "Oak Lodge Nursing"}),  # CQC provider ID
    ({"q": "ng18"}, {"Willow Court"}),  # postcode prefix
    ({"q": "NG182A"}, {"Willow Court"}),  # postcode prefix, spaces ignored
    ({"q": "S80 1"}, {"Oak Lodge Nursing"}),
    ({"q": "2AB"}, set()),  # the middle of a postcode is not a prefix
    ({"service_type": "care_home_nursing"}, {"Oak Lodge Nursing"}),
    ({"district_code": "E07000170"}, {"Willow Court", "Hilltop Day Centre"}),
    ({"sector": "internal"}, {"Hilltop Day Centre"}),
    ({"sector": "external"}, ALL_SERVICES - {"Hilltop Day Centre"}),
    ({"regulated": "false"}, {"Hilltop Day Centre"}),
    ({"regulated": "true"}, ALL_SERVICES - {"Hilltop Day Centre"}),
    ({"registration_status": "deregistered"}, {"Rose Home Care"}),
    ({"registration_status": "not_registered"}, {"Hilltop Day Centre"}),
    ({"cqc_location_id": "1-1000000003"}, {"Rose Home Care"}),
    ({"cqc_location_id": "1-999"}, set()),
    (
        {"district_code": "E07000171", "regulated": "true", "sector": "external"},
        {"Oak Lodge Nursing", "Rose Home Care"},
    ),
]


@pytest.mark.parametrize(("args", "expected"), FILTERS)
def test_filters(client, manager, market, args, expected):
    body = get_json(client, "/services", query_string=args)
    assert set(names(body)) == expected
    assert body["meta"]["total"] == len(expected)


@pytest.mark.parametrize(
    ("parameter", "value", "expected"),
    [
        ("link_officer_id", lambda m: m.officer.id, {"Willow Court"}),
        ("contract_manager_id", lambda m: m.manager.id, {"Oak Lodge Nursing"}),
        ("provider_id", lambda m: m.acme.id, {"Willow Court", "Oak Lodge Nursing"}),
        ("provider_id", lambda m: m.rose.id, {"Rose Home Care", "Ash Tree Supported Living"}),
    ],
)
def test_filters_by_id(client, manager, market, parameter, value, expected):
    body = get_json(client, "/services", query_string={parameter: value(market)})
    assert set(names(body)) == expected
    assert body["meta"]["total"] == len(expected)


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_sorting_by_name(client, manager, market, direction):
    listed = names(get_json(client, "/services", query_string={"sort": "name", "direction": direction}))
    assert listed == sorted(ALL_SERVICES, reverse=direction == "desc")


def test_sorting_by_provider_breaks_ties_by_id(client, manager, market):
    body = get_json(client, "/services", query_string={"sort": "provider", "direction": "desc"})
    ids = [(s["provider_name"], s["id"]) for s in body["data"]]
    assert ids == sorted(ids, reverse=True)


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_services_without_a_district_sort_last_either_way(client, manager, market, direction):
    body = get_json(client, "/services", query_string={"sort": "district", "direction": direction})
    districts = [s["district_name"] for s in body["data"]]
    assert districts[-1] is None
    assert districts[:-1] == sorted(districts[:-1], reverse=direction == "desc")


def test_paging_walks_every_service_once_following_the_links(client, manager, market):
    body = get_json(client, "/services", query_string={"per_page": 2, "sort": "name", "direction": "desc"})
    assert body["meta"] == {"total": 5, "page": 1, "per_page": 2, "pages": 3}
    assert "prev" not in body["links"]
    seen = names(body)
    while "next" in body["links"]:
        assert "direction=desc" in body["links"]["next"] and "per_page=2" in body["links"]["next"]
        body = client.get(body["links"]["next"]).get_json()
        assert "prev" in body["links"]
        seen += names(body)
    assert body["meta"]["page"] == 3
    assert seen == sorted(ALL_SERVICES, reverse=True)


def test_a_page_past_the_end_gives_the_last_page(client, manager, market):
    body = get_json(client, "/services", query_string={"per_page": 2, "page": 99})
    assert body["meta"]["page"] == 3
    assert len(body["data"]) == 1


def test_providers_are_paged(client, manager, market):
    first = get_json(client, "/providers", query_string={"per_page": 2})
    assert first["meta"] == {"total": 3, "page": 1, "per_page": 2, "pages": 2}
    second = client.get(first["links"]["next"]).get_json()
    assert "next" not in second["links"]
    assert names(first) + names(second) == [
        "Acme Care Ltd",
        "Nottinghamshire County Council",
        "Rose Charity Trust",
    ]


def test_the_largest_page_is_allowed_and_one_more_is_not(app, client, manager, market):
    largest = app.config["API_MAX_PAGE_SIZE"]
    assert largest == 200
    assert get_json(client, "/services", query_string={"per_page": largest})["meta"]["per_page"] == largest
    for path in ("/services", "/providers"):
        body = get_json(client, path, 400, query_string={"per_page": largest + 1})
        assert error_parameters(body) == ["per_page"]


# --- Bad input: a 400 naming the parameter, never a 500 ----------------------------------------------

BAD_SERVICE_QUERIES = [
    ({"colour": "red"}, "colour"),
    ({"page": "0"}, "page"),
    ({"page": "abc"}, "page"),
    ({"page": "²"}, "page"),
    ({"per_page": "9999"}, "per_page"),
    ({"cqc_location_id": "nonsense"}, "cqc_location_id"),
    ({"service_type": "spaceship"}, "service_type"),
    ({"regulated": "maybe"}, "regulated"),
    ({"sector": "private"}, "sector"),
    ({"registration_status": "pending"}, "registration_status"),
    ({"district_code": "Ashfield"}, "district_code"),
    ({"sort": "password_hash"}, "sort"),
    ({"direction": "up"}, "direction"),
    ({"provider_id": "1 OR 1=1"}, "provider_id"),
    ({"link_officer_id": str(2**40)}, "link_officer_id"),
    ({"q": "x" * 500}, "q"),
    ({"q": "care\x00home"}, "q"),
]


@pytest.mark.parametrize(("args", "parameter"), BAD_SERVICE_QUERIES)
def test_bad_service_input_is_a_400_naming_the_parameter(client, manager, market, args, parameter):
    body = get_json(client, "/services", 400, query_string=args)
    assert error_parameters(body) == [parameter]
    assert parameter in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("args", "parameter"),
    [({"page": "0"}, "page"), ({"sort": "name"}, "sort"), ({"q": "x" * 500}, "q"), ({"q": "a\x00"}, "q")],
)
def test_bad_provider_input_is_a_400_naming_the_parameter(client, manager, market, args, parameter):
    assert error_parameters(get_json(client, "/providers", 400, query_string=args)) == [parameter]


def test_every_bad_parameter_is_named_in_one_response(client, manager, market):
    args = {"page": "0", "regulated": "maybe", "colour": "red"}
    body = get_json(client, "/services", 400, query_string=args)
    assert sorted(error_parameters(body)) == ["colour", "page", "regulated"]


@pytest.mark.parametrize(
    "text", ["' OR 1=1 --", "'; DROP TABLE service; --", '" OR ""="', "%", "_", "\\", "%' OR '%'='", "*"]
)
def test_sql_looking_text_is_just_text(client, manager, market, text):
    for path in ("/services", "/providers"):
        body = get_json(client, path, query_string={"q": text})
        assert body["data"] == [] and body["meta"]["total"] == 0
    assert get_json(client, "/services")["meta"]["total"] == 5


# The client, app and data are shared by every example; that is safe because the requests are
# read-only GETs, and building them again per example would make the test slow for no gain.
REUSED_FIXTURES = settings(
    max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Any character a URL can carry (surrogates cannot be encoded at all), with the ones that have
# broken parsers and databases before mixed in more often: NUL, quotes, LIKE wildcards, non-ASCII digits.
HOSTILE = st.sampled_from(["\x00", "\x1f", "'", '"', "%", "_", "\\", ";", "-", "²", "٣", "1", " "])
ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]) | HOSTILE, max_size=120) | st.text(HOSTILE, max_size=4)


@REUSED_FIXTURES
@given(text=ANY_TEXT)
def test_any_search_text_is_a_200_or_a_400_never_a_5xx(client, manager, market, text):
    for path in ("/services", "/providers"):
        response = client.get(API + path, query_string={"q": text})
        assert response.status_code in (200, 400), (text, response.status_code)
        if response.status_code == 400:
            assert error_parameters(response.get_json()) == ["q"]


@REUSED_FIXTURES
@given(parameter=st.sampled_from(sorted(SERVICE_PARAMETERS)), value=ANY_TEXT)
def test_any_value_of_any_parameter_is_a_200_or_a_400_never_a_5xx(client, manager, market, parameter, value):
    response = client.get(API + "/services", query_string={parameter: value})
    assert response.status_code in (200, 400), (parameter, value, response.status_code)
    if response.status_code == 400:
        assert error_parameters(response.get_json()) == [parameter]


# --- Provider users see their own provider only ------------------------------------------------------


@pytest.fixture
def acme_user(market, login_as):
    return login_as(Role.PROVIDER, provider=market.acme)


OTHER_NAMES = ["Nottinghamshire County Council", "Rose Charity Trust", "Hilltop Day Centre", "Rose Home Care"]


def assert_no_other_provider_in(response):
    text = response.get_data(as_text=True)
    for name in OTHER_NAMES:
        assert name not in text


def test_a_provider_user_lists_only_their_own_services(client, market, acme_user):
    response = client.get(f"{API}/services")
    body = response.get_json()
    assert set(names(body)) == {"Willow Court", "Oak Lodge Nursing"}
    assert body["meta"]["total"] == 2
    assert {s["provider_id"] for s in body["data"]} == {market.acme.id}
    assert_no_other_provider_in(response)


def test_a_provider_user_pages_through_their_own_services_only(client, market, acme_user):
    body = get_json(client, "/services", query_string={"per_page": 1, "page": 2})
    assert body["meta"] == {"total": 2, "page": 2, "per_page": 1, "pages": 2}


def test_a_provider_user_gets_a_404_not_a_403_for_another_providers_records(client, market, acme_user):
    for path in (
        f"/services/{market.hilltop.id}",
        f"/services/{market.rose_care.id}",
        f"/providers/{market.rose.id}",
    ):
        response = client.get(API + path)
        assert response.status_code == 404
        assert_no_other_provider_in(response)
    assert get_json(client, f"/services/{market.oak.id}")["data"]["provider_name"] == "Acme Care Ltd"
    assert get_json(client, f"/providers/{market.acme.id}")["data"]["service_count"] == 2


def test_a_provider_user_lists_only_their_own_provider(client, market, acme_user):
    response = client.get(f"{API}/providers", query_string={"per_page": 200})
    assert names(response.get_json()) == ["Acme Care Ltd"]
    assert response.get_json()["meta"]["total"] == 1
    assert_no_other_provider_in(response)


@pytest.mark.parametrize(
    "args",
    [
        {"provider_id": "OTHER"},
        {"sector": "internal"},
        {"q": "Rose"},
        {"q": "1-103"},
        {"q": "DN22"},
        {"cqc_location_id": "1-1000000003"},
        {"registration_status": "deregistered"},
    ],
)
def test_a_provider_users_filters_never_reach_another_provider(client, market, acme_user, args):
    args = {k: (market.rose.id if v == "OTHER" else v) for k, v in args.items()}
    response = client.get(f"{API}/services", query_string=args)
    assert response.status_code == 200
    assert response.get_json()["meta"]["total"] == 0
    assert response.get_json()["data"] == []
    assert_no_other_provider_in(response)


def test_a_provider_users_token_is_scoped_the_same_way(client, market):
    headers = bearer(UserFactory(role=Role.PROVIDER, provider=market.rose))
    body = get_json(client, "/services", headers=headers)
    assert set(names(body)) == {"Rose Home Care", "Ash Tree Supported Living"}
    get_json(client, f"/services/{market.willow.id}", 404, headers=headers)
    assert get_json(client, "/providers", headers=headers)["meta"]["total"] == 1


# --- The OpenAPI document ---------------------------------------------------------------------------


@pytest.fixture
def document(client):
    return get_json(client, "/openapi.json")


def flask_path_to_openapi(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def resolve(document: dict, ref: str) -> dict:
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def all_refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from all_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from all_refs(value)


JSON_TYPES = {
    "string": str, "integer": int, "number": (int, float), "boolean": bool, "null": type(None), "object": dict,
    "array": list,
}  # fmt: skip


def conforms(value, schema: dict, document: dict | None = None) -> bool:
    """Enough of JSON Schema for our objects: $ref, type, nullability, enum and object properties."""
    if "$ref" in schema:
        return conforms(value, resolve(document, schema["$ref"]), document)
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    if isinstance(value, bool) and "boolean" not in types:
        return False  # in Python a bool is an int; in JSON it is not a number
    if isinstance(value, dict) and "object" in types:
        properties = schema.get("properties", {})
        return set(value) == set(schema.get("required", [])) <= set(properties) and all(
            conforms(item, properties[key], document) for key, item in value.items()
        )
    matches = any(isinstance(value, JSON_TYPES[t]) for t in types)
    return matches and (value is None or "enum" not in schema or value in schema["enum"])


def test_the_document_is_openapi_3_1_with_every_reference_resolving(document):
    assert re.fullmatch(r"3\.1\.\d+", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"]
    assert "own provider" in document["info"]["description"]
    refs = set(all_refs(document))
    assert "#/components/schemas/Service" in refs and "#/components/schemas/Errors" in refs
    for ref in refs:
        assert isinstance(resolve(document, ref), dict)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert method in {"get", "post", "put", "patch", "delete"}, (path, method)
            assert "200" in operation["responses"], path
            for parameter in operation["parameters"]:
                assert parameter["in"] in {"query", "path"} and "type" in parameter["schema"]
            in_path = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
            assert in_path == set(re.findall(r"{([^}]+)}", path)), path
            assert all(p["required"] for p in operation["parameters"] if p["in"] == "path")


def test_every_api_route_is_documented_and_every_documented_path_exists(app, document):
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API) and rule.endpoint != "api.not_found":
            routes[flask_path_to_openapi(rule.rule)] = {m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes, "no API routes found"
    assert {path: set(item) for path, item in document["paths"].items()} == routes


def test_the_documented_query_parameters_are_the_ones_accepted(document):
    def query_names(path):
        return {p["name"] for p in document["paths"][path]["get"]["parameters"] if p["in"] == "query"}

    assert query_names("/api/v1/services") == SERVICE_PARAMETERS
    assert query_names("/api/v1/providers") == PROVIDER_PARAMETERS


def test_the_documented_enums_match_the_code(document):
    schemas = document["components"]["schemas"]
    service, provider = schemas["Service"]["properties"], schemas["Provider"]["properties"]
    assert service["service_type"]["enum"] == [t.value for t in ServiceType]
    assert service["registration_status"]["enum"] == [s.value for s in RegistrationStatus]
    assert service["status"]["enum"] == [s.value for s in ServiceStatus]
    assert service["sector"]["enum"] == provider["sector"]["enum"] == [s.value for s in Sector]
    parameters = {p["name"]: p["schema"] for p in document["paths"]["/api/v1/services"]["get"]["parameters"]}
    assert parameters["service_type"]["enum"] == [t.value for t in ServiceType]
    assert parameters["registration_status"]["enum"] == [s.value for s in RegistrationStatus]
    assert parameters["sort"]["enum"] == list(SORTABLE_COLUMNS)
    assert parameters["sector"]["enum"] == ["internal", "external"]
    assert parameters["regulated"]["enum"] == ["true", "false"]


def test_the_documented_limits_and_patterns_are_the_enforced_ones(app, client, manager, market, document):
    parameters = {p["name"]: p["schema"] for p in document["paths"]["/api/v1/services"]["get"]["parameters"]}
    assert parameters["per_page"]["maximum"] == app.config["API_MAX_PAGE_SIZE"]
    assert parameters["q"]["maxLength"] == 100
    get_json(client, "/services", query_string={"q": "x" * parameters["q"]["maxLength"]})
    get_json(client, "/services", 400, query_string={"q": "x" * (parameters["q"]["maxLength"] + 1)})
    for name, good, bad in [
        ("cqc_location_id", "1-1000000001", "1-"),
        ("district_code", "E07000170", "E0700017"),
    ]:
        pattern = re.compile(parameters[name]["pattern"])
        assert pattern.search(good) and not pattern.search(bad)
        get_json(client, "/services", query_string={name: good})
        get_json(client, "/services", 400, query_string={name: bad})


def test_the_service_schema_is_exactly_what_the_api_returns(client, manager, market, document):
    schema = document["components"]["schemas"]["Service"]
    for service in (market.willow, market.ash, market.hilltop):  # full, and with many nulls
        data = get_json(client, f"/services/{service.id}")["data"]
        assert set(schema["properties"]) == set(data) == set(schema["required"])
        for key, value in data.items():
            assert conforms(value, schema["properties"][key], document), (key, value)
    assert schema["additionalProperties"] is False


def test_the_provider_schema_is_exactly_what_the_api_returns(client, manager, market, document):
    schema = document["components"]["schemas"]["Provider"]
    for provider in get_json(client, "/providers")["data"]:
        assert set(schema["properties"]) == set(provider) == set(schema["required"])
        for key, value in provider.items():
            assert conforms(value, schema["properties"][key]), (key, value)


def test_the_page_and_errors_schemas_describe_real_responses(client, manager, market, document):
    schemas = document["components"]["schemas"]
    page = get_json(client, "/services", query_string={"per_page": 2, "page": 2})
    assert set(page) == {"data", "meta", "links"}
    assert set(page["meta"]) == set(schemas["Page"]["properties"]["meta"]["required"])
    assert set(page["links"]) <= set(schemas["Page"]["properties"]["links"]["properties"])
    assert set(page["links"]) == {"self", "next", "prev"}
    error_item = schemas["Errors"]["properties"]["errors"]["items"]
    for error in get_json(client, "/services", 400, query_string={"page": "0", "colour": "x"})["errors"]:
        assert set(error) <= set(error_item["properties"]) and set(error_item["required"]) <= set(error)
    for error in get_json(client.application.test_client(), "/services", 401)["errors"]:
        assert set(error) <= set(error_item["properties"]) and set(error_item["required"]) <= set(error)


def test_the_security_schemes_describe_both_ways_in(app, document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerToken"]["type"] == "http" and schemes["bearerToken"]["scheme"] == "bearer"
    assert "users token" in schemes["bearerToken"]["description"]
    assert schemes["sessionCookie"] == {**schemes["sessionCookie"], "in": "cookie", "type": "apiKey"}
    assert schemes["sessionCookie"]["name"] == app.config["SESSION_COOKIE_NAME"]
    assert {name for requirement in document["security"] for name in requirement} == set(schemes)
    assert document["paths"]["/api/v1/openapi.json"]["get"]["security"] == []
    assert "security" not in document["paths"]["/api/v1/services"]["get"]  # the default: signed in
