"""Named tables of figures, written as CSV or as an XLSX workbook.

A report is a list of `Table`s; the page shows them as HTML tables and the export writes the
very same rows, so that what a manager downloads is what they saw. Text cells that a
spreadsheet would read as a formula (= + - @, and the tab and carriage return that some
programs strip first) are prefixed with a quote: an export never runs anything.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31


@dataclass
class Table:
    """A titled table: `columns` are the headings, each row has one cell per column. The
    first cell of a row names the row (a week, a module, a library)."""

    title: str
    columns: Sequence[str]
    rows: list[Sequence[object]] = field(default_factory=list)
    key: str = ""


def safe_cell(value: object) -> object:
    """The value as a spreadsheet may store it: numbers as numbers, empty as empty, and text
    that starts like a formula with a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def write_csv(tables: Iterable[Table]) -> str:
    """All tables in one CSV text: per table its title, its headings and its rows, with an
    empty line between tables."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for number, table in enumerate(tables):
        if number:
            writer.writerow([])
        writer.writerow([safe_cell(table.title)])
        writer.writerow([safe_cell(column) for column in table.columns])
        for row in table.rows:
            writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def sheet_name(title: str, taken: set[str]) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\, unique."""
    base = SHEET_NAME_FORBIDDEN.sub(" ", title).strip().strip("'") or "Sheet"
    name = base[:SHEET_NAME_MAX]
    number = 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        number += 1
    taken.add(name.lower())
    return name


def write_xlsx(tables: Iterable[Table]) -> bytes:
    """All tables in one workbook, one sheet each (title, headings, rows)."""
    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(sheet_name(table.title, taken))
        sheet.append([safe_cell(table.title)])
        sheet.append([safe_cell(column) for column in table.columns])
        for row in table.rows:
            sheet.append([safe_cell(cell) for cell in row])
    if not taken:
        workbook.create_sheet("Sheet")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
