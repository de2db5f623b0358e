"""Admins set the CQC key and area, run a sync from the page, and see what recent runs did."""

import json

import pytest
import sqlalchemy as sa

from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.models import AuditEvent, CQCSettings, CQCSyncRun, Service
from provider_monitor.models.cqc import SyncKind, SyncStatus
from provider_monitor.services import cqc_sync
from tests.helpers import error_summary, field_error, form_values, page, table_rows, text
from tests.integration.cqc_api_stub import BASE, Sleeps

KEY = "abcdef0123456789WXYZ"


def _save(client, **fields):
    data = {"subscription_key": "", "local_authorities": "Nottinghamshire", "requests_per_second": ""} | fields
    return client.post("/admin/cqc", data=data)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.OFFICER, Role.CONTRACT_MANAGER, Role.PROVIDER])
def test_only_admins_reach_the_cqc_page(client, login_as, role):
    login_as(role)
    assert client.get("/admin/cqc").status_code == 403
    assert _save(client, subscription_key=KEY).status_code == 403
    assert client.post("/admin/cqc/sync").status_code == 403
    assert db.session.scalar(sa.select(CQCSettings)) is None and db.session.scalar(sa.select(CQCSyncRun)) is None


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get("/admin/cqc")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_page_reads_without_writing(client, login_as):
    login_as(Role.ADMIN)
    soup = page(client.get("/admin/cqc"))
    assert "Not set" in text(soup.select_one(".govuk-summary-list")) and "No runs yet." in text(soup)
    assert db.session.scalar(sa.select(CQCSettings)) is None


def test_the_key_is_saved_but_only_its_end_is_ever_shown(client, login_as):
    admin = login_as(Role.ADMIN)
    response = _save(client, subscription_key=KEY, local_authorities=" Nottinghamshire ,, Derbyshire, nottinghamshire")
    assert response.status_code == 302
    settings = db.session.scalar(sa.select(CQCSettings))
    assert settings.subscription_key == KEY and settings.updated_by_id == admin.id
    assert settings.local_authorities == "Nottinghamshire, Derbyshire"
    html = client.get("/admin/cqc").get_data(as_text=True)
    assert KEY not in html and "Set, ending …WXYZ" in html
    assert form_values(page(client.get("/admin/cqc")))["subscription_key"] == "", "the key is never sent back"
    _save(client, subscription_key="")
    db.session.expire_all()
    assert db.session.scalar(sa.select(CQCSettings.subscription_key)) == KEY, "a blank key keeps the saved one"


def test_the_key_never_reaches_the_audit_trail_but_its_change_does(client, login_as):
    login_as(Role.ADMIN)
    _save(client, subscription_key=KEY)
    _save(client, subscription_key="ZYXW9876543210fedcba")
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == "cqc_settings")).all()
    assert [e.action for e in events] == ["create", "update"]
    assert "key_changed_at" in events[1].changes
    assert all(KEY not in json.dumps(e.changes) and "ZYXW" not in json.dumps(e.changes) for e in events)


def test_the_saved_key_can_be_removed(client, login_as):
    login_as(Role.ADMIN)
    _save(client, subscription_key=KEY)
    _save(client, remove_key="y")
    db.session.expire_all()
    assert db.session.scalar(sa.select(CQCSettings.subscription_key)) is None
    assert "Not set" in text(page(client.get("/admin/cqc")).select_one(".govuk-summary-list"))


def test_a_key_from_the_environment_wins_and_is_masked_too(app, client, login_as, monkeypatch):
    login_as(Role.ADMIN)
    _save(client, subscription_key=KEY)
    monkeypatch.setitem(app.config, "CQC_SUBSCRIPTION_KEY", "fromtheenvironment0000LMNO")
    html = client.get("/admin/cqc").get_data(as_text=True)
    assert "Set, ending …LMNO (from the server’s environment)" in html
    assert "fromtheenvironment" not in html and "not used while the server’s environment sets one" in html


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"subscription_key": "has spaces!"}, "subscription_key",
         "Subscription key must contain only letters and numbers"),
        ({"subscription_key": "short1"}, "subscription_key", "Subscription key must be at least 16 characters"),
        ({"subscription_key": KEY, "remove_key": "y"}, "subscription_key",
         "Enter a new key or remove the saved one, not both"),
        ({"local_authorities": ""}, "local_authorities", "Enter at least one local authority"),
        ({"local_authorities": " , ,"}, "local_authorities", "Enter at least one local authority"),
        ({"local_authorities": "Nottinghamshire; DROP"}, "local_authorities",
         "Local authority names can only have letters, spaces, hyphens, apostrophes and brackets, separated by commas"),
        ({"requests_per_second": "fast"}, "requests_per_second", "Requests per second must be a number, like 5"),
        ({"requests_per_second": "nan"}, "requests_per_second", "Requests per second must be a number, like 5"),
        ({"requests_per_second": "50"}, "requests_per_second", "Requests per second must be between 0.1 and 10"),
        ({"requests_per_second": "0"}, "requests_per_second", "Requests per second must be between 0.1 and 10"),
    ],
)  # fmt: skip
def test_bad_settings_are_named_and_nothing_is_saved(client, login_as, fields, field, message):
    login_as(Role.ADMIN)
    response = _save(client, **fields)
    soup = page(response)
    assert response.status_code == 400 and soup.title.text.startswith("Error:")
    assert (message, f"#{field}") in error_summary(soup)
    assert field_error(soup, field) == message
    assert db.session.scalar(sa.select(CQCSettings)) is None
    if field != "subscription_key":
        assert form_values(soup)[field] == fields[field].strip(), "what was typed is kept"


