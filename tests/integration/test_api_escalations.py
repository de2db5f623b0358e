"""Escalations in the JSON API, and the escalation on each service record: fields, redaction, scoping, filters."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from provider_monitor.api.query_casework import ESCALATION_PARAMETERS
from provider_monitor.enums import Role
from provider_monitor.extensions import db
from tests import factories
from tests.integration.test_api_visits import conforms, counted_statements, error_parameters

API = "/api/v1"
TODAY = date.today()
REASON = "Whistleblower Jo named the night staff"
INTERNAL_MINUTES = "Internal minutes: police enquiry under way"
SHARED_MINUTES = "Shared minutes: staffing plan agreed with the provider"


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.fixture
def cases(app_ctx):
    """Own Care: Willow suspended red, a provider-wide level 2, Oak's closed one; Other Care Group: level 1."""
    own = factories.ProviderFactory(name="Own Care")
    other = factories.ProviderFactory(name="Other Care Group")
    willow = factories.ServiceFactory(name="Willow Court", provider=own, cqc_location_id="1-111")
    oak = factories.ServiceFactory(name="Oak Lodge", provider=own, cqc_location_id="1-222")
    secret = factories.ServiceFactory(name="Secret House", provider=other, cqc_location_id="1-333")
    lead = factories.UserFactory(role=Role.OFFICER, name="Lee Lead")
    suspended = factories.EscalationFactory(
        service=willow, level=3, suspension_status="red", lead_officer=lead, opened_on=days(-20),
        next_review_on=days(8), conditions_to_step_down="A staffing audit passed",
    )  # fmt: skip
    first = factories.EscalationDecisionFactory(
        escalation=suspended, decided_on=days(-20), to_level=2, to_suspension=None, reason="First concerns"
    )
    second = factories.EscalationDecisionFactory(
        escalation=suspended, decided_on=days(-10), from_level=2, reason=REASON, decided_by_label="Hana Head",
        decided_by_role=Role.HEAD_OF_SERVICE,
    )  # fmt: skip
    internal = factories.EscalationMeetingFactory(
        escalation=suspended, held_on=days(-12), minutes=INTERNAL_MINUTES, attendees="DS Smith, Hana Head"
    )
    shared = factories.EscalationMeetingFactory(
        escalation=suspended, held_on=days(-5), kind="review", minutes=SHARED_MINUTES, minutes_internal=False,
        organisations="Own Care, ICB",
    )  # fmt: skip
    letter = factories.EscalationTimerFactory(
        escalation=suspended, kind="suspension_letter", started_on=days(-10), due_on=days(-1)
    )
    review = factories.EscalationTimerFactory(escalation=suspended, started_on=days(-10), due_on=days(8))
    provider_wide = factories.EscalationFactory(service=None, provider_id=own.id, level=2, opened_on=days(-30))
    closed = factories.EscalationFactory(service=oak, level=0, opened_on=days(-90), closed_on=days(-40))
    theirs = factories.EscalationFactory(service=secret, level=1, opened_on=days(-3))
    return SimpleNamespace(**locals())


def get(client, path, expect=200, **query):
    response = client.get(API + path, query_string=query)
    assert response.status_code == expect, response.get_data(as_text=True)
    return response


def listed(client, **query) -> list[int]:
    return [item["id"] for item in get(client, "/escalations", **query).get_json()["data"]]


# --- Staff -------------------------------------------------------------------------------------------


def test_staff_list_every_open_escalation_highest_first(client, login_as, cases):
    login_as(Role.OFFICER)
    assert listed(client) == [cases.suspended.id, cases.provider_wide.id, cases.theirs.id]


def test_an_escalation_is_described_in_full_for_staff(client, login_as, cases):
    login_as(Role.MANAGER)
    data = get(client, f"/escalations/{cases.suspended.id}").get_json()["data"]
    assert {k: data[k] for k in data if k not in ("timers", "decisions", "meetings")} == {
        "id": cases.suspended.id,
        "provider": {"id": cases.own.id, "name": "Own Care"},
        "service": {"id": cases.willow.id, "name": "Willow Court", "cqc_location_id": "1-111"},
        "level": 3,
        "level_label": "Level 3: Suspension of new placements",
        "suspension_status": "red",
        "opened_on": days(-20).isoformat(),
        "closed_on": None,
        "next_review_on": days(8).isoformat(),
        "lead_officer": "Lee Lead",
        "conditions_to_step_down": "A staffing audit passed",
    }
    assert data["timers"] == [
        {"id": cases.letter.id, "kind": "suspension_letter", "started_on": days(-10).isoformat(),
         "due_on": days(-1).isoformat(), "met_on": None, "state": "missed"},
        {"id": cases.review.id, "kind": "level_review", "started_on": days(-10).isoformat(),
         "due_on": days(8).isoformat(), "met_on": None, "state": "running"},
    ]  # fmt: skip
    assert [d["reason"] for d in data["decisions"]] == ["First concerns", REASON]
    assert data["decisions"][1] == {
        "id": cases.second.id, "kind": "escalate", "decided_on": days(-10).isoformat(), "decided_by": "Hana Head",
        "decided_by_role": "head_of_service", "from_level": 2, "to_level": 3, "from_suspension": None,
        "to_suspension": "red", "reason": REASON, "conditions_to_step_down": None,
        "next_review_on": days(8).isoformat(), "supersedes_id": None, "superseded_by_id": None,
    }  # fmt: skip
    assert [(m["minutes"], m["withheld"]) for m in data["meetings"]] == [
        (INTERNAL_MINUTES, False),
        (SHARED_MINUTES, False),
    ]


