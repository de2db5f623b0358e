"""`flask --app wsgi geo load PATH_OR_URL…`: load ONS boundaries and place every service in its district and ward."""

import click
from flask.cli import AppGroup

from provider_monitor.extensions import db
from provider_monitor.services import geo
from provider_monitor.services.audit import Actor, reset_actor, set_actor

geo_cli = AppGroup("geo", help="Boundaries: load counties, districts and wards.")

SHOWN = 20


def _names(names: list[str]) -> str:
    more = f", and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return ", ".join(names[:SHOWN]) + more


@geo_cli.command("load")
@click.argument("sources", nargs=-1, required=True, metavar="PATH_OR_URL...")
def load_command(sources: tuple[str, ...]) -> None:
    """Load boundary files (GeoJSON paths or URLs), then assign every service with coordinates."""
    token = set_actor(Actor(None, "Boundary load (command line)"))
    try:
        result = geo.load_boundaries(db.session, list(sources))
        db.session.commit()
    except geo.BoundaryFileError as error:
        db.session.rollback()
        raise click.ClickException(f"{error} Nothing was changed.") from None
    except BaseException:
        db.session.rollback()
        raise
    finally:
        reset_actor(token)
    for source, kind, count in result.layers:
        click.echo(f"Loaded {count} {kind} boundar{'y' if count == 1 else 'ies'} from {source}.")
    found = result.assignment
    click.echo(f"Services assigned a district: {found.assigned} ({found.changed} changed).")
    if found.outside:
        click.echo(f"Services outside the county ({len(found.outside)}): {_names(found.outside)}.")
    if found.without_coordinates:
        click.echo(
            f"Services without coordinates ({len(found.without_coordinates)}): {_names(found.without_coordinates)}. "
            f"To place them, {geo.NO_COORDINATES_FIX}."
        )
