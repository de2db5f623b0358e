"""Admins set the CQC key and area, run a sync from the page, and see what recent runs did."""

import json

import sqlalchemy as sa

from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.models import CQCSettings, Service
from tests.helpers import error_summary, field_error, page, table_rows, text


def test_only_admins_reach_the_cqc_page(client, login_as):
    login_as(Role.MANAGER)
    assert client.get("/admin/cqc").status_code == 403
    assert client.post("/admin/cqc/sync").status_code == 403


def test_the_key_is_saved_but_only_its_end_is_ever_shown(client, login_as):
    login_as(Role.ADMIN)
    response = client.post(
        "/admin/cqc",
        data={"subscription_key": "abcdef123456WXYZ", "local_authorities": " Nottinghamshire ,, Derbyshire"},
    )
    assert response.status_code == 302
    settings = db.session.scalar(sa.select(CQCSettings))
    assert settings.authorities == ["Nottinghamshire", "Derbyshire"]
    html = client.get("/admin/cqc").get_data(as_text=True)
    assert "abcdef123456WXYZ" not in html and "Saved, ending …WXYZ" in html
    client.post("/admin/cqc", data={"subscription_key": "", "local_authorities": "Nottinghamshire"})
    db.session.expire_all()
    assert db.session.scalar(sa.select(CQCSettings.subscription_key)) == "abcdef123456WXYZ", "blank keeps the key"


def test_bad_settings_are_named(client, login_as):
    login_as(Role.ADMIN)
    soup = page(client.post("/admin/cqc", data={"subscription_key": "has spaces!", "local_authorities": ""}))
    assert soup.title.text.startswith("Error:")
    assert ("Enter at least one local authority", "#local_authorities") in error_summary(soup)
    assert field_error(soup, "subscription_key") == "Subscription key must contain only letters and numbers"


def test_running_a_sync_needs_settings_first(client, login_as):
    login_as(Role.ADMIN)
    response = client.post("/admin/cqc/sync", follow_redirects=True)
    assert "Save a subscription key and at least one local authority" in response.get_data(as_text=True)


def test_running_a_sync_from_the_page(app, client, login_as, httpserver, shared_data):
    login_as(Role.ADMIN)
    record = json.loads(next((shared_data / "cqc" / "api" / "locations").glob("1-112779585_*.json")).read_text())
    httpserver.expect_request("/public/v1/changes/location").respond_with_json(
        {"nextPageUri": None, "changes": ["1-112779585"]}
    )
    httpserver.expect_request("/public/v1/locations/1-112779585").respond_with_json(record)
    httpserver.expect_request("/public/v1/providers/" + record["providerId"]).respond_with_json(
        {"name": "Dovetail Care Ltd"}
    )
    client.post("/admin/cqc", data={"subscription_key": "key123", "local_authorities": "Nottinghamshire"})
    app.config.update(CQC_API_BASE_URL=httpserver.url_for("/public/v1"), CQC_REQUESTS_PER_SECOND=0)
    try:
        soup = page(client.post("/admin/cqc/sync"))
    finally:
        app.config.update(CQC_API_BASE_URL="https://api.service.cqc.org.uk/public/v1", CQC_REQUESTS_PER_SECOND=5)
    assert "Sync succeeded" in text(soup.select_one("[data-testid=sync-result]"))
    assert "New: Dovetail House (1-112779585)" in text(soup.select_one("[data-testid=sync-result]"))
    assert table_rows(soup, "[data-testid=sync-runs]")[0][1:3] == ["sync", "succeeded"]
    assert db.session.scalar(sa.select(Service.name)) == "Dovetail House"
