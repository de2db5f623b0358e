"""`flask --app wsgi cqc import-file PATH`: import one of CQC's bulk data files (CSV, XLSX or ODS).

The file is recognised by its headers and checked before anything is imported. The command prints
what it recognised and did, commits once, and exits non-zero if the file could not be read (nothing
is changed) or if any location failed (the others are kept).
"""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from provider_monitor.cqc.files import FileKind, FileProblem, read_bulk_file
from provider_monitor.extensions import db
from provider_monitor.services.audit import Actor, reset_actor, set_actor
from provider_monitor.services.cqc_file_import import FileReport, import_bulk_file

LISTED = 50


def _unit(what: str, count: int) -> str:
    return what if count != 1 else what.removesuffix("s")


def _print_report(report: FileReport) -> None:
    click.echo(f"Rows read: {report.rows_read}")
    click.echo(f"Locations imported: {report.locations}")
    click.echo(f"New services: {len(report.new_services)}")
    for name in report.new_services[:LISTED]:
        click.echo(f"  + {name}")
    if len(report.new_services) > LISTED:
        click.echo(f"  … and {len(report.new_services) - LISTED} more")
    click.echo(f"Snapshots added: {report.snapshots_added} (rating changes found: {report.changes})")
    totals: dict[str, int] = {}
    for (what, _), count in report.skipped.items():
        totals[what] = totals.get(what, 0) + count
    click.echo(f"Skipped: {', '.join(f'{n} {_unit(what, n)}' for what, n in totals.items()) or 'nothing'}")
    for (what, reason), count in sorted(report.skipped.items(), key=lambda item: (-item[1], item[0])):
        click.echo(f"  {count} {_unit(what, count)}: {reason}")
    click.echo(f"Failures: {len(report.failures)}")
    for where, why in report.failures:
        click.echo(f"  ! {where}: {why}")


def _refused(error: FileProblem) -> click.ClickException:
    message = str(error)
    return click.ClickException(
        message if "Nothing was imported" in message else f"{message.rstrip('.')}. Nothing was imported."
    )


@click.command("import-file")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--local-authority", "local_authorities", multiple=True, metavar="NAME",
    help="Add services in this local authority that are not on the register yet (repeatable). "
    "Required for HSCA Active Locations, which lists the whole of England.",
)  # fmt: skip
@with_appcontext
def import_file(path: Path, local_authorities: tuple[str, ...]) -> None:
    """Import a CQC bulk file: Latest ratings, HSCA Active Locations, or a CSV dump of API records."""
    token = set_actor(Actor(None, "CQC import (data file)"))
    try:
        _import(path, local_authorities)
    finally:
        reset_actor(token)


def _import(path: Path, local_authorities: tuple[str, ...]) -> None:
    try:
        bulk = read_bulk_file(path)
    except FileProblem as error:
        raise _refused(error) from None
    click.echo(f"File recognised: {bulk.describe()}")
    if bulk.kind == FileKind.HSCA_ACTIVE_LOCATIONS and not any(a.strip() for a in local_authorities):
        raise click.ClickException(
            "HSCA Active Locations lists every active location in England: say which to import with "
            "--local-authority NAME (repeatable). Nothing was imported."
        )
    try:
        report = import_bulk_file(db.session, bulk, local_authorities=local_authorities)
        db.session.commit()
    except FileProblem as error:
        db.session.rollback()
        raise _refused(error) from None
    except Exception as error:
        db.session.rollback()
        current_app.logger.exception("cqc_file_import_crashed")
        raise click.ClickException(f"The import stopped unexpectedly and nothing was saved: {error!r}") from None
    _print_report(report)
    if report.failures:
        raise SystemExit(1)
