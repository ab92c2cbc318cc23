"""Import problems are stored as codes and worded in the reader's language when shown.

The Ukrainian side is checked with a pseudo-translation (tests/pseudo_locale.py): a reason
stored as an English sentence never reaches gettext and shows unmarked. The real Ukrainian
wording is the catalogue's business (tests/foundation/test_i18n.py checks it has every message).
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import insert, select

from app.extensions import db
from app.imports.mapping import ImportRefused, Refusal
from app.imports.models import ImportBatch, ImportProblem
from app.imports.problems import (
    _STORED_ERRORS,
    batch_error_text,
    error_text,
    problem_text,
    read_error_text,
)
from app.imports.readers import ReadError, UnreadableFile
from tests.conftest import csrf_token
from tests.imports.conftest import import_file
from tests.pseudo_locale import pseudo_ukrainian  # noqa: F401 - a fixture

HEADER = "ID;Прізвище;Ім'я;Стать;Дата народження;Вік;Дата запису"
MAPPING = {
    "ID": "external_id",
    "Прізвище": "family_name",
    "Ім'я": "given_name",
    "Стать": "sex",
    "Дата народження": "date_of_birth",
    "Вік": "age",
    "Дата запису": "record_date",
}
ROWS = [
    "1;Коваль;Олена;x;31.02.2014;;",  # sex unknown; no such day in the month
    "2;Коваль;Іван;ч;05.03.14;;",  # two-digit year
    "3;Бондар;Петро;ч;abc;сім;03.2014",  # unreadable date and age; record date not full
    "4;Бондар;Марія;ж;2014;;;зайве",  # one cell more than the header
    "1;Дубль;Олег;ч;;;",  # the same partner row id again
    f"5;{'Ш' * 201};Ольга;ж;;;",  # longer than the column holds
    "6;Мельник;Анна;ж;29.02.2015;;",  # not a leap year
    "7;Мельник;Ігор;ч;1899;;",  # year outside the range
    "8;Мельник;Віра;ж;13.2014;;",  # no such month
    "9;Мельник;Іра;ж;32.01.2014;;",  # no such day
    "10;Шевчук;Ян;ч;;;;;;;",  # more cells than can be imported
    f"11;Шевчук;{'Я' * 300};ч;;;",  # a cell longer than can be imported
]
ENGLISH = {
    2: {
        "sex value not recognised; left empty",
        "impossible date: there is no day 31 in month 2; date left empty",
    },
    3: {"two-digit year not accepted: write the year in full (e.g. 2014); date left empty"},
    4: {
        "unreadable date; date left empty",
        "age not readable as years; left empty",
        "record date is not a full date; date left empty",
    },
    5: {"1 more cell than the header has columns; kept in the raw row"},
    6: {"the same partner row id appears twice in this file (first on line 2)"},
    7: {"longer than 200 characters"},
    8: {"impossible date: day 29 does not exist in month 2 of 2015 (not a leap year); "
        "date left empty"},
    9: {"impossible date: year 1899 is outside 1900-2100; date left empty"},
    10: {"impossible date: there is no month 13; date left empty"},
    11: {"impossible date: there is no day 32; date left empty"},
    12: {"the row has 11 cells; at most 10 can be imported"},
    13: {"the cell has 300 characters; at most 250"},
}  # fmt: skip


@pytest.fixture
def problem_batch(app, tmp_path, monkeypatch, users):
    monkeypatch.setitem(app.config, "IMPORT_MAX_COLUMNS", 10)
    monkeypatch.setitem(app.config, "IMPORT_MAX_CELL_CHARS", 250)
    path = tmp_path / "problems.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    with app.app_context():
        batch = import_file(
            path,
            "Problem register",
            mapping=MAPPING,
            user_id=users["caseworker"],
        )
        assert batch.status == "done"
        return batch.id


def _problems(batch_id: int) -> list[ImportProblem]:
    return list(
        db.session.scalars(
            select(ImportProblem)
            .where(ImportProblem.batch_id == batch_id)
            .order_by(ImportProblem.line_number, ImportProblem.id)
        )
    )


def _reasons_by_line(app, batch_id: int) -> dict[int, set[str]]:
    with app.test_request_context(), force_locale("en"):
        reasons: dict[int, set[str]] = {}
        for p in _problems(batch_id):
            reasons.setdefault(p.line_number, set()).add(problem_text(p))
        return reasons


def test_problems_are_stored_as_codes_with_parameters(app, problem_batch):
    with app.app_context():
        problems = _problems(problem_batch)
        assert problems
        assert all(p.reason_code for p in problems)
        by_code = {p.reason_code: p.reason_params for p in problems}
        assert by_code["duplicate_id"] == {"id": "partner_row_id", "first_line": 2}
        assert by_code["too_long"] == {"limit": 200}


def test_each_kind_of_problem_is_worded_in_english(app, problem_batch):
    assert _reasons_by_line(app, problem_batch) == ENGLISH


@pytest.mark.usefixtures("pseudo_ukrainian")
def test_the_batch_page_words_each_problem_in_the_readers_language(app, caseworker, problem_batch):
    path = f"/imports/{problem_batch}"
    english = caseworker.get(path).get_data(as_text=True)
    assert "the same partner row id appears twice in this file (first on line 2)" in english
    assert "date left empty" in english

    caseworker.post("/language/uk", data={"csrf_token": csrf_token(caseworker, path), "next": path})
    html = caseworker.get(path).get_data(as_text=True)
    reasons = re.findall(r'<td class="cell-reason">(.*?)</td>', html, re.S)
    assert len(reasons) == sum(map(len, ENGLISH.values()))
    assert all(reason.startswith("⟦") for reason in reasons), reasons


def test_an_old_problem_stored_as_text_is_shown_as_stored(app, caseworker, problem_batch):
    with app.app_context():
        db.session.execute(
            insert(ImportProblem),
            [
                {
                    "batch_id": problem_batch,
                    "line_number": 1,
                    "column_name": "Стать",
                    "value": "?",
                    "reason": "an old English reason",
                    "severity": "warning",
                }
            ],
        )
        db.session.commit()
        (old,) = [p for p in _problems(problem_batch) if p.line_number == 1]
        assert old.reason_code is None
    html = caseworker.get(f"/imports/{problem_batch}").get_data(as_text=True)
    assert "an old English reason" in html


@pytest.mark.usefixtures("pseudo_ukrainian")
def test_the_csv_report_has_a_code_and_the_reason_in_the_readers_language(
    app, caseworker, problem_batch
):
    path = f"/imports/{problem_batch}/problems.csv"
    rows = list(
        csv.reader(io.StringIO(caseworker.get(path).get_data(as_text=True).lstrip("\ufeff")))
    )
    assert rows[0] == ["line", "column", "value", "severity", "code", "reason"]
    duplicate = next(row for row in rows if row[4] == "duplicate_id")
    assert duplicate[:4] == ["6", "ID", "1", "rejected"]
    assert duplicate[5] == "the same partner row id appears twice in this file (first on line 2)"

    caseworker.post(
        "/language/uk",
        data={"csrf_token": csrf_token(caseworker, f"/imports/{problem_batch}"), "next": "/"},
    )
    rows = list(
        csv.reader(io.StringIO(caseworker.get(path).get_data(as_text=True).lstrip("\ufeff")))
    )
    assert rows[0] == ["line", "column", "value", "severity", "code", "reason"]
    assert all(row[5].startswith("⟦") for row in rows[1:])


@pytest.mark.usefixtures("pseudo_ukrainian")
def test_a_failed_all_or_nothing_batch_says_why_in_the_readers_language(
    app, caseworker, users, tmp_path
):
    path = tmp_path / "aon.csv"
    path.write_text("ID;Прізвище\n1;Коваль\n1;Дубль\n", encoding="utf-8")
    with app.app_context():
        batch = import_file(path, "AON register", all_or_nothing=True, user_id=users["caseworker"])
        assert batch.status == "failed"
        batch_id = batch.id
    page = f"/imports/{batch_id}"
    english = caseworker.get(page).get_data(as_text=True)
    assert "1 row rejected; nothing was imported (all or nothing)" in english
    caseworker.post("/language/uk", data={"csrf_token": csrf_token(caseworker, page), "next": "/"})
    html = caseworker.get(page).get_data(as_text=True)
    error = re.search(r'data-testid="batch-error">(.*?)</p>', html, re.S)[1]
    assert "⟦1 row rejected; nothing was imported (all or nothing)⟧" in error


def test_the_stored_failure_markers_are_worded_and_kept_in_step(app):
    """Interrupted, abandoned and expired batches are still found by their stored sentence;
    the page words that sentence, whose English must stay the stored one."""
    with app.test_request_context(), force_locale("en"):
        for stored, message in _STORED_ERRORS.items():
            assert str(message) == stored
            assert batch_error_text(ImportBatch(error=stored)) == stored
        assert batch_error_text(ImportBatch(error="The file is not a text file.")) == (
            "The file is not a text file."
        )


# One example of each reason a file cannot be read or an import is refused, with the
# parameters its raiser gives, and the English it must read as.
READ_ERRORS = {
    ReadError.UTF16: ({}, "saved as UTF-16"),
    ReadError.NUL_BYTES: ({}, "it contains NUL bytes"),
    ReadError.CONTROL_CHARACTERS: ({}, "it contains control characters"),
    ReadError.NOT_UTF8_AFTER_BOM: ({}, "starts as UTF-8"),
    ReadError.UNSUPPORTED_ENCODING: ({"looks_like": "cp1252"}, "(it looks like cp1252)"),
    ReadError.NOT_VALID_TEXT: ({"encoding": "utf-8", "line": 4400}, "utf-8 text near line 4,400"),
    ReadError.NOT_CSV: ({"line": 3, "detail": "unexpected end"}, "Line 3 cannot be read as CSV"),
    ReadError.TOO_MANY_COLUMNS: ({"line": 1, "columns": 200}, "at most 200 can be imported"),
    ReadError.LINE_TOO_LONG: (
        {"line": 3, "row_chars": 1_000_000, "columns": 200, "cell_chars": 10_000},
        "Line 3 is longer than 1,000,000 characters; a row may have at most 200 cells of "
        "10,000 characters",
    ),
    ReadError.HEADER_TOO_WIDE: ({"count": 201, "columns": 200}, "The header has 201 columns"),
    ReadError.EMPTY: ({}, "The file is empty"),
    ReadError.SETTINGS_DO_NOT_FIT: ({}, "encoding or delimiter"),
    Refusal.MAPPING_LENGTH: ({}, "one entry per column"),
    Refusal.UNKNOWN_FIELD: ({"field": "x", "column": "Y"}, "Unknown field “x” for column “Y”"),
    Refusal.FIELD_TWICE: (
        {"field": "sex", "first": "A", "second": "B"},
        "Field “sex” is given to two columns: “A” and “B”",
    ),
    Refusal.UNKNOWN_FIELD_IN_FILE: ({"field": "x"}, "Unknown field “x” in the mapping file"),
    Refusal.CASES_NEED_SUPERVISOR: ({}, "Only supervisors may import cases"),
    Refusal.NOT_AN_IMPORTER: ({}, "Only caseworkers and supervisors"),
    Refusal.CANNOT_RUN_AGAIN: ({}, "Only an interrupted import"),
    Refusal.NO_FILE: ({}, "no file"),
    Refusal.HEADERS_CHANGED: ({}, "headers differ"),
}


def test_every_reason_a_file_cannot_be_read_has_words():
    assert set(READ_ERRORS) == {*ReadError, *Refusal}


@pytest.mark.usefixtures("pseudo_ukrainian")
@pytest.mark.parametrize("code", list(READ_ERRORS))
def test_a_reason_a_file_cannot_be_read_is_worded_in_the_readers_language(app, code):
    params, english = READ_ERRORS[code]
    error = (UnreadableFile if code in set(ReadError) else ImportRefused)(code, **params)
    with app.test_request_context(), force_locale("en"):
        assert english in error_text(error)
        assert not error_text(error).startswith("⟦")
    with app.test_request_context(), force_locale("uk"):
        assert error_text(error).startswith("⟦")


def test_a_reason_of_another_version_shows_its_code(app):
    with app.test_request_context(), force_locale("en"):
        assert read_error_text("a_future_code", {}) is None
        assert read_error_text(ReadError.HEADER_TOO_WIDE, {"count": 3}) is None  # no columns
        batch = ImportBatch(error="", error_code="a_future_code")
        assert batch_error_text(batch) == "a_future_code"


@pytest.mark.usefixtures("pseudo_ukrainian")
def test_an_unreadable_upload_is_stored_as_a_code_and_worded_in_the_readers_language(
    app, caseworker, uploads
):
    """The reader's reasons were English sentences in the Ukrainian UI (issue 11)."""
    token = csrf_token(caseworker, "/imports/new")
    caseworker.post("/language/uk", data={"csrf_token": token, "next": "/"})
    response = caseworker.post(
        "/imports/new",
        data={
            "csrf_token": csrf_token(caseworker, "/imports/new"),
            "kind": "records",
            "target": "Empty register",
            "file": (io.BytesIO(b"\n\n"), "empty.csv"),
        },
        content_type="multipart/form-data",
    )
    batch_id = int(re.search(r"/imports/(\d+)", response.headers["Location"])[1])
    html = caseworker.get(f"/imports/{batch_id}/preview", follow_redirects=True).get_data(
        as_text=True
    )
    assert "⟦The file is empty: it has no header row.⟧" in html
    assert "The file is empty" not in html.replace("⟦The file is empty", "")
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert (batch.status, batch.error_code, batch.error) == ("failed", "empty", "")
