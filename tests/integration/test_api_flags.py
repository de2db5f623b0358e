"""/api/v1/flags: staff only, the documented fields, filters and paging."""

import re
from datetime import UTC, date, datetime

import pytest

from provider_monitor.api.flags_api import FLAG_PARAMETERS
from provider_monitor.enums import FlagKind, FlagSeverity, Role
from tests import factories
from tests.factories import FlagFactory, provider_wide_flag
from tests.integration.test_api import conforms

API = "/api/v1"


def get_json(client, path, status=200, **kwargs):
    response = client.get(API + path, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def test_a_flag_has_exactly_the_documented_fields(client, login_as):
    login_as(Role.OFFICER)
    service = factories.ServiceFactory(name="Elm House", cqc_location_id="1-123456789")
    flag = FlagFactory(
        on=service, severity=FlagSeverity.HIGH, evidence="Visit due 1 March 2026, 43 days overdue",
        since_on=date(2026, 3, 1), raised_at=datetime(2026, 4, 13, 6, 0, tzinfo=UTC),
    )  # fmt: skip
    data = get_json(client, f"/flags/{flag.id}")["data"]
    assert data == {
        "id": flag.id,
        "kind": "visit_overdue",
        "severity": "high",
        "service": {"id": service.id, "name": "Elm House", "cqc_location_id": "1-123456789"},
        "provider": {"id": service.provider_id, "name": data["provider"]["name"]},
        "evidence": "Visit due 1 March 2026, 43 days overdue",
        "raised_at": "2026-04-13T06:00:00+00:00",
        "resolved_at": None,
        "status": "open",
        "since_on": "2026-03-01",
    }
    document = get_json(client, "/openapi.json")
    schema = document["components"]["schemas"]["Flag"]
    wide = provider_wide_flag(factories.ProviderFactory(name="Oak Group"), resolved_at=datetime.now(UTC))
    wide_data = get_json(client, f"/flags/{wide.id}")["data"]
    assert wide_data["service"] is None and wide_data["status"] == "resolved"
    for item in (data, wide_data):
        assert set(item) == set(schema["required"]) == set(schema["properties"])
        for key, value in item.items():
            assert conforms(value, schema["properties"][key], document), (key, value)


def test_filters_by_kind_status_severity_and_service(client, login_as):
    login_as(Role.MANAGER)
    elm = factories.ServiceFactory()
    FlagFactory(on=elm, evidence="elm")
    decline = {"kind": FlagKind.RATING_DECLINE, "subject_key": "rating_change:1", "severity": FlagSeverity.HIGH}
    FlagFactory(evidence="decline", **decline)
    FlagFactory(evidence="cleared", resolved_at=datetime.now(UTC))

    def evidence(**query):
        return sorted(f["evidence"] for f in get_json(client, "/flags", query_string=query)["data"])

    assert evidence() == ["decline", "elm"]
    assert evidence(kind="rating_decline") == ["decline"]
    assert evidence(severity="high") == ["decline"]
    assert evidence(service_id=elm.id) == ["elm"]
    assert evidence(status="resolved") == ["cleared"]
    assert evidence(status="any") == ["cleared", "decline", "elm"]


def test_pages_link_onward(client, login_as):
    login_as(Role.MANAGER)
    for _ in range(3):
        FlagFactory()
    body = get_json(client, "/flags", query_string={"per_page": 2})
    assert body["meta"] == {"total": 3, "page": 1, "per_page": 2, "pages": 2}
    assert len(body["data"]) == 2 and "page=2" in body["links"]["next"]
    last = get_json(client, "/flags", query_string={"per_page": 2, "page": 2})
    assert len(last["data"]) == 1 and "next" not in last["links"]


def test_bad_parameters_are_each_named(client, login_as):
    login_as(Role.MANAGER)
    errors = get_json(client, "/flags", 400, query_string={"kind": "x", "status": "shut", "colour": "red"})["errors"]
    assert {e["parameter"] for e in errors} == {"kind", "status", "colour"}


def test_provider_users_are_refused_and_unknown_flags_are_404(client, login_as):
    flag = FlagFactory()
    login_as(Role.MANAGER)
    assert get_json(client, "/flags/999999", 404)
    login_as(Role.PROVIDER)
    get_json(client, "/flags", 403)
    get_json(client, f"/flags/{flag.id}", 403)


@pytest.mark.parametrize("path", ["/api/v1/flags", "/api/v1/flags/{flag_id}"])
def test_the_document_describes_the_flag_endpoints(client, path):
    document = get_json(client, "/openapi.json")
    operation = document["paths"][path]["get"]
    assert "403" in operation["responses"]
    if path == "/api/v1/flags":
        query = {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "query"}
        assert set(query) == FLAG_PARAMETERS
        assert query["kind"]["enum"] == [k.value for k in FlagKind]
        assert query["status"]["enum"] == ["open", "resolved", "any"]
    else:
        assert re.findall(r"{([^}]+)}", path) == [p["name"] for p in operation["parameters"]]
