"""`flask --app wsgi flags sweep`: one sweep now, printing what it raised and resolved."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import click
from flask.cli import AppGroup

from provider_monitor.extensions import db
from provider_monitor.models.base import utcnow
from provider_monitor.services import flags
from provider_monitor.services.audit import Actor, reset_actor, set_actor

flags_cli = AppGroup("flags", help="Flags: sweep now.")

LONDON = ZoneInfo("Europe/London")


@flags_cli.command("sweep")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Sweep as of this day (YYYY-MM-DD); defaults to today in the UK.",
)
def sweep_command(today: datetime | None) -> None:
    """Raise the flags whose condition holds, resolve those that cleared, and commit."""
    now = utcnow()
    day: date = today.date() if today else now.astimezone(LONDON).date()
    token = set_actor(Actor(None, "Flag sweep (command line)"))
    try:
        result = flags.sweep(db.session, today=day, now=now)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        reset_actor(token)
    click.echo(f"Swept as of {day.day} {day:%B %Y}. {result.summary()}.")
