"""Actions in the JSON API: fields, RAG in SQL, filters, bad input, provider scoping, schema, query counts."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from provider_monitor.api.query import ACTION_PARAMETERS
from provider_monitor.enums import RAG, ActionStatus, Role, VisitStatus
from provider_monitor.extensions import db
from provider_monitor.models import ActionEvent
from provider_monitor.services.action_rules import rag
from tests import factories
from tests.integration.test_api_visits import conforms, counted_statements, error_parameters

API = "/api/v1"
TODAY = date.today()
AT = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.fixture
def actions(app_ctx):
    """Own Care's actions in every status and RAG colour, and one of Other Group's."""
    own = factories.ProviderFactory(name="Own Care")
    other = factories.ProviderFactory(name="Other Care Group")
    willow = factories.ServiceFactory(name="Willow Court", provider=own, cqc_location_id="1-111")
    oak = factories.ServiceFactory(name="Oak Lodge", provider=own, cqc_location_id="1-222")
    secret = factories.ServiceFactory(name="Secret House", provider=other, cqc_location_id="1-333")
    visit = factories.VisitFactory(service=willow, status="final")
    make = factories.ActionFactory
    overdue = make(service=willow, visit=visit, status="open", due_on=days(-5), priority="high", key_question="safe")
    in_time = make(service=willow, visit=visit, status="in_progress", due_on=days(10), kind="developmental")
    # Evidence is in, so the provider owes nothing: amber even though the date has passed.
    submitted = make(service=oak, status="evidence_submitted", due_on=days(-20), key_question="well_led")
    returned = make(service=oak, status="returned", due_on=days(-1), priority="low", key_question="caring")
    verified = make(service=oak, status="verified", due_on=days(-30), verified_at=AT, key_question="effective")
    due_today = make(service=willow, status="open", due_on=TODAY, key_question=None)
    theirs = make(service=secret, status="open", due_on=days(-9), description="Secret action")
    db.session.add_all(
        [
            ActionEvent(action_id=verified.id, at=AT - timedelta(days=9), actor_label="Pat Provider (Own Care)",
                        from_status=ActionStatus.OPEN, to_status=ActionStatus.EVIDENCE_SUBMITTED, note="Audit done"),
            ActionEvent(action_id=verified.id, at=AT, actor_label="Carl Contracts (Contract manager)",
                        from_status=ActionStatus.EVIDENCE_SUBMITTED, to_status=ActionStatus.VERIFIED, note=None),
        ]
    )  # fmt: skip
    db.session.commit()
    return SimpleNamespace(**locals())


def listed(client, **query) -> list[int]:
    response = client.get(f"{API}/actions", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [a["id"] for a in response.get_json()["data"]]


def ids(actions, *names) -> list[int]:
    return [getattr(actions, name).id for name in names]


def test_staff_list_every_action_soonest_due_first(client, login_as, actions):
    login_as(Role.CONTRACT_MANAGER)
    assert listed(client) == ids(
        actions, "verified", "submitted", "theirs", "overdue", "returned", "due_today", "in_time"
    )


def test_an_action_is_described_in_full_with_its_timeline(client, login_as, actions):
    login_as(Role.OFFICER)
    data = client.get(f"{API}/actions/{actions.verified.id}").get_json()["data"]
    assert data == {
        "id": actions.verified.id,
        "service": {"id": actions.oak.id, "name": "Oak Lodge", "cqc_location_id": "1-222"},
        "visit_id": None,
        "description": actions.verified.description,
        "key_question": "effective",
        "kind": "corrective",
        "priority": "medium",
        "due_on": days(-30).isoformat(),
        "owner": "Registered manager",
        "status": "verified",
        "rag": "green",
        "verified_at": "2026-03-02T09:15:00+00:00",
        "events": [
            {"at": "2026-02-21T09:15:00+00:00", "actor": "Pat Provider (Own Care)", "from_status": "open",
             "to_status": "evidence_submitted", "note": "Audit done"},
            {"at": "2026-03-02T09:15:00+00:00", "actor": "Carl Contracts (Contract manager)",
             "from_status": "evidence_submitted", "to_status": "verified", "note": None},
        ],
    }  # fmt: skip
    overdue = client.get(f"{API}/actions/{actions.overdue.id}").get_json()["data"]
    assert overdue["visit_id"] == actions.visit.id and overdue["events"] == []


def test_rag_is_the_action_rules_answer_for_every_action(client, login_as, actions):
    login_as()
    data = client.get(f"{API}/actions").get_json()["data"]
    colours = {a["id"]: a["rag"] for a in data}
    for item in data:
        assert item["rag"] == rag(ActionStatus(item["status"]), date.fromisoformat(item["due_on"]), TODAY).value
    assert colours[actions.overdue.id] == colours[actions.returned.id] == "red"
    assert colours[actions.submitted.id] == colours[actions.in_time.id] == colours[actions.due_today.id] == "amber"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"rag": "red"}, ["theirs", "overdue", "returned"]),
        ({"rag": "amber"}, ["submitted", "due_today", "in_time"]),
        ({"rag": "green"}, ["verified"]),
        ({"status": "returned"}, ["returned"]),
        ({"kind": "developmental"}, ["in_time"]),
        ({"priority": "high"}, ["overdue"]),
        ({"priority": "low"}, ["returned"]),
        ({"key_question": "well_led"}, ["submitted"]),
        ({"cqc_location_id": "1-222"}, ["verified", "submitted", "returned"]),
        ({"open": "false"}, ["verified"]),
        ({"open": "true", "cqc_location_id": "1-222"}, ["submitted", "returned"]),
        ({"due_from": "OFFSET-5"}, ["overdue", "returned", "due_today", "in_time"]),
        ({"due_to": "OFFSET-5"}, ["verified", "submitted", "theirs", "overdue"]),
        ({"due_from": "OFFSET-9", "due_to": "OFFSET0"}, ["theirs", "overdue", "returned", "due_today"]),
        ({"rag": "red", "cqc_location_id": "1-111"}, ["overdue"]),
    ],
)
def test_action_filters(client, login_as, actions, query, expected):
    login_as()
    query = {k: days(int(v[6:])).isoformat() if v.startswith("OFFSET") else v for k, v in query.items()}
    assert listed(client, **query) == ids(actions, *expected)


def test_the_rag_filter_pages_correctly(client, login_as, actions):
    """RAG is worked out in SQL, so the total and the pages count only red actions."""
    login_as()
    first = client.get(f"{API}/actions", query_string={"rag": "red", "per_page": 2}).get_json()
    assert first["meta"] == {"total": 3, "page": 1, "per_page": 2, "pages": 2}
    second = client.get(first["links"]["next"]).get_json()
    assert {a["rag"] for a in first["data"] + second["data"]} == {"red"}
    assert len(first["data"] + second["data"]) == 3


def test_filter_by_service_id(client, login_as, actions):
    login_as()
    assert listed(client, service_id=actions.willow.id) == ids(actions, "overdue", "due_today", "in_time")


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"rag": "purple"}, "rag"),
        ({"status": "done"}, "status"),
        ({"kind": "must"}, "kind"),
        ({"priority": "urgent"}, "priority"),
        ({"key_question": "kind"}, "key_question"),
        ({"open": "yes"}, "open"),
        ({"due_from": "2026-13-01"}, "due_from"),
        ({"due_from": "2026-05-01", "due_to": "2026-04-30"}, "due_to"),
        ({"service_id": "-1"}, "service_id"),
        ({"cqc_location_id": "1-"}, "cqc_location_id"),
        ({"sort": "due_on"}, "sort"),
    ],
)
def test_bad_action_queries_are_a_400_naming_the_parameter(client, login_as, actions, query, parameter):
    login_as()
    assert error_parameters(client.get(f"{API}/actions", query_string=query)) == [parameter]


@pytest.mark.parametrize("path", ["/actions", "/actions/1"])
def test_actions_need_sign_in(client, actions, path):
    assert client.get(API + path).status_code == 401


def test_a_provider_user_sees_only_their_own_providers_actions(client, login_as, actions):
    login_as(Role.PROVIDER, provider=actions.own)
    response = client.get(f"{API}/actions")
    own = ids(actions, "verified", "submitted", "overdue", "returned", "due_today", "in_time")
    assert listed(client) == own and response.get_json()["meta"]["total"] == 6
    assert "Secret" not in response.get_data(as_text=True)
    assert listed(client, rag="red") == ids(actions, "overdue", "returned")
    assert listed(client, cqc_location_id="1-333") == [] and listed(client, service_id=actions.secret.id) == []
    hidden = client.get(f"{API}/actions/{actions.theirs.id}")
    assert hidden.status_code == 404 and "Secret" not in hidden.get_data(as_text=True)
    assert client.get(f"{API}/actions/{actions.overdue.id}").status_code == 200


def test_a_provider_user_does_not_see_actions_of_a_report_not_yet_shared(client, login_as, actions):
    draft = factories.VisitFactory(service=actions.willow, status="draft")
    internal = factories.ActionFactory(service=actions.willow, visit=draft, description="Internal for now")
    login_as(Role.PROVIDER, provider=actions.own)
    assert internal.id not in listed(client)
    assert client.get(f"{API}/actions/{internal.id}").status_code == 404
    draft.status = VisitStatus.SHARED
    db.session.commit()
    assert internal.id in listed(client)


def test_the_action_schema_is_exactly_what_the_api_returns(client, login_as, actions):
    document = client.get(f"{API}/openapi.json").get_json()
    schema = document["components"]["schemas"]["Action"]
    login_as()
    for item in client.get(f"{API}/actions").get_json()["data"]:
        assert set(schema["properties"]) == set(item) == set(schema["required"])
        for key, value in item.items():
            assert conforms(value, schema["properties"][key], document), (key, value)
    assert schema["properties"]["rag"]["enum"] == [r.value for r in RAG]
    parameters = document["paths"]["/api/v1/actions"]["get"]["parameters"]
    assert {p["name"] for p in parameters} == ACTION_PARAMETERS
    assert {p["name"]: p["schema"] for p in parameters}["status"]["enum"] == [s.value for s in ActionStatus]


def test_a_page_of_actions_takes_the_same_queries_however_many_it_holds(client, login_as, actions):
    login_as()
    for n in range(25):
        action = factories.ActionFactory(service=factories.ServiceFactory(), due_on=days(n))
        db.session.add(ActionEvent(action_id=action.id, actor_label="Someone", to_status=ActionStatus.OPEN))
    db.session.commit()
    client.get(f"{API}/actions")
    with counted_statements() as small:
        assert len(client.get(f"{API}/actions", query_string={"per_page": 2}).get_json()["data"]) == 2
    with counted_statements() as large:
        assert len(client.get(f"{API}/actions", query_string={"per_page": 30, "rag": "amber"}).get_json()["data"]) > 20
    assert len(small) == len(large)