def test_a_provider_wide_escalation_has_no_service(client, login_as, cases):
    login_as()
    data = get(client, f"/escalations/{cases.provider_wide.id}").get_json()["data"]
    assert data["service"] is None and data["provider"]["name"] == "Own Care" and data["level"] == 2


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"level": "3"}, ["suspended"]),
        ({"level": "1"}, ["theirs"]),
        ({"suspension_status": "red"}, ["suspended"]),
        ({"suspension_status": "amber"}, []),
        ({"open": "false"}, ["closed"]),
        ({"open": "any"}, ["suspended", "provider_wide", "theirs", "closed"]),
        ({"open": "true", "level": "0"}, []),
        ({"open": "any", "service_id": "OAK"}, ["closed"]),
        ({"provider_id": "OWN"}, ["suspended", "provider_wide"]),
        ({"provider_id": "OWN", "open": "any", "level": "0"}, ["closed"]),
    ],
)
def test_escalation_filters(client, login_as, cases, query, expected):
    login_as()
    query = {k: {"OAK": cases.oak.id, "OWN": cases.own.id}.get(v, v) for k, v in query.items()}
    assert listed(client, **query) == [getattr(cases, name).id for name in expected]


def test_escalations_are_paged(client, login_as, cases):
    login_as()
    first = get(client, "/escalations", per_page=2).get_json()
    assert first["meta"] == {"total": 3, "page": 1, "per_page": 2, "pages": 2}
    second = client.get(first["links"]["next"]).get_json()
    assert [e["id"] for e in first["data"] + second["data"]] == listed(client)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"level": "6"}, "level"),
        ({"level": "two"}, "level"),
        ({"suspension_status": "green"}, "suspension_status"),
        ({"open": "yes"}, "open"),
        ({"service_id": "0"}, "service_id"),
        ({"provider_id": "x"}, "provider_id"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_escalation_queries_are_a_400_naming_the_parameter(client, login_as, cases, query, parameter):
    login_as()
    assert error_parameters(client.get(f"{API}/escalations", query_string=query)) == [parameter]


@pytest.mark.parametrize("path", ["/escalations", "/escalations/1"])
def test_escalations_need_sign_in(client, cases, path):
    assert client.get(API + path).status_code == 401


# --- Provider users ----------------------------------------------------------------------------------


def test_a_provider_user_sees_only_their_own_providers_escalations(client, login_as, cases):
    login_as(Role.PROVIDER, provider=cases.own)
    response = get(client, "/escalations", open="any")
    assert [e["id"] for e in response.get_json()["data"]] == [
        cases.suspended.id,
        cases.provider_wide.id,
        cases.closed.id,
    ]
    assert "Other Care Group" not in response.get_data(as_text=True)
    assert listed(client, provider_id=cases.other.id) == [] and listed(client, level=1) == []
    hidden = get(client, f"/escalations/{cases.theirs.id}", 404)
    assert "Other Care Group" not in hidden.get_data(as_text=True) and "Secret" not in hidden.get_data(as_text=True)


def test_a_provider_user_gets_no_reasons_and_no_internal_minutes(client, login_as, cases):
    login_as(Role.PROVIDER, provider=cases.own)
    for response in (get(client, f"/escalations/{cases.suspended.id}"), get(client, "/escalations")):
        body = response.get_data(as_text=True)
        assert REASON not in body and "First concerns" not in body
        assert INTERNAL_MINUTES not in body and "DS Smith" not in body
        assert SHARED_MINUTES in body
    data = get(client, f"/escalations/{cases.suspended.id}").get_json()["data"]
    assert [d["reason"] for d in data["decisions"]] == [None, None]
    assert [d["to_level"] for d in data["decisions"]] == [2, 3]
    internal, shared = data["meetings"]
    assert internal["withheld"] is True and internal["minutes"] is None and internal["attendees"] is None
    assert shared["withheld"] is False and shared["organisations"] == "Own Care, ICB"
    assert data["level"] == 3 and data["conditions_to_step_down"] == "A staffing audit passed"


# --- Schema and query counts -------------------------------------------------------------------------


def test_the_escalation_schema_is_exactly_what_the_api_returns(client, login_as, cases):
    document = client.get(f"{API}/openapi.json").get_json()
    schema = document["components"]["schemas"]["Escalation"]
    for role in (Role.MANAGER, Role.PROVIDER):
        login_as(role, provider=cases.own)
        for item in get(client, "/escalations", open="any").get_json()["data"]:
            assert set(schema["properties"]) == set(item) == set(schema["required"])
            assert conforms(item, schema, document), item
    parameters = document["paths"]["/api/v1/escalations"]["get"]["parameters"]
    assert {p["name"] for p in parameters} == ESCALATION_PARAMETERS
    assert {"401", "404"} <= set(document["paths"]["/api/v1/escalations/{escalation_id}"]["get"]["responses"])


def test_a_page_of_escalations_takes_the_same_queries_however_many_it_holds(client, login_as, cases):
    login_as()
    for n in range(12):
        escalation = factories.EscalationFactory(level=1 + n % 2, opened_on=days(-n))
        factories.EscalationDecisionFactory(escalation=escalation)
        factories.EscalationMeetingFactory(escalation=escalation)
        factories.EscalationTimerFactory(escalation=escalation)
    get(client, "/escalations")
    with counted_statements() as small:
        assert len(get(client, "/escalations", per_page=1).get_json()["data"]) == 1
    with counted_statements() as large:
        assert len(get(client, "/escalations", per_page=20).get_json()["data"]) == 15
    assert len(small) == len(large)


# --- The escalation on a service record ----------------------------------------------------------------


def service_escalation(client, service_id):
    return get(client, f"/services/{service_id}").get_json()["data"]["escalation"]


def test_a_service_carries_the_escalation_in_force(client, login_as, cases):
    login_as()
    assert service_escalation(client, cases.willow.id) == {
        "level": 3,
        "level_label": "Level 3: Suspension of new placements",
        "suspension_status": "red",
        "next_review_on": days(8).isoformat(),
        "escalation_id": cases.suspended.id,
    }
    # Oak's own escalation is closed: the provider-wide level 2 is in force.
    oak = service_escalation(client, cases.oak.id)
    assert (oak["level"], oak["suspension_status"], oak["escalation_id"]) == (2, None, cases.provider_wide.id)
    assert oak["level_label"] == "Level 2: Provider concerns process"
    assert service_escalation(client, cases.secret.id)["level"] == 1
    assert service_escalation(client, factories.ServiceFactory().id) is None


def test_a_provider_wide_escalation_above_the_services_own_is_in_force(client, login_as, cases):
    login_as()
    cases.provider_wide.level = 4
    db.session.commit()
    willow = service_escalation(client, cases.willow.id)
    assert (willow["level"], willow["suspension_status"], willow["escalation_id"]) == (4, None, cases.provider_wide.id)


def test_a_provider_user_sees_their_services_escalation(client, login_as, cases):
    login_as(Role.PROVIDER, provider=cases.own)
    levels = {s["name"]: s["escalation"] for s in get(client, "/services").get_json()["data"]}
    assert levels["Willow Court"]["suspension_status"] == "red"
    assert levels["Oak Lodge"]["level"] == 2
    get(client, f"/services/{cases.secret.id}", 404)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"escalation_level": "3"}, {"Willow Court"}),
        ({"escalation_level": "2"}, {"Oak Lodge"}),
        ({"escalation_level": "above"}, {"Willow Court", "Oak Lodge", "Secret House"}),
        ({"escalation_level": "0"}, {"Quiet Home"}),
        ({"suspension_status": "red"}, {"Willow Court"}),
        ({"suspension_status": "amber"}, set()),
    ],
)
def test_services_filter_by_escalation(client, login_as, cases, query, expected):
    factories.ServiceFactory(name="Quiet Home")
    login_as()
    body = get(client, "/services", **query).get_json()
    assert {s["name"] for s in body["data"]} == expected and body["meta"]["total"] == len(expected)


