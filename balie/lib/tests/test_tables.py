"""The CSV/XLSX writer: same rows in both, read back with csv and openpyxl; no formulas."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from balie.lib.tables import Table, safe_cell, sheet_name, write_csv, write_xlsx

TABLES = [
    Table(
        "Referrals per week", ["Week", "Helmond", "Deurne"], [["week 1", 7, "<5"], ["w2", 0, 12]]
    ),
    Table("Comments", ["Week", "Comment"], [["week 3", '=HYPERLINK("x")'], ["week 4", "@SUM(A1)"]]),
]


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def read_xlsx(data: bytes) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return {
        sheet.title: [tuple(cell for cell in row) for row in sheet.iter_rows(values_only=True)]
        for sheet in workbook.worksheets
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+31 6 1234", "'+31 6 1234"),
        ("-3", "'-3"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("Helmond", "Helmond"),
        ("<5", "<5"),
        (-3, -3),
        (2.5, 2.5),
        (None, ""),
    ],
)
def test_a_cell_that_looks_like_a_formula_gets_a_quote(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


def test_csv_holds_each_table_with_its_title_and_headings() -> None:
    rows = read_csv(write_csv(TABLES))
    assert rows[0] == ["Referrals per week"]
    assert rows[1] == ["Week", "Helmond", "Deurne"]
    assert rows[2] == ["week 1", "7", "<5"]
    assert rows[4] == []
    assert rows[5] == ["Comments"]
    assert rows[7] == ["week 3", '\'=HYPERLINK("x")']
    assert rows[8] == ["week 4", "'@SUM(A1)"]


def test_xlsx_has_one_sheet_per_table_with_numbers_as_numbers() -> None:
    sheets = read_xlsx(write_xlsx(TABLES))
    assert list(sheets) == ["Referrals per week", "Comments"]
    assert sheets["Referrals per week"][1] == ("Week", "Helmond", "Deurne")
    assert sheets["Referrals per week"][2] == ("week 1", 7, "<5")
    assert sheets["Comments"][2] == ("week 3", '\'=HYPERLINK("x")')


def test_xlsx_cells_are_never_formulas() -> None:
    workbook = load_workbook(io.BytesIO(write_xlsx(TABLES)))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"


def test_empty_tables_still_give_valid_files_with_headings() -> None:
    empty = [Table("Nothing yet", ["Week", "Referrals"], [])]
    assert read_csv(write_csv(empty)) == [["Nothing yet"], ["Week", "Referrals"]]
    assert read_xlsx(write_xlsx(empty)) == {
        "Nothing yet": [("Nothing yet",), ("Week", "Referrals")]
    }
    assert read_xlsx(write_xlsx([])) == {"Sheet": []}


def test_sheet_names_are_short_clean_and_unique() -> None:
    taken: set[str] = set()
    first = sheet_name("L1: time spent per module [median] / estimate", taken)
    second = sheet_name("L1: time spent per module [median] / estimate", taken)
    assert len(first) <= 31 and len(second) <= 31
    assert not set("[]:*?/\\") & set(first + second)
    assert first != second


@given(st.lists(st.lists(st.one_of(st.text(max_size=20), st.integers()), min_size=2, max_size=2)))
def test_no_text_cell_in_a_csv_starts_a_formula(rows: list[list[object]]) -> None:
    text = write_csv([Table("T", ["a", "b"], rows)])
    for row in read_csv(text)[2:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "@")) or cell.lstrip("+-").isdigit()
