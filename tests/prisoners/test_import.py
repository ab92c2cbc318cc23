"""A prisoner list imported as cases: the new columns, their Ukrainian and Russian headers, and a
broken date of capture reported with its line."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.imports.fields import guess_field
from app.imports.models import ImportProblem
from app.imports.rows import ProblemCode, convert_row
from tests.imports.conftest import import_file


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("service_number", "service_number"),
        ("Особистий номер", "service_number"),
        ("Личный номер", "service_number"),
        ("Військове звання", "rank"),
        ("Звание", "rank"),
        ("rank", "rank"),
        ("Військова частина", "unit"),
        ("В/ч", "unit"),
        ("Воинская часть", "unit"),
        ("unit", "unit"),
        ("captured_on", "captured_on"),
        ("Дата полону", "captured_on"),
        ("Дата пленения", "captured_on"),
        ("Date of capture", "captured_on"),
        ("place_of_capture", "place_of_capture"),
        ("Місце полону", "place_of_capture"),
        ("Место пленения", "place_of_capture"),
    ],
)
def test_prisoner_headers_are_recognised(header, field):
    assert guess_field(header) == field


def test_a_date_of_capture_must_be_a_day():
    headers = ["external_id", "captured_on"]
    mapping: list[str | None] = ["external_id", "captured_on"]
    assert convert_row(["1", "09.03.2025"], 2, headers, mapping).fields["captured_on"] == date(
        2025, 3, 9
    )
    partial = convert_row(["1", "2025"], 3, headers, mapping)
    assert partial.fields["captured_on"] is None
    assert [(p.line_number, p.code) for p in partial.problems] == [(3, ProblemCode.DATE_NOT_FULL)]
    broken = convert_row(["1", "31.02.2025"], 4, headers, mapping)
    assert broken.fields["captured_on"] is None
    assert [(p.line_number, p.code) for p in broken.problems] == [(4, ProblemCode.DATE_LEFT_EMPTY)]


CSV = (
    "№,Прізвище,Ім'я,Дата народження,Особистий номер,Військове звання,Військова частина,"
    "Дата полону,Місце полону\n"
    "П-1,Полоненко-Перший,Остап,14.02.2001,ВС-1001,солдат,в/ч А0001,09.03.2025,Тестове\n"
    "П-2,Полоненко-Другий,Орест,2003,ВС-1002,сержант,в/ч А0002,31.02.2025,Інше Тестове\n"
)


def test_a_prisoner_list_imports_its_columns_and_reports_a_broken_date(app, tmp_path):
    path = tmp_path / "prisoners.csv"
    path.write_text(CSV, encoding="utf-8")
    with app.app_context():
        batch = import_file(path, "Список полонених", kind="cases")
        assert (batch.status, batch.created, batch.rejected) == ("done", 2, 0)
        cases = {
            case.external_id: case
            for case in db.session.scalars(
                select(Case).where(Case.source_list_id == batch.source_list_id)
            )
        }
        first, second = cases["П-1"], cases["П-2"]
        assert (first.service_number, first.rank, first.unit) == ("ВС-1001", "солдат", "в/ч А0001")
        assert (first.captured_on, first.place_of_capture) == (date(2025, 3, 9), "Тестове")
        # The broken date is left empty, the rest of the row imported, the problem on its line.
        assert (second.rank, second.captured_on) == ("сержант", None)
        problems = db.session.scalars(
            select(ImportProblem).where(ImportProblem.batch_id == batch.id)
        ).all()
        assert [(p.line_number, p.column_name, p.value, p.reason_code) for p in problems] == [
            (3, "Дата полону", "31.02.2025", "date_left_empty")
        ]

        # A corrected list updates the columns it has, and only those.
        corrected = tmp_path / "corrected.csv"
        corrected.write_text("№,Звание\nП-2,старший сержант\n", encoding="utf-8")
        again = import_file(corrected, "Список полонених", kind="cases")
        assert (again.created, again.updated) == (0, 1)
        db.session.expire_all()
        second = db.session.get(Case, second.id)
        assert (second.rank, second.service_number) == ("старший сержант", "ВС-1002")


def test_a_partner_records_import_keeps_the_prisoner_columns_in_the_raw_row(app, tmp_path):
    path = tmp_path / "records.csv"
    path.write_text(CSV, encoding="utf-8")
    with app.app_context():
        batch = import_file(path, "Реєстр партнера", kind="records")
        assert (batch.status, batch.created) == ("done", 2)
