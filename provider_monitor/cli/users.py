"""`flask --app wsgi users create|token`: accounts for people and scripts."""

import sys

import click
from flask.cli import AppGroup

from provider_monitor.enums import Role
from provider_monitor.extensions import db
from provider_monitor.services import auth, users
from provider_monitor.services.audit import Actor, set_actor
from provider_monitor.services.exceptions import DomainError

users_cli = AppGroup("users", help="Create users and API tokens.")


def _password_from_stdin() -> str | None:
    """A password piped in on standard input; None when run at a terminal or given nothing."""
    if sys.stdin is None or sys.stdin.isatty():
        return None
    text = sys.stdin.read().strip("\r\n")
    return text or None


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="The user's role.")
@click.option("--provider-id", type=int, default=None, help="The provider a provider user belongs to.")
@click.option("--name", default=None, help="The person's name (defaults to the email address).")
def create_user(email: str, role: str, provider_id: int | None, name: str | None) -> None:
    """Create a user. Reads the password from standard input, or generates and prints one."""
    set_actor(Actor(None, "Command line: users create"))
    given = _password_from_stdin()
    try:
        user, password = users.create_user(
            db.session,
            email=email,
            name=name or email,
            role=Role(role),
            provider_id=provider_id,
            password=given,
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {user.role.label.lower()} {user.email} (id {user.id}).")
    if given is None:
        click.echo(f"Password (shown once): {password}")


@users_cli.command("token")
@click.argument("email")
def issue_token(email: str) -> None:
    """Print a new API token for the user, replacing any earlier one."""
    set_actor(Actor(None, "Command line: users token"))
    try:
        user = users.find_by_email(db.session, email)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    token = auth.issue_api_token(db.session, user)
    db.session.commit()
    click.echo(token)
