"""`flask --app wsgi demo seed`: a believable Nottinghamshire market for trying the app."""

import time

import click
from flask.cli import AppGroup

from provider_monitor.demo.accounts import DemoAccount
from provider_monitor.demo.seed import DemoDataError, Summary, seed_demo
from provider_monitor.extensions import db
from provider_monitor.services.audit import Actor, reset_actor, set_actor

demo_cli = AppGroup("demo", help="Demo data (never run this against a real deployment).")


def _accounts_table(accounts: list[DemoAccount]) -> str:
    rows = [("Role", "Email", "Password")] + [(a.role.label, a.email, a.password) for a in accounts]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _summary_lines(summary: Summary) -> list[str]:
    by_type = ", ".join(f"{service_type.label} {count}" for service_type, count in summary.by_type.items())
    return [
        f"{summary.providers} providers ({summary.external_providers} external, "
        f"{summary.providers - summary.external_providers} council), "
        f"{summary.external + summary.council_run} services: {summary.care_homes} care homes, "
        f"{summary.other_regulated} other CQC-regulated, {summary.unregulated} unregulated external, "
        f"{summary.council_run} council-run.",
        f"By type: {by_type}.",
        summary.ratings,
        summary.visits,
        summary.escalations,
        summary.flags,
    ]


@demo_cli.command("seed")
@click.option(
    "--seed",
    "seed_value",
    type=int,
    default=2026,
    show_default=True,
    help="Random seed: the same seed always builds the same market.",
)
@click.option("--reset", is_flag=True, help="Delete every row in every table first, then load the demo data.")
@click.option("--yes", is_flag=True, help="With --reset: do not ask before deleting everything.")
def seed_command(seed_value: int, reset: bool, yes: bool) -> None:
    """Load a demo market and demo accounts; if already loaded, give the accounts new passwords."""
    if reset and not yes:
        where = db.engine.url.render_as_string(hide_password=True)
        click.confirm(f"Delete every row in every table of {where}, then load demo data?", abort=True)
    token = set_actor(Actor(None, "Demo data"))
    started = time.perf_counter()
    try:
        outcome = seed_demo(db.session, seed=seed_value, reset=reset)
    except DemoDataError as error:
        raise click.ClickException(str(error)) from None
    finally:
        reset_actor(token)
    elapsed = time.perf_counter() - started
    if outcome.loaded:
        click.echo(f"Loaded the demo data (seed {seed_value}) in {elapsed:.1f} s.")
    else:
        click.echo(
            "The demo data was already loaded, so nothing was added; the demo accounts have new passwords. "
            "(Use --reset to delete everything and load it afresh.)"
        )
    for line in _summary_lines(outcome.summary):
        click.echo(line)
    click.echo("\nDemo accounts. The passwords are shown only this once:\n")
    click.echo(_accounts_table(outcome.accounts))
    click.echo(f"\n{outcome.summary.provider_account}")
