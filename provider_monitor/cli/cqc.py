"""`flask --app wsgi cqc …`: bring CQC data onto the register.

sync [--full], fetch and import-json each print what they did (new services, ratings updated,
registrations cancelled, what failed and why), log a run, commit once, and exit non-zero unless
everything succeeded.
"""

import re
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from provider_monitor.cli.cqc_files import import_file
from provider_monitor.extensions import db
from provider_monitor.models.cqc import SyncKind, SyncStatus
from provider_monitor.services import cqc_sync
from provider_monitor.services.audit import Actor, set_actor

cqc_cli = AppGroup("cqc", help="Import CQC ratings and registrations.")

LOCATION_ID = re.compile(r"^1-\d{5,12}$")
LISTED = 50


def _names(title: str, names: list[str], mark: str) -> None:
    click.echo(f"{title}: {len(names)}")
    for name in names[:LISTED]:
        click.echo(f"  {mark} {name}")
    if len(names) > LISTED:
        click.echo(f"  … and {len(names) - LISTED} more")


def _print_report(report: cqc_sync.SyncReport) -> None:
    if report.kind == SyncKind.IMPORT_JSON:
        click.echo(f"Read {report.records} location records from {report.files} files.")
    if report.window_start and report.window_end:
        click.echo(f"Window: {report.window_start:%Y-%m-%d %H:%M:%S} to {report.window_end:%Y-%m-%d %H:%M:%S} UTC")
    _names("New services found", report.new_services, "+")
    click.echo(f"Ratings updated: {report.snapshots_added} snapshots added, {report.changes} rating changes found")
    for name in report.ratings_updated[:LISTED]:
        click.echo(f"  ~ {name}")
    _names("Registrations cancelled", report.registrations_cancelled, "-")
    if report.gone:
        click.echo(f"No longer published by CQC (404, gone): {', '.join(report.gone)}")
    if report.out_of_area:
        click.echo(f"Skipped, not on the register and not a registered service in the area: {report.out_of_area}")
    click.echo(f"Records that failed: {len(report.failures)}")
    for where, why in report.failures:
        click.echo(f"  ! {where}: {why}")
    if report.error:
        click.echo(f"The run stopped: {report.error}")
    click.echo(f"Status: {report.status.value}")


def _run(kind: SyncKind, action) -> None:
    """Run one service call, commit once, print the report; exit 1 unless it all succeeded."""
    try:
        report = action()
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        current_app.logger.exception("cqc_run_crashed")
        cqc_sync.failed_run(db.session, kind, f"stopped unexpectedly ({error.__class__.__name__}); nothing was saved")
        db.session.commit()
        raise click.ClickException(f"The {kind.value} stopped unexpectedly and nothing was saved: {error!r}") from None
    _print_report(report)
    if report.status != SyncStatus.SUCCEEDED:
        raise SystemExit(1)


def _client(kind: SyncKind):
    settings = cqc_sync.settings(db.session)
    try:
        return settings, cqc_sync.client_for(settings, current_app.config)
    except cqc_sync.NotConfigured as error:
        cqc_sync.failed_run(db.session, kind, str(error))
        db.session.commit()
        raise click.ClickException(str(error)) from None


@cqc_cli.command("sync")
@click.option("--full", is_flag=True, help="List every adult social care location in the area, not only changes.")
def sync_command(full: bool) -> None:
    """Fetch what CQC changed since the last successful sync and record it (--full: the initial load)."""
    set_actor(Actor(None, "CQC sync"))
    kind = SyncKind.FULL if full else SyncKind.SYNC
    settings, client = _client(kind)
    authorities = cqc_sync.local_authorities(settings, current_app.config)
    if not authorities:
        raise click.ClickException("No local authorities are set: add them on the CQC data page (Admin).")
    action = cqc_sync.full_refresh if full else cqc_sync.sync
    with client:
        _run(kind, lambda: action(db.session, client, settings, authorities=authorities))


@cqc_cli.command("fetch")
@click.argument("location_ids", nargs=-1, required=True)
def fetch_command(location_ids: tuple[str, ...]) -> None:
    """Fetch the given CQC locations (ids like 1-112779585) and store them, wherever they are."""
    set_actor(Actor(None, "CQC sync"))
    ids = [i.strip() for i in location_ids]
    wrong = [i for i in ids if not LOCATION_ID.match(i)]
    if wrong:
        raise click.BadParameter(f"not CQC location ids (like 1-112779585): {', '.join(wrong)}")
    _, client = _client(SyncKind.FETCH)
    with client:
        _run(SyncKind.FETCH, lambda: cqc_sync.fetch(db.session, client, ids))


@cqc_cli.command("import-json")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_json(paths: tuple[Path, ...]) -> None:
    """Import saved CQC API location responses (one object or a JSON array per file)."""
    set_actor(Actor(None, "CQC sync"))
    _run(SyncKind.IMPORT_JSON, lambda: cqc_sync.import_json(db.session, list(paths)))


cqc_cli.add_command(import_file)