def test_a_request_rate_is_saved_and_used(app, client, login_as):
    login_as(Role.ADMIN)
    _save(client, subscription_key=KEY, requests_per_second="2.5")
    settings = cqc_sync.settings(db.session)
    assert settings.requests_per_second == 2.5
    assert form_values(page(client.get("/admin/cqc")))["requests_per_second"] == "2.5"
    assert cqc_sync.client_for(settings, app.config).pacer.interval == 0.4


def test_running_a_sync_needs_settings_first(client, login_as):
    login_as(Role.ADMIN)
    response = client.post("/admin/cqc/sync", follow_redirects=True)
    assert "Save at least one local authority before running a sync" in response.get_data(as_text=True)
    _save(client)
    response = client.post("/admin/cqc/sync", follow_redirects=True)
    assert "Save a subscription key before running a sync" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(CQCSyncRun)) is None


def test_the_run_now_button_needs_its_csrf_token(app, client, login_as, monkeypatch):
    login_as(Role.ADMIN)
    _save(client, subscription_key=KEY)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/admin/cqc/sync").status_code == 400
    assert client.post("/admin/cqc", data={"local_authorities": "Elsewhere"}).status_code == 400
    assert db.session.scalar(sa.select(CQCSyncRun)) is None
    assert cqc_sync.settings(db.session).local_authorities == "Nottinghamshire"


@pytest.fixture
def stub_cqc(app, httpserver, shared_data, monkeypatch):
    """The CQC API stand-in with a real record, a fake sleep, and the app pointed at it."""
    record = json.loads(next((shared_data / "cqc" / "api" / "locations").glob("1-112779585_*.json")).read_text())
    httpserver.expect_request(f"{BASE}/changes/location").respond_with_json(
        {"nextPageUri": None, "changes": ["1-112779585", "1-404"]}
    )
    httpserver.expect_request(f"{BASE}/locations/1-112779585").respond_with_json(record)
    httpserver.expect_request(f"{BASE}/locations/1-404").respond_with_json({"message": "gone"}, status=404)
    httpserver.expect_request(f"{BASE}/providers/{record['providerId']}").respond_with_json(
        {"name": "Dovetail Care Ltd"}
    )
    monkeypatch.setitem(app.config, "CQC_API_BASE_URL", httpserver.url_for(BASE))
    real = cqc_sync.client_for
    monkeypatch.setattr(cqc_sync, "client_for", lambda s, c: real(s, c, sleep=Sleeps()))
    return httpserver


def test_running_a_sync_from_the_page(client, login_as, stub_cqc):
    admin = login_as(Role.ADMIN, name="Ada Admin")
    _save(client, subscription_key=KEY)
    soup = page(client.post("/admin/cqc/sync"))
    result = text(soup.select_one("[data-testid=sync-result]"))
    assert "Sync succeeded" in result and "New: Dovetail House (1-112779585)" in result
    assert "No longer published by CQC: 1-404" in result
    row = table_rows(soup, "[data-testid=sync-runs]")[0]
    assert row[1:7] == ["Changes since the last sync", "Succeeded", "1", str(db.session.scalar(
        sa.select(CQCSyncRun.snapshots_added))), "0", "0"]  # fmt: skip
    assert admin.name in row[0]
    assert db.session.scalar(sa.select(Service.name)) == "Dovetail House"
    request, _ = stub_cqc.log[0]
    assert request.headers["Ocp-Apim-Subscription-Key"] == KEY


def test_a_failed_sync_is_shown_with_its_reasons(client, login_as, stub_cqc, shared_data):
    login_as(Role.ADMIN)
    _save(client, subscription_key=KEY)
    stub_cqc.clear()
    unauthorised = json.loads(
        (shared_data / "cqc" / "api" / "errors" / "401_invalid_subscription_key.json").read_text()
    )
    stub_cqc.expect_request(f"{BASE}/changes/location").respond_with_json(unauthorised, status=401)
    soup = page(client.post("/admin/cqc/sync"))
    assert "Sync failed" in text(soup.select_one("[data-testid=sync-result]"))
    assert "check the subscription key" in text(soup.select_one("[data-testid=sync-result]"))
    assert table_rows(soup, "[data-testid=sync-runs]")[0][2] == "Failed"
    assert db.session.scalar(sa.select(Service)) is None


def test_recent_runs_show_their_failures(client, login_as):
    login_as(Role.ADMIN)
    db.session.add(
        CQCSyncRun(kind=SyncKind.SYNC, status=SyncStatus.PARTIAL, failed=1,
                   failures=[{"location_id": "1-112767279", "reason": "CQC API unavailable after 5 attempts"}])
    )  # fmt: skip
    db.session.commit()
    soup = page(client.get("/admin/cqc"))
    row = table_rows(soup, "[data-testid=sync-runs]")[0]
    assert row[2] == "Partly failed" and row[6] == "1"
    assert "1-112767279: CQC API unavailable after 5 attempts" in row[7]
