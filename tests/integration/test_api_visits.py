"""Visits in the JSON API: fields, filters, bad input, provider scoping, the OpenAPI schema, query counts."""

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from provider_monitor.api.query import VISIT_PARAMETERS
from provider_monitor.enums import ComplianceArea, KeyQuestion, Role, VisitStatus
from provider_monitor.extensions import db
from provider_monitor.models import VisitCompliance, VisitFinding
from tests import factories

API = "/api/v1"
TODAY = date.today()


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


# --- Helpers shared with test_api_actions.py --------------------------------------------------------


@contextmanager
def counted_statements():
    """Counts the SQL statements sent while active (one per cursor execute)."""
    seen = []

    def count(*args):
        seen.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def resolve(document: dict, ref: str) -> dict:
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


PYTHON_TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "null": type(None)}


def conforms(value, schema: dict, document: dict) -> bool:
    """Enough JSON Schema for these responses: $ref, types, nullable enums, exact objects and arrays."""
    if "$ref" in schema:
        return conforms(value, resolve(document, schema["$ref"]), document)
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    if "enum" in schema and value not in schema["enum"]:
        return False
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        return (
            "object" in types
            and set(schema.get("required", [])) <= set(value) <= set(properties)
            and all(conforms(item, properties[key], document) for key, item in value.items())
        )
    if isinstance(value, list):
        return "array" in types and all(conforms(item, schema["items"], document) for item in value)
    if isinstance(value, bool):
        return "boolean" in types
    return any(isinstance(value, PYTHON_TYPES[t]) for t in types if t in PYTHON_TYPES)


def error_parameters(response) -> list:
    assert response.status_code == 400, response.get_data(as_text=True)
    return [e.get("parameter") for e in response.get_json()["errors"]]


# --- Data ------------------------------------------------------------------------------------------


def add_visit(service, status, visited_on=None, officers=(), **kwargs):
    visit = factories.VisitFactory(
        service=service, status=status, visited_on=visited_on, officers=list(officers), **kwargs
    )
    return visit


@pytest.fixture
def visits(app_ctx):
    """Own Care's two services and Other Group's one, with visits in every state."""
    own = factories.ProviderFactory(name="Own Care")
    other = factories.ProviderFactory(name="Other Care Group")
    willow = factories.ServiceFactory(name="Willow Court", provider=own, cqc_location_id="1-111")
    oak = factories.ServiceFactory(name="Oak Lodge", provider=own, cqc_location_id="1-222")
    secret = factories.ServiceFactory(name="Secret House", provider=other, cqc_location_id="1-333")
    olive = factories.UserFactory(role=Role.OFFICER, name="Olive Officer")
    amir = factories.UserFactory(role=Role.OFFICER, name="Amir Officer")
    shared_at = datetime(2026, 1, 20, 10, 30, tzinfo=UTC)
    final = add_visit(
        willow, "final", days(-200), [olive, amir], local_rating="Good", full_quality_visit=False,
        shared_at=shared_at, comments_due_on=days(-180), finalised_at=shared_at + timedelta(days=15),
    )  # fmt: skip
    db.session.add_all(
        [
            VisitFinding(visit_id=final.id, key_question=KeyQuestion.SAFE, judgement="Good", evidence="MAR charts"),
            VisitFinding(visit_id=final.id, key_question=KeyQuestion.CARING, judgement=None, evidence=None),
            VisitCompliance(visit_id=final.id, area=ComplianceArea.TERMS, result="met", notes="All in order"),
        ]
    )
    db.session.commit()
    shared = add_visit(
        oak, "shared", days(-10), [olive], kind="unplanned", purpose="concern", shared_at=shared_at,
        comments_due_on=days(4),
    )  # fmt: skip
    draft = add_visit(willow, "draft", days(-3), [amir])
    planned = add_visit(oak, "planned", None, planned_on=days(30))
    cancelled = add_visit(willow, "cancelled", None, planned_on=days(-60), cancelled_reason="Outbreak")
    other_final = add_visit(secret, "final", days(-40), [olive])
    return SimpleNamespace(**locals())


