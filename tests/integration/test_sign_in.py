"""Signing in and out: generic failures, lockout, server-side sessions and safe redirects."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.models import User
from provider_monitor.services import passwords
from tests import factories
from tests.helpers import error_summary, page


def sign_in(client, email, password, next_url=None):
    path = "/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(path, data={"email": email, "password": password})


@pytest.fixture
def officer(app_ctx):
    return factories.UserFactory(email="jo.bloggs@nottscc.example.gov.uk", name="Jo Bloggs", role=Role.OFFICER)


def test_signing_in_lands_staff_on_the_register(client, officer):
    response = sign_in(client, "Jo.Bloggs@NottsCC.example.gov.uk ", factories.TEST_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Your flags" in client.get("/").get_data(as_text=True)  # staff land on their home page


def test_a_provider_user_lands_on_their_services(client, app_ctx):
    provider = factories.ProviderFactory()
    factories.UserFactory(email="manager@care.example", role=Role.PROVIDER, provider=provider)
    sign_in(client, "manager@care.example", factories.TEST_PASSWORD)
    assert client.get("/").headers["Location"] == "/your-services"


def test_every_failure_gives_the_same_response(client, officer, app):
    locked = factories.UserFactory(email="locked@x.example", failed_sign_in_count=10)
    inactive = factories.UserFactory(email="inactive@x.example", active=False)
    bodies = set()
    for email, password in [
        ("nobody@x.example", factories.TEST_PASSWORD),
        (officer.email, "wrong password entirely"),
        (locked.email, factories.TEST_PASSWORD),
        (inactive.email, factories.TEST_PASSWORD),
    ]:
        response = sign_in(client, email, password)
        assert response.status_code == 400
        soup = page(response)
        bodies.add((soup.title.text.strip(), str(soup.select_one(".govuk-error-summary"))))
    assert len(bodies) == 1
    title, _ = bodies.pop()
    assert title.startswith("Error: Sign in")


def test_missing_fields_are_named_next_to_the_fields(client):
    soup = page(client.post("/sign-in", data={"email": "", "password": ""}))
    assert error_summary(soup) == [
        ("Enter your email address", "#email"),
        ("Enter your password", "#password"),
    ]


def test_the_account_locks_after_ten_failures_and_stays_locked(client, officer):
    for _ in range(10):
        sign_in(client, officer.email, "not the password at all")
    assert db.session.scalar(sa.select(User.failed_sign_in_count).where(User.id == officer.id)) == 10
    response = sign_in(client, officer.email, factories.TEST_PASSWORD)
    assert response.status_code == 400, "the right password must not open a locked account"


def test_a_successful_sign_in_resets_the_failure_count(client, officer):
    for _ in range(3):
        sign_in(client, officer.email, "not the password at all")
    sign_in(client, officer.email, factories.TEST_PASSWORD)
    assert db.session.scalar(sa.select(User.failed_sign_in_count).where(User.id == officer.id)) == 0


def test_signing_in_issues_a_new_session_cookie(client, officer, app):
    client.get("/sign-in")
    before = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    sign_in(client, officer.email, factories.TEST_PASSWORD)
    after = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert after is not None and (before is None or before.value != after.value)
    assert after.http_only and after.same_site == "Lax"


def test_a_copied_cookie_stops_working_after_sign_out(app, client, officer):
    sign_in(client, officer.email, factories.TEST_PASSWORD)
    stolen = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    assert client.get("/services").status_code == 200
    client.post("/sign-out")
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    assert thief.get("/services").status_code == 302


def test_deactivating_a_user_ends_their_session_at_once(app, client, officer):
    sign_in(client, officer.email, factories.TEST_PASSWORD)
    assert client.get("/services").status_code == 200
    admin_client = app.test_client()
    admin = factories.UserFactory(role=Role.ADMIN)
    from tests.conftest import sign_in_client

    sign_in_client(app, admin_client, admin)
    assert admin_client.post(f"/admin/users/{officer.id}/deactivate").status_code == 302
    assert client.get("/services").status_code == 302


def test_an_idle_session_ends(app, client, officer):
    with time_machine.travel("2026-11-23 09:00 +0000", tick=False) as traveller:
        sign_in(client, officer.email, factories.TEST_PASSWORD)
        traveller.shift(timedelta(minutes=29))
        assert client.get("/services").status_code == 200
        traveller.shift(timedelta(minutes=31))
        assert client.get("/services").status_code == 302


def test_a_session_ends_after_twelve_hours_however_busy(app, client, officer):
    with time_machine.travel("2026-11-23 07:00 +0000", tick=False) as traveller:
        sign_in(client, officer.email, factories.TEST_PASSWORD)
        for _ in range(28):  # busy for 11 hours 40 minutes
            traveller.shift(timedelta(minutes=25))
            assert client.get("/account").status_code == 200
        traveller.shift(timedelta(minutes=25))
        assert client.get("/services").status_code == 302


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/providers", "/providers"),
        ("/services?q=care", "/services?q=care"),
        ("https://evil.example/phish", "/"),
        ("//evil.example/phish", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_only_local_next_addresses_are_followed(client, officer, next_url, expected):
    response = sign_in(client, officer.email, factories.TEST_PASSWORD, next_url=next_url)
    assert response.headers["Location"] == expected


def test_a_signed_in_user_visiting_sign_in_goes_home(client, login_as):
    login_as()
    assert client.get("/sign-in").headers["Location"] == "/"


def test_sign_out_needs_a_post(client, login_as):
    login_as()
    assert client.get("/sign-out").status_code == 405


def test_passwords_are_stored_as_argon2id(app_ctx):
    _, password = __import__("provider_monitor.services.users", fromlist=["x"]).create_user(
        db.session, email="new@x.example", name="New", role=Role.OFFICER
    )
    stored = db.session.scalar(sa.select(User.password_hash).where(User.email == "new@x.example"))
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert not passwords.needs_rehash(stored)
    assert passwords.verify_password(stored, password)


def test_the_account_page_lists_recent_sign_ins(client, officer):
    sign_in(client, officer.email, factories.TEST_PASSWORD)
    rows = page(client.get("/account")).select("[data-testid=recent-sign-ins] tbody tr")
    assert len(rows) == 1
    assert "Active" in rows[0].get_text()


def test_an_idle_session_is_revoked_in_the_database(app, client, officer):
    from provider_monitor.models import UserSession

    with time_machine.travel("2026-11-23 09:00 +0000", tick=False) as traveller:
        sign_in(client, officer.email, factories.TEST_PASSWORD)
        traveller.shift(timedelta(minutes=45))
        client.get("/services")
    db.session.expire_all()
    assert db.session.scalar(sa.select(UserSession.revoked_at)) is not None
