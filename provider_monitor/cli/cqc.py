"""`flask --app wsgi cqc …`: bring CQC data onto the register."""

from pathlib import Path

import click
from flask.cli import AppGroup

from provider_monitor.extensions import db
from provider_monitor.services.audit import Actor, set_actor
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