@pytest.mark.parametrize("query", [{"escalation_level": "6"}, {"suspension_status": "purple"}])
def test_bad_service_escalation_filters_are_a_400(client, login_as, cases, query):
    login_as()
    assert error_parameters(client.get(f"{API}/services", query_string=query)) == list(query)


def test_the_service_schema_describes_the_escalation(client, login_as, cases):
    document = client.get(f"{API}/openapi.json").get_json()
    schema = document["components"]["schemas"]["Service"]
    login_as()
    for item in get(client, "/services").get_json()["data"]:
        assert conforms(item["escalation"], schema["properties"]["escalation"], document), item["escalation"]
        assert conforms(item, schema, document)


def test_a_page_of_services_takes_the_same_queries_however_many_are_escalated(client, login_as, cases):
    login_as()
    for n in range(8):
        service = factories.ServiceFactory(name=f"Escalated {n}")
        factories.EscalationFactory(service=service, level=(1, 2, 4, 5)[n % 4])
        factories.EscalationFactory(service=None, provider_id=service.provider_id, level=2)
    get(client, "/services")
    with counted_statements() as small:
        assert len(get(client, "/services", per_page=1).get_json()["data"]) == 1
    with counted_statements() as large:
        assert len(get(client, "/services", per_page=50, escalation_level="above").get_json()["data"]) == 11
    assert len(small) == len(large)
