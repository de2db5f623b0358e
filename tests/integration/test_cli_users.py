"""The `users` commands people and scripts rely on."""

import sqlalchemy as sa

from provider_monitor.extensions import db
from provider_monitor.models import User
from provider_monitor.services import auth
from tests import factories


def test_create_reads_the_password_from_standard_input(app, app_ctx):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "first.admin@notts.example", "--role", "admin", "--name", "First Admin"],
        input="a long passphrase for the first admin\n",
    )
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output
    user = auth.authenticate(
        db.session, email="first.admin@notts.example", password="a long passphrase for the first admin", max_failures=10
    )
    assert user is not None and user.name == "First Admin"


def test_create_generates_and_prints_a_password_when_none_is_piped(app, app_ctx):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "officer@notts.example", "--role", "officer"], input=""
    )
    assert result.exit_code == 0, result.output
    password = result.output.split("Password (shown once): ")[1].strip()
    assert auth.authenticate(db.session, email="officer@notts.example", password=password, max_failures=10)


def test_create_a_provider_user(app, app_ctx):
    provider = factories.ProviderFactory()
    result = app.test_cli_runner().invoke(
        args=["users", "create", "manager@care.example", "--role", "provider", "--provider-id", str(provider.id)],
        input="",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User.provider_id).where(User.email == "manager@care.example")) == provider.id


def test_create_refuses_bad_input_with_a_clear_message(app, app_ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "x@notts.example", "--role", "provider"], input="")
    assert result.exit_code != 0 and "Select the provider this person works for" in result.output
    result = runner.invoke(args=["users", "create", "x@notts.example", "--role", "wizard"], input="")
    assert result.exit_code != 0 and "wizard" in result.output
    result = runner.invoke(args=["users", "create", "x@notts.example", "--role", "officer"], input="short\n")
    assert result.exit_code != 0 and "12 characters or more" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_token_prints_a_working_api_token(app, client, app_ctx):
    factories.ServiceFactory(name="Token House")
    factories.UserFactory(email="bi@notts.example")
    result = app.test_cli_runner().invoke(args=["users", "token", "bi@notts.example"])
    token = result.output.strip()
    assert result.exit_code == 0 and token.startswith("pm_")
    response = client.get("/api/v1/services", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["data"][0]["name"] == "Token House"
    second = app.test_cli_runner().invoke(args=["users", "token", "bi@notts.example"]).output.strip()
    assert client.get("/api/v1/services", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/api/v1/services", headers={"Authorization": f"Bearer {second}"}).status_code == 200


def test_token_for_an_unknown_user_fails_clearly(app, app_ctx):
    result = app.test_cli_runner().invoke(args=["users", "token", "ghost@notts.example"])
    assert result.exit_code != 0 and "No user has the email address ghost@notts.example" in result.output
