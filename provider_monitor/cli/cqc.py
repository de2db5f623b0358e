"""`flask --app wsgi cqc …`: bring CQC data onto the register."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from provider_monitor.cqc.client import CQCClient
from provider_monitor.cqc.files import FileProblem, read_bulk_file
from provider_monitor.extensions import db
from provider_monitor.services import cqc_sync
from provider_monitor.services.audit import Actor, set_actor
from provider_monitor.services.cqc_file_import import import_bulk_file
from provider_monitor.services.cqc_json_import import JsonImportReport, import_json_files

cqc_cli = AppGroup("cqc", help="Import CQC ratings and registrations.")


def _print_report(report: JsonImportReport) -> None:
    click.echo(f"Read {report.records} location records from {report.files} files.")
    click.echo(f"New services found: {len(report.new_services)}")
    for name in report.new_services[:50]:
        click.echo(f"  + {name}")
    if len(report.new_services) > 50:
        click.echo(f"  … and {len(report.new_services) - 50} more")
    click.echo(f"Ratings updated: {report.snapshots_added} snapshots added, {report.changes} rating changes found")
    click.echo(f"Registrations cancelled: {len(report.registrations_cancelled)}")
    for name in report.registrations_cancelled:
        click.echo(f"  - {name}")
    click.echo(f"Records that failed: {len(report.failures)}")
    for where, why in report.failures:
        click.echo(f"  ! {where}: {why}")


@cqc_cli.command("import-json")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_json(paths: tuple[Path, ...]) -> None:
    """Import saved CQC API location responses (one object or a JSON array per file)."""
    set_actor(Actor(None, "CQC import (JSON files)"))
    try:
        report = import_json_files(db.session, list(paths))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    _print_report(report)
    if report.failures:
        raise SystemExit(1)


def _client() -> CQCClient:
    settings = cqc_sync.settings(db.session)
    key = current_app.config.get("CQC_SUBSCRIPTION_KEY") or settings.subscription_key
    if not key:
        raise click.ClickException(
            "No CQC subscription key: set CQC_SUBSCRIPTION_KEY, or add it on the admin CQC settings page."
        )
    return CQCClient(
        subscription_key=key,
        base_url=current_app.config["CQC_API_BASE_URL"],
        user_agent=current_app.config["CQC_USER_AGENT"],
        requests_per_second=current_app.config["CQC_REQUESTS_PER_SECOND"],
    )


def _print_sync(report: cqc_sync.SyncReport) -> None:
    if report.window_start:
        click.echo(f"Window: {report.window_start:%Y-%m-%d %H:%M:%S} to {report.window_end:%Y-%m-%d %H:%M:%S} UTC")
    click.echo(f"New services found: {len(report.new_services)}")
    for name in report.new_services:
        click.echo(f"  + {name}")
    click.echo(f"Ratings updated: {report.snapshots_added} snapshots added, {report.changes} rating changes found")
    click.echo(f"Registrations cancelled: {len(report.registrations_cancelled)}")
    for name in report.registrations_cancelled:
        click.echo(f"  - {name}")
    if report.gone:
        click.echo(f"No longer published by CQC (404): {', '.join(report.gone)}")
    if report.out_of_area:
        click.echo(f"Changed locations outside the council's area, not on the register: {report.out_of_area}")
    click.echo(f"Records that failed: {len(report.failures)}")
    for location_id, why in report.failures:
        click.echo(f"  ! {location_id}: {why}")
    if report.error:
        click.echo(f"The run stopped: {report.error}")
    click.echo(f"Status: {report.status}")


def _run(action) -> None:
    set_actor(Actor(None, "CQC sync"))
    try:
        report = action()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    _print_sync(report)
    if report.status != "succeeded":
        raise SystemExit(1)


@cqc_cli.command("sync")
@click.option("--full", is_flag=True, help="Fetch every location in the council's area, not only changes.")
def sync_command(full: bool) -> None:
    """Sync from the CQC API since the last successful sync (the changes feed)."""
    client = _client()
    authorities = cqc_sync.settings(db.session).authorities or current_app.config["CQC_LOCAL_AUTHORITIES"]
    if not authorities:
        raise click.ClickException("No local authorities are set: add them on the admin CQC settings page.")
    action = cqc_sync.full_refresh if full else cqc_sync.sync
    _run(lambda: action(db.session, client, authorities=authorities))


@cqc_cli.command("fetch")
@click.argument("location_ids", nargs=-1, required=True)
def fetch_command(location_ids: tuple[str, ...]) -> None:
    """Fetch and store the given CQC locations."""
    client = _client()
    _run(lambda: cqc_sync.fetch(db.session, client, list(location_ids)))


@cqc_cli.command("import-file")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--local-authority", "local_authorities", multiple=True,
    help="Add services in this local authority that are not on the register yet (repeatable).",
)  # fmt: skip
def import_file(path: Path, local_authorities: tuple[str, ...]) -> None:
    """Import a CQC bulk file: Latest ratings (CSV/ODS/XLSX), HSCA Active Locations, or an API dump (CSV)."""
    set_actor(Actor(None, "CQC import (data file)"))
    try:
        bulk = read_bulk_file(path)
    except FileProblem as error:
        raise click.ClickException(str(error)) from None
    authorities = list(local_authorities) or cqc_sync.settings(db.session).authorities
    if bulk.kind == "hsca-active-locations" and not authorities:
        raise click.ClickException("This directory lists every location in England: give --local-authority NAME.")
    try:
        report = import_bulk_file(db.session, bulk, local_authorities=authorities)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"File recognised as: {KIND_NAMES[report.kind]}")
    click.echo(f"Rows read: {report.rows_read}; locations imported: {report.locations}")
    click.echo(f"New services found: {len(report.new_services)}")
    for name in report.new_services[:50]:
        click.echo(f"  + {name}")
    click.echo(f"Ratings updated: {report.snapshots_added} snapshots added, {report.changes} rating changes found")
    click.echo(f"Skipped: {sum(report.skipped.values())}")
    for reason, count in report.skipped.most_common():
        click.echo(f"  {count} × {reason}")
    click.echo(f"Records that failed: {len(report.failures)}")
    for where, why in report.failures:
        click.echo(f"  ! {where}: {why}")
    if report.failures:
        raise SystemExit(1)


KIND_NAMES = {
    "ratings-locations": "Care directory with ratings (Locations)",
    "ratings-providers": "Care directory with ratings (Providers)",
    "hsca-active-locations": "HSCA Active Locations",
    "api-dump": "CSV dump of CQC API location records",
}