def listed(client, **query) -> list[int]:
    response = client.get(f"{API}/visits", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [v["id"] for v in response.get_json()["data"]]


# --- Staff ------------------------------------------------------------------------------------------


def test_staff_list_every_visit_newest_first(client, login_as, visits):
    login_as(Role.OFFICER)
    body = client.get(f"{API}/visits").get_json()
    v = visits
    # By the day visited, or planned for: the planned visit (in 30 days) first.
    order = [v.planned, v.draft, v.shared, v.other_final, v.cancelled, v.final]
    assert [item["id"] for item in body["data"]] == [x.id for x in order]
    assert body["meta"] == {"total": 6, "page": 1, "per_page": 50, "pages": 1}


def test_a_visit_is_described_in_full(client, login_as, visits):
    login_as(Role.MANAGER)
    data = client.get(f"{API}/visits/{visits.final.id}").get_json()["data"]
    assert data == {
        "id": visits.final.id,
        "service": {"id": visits.willow.id, "name": "Willow Court", "cqc_location_id": "1-111"},
        "kind": "planned",
        "purpose": "quality_audit",
        "status": "final",
        "planned_on": None,
        "visited_on": days(-200).isoformat(),
        "full_quality_visit": False,
        "local_rating": "Good",
        "officers": ["Amir Officer", "Olive Officer"],
        "findings": [
            {"key_question": "safe", "judgement": "Good", "evidence": "MAR charts"},
            {"key_question": "caring", "judgement": None, "evidence": None},
        ],
        "compliance": [{"area": "terms", "result": "met", "notes": "All in order"}],
        "shared_at": "2026-01-20T10:30:00+00:00",
        "comments_due_on": days(-180).isoformat(),
        "finalised_at": "2026-02-04T10:30:00+00:00",
    }
    listed_item = next(i for i in client.get(f"{API}/visits").get_json()["data"] if i["id"] == visits.final.id)
    assert listed_item == data


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "draft"}, ["draft"]),
        ({"status": "cancelled"}, ["cancelled"]),
        ({"kind": "unplanned"}, ["shared"]),
        ({"cqc_location_id": "1-222"}, ["planned", "shared"]),
        ({"cqc_location_id": "1-999"}, []),
        ({"visited_from": "OFFSET-15"}, ["draft", "shared"]),
        ({"visited_to": "OFFSET-15"}, ["other_final", "final"]),
        ({"visited_from": "OFFSET-50", "visited_to": "OFFSET-5"}, ["shared", "other_final"]),
        ({"status": "final", "cqc_location_id": "1-111"}, ["final"]),
    ],
)
def test_visit_filters(client, login_as, visits, query, expected):
    login_as()
    query = {k: days(int(v[6:])).isoformat() if v.startswith("OFFSET") else v for k, v in query.items()}
    assert listed(client, **query) == [getattr(visits, name).id for name in expected]


