"""Writing small SYNTHETIC CQC-style spreadsheets (CSV, XLSX, ODS) for the bulk-file tests.

`sheets` maps a sheet name to its rows; a CSV file holds only the first sheet. Cells may be text,
numbers, dates or None (blank).
"""

import csv
from datetime import date
from pathlib import Path

from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P
from openpyxl import Workbook

RATINGS_HEADER = [
    "Location ID", "Location Name", "Care Home?", "Location Type", "Location Street Address", "Location City",
    "Location Post Code", "Location Local Authority", "Service / Population Group", "Domain", "Latest Rating",
    "Publication Date", "Report Type", "Inherited Rating (Y/N)", "URL", "Provider ID", "Provider Name",
]  # fmt: skip
BANNER = ["Care directory with ratings – SYNTHETIC test file, published monthly"]


def ratings_row(
    location_id,
    name,
    domain,
    rating,
    published,
    *,
    group="Overall",
    authority="Nottinghamshire",
    location_type="Social Care Org",
    care_home="Y",
    inherited="N",
    provider=("1-900", "Oak Group"),
):
    """One row of a synthetic Latest ratings Locations sheet, in RATINGS_HEADER's order."""
    return [location_id, name, care_home, location_type, "1 High Street", "Mansfield", "NG18 1AA", authority, group,
            domain, rating, published, "Location", inherited, f"https://www.cqc.org.uk/location/{location_id}",
            *provider]  # fmt: skip


def write(path: Path, sheets: dict[str, list[list]]) -> Path:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([["" if c is None else c for c in row] for row in next(iter(sheets.values()))])
    elif suffix == ".xlsx":
        workbook = Workbook()
        workbook.remove(workbook.active)
        for name, rows in sheets.items():
            sheet = workbook.create_sheet(name)
            for row in rows:
                sheet.append(row)
        workbook.save(path)
    elif suffix == ".ods":
        document = OpenDocumentSpreadsheet()
        for name, rows in sheets.items():
            table = Table(name=name)
            for row in rows:
                table_row = TableRow()
                for value in row:
                    table_row.addElement(_ods_cell(value))
                table.addElement(table_row)
            document.spreadsheet.addElement(table)
        document.save(str(path))
    else:
        raise ValueError(suffix)
    return path


def _ods_cell(value) -> TableCell:
    if value is None or value == "":
        return TableCell()
    if isinstance(value, date):
        cell = TableCell(valuetype="date", datevalue=value.isoformat())
        cell.addElement(P(text=value.strftime("%d/%m/%Y")))
    elif isinstance(value, int | float):
        cell = TableCell(valuetype="float", value=value)
        cell.addElement(P(text=str(value)))
    else:
        cell = TableCell(valuetype="string")
        cell.addElement(P(text=str(value)))
    return cell
