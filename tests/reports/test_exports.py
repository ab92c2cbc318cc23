"""Exports neutralise spreadsheet formulas in CSV and XLSX, and stream."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from openpyxl import load_workbook

from app.reports.exports import export_response, iter_csv, neutralise, write_xlsx

DANGEROUS = ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://example.invalid")']


@pytest.mark.parametrize("cell", DANGEROUS)
def test_formula_starts_are_neutralised(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Коваленко", "", "a=b", "1-2", " =x", 5, -5, 1.5])
def test_other_cells_are_left_alone(cell):
    assert neutralise(cell) == cell


def test_none_is_empty():
    assert neutralise(None) == ""


def _csv_rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")  # Excel needs the BOM to read Cyrillic UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_neutralises_every_cell_and_keeps_cyrillic():
    rows = [[cell, "Марія"] for cell in DANGEROUS]
    text = "".join(iter_csv(["=header", "name"], rows))
    parsed = _csv_rows(text)
    assert parsed[0] == ["'=header", "name"]
    for original, row in zip(DANGEROUS, parsed[1:], strict=True):
        assert row[0] == "'" + original
        assert row[1] == "Марія"


def test_csv_streams_in_pieces():
    pieces = list(iter_csv(["n"], ([n] for n in range(2000))))
    assert len(pieces) > 3


def test_xlsx_cells_are_text_not_formulas():
    out = io.BytesIO()
    write_xlsx(out, ["value", "when"], [[c, date(2024, 1, 2)] for c in DANGEROUS] + [[5, None]])
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    values = list(sheet.values)
    for original, row in zip(DANGEROUS, values[1:], strict=False):
        assert row[0].startswith("'")
        # XML turns a carriage return into a line feed.
        assert row[0][1:] == original.replace("\r", "\n")
    for row in sheet.iter_rows(min_row=2):
        assert row[0].data_type != "f"
    assert values[-1][0] == 5


def test_xlsx_drops_characters_xml_cannot_hold():
    out = io.BytesIO()
    write_xlsx(out, ["v"], [["a\x00b\x07c"], [datetime(2024, 1, 2, 3, 4, tzinfo=UTC)]])
    values = list(load_workbook(io.BytesIO(out.getvalue())).active.values)
    assert values[1] == ("abc",)
    assert values[2][0] == datetime(2024, 1, 2, 3, 4)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_response_is_a_download(fmt):
    app = Flask(__name__)
    with app.test_request_context():
        response = export_response("cases list", ["a"], [["=1"]], fmt)
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith('attachment; filename="cases-list-')
        assert disposition.endswith(f'.{fmt}"')


def test_export_response_refuses_unknown_formats():
    with pytest.raises(ValueError):
        export_response("x", [], [], "pdf")