def test_filter_by_service_id(client, login_as, visits):
    login_as()
    assert listed(client, service_id=visits.oak.id) == [visits.planned.id, visits.shared.id]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"status": "lost"}, "status"),
        ({"kind": "surprise"}, "kind"),
        ({"service_id": "abc"}, "service_id"),
        ({"service_id": str(2**40)}, "service_id"),
        ({"cqc_location_id": "nonsense"}, "cqc_location_id"),
        ({"visited_from": "2026-02-30"}, "visited_from"),
        ({"visited_to": "yesterday"}, "visited_to"),
        ({"visited_from": "2026-05-01", "visited_to": "2026-01-01"}, "visited_to"),
        ({"per_page": "201"}, "per_page"),
        ({"page": "0"}, "page"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_visit_queries_are_a_400_naming_the_parameter(client, login_as, visits, query, parameter):
    login_as()
    response = client.get(f"{API}/visits", query_string=query)
    assert error_parameters(response) == [parameter]


def test_paging_walks_every_visit_once(client, login_as, visits):
    login_as()
    body = client.get(f"{API}/visits", query_string={"per_page": 4}).get_json()
    assert body["meta"] == {"total": 6, "page": 1, "per_page": 4, "pages": 2}
    second = client.get(body["links"]["next"]).get_json()
    assert "next" not in second["links"] and "prev" in second["links"]
    ids = [v["id"] for v in body["data"] + second["data"]]
    assert sorted(ids) == sorted(listed(client)) and len(set(ids)) == 6
    past_the_end = client.get(f"{API}/visits", query_string={"per_page": 4, "page": 9}).get_json()
    assert past_the_end["meta"]["page"] == 2


@pytest.mark.parametrize("path", ["/visits", "/visits/1"])
def test_visits_need_sign_in(client, visits, path):
    assert client.get(API + path).status_code == 401


def test_a_missing_visit_is_a_404(client, login_as, visits):
    login_as()
    assert client.get(f"{API}/visits/999999").status_code == 404


# --- Provider users ----------------------------------------------------------------------------------


def test_a_provider_user_sees_only_their_shared_and_final_reports(client, login_as, visits):
    login_as(Role.PROVIDER, provider=visits.own)
    response = client.get(f"{API}/visits")
    assert [v["id"] for v in response.get_json()["data"]] == [visits.shared.id, visits.final.id]
    assert response.get_json()["meta"]["total"] == 2
    assert "Secret House" not in response.get_data(as_text=True)
    assert client.get(f"{API}/visits/{visits.shared.id}").status_code == 200
    for hidden in (visits.draft, visits.planned, visits.cancelled, visits.other_final):
        response = client.get(f"{API}/visits/{hidden.id}")
        assert response.status_code == 404, hidden.status
        assert "Secret House" not in response.get_data(as_text=True)


@pytest.mark.parametrize("query", [{"status": "draft"}, {"status": "planned"}, {"cqc_location_id": "1-333"}])
def test_a_provider_users_filters_never_reach_hidden_visits(client, login_as, visits, query):
    login_as(Role.PROVIDER, provider=visits.own)
    assert listed(client, **query) == []


def test_a_provider_user_cannot_reach_another_providers_service_by_id(client, login_as, visits):
    login_as(Role.PROVIDER, provider=visits.own)
    assert listed(client, service_id=visits.secret.id) == []


# --- OpenAPI and queries -----------------------------------------------------------------------------


def test_the_visit_schema_is_exactly_what_the_api_returns(client, login_as, visits):
    document = client.get(f"{API}/openapi.json").get_json()
    schema = document["components"]["schemas"]["Visit"]
    login_as()
    for item in client.get(f"{API}/visits").get_json()["data"]:
        assert set(schema["properties"]) == set(item) == set(schema["required"])
        for key, value in item.items():
            assert conforms(value, schema["properties"][key], document), (key, value)
    assert schema["properties"]["status"]["enum"] == [s.value for s in VisitStatus]
    parameters = document["paths"]["/api/v1/visits"]["get"]["parameters"]
    assert {p["name"] for p in parameters} == VISIT_PARAMETERS
    by_name = {p["name"]: p["schema"] for p in parameters}
    assert by_name["status"]["enum"] == [s.value for s in VisitStatus]
    assert document["paths"]["/api/v1/visits/{visit_id}"]["get"]["parameters"][0]["name"] == "visit_id"


def test_a_page_of_visits_takes_the_same_queries_however_many_it_holds(client, login_as, visits):
    login_as()
    officers = [factories.UserFactory(role=Role.OFFICER) for _ in range(3)]
    for n in range(25):
        visit = add_visit(factories.ServiceFactory(), "final", days(-n - 1), officers)
        db.session.add(VisitFinding(visit_id=visit.id, key_question=KeyQuestion.SAFE, evidence=f"note {n}"))
    db.session.commit()
    client.get(f"{API}/visits")  # the session's once-a-minute write is out of the way
    with counted_statements() as small:
        assert len(client.get(f"{API}/visits", query_string={"per_page": 2}).get_json()["data"]) == 2
    with counted_statements() as large:
        assert len(client.get(f"{API}/visits", query_string={"per_page": 30}).get_json()["data"]) == 30
    assert len(small) == len(large)
    with counted_statements() as one:
        client.get(f"{API}/visits/{visits.final.id}")
    assert len(one) <= len(small)
