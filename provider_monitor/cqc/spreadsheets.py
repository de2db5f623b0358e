"""The rows of a CSV, XLSX or ODS file as lists of text, read one row at a time.

CQC's monthly spreadsheets run to 300,000+ rows, so nothing here loads a whole sheet: CSV is read
with the csv module, XLSX with openpyxl's read-only mode, and ODS by streaming its content.xml
with ElementTree.iterparse (the ODS readers that build a document tree need gigabytes for them).
Cells come back as text: dates as ISO 'YYYY-MM-DD', whole numbers without '.0'.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree

FORMATS = {".csv": "CSV", ".xlsx": "XLSX", ".xlsm": "XLSX", ".ods": "ODS"}
MAX_REPEAT = 1000  # ODS writes trailing blank cells and rows as one element "repeated" a million times

TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE = f"{{{TABLE_NS}}}table"
ROW = f"{{{TABLE_NS}}}table-row"
CELLS = (f"{{{TABLE_NS}}}table-cell", f"{{{TABLE_NS}}}covered-table-cell")
PARAGRAPH = f"{{{TEXT_NS}}}p"
VALUE_TYPE, VALUE = f"{{{OFFICE_NS}}}value-type", f"{{{OFFICE_NS}}}value"
COLUMNS_REPEATED, ROWS_REPEATED = f"{{{TABLE_NS}}}number-columns-repeated", f"{{{TABLE_NS}}}number-rows-repeated"


class FileProblem(ValueError):
    """The file cannot be imported; the message says why. Nothing has been changed."""


def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise FileProblem(f"{path.name}: only CSV, XLSX and ODS files can be imported")
    return fmt


Sheet = tuple[int, str | None]  # position in the file, name


def sheets(path: Path, *, names: bool = True) -> Iterator[tuple[int, str | None, Iterator[list[str]]]]:
    """Each sheet's position, name and rows, in file order (a CSV file is one sheet named after the file).

    Moving on to the next sheet skips the rest of the current one. names=False lets ODS be read about
    twice as fast, without sheet names (None). Any failure to read the file (not really that format,
    damaged, cut short) is raised as FileProblem.
    """
    fmt = file_format(path)
    rows = _checked(_READERS[fmt](path, names), path, fmt)
    for (index, name), group in itertools.groupby(rows, key=lambda item: item[0]):
        yield index, name, (cells for _, cells in group)


def _checked(rows: Iterator[tuple[Sheet, list[str]]], path: Path, fmt: str) -> Iterator[tuple[Sheet, list[str]]]:
    try:
        yield from rows
    except FileProblem:
        raise
    except Exception as error:  # every reader fails differently (zip, XML, csv, openpyxl): one clear message
        raise FileProblem(f"{path.name} could not be read as {fmt}: {error.__class__.__name__}: {error}") from None


# --- CSV ---------------------------------------------------------------------------------------


def _encoding(path: Path) -> str:
    """UTF-8 (with or without a byte-order mark) if the whole file decodes as such, else Windows-1252."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _csv_rows(path: Path, names: bool) -> Iterator[tuple[Sheet, list[str]]]:
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 24))  # API dumps hold whole rating histories
    with path.open(newline="", encoding=_encoding(path)) as handle:
        for cells in csv.reader(handle):
            yield (0, path.stem), cells


# --- XLSX --------------------------------------------------------------------------------------


def cell_text(value) -> str:
    """A spreadsheet value as the text the importers read."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _xlsx_rows(path: Path, names: bool) -> Iterator[tuple[Sheet, list[str]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        for index, sheet in enumerate(workbook.worksheets):
            for values in sheet.iter_rows(values_only=True):
                yield (index, sheet.title), [cell_text(v) for v in values]
    finally:
        workbook.close()


# --- ODS ---------------------------------------------------------------------------------------


def _paragraph_text(element) -> str:
    parts = [element.text or ""]
    for child in element:
        tag = child.tag.rpartition("}")[2]
        if tag == "s":
            parts.append(" " * int(child.get(f"{{{TEXT_NS}}}c", "1")))
        elif tag == "tab":
            parts.append("\t")
        elif tag == "line-break":
            parts.append("\n")
        else:  # span, a, and the like
            parts.append(_paragraph_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _ods_cell(cell) -> str:
    kind = cell.get(VALUE_TYPE)
    if kind is None or kind == "string":
        if len(cell) == 1 and cell[0].tag == PARAGRAPH and not len(cell[0]):  # the usual case: one plain paragraph
            return cell[0].text or ""
    elif kind in ("float", "percentage", "currency"):
        return cell_text(float(cell.get(VALUE)))
    elif kind == "date":
        return cell.get(f"{{{OFFICE_NS}}}date-value", "").removesuffix("T00:00:00")
    elif kind == "boolean":
        return cell.get(f"{{{OFFICE_NS}}}boolean-value", "").upper()
    return "\n".join(_paragraph_text(p) for p in cell if p.tag.rpartition("}")[2] in ("p", "h"))


def _ods_row(row) -> list[str]:
    cells: list[str] = []
    for cell in row:
        if cell.tag in CELLS:
            repeat = cell.get(COLUMNS_REPEATED)
            if repeat is None:
                cells.append(_ods_cell(cell))
            else:
                cells.extend([_ods_cell(cell)] * min(int(repeat), MAX_REPEAT))
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _ods_rows(path: Path, names: bool) -> Iterator[tuple[Sheet, list[str]]]:
    """Rows as each ends; a sheet's name is only seen at its start, so names cost a second event per element."""
    with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
        index, name = 0, None
        for event, element in ElementTree.iterparse(content, events=("start", "end") if names else ("end",)):
            if event == "start":
                if element.tag == TABLE:
                    name = element.get(f"{{{TABLE_NS}}}name", "")
            elif element.tag == ROW:
                cells = _ods_row(element)
                repeat = int(element.get(ROWS_REPEATED, "1"))
                for _ in range(min(repeat, MAX_REPEAT) if cells else 1):
                    yield (index, name), cells
                element.clear()  # keep memory flat: the row is done with
            elif element.tag == TABLE:
                index += 1
                element.clear()


_READERS = {"CSV": _csv_rows, "XLSX": _xlsx_rows, "ODS": _ods_rows}
