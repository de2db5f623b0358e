"""Concerns in the JSON API: staff only, confidential parts withheld by role, filters, schema, query counts."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from provider_monitor.api.query_casework import CONCERN_PARAMETERS
from provider_monitor.enums import ConcernSource, Role
from provider_monitor.extensions import db
from provider_monitor.models.concern import concern_visit
from tests import factories
from tests.integration.test_api_visits import conforms, counted_statements, error_parameters

API = "/api/v1"
TODAY = date.today()
IDENTITY = "Jo Bloggs, night carer, 07700 900123"
SAFEGUARDING = "Resident B bruising reported to the MASH"


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.fixture
def cases(app_ctx):
    """A whistleblower's safeguarding concern about Willow (with visits), two more of Own Care, one elsewhere."""
    own = factories.ProviderFactory(name="Own Care")
    other = factories.ProviderFactory(name="Other Care Group")
    willow = factories.ServiceFactory(name="Willow Court", provider=own, cqc_location_id="1-111")
    oak = factories.ServiceFactory(name="Oak Lodge", provider=own)
    secret = factories.ServiceFactory(name="Secret House", provider=other)
    whistle = factories.ConcernFactory(
        service=willow, received_on=days(-3), source="whistleblower", category="safeguarding", severity="high",
        description="Night staff asleep on shift", people_affected=4, source_identity=IDENTITY,
        safeguarding_reference="SG-2026-0042", safeguarding_detail=SAFEGUARDING, confidential=True,
    )  # fmt: skip
    provider_wide = factories.ConcernFactory(
        service=None, provider_id=own.id, received_on=days(-10), source="cqc", category="governance",
        severity="medium", description="Provider-wide governance worries",
    )  # fmt: skip
    closed = factories.ConcernFactory(
        service=oak, received_on=days(-40), status="closed", closed_on=days(-20), closed_reason="Resolved",
        severity="low", description="Oak meals complaint", source="complaint", category="care_practice",
    )  # fmt: skip
    theirs = factories.ConcernFactory(service=secret, received_on=days(-1), description="Secret House concern")
    first, second = factories.VisitFactory(service=willow), factories.VisitFactory(service=willow)
    db.session.execute(
        sa.insert(concern_visit),
        [{"concern_id": whistle.id, "visit_id": first.id}, {"concern_id": whistle.id, "visit_id": second.id}],
    )
    db.session.commit()
    return SimpleNamespace(**locals())


def get(client, path, expect=200, **query):
    response = client.get(API + path, query_string=query)
    assert response.status_code == expect, response.get_data(as_text=True)
    return response


def listed(client, **query) -> list[int]:
    return [item["id"] for item in get(client, "/concerns", **query).get_json()["data"]]


def test_staff_list_every_concern_newest_received_first(client, login_as, cases):
    login_as(Role.OFFICER)
    assert listed(client) == [cases.theirs.id, cases.whistle.id, cases.provider_wide.id, cases.closed.id]


def test_an_officer_reads_a_concern_in_full(client, login_as, cases):
    login_as(Role.OFFICER)
    data = get(client, f"/concerns/{cases.whistle.id}").get_json()["data"]
    assert data == {
        "id": cases.whistle.id,
        "provider": {"id": cases.own.id, "name": "Own Care"},
        "service": {"id": cases.willow.id, "name": "Willow Court", "cqc_location_id": "1-111"},
        "received_on": days(-3).isoformat(),
        "source": "whistleblower",
        "category": "safeguarding",
        "severity": "high",
        "description": "Night staff asleep on shift",
        "people_affected": 4,
        "source_identity": IDENTITY,
        "safeguarding_reference": "SG-2026-0042",
        "safeguarding_detail": SAFEGUARDING,
        "confidential": True,
        "status": "open",
        "closed_on": None,
        "closed_reason": None,
        "logged_by_id": None,
        "visit_ids": sorted([cases.first.id, cases.second.id]),
    }
    assert get(client, "/concerns", service_id=cases.willow.id).get_json()["data"] == [data]


def test_a_provider_wide_concern_has_no_service(client, login_as, cases):
    login_as(Role.MANAGER)
    data = get(client, f"/concerns/{cases.provider_wide.id}").get_json()["data"]
    assert data["service"] is None and data["provider"]["name"] == "Own Care" and data["visit_ids"] == []


@pytest.mark.parametrize("role", [Role.CONTRACT_MANAGER, Role.ADMIN])
def test_roles_without_need_to_know_get_withheld_for_the_confidential_parts(client, login_as, cases, role):
    login_as(role)
    for response in (get(client, f"/concerns/{cases.whistle.id}"), get(client, "/concerns")):
        body = response.get_data(as_text=True)
        assert IDENTITY not in body and "Jo Bloggs" not in body and SAFEGUARDING not in body
    data = get(client, f"/concerns/{cases.whistle.id}").get_json()["data"]
    assert data["source_identity"] == data["safeguarding_detail"] == "Withheld"
    assert data["description"] == "Night staff asleep on shift" and data["safeguarding_reference"] == "SG-2026-0042"


