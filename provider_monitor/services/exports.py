"""CSV exports that are safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

# A cell starting with one of these is run as a formula by Excel and LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """Stream CSV text line by line, with formula injection neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(v) for v in row])
        yield buffer.getvalue()
