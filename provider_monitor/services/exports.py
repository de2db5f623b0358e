"""CSV and XLSX exports that are safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

# A cell starting with one of these is run as a formula by Excel and LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
# Excel's limit on a sheet's name; it also refuses these characters in one.
SHEET_TITLE_LENGTH = 31
SHEET_TITLE_REFUSED = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
LONDON = ZoneInfo("Europe/London")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_lines(
    header: list[str], rows: Iterable[list], *, date_text: Callable[[date], str] | None = None
) -> Iterator[str]:
    """Stream CSV text line by line, with formula injection neutralised; dates written by date_text if given."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        if date_text is not None:
            row = [date_text(v) if isinstance(v, date) else v for v in row]
        writer.writerow([safe_cell(v) for v in row])
        yield buffer.getvalue()


def _xlsx_cell(value):
    """Numbers and dates stay what they are (so a spreadsheet can sort and sum them); any other text is neutralised."""
    if value is None:
        return None
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        # Excel has no time zones: the time as it was in the UK.
        return value.astimezone(LONDON).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return value
    return safe_cell(value)


def _date_style(sheet, value):
    """A date shows as 1 April 2026 (the way the pages write it) rather than in Excel's default style."""
    from openpyxl.cell import WriteOnlyCell

    if not isinstance(value, date):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.number_format = "d mmmm yyyy hh:mm" if isinstance(value, datetime) else "d mmmm yyyy"
    return cell


def xlsx_bytes(header: list[str], rows: Iterable[list], sheet_title: str) -> bytes:
    """A one-sheet workbook of the header and rows, built row by row (write-only), with formula text neutralised."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    title = (sheet_title or "Sheet").translate(SHEET_TITLE_REFUSED).strip()[:SHEET_TITLE_LENGTH] or "Sheet"
    sheet = book.create_sheet(title=title)
    sheet.append([safe_cell(name) for name in header])
    for row in rows:
        sheet.append([_date_style(sheet, _xlsx_cell(value)) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Download:
    """An export ready to send: its body (text lines for CSV, one chunk for XLSX), type and headers."""

    body: Iterable[str] | Iterable[bytes]
    mimetype: str
    headers: dict[str, str]


def download(
    fmt: str, name: str, header: list[str], rows: Iterable[list], *, date_text: Callable[[date], str] | None = None
) -> Download:
    """The same header and rows as a CSV (streamed) or an XLSX workbook named name.csv / name.xlsx."""
    if fmt == "csv":
        body, mimetype = csv_lines(header, rows, date_text=date_text), CSV_MIMETYPE
    elif fmt == "xlsx":
        body, mimetype = (xlsx_bytes(header, rows, name),), XLSX_MIMETYPE
    else:
        raise ValueError(f"No export format {fmt!r}")
    return Download(body, mimetype, {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})
