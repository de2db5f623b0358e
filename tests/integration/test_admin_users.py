"""Admins manage accounts: create, change role, link to a provider, deactivate, reset."""

import sqlalchemy as sa

from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.models import User
from provider_monitor.services import auth
from tests import factories
from tests.helpers import error_summary, field_error, form_values, page, table_rows, text


def test_an_admin_creates_an_officer_and_sees_the_password_once(client, login_as):
    login_as(Role.ADMIN)
    response = client.post(
        "/admin/users/new", data={"email": "New.Person@Notts.example", "name": "New Person", "role": "officer"}
    )
    soup = page(response)
    password = text(soup.select_one("[data-testid=password]"))
    assert len(password) >= 12
    user = db.session.scalar(sa.select(User).where(User.email == "new.person@notts.example"))
    assert user.role == Role.OFFICER and user.provider_id is None
    assert auth.authenticate(db.session, email=user.email, password=password, max_failures=10) is not None
    assert password not in client.get("/admin/users").get_data(as_text=True)


def test_a_provider_user_must_be_linked_to_a_provider(client, login_as, app_ctx):
    login_as(Role.ADMIN)
    soup = page(client.post("/admin/users/new", data={"email": "p@care.example", "name": "P", "role": "provider"}))
    assert field_error(soup, "provider_id") == "Select the provider this person works for"
    provider = factories.ProviderFactory()
    response = client.post(
        "/admin/users/new",
        data={"email": "p@care.example", "name": "P", "role": "provider", "provider_id": provider.id},
    )
    assert response.status_code == 200
    assert db.session.scalar(sa.select(User.provider_id).where(User.email == "p@care.example")) == provider.id


def test_staff_cannot_be_linked_to_a_provider(client, login_as, app_ctx):
    login_as(Role.ADMIN)
    provider = factories.ProviderFactory()
    soup = page(
        client.post(
            "/admin/users/new",
            data={"email": "s@x.example", "name": "S", "role": "officer", "provider_id": provider.id},
        )
    )
    assert field_error(soup, "provider_id") == "Only provider users belong to a provider: choose ‘Not a provider user’"


def test_a_duplicate_email_is_refused(client, login_as, app_ctx):
    login_as(Role.ADMIN)
    factories.UserFactory(email="taken@x.example")
    soup = page(client.post("/admin/users/new", data={"email": "TAKEN@x.example", "name": "T", "role": "officer"}))
    assert ("A user with this email address already exists", "#email") in error_summary(soup)


def test_changing_a_role_ends_the_users_sessions(app, client, login_as, app_ctx):
    login_as(Role.ADMIN)
    officer = factories.UserFactory(role=Role.OFFICER)
    officer_client = app.test_client()
    from tests.conftest import sign_in_client

    sign_in_client(app, officer_client, officer)
    assert officer_client.get("/services").status_code == 200
    data = {**form_values(page(client.get(f"/admin/users/{officer.id}"))), "role": "manager"}
    assert client.post(f"/admin/users/{officer.id}", data=data).status_code == 302
    assert db.session.scalar(sa.select(User.role).where(User.id == officer.id)) == Role.MANAGER
    assert officer_client.get("/services").status_code == 302


def test_an_admin_cannot_remove_their_own_admin_role_or_deactivate_themselves(client, login_as):
    admin = login_as(Role.ADMIN)
    data = {**form_values(page(client.get(f"/admin/users/{admin.id}"))), "role": "officer"}
    soup = page(client.post(f"/admin/users/{admin.id}", data=data))
    assert field_error(soup, "role") == "You cannot remove your own admin role: ask another admin"
    client.post(f"/admin/users/{admin.id}/deactivate")
    assert db.session.scalar(sa.select(User.active).where(User.id == admin.id)) is True


def test_reset_password_unlocks_and_shows_a_new_password(client, login_as, app_ctx):
    login_as(Role.ADMIN)
    locked = factories.UserFactory(failed_sign_in_count=10)
    soup = page(client.post(f"/admin/users/{locked.id}/reset-password"))
    password = text(soup.select_one("[data-testid=password]"))
    db.session.expire_all()  # the request changed the row this session loaded
    assert auth.authenticate(db.session, email=locked.email, password=password, max_failures=10) is not None


def test_the_user_list_shows_roles_and_status(client, login_as, app_ctx):
    login_as(Role.ADMIN, name="Ada Admin")
    factories.UserFactory(name="Dee Activated", active=False)
    rows = {row[0]: row for row in table_rows(page(client.get("/admin/users")), "[data-testid=users]")}
    assert rows["Dee Activated"][3] == "Deactivated"
    assert rows["Ada Admin"][2] == "Admin"


def test_user_changes_are_in_the_audit_trail_without_secrets(client, login_as, app_ctx):
    login_as(Role.ADMIN, name="Ada Admin")
    officer = factories.UserFactory(name="Old Name")
    data = {**form_values(page(client.get(f"/admin/users/{officer.id}"))), "name": "New Name"}
    client.post(f"/admin/users/{officer.id}", data=data)
    client.post(f"/admin/users/{officer.id}/reset-password")
    rows = table_rows(page(client.get(f"/admin/users/{officer.id}")), "[data-testid=audit-trail]")
    assert any("Name: Old Name → New Name" in row[2] for row in rows)
    assert all("password" not in row[2].lower() for row in rows)