def test_provider_users_are_refused_concerns_even_about_their_own_services(client, login_as, cases):
    login_as(Role.PROVIDER, provider=cases.own)
    for path in ("/concerns", f"/concerns/{cases.whistle.id}", f"/concerns/{cases.theirs.id}", "/concerns/999999"):
        response = get(client, path, 403)
        body = response.get_data(as_text=True)
        assert response.is_json and "Night staff" not in body and "Jo Bloggs" not in body and "Secret" not in body


@pytest.mark.parametrize("path", ["/concerns", "/concerns/1"])
def test_concerns_need_sign_in(client, cases, path):
    assert client.get(API + path).status_code == 401


def test_a_missing_concern_is_a_404(client, login_as, cases):
    login_as()
    get(client, "/concerns/999999", 404)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "closed"}, ["closed"]),
        ({"status": "open"}, ["theirs", "whistle", "provider_wide"]),
        ({"category": "safeguarding"}, ["whistle"]),
        ({"severity": "low"}, ["closed"]),
        ({"source": "cqc"}, ["provider_wide"]),
        ({"service_id": "OAK"}, ["closed"]),
        ({"provider_id": "OWN"}, ["whistle", "provider_wide", "closed"]),
        ({"received_from": "OFFSET-10"}, ["theirs", "whistle", "provider_wide"]),
        ({"received_to": "OFFSET-10"}, ["provider_wide", "closed"]),
        ({"received_from": "OFFSET-5", "received_to": "OFFSET-2", "provider_id": "OWN"}, ["whistle"]),
    ],
)
def test_concern_filters(client, login_as, cases, query, expected):
    login_as()
    ids = {"OAK": cases.oak.id, "OWN": cases.own.id}
    query = {k: days(int(v[6:])).isoformat() if v.startswith("OFFSET") else ids.get(v, v) for k, v in query.items()}
    assert listed(client, **query) == [getattr(cases, name).id for name in expected]


def test_concerns_are_paged(client, login_as, cases):
    login_as()
    first = get(client, "/concerns", per_page=3).get_json()
    assert first["meta"] == {"total": 4, "page": 1, "per_page": 3, "pages": 2}
    second = client.get(first["links"]["next"]).get_json()
    assert [c["id"] for c in first["data"] + second["data"]] == listed(client)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"status": "pending"}, "status"),
        ({"category": "noise"}, "category"),
        ({"severity": "extreme"}, "severity"),
        ({"source": "rumour"}, "source"),
        ({"service_id": "-1"}, "service_id"),
        ({"received_from": "2026-02-30"}, "received_from"),
        ({"received_from": "2026-05-01", "received_to": "2026-04-30"}, "received_to"),
        ({"received_from": (TODAY + timedelta(days=1)).isoformat()}, "received_from"),
        ({"q": "staff"}, "q"),
    ],
)
def test_bad_concern_queries_are_a_400_naming_the_parameter(client, login_as, cases, query, parameter):
    login_as()
    assert error_parameters(client.get(f"{API}/concerns", query_string=query)) == [parameter]


def test_the_concern_schema_is_exactly_what_the_api_returns(client, login_as, cases):
    document = client.get(f"{API}/openapi.json").get_json()
    schema = document["components"]["schemas"]["Concern"]
    for role in (Role.OFFICER, Role.CONTRACT_MANAGER):
        login_as(role)
        for item in get(client, "/concerns").get_json()["data"]:
            assert set(schema["properties"]) == set(item) == set(schema["required"])
            assert conforms(item, schema, document), item
    parameters = document["paths"]["/api/v1/concerns"]["get"]["parameters"]
    assert {p["name"] for p in parameters} == CONCERN_PARAMETERS
    assert {p["name"]: p["schema"] for p in parameters}["source"]["enum"] == [s.value for s in ConcernSource]
    assert "403" in document["paths"]["/api/v1/concerns/{concern_id}"]["get"]["responses"]
    assert "Forbidden" in document["components"]["responses"]


def test_a_page_of_concerns_takes_the_same_queries_however_many_it_holds(client, login_as, cases):
    login_as()
    for n in range(10):
        service = factories.ServiceFactory()
        concern = factories.ConcernFactory(service=service, received_on=days(-n))
        visit = factories.VisitFactory(service=service)
        db.session.execute(sa.insert(concern_visit).values(concern_id=concern.id, visit_id=visit.id))
    db.session.commit()
    get(client, "/concerns")
    with counted_statements() as small:
        assert len(get(client, "/concerns", per_page=1).get_json()["data"]) == 1
    with counted_statements() as large:
        data = get(client, "/concerns", per_page=20).get_json()["data"]
        assert len(data) == 14 and sum(len(c["visit_ids"]) for c in data) == 12
    assert len(small) == len(large)
