"""An identity document number, a street address and a postcode: found under the headers
partner lists give them, stored on records and cases, refused when too long."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.imports.fields import guess_field
from app.imports.models import ImportProblem
from app.records.models import PartnerRecord
from tests.imports.conftest import import_file


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Серія та номер паспорта", "document_number"),
        ("Серия и номер паспорта", "document_number"),
        ("Свідоцтво про народження", "document_number"),
        ("Свидетельство о рождении", "document_number"),
        ("Військовий квиток", "document_number"),
        ("Passport number", "document_number"),
        ("Birth certificate", "document_number"),
        ("Military ID", "document_number"),
        ("Адреса проживання", "street_address"),
        ("Адрес", "street_address"),
        ("Street address", "street_address"),
        ("Поштовий індекс", "postcode"),
        ("Почтовый индекс", "postcode"),
        ("ZIP code", "postcode"),
        ("Postcode", "postcode"),
    ],
)
def test_the_new_fields_are_found_under_their_headers(header, field):
    assert guess_field(header) == field


def test_a_records_file_fills_the_new_fields(app, tmp_path):
    path = tmp_path / "records.csv"
    path.write_text(
        "ID,Прізвище,Ім'я,Серія та номер паспорта,Адреса,Поштовий індекс\n"
        "r1,Ковальчук,Марта, КА 123456 ,вул. Садова 12,01001\n"
        "r2,Гнатюк,Павло,,,\n",
        encoding="utf-8",
    )
    with app.app_context():
        batch = import_file(path, "Register")
        assert (batch.created, batch.rejected) == (2, 0)
        records = {r.external_id: r for r in db.session.scalars(select(PartnerRecord))}
        first = records["r1"]
        # Kept as written (trimmed): the matching folds it, a reviewer reads it as received.
        assert (first.document_number, first.street_address, first.postcode) == (
            "КА 123456",
            "вул. Садова 12",
            "01001",
        )
        assert (records["r2"].document_number, records["r2"].postcode) == ("", "")


def test_a_value_longer_than_its_column_rejects_the_row(app, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(
        f"ID,Прізвище,Postcode,Passport number\nr1,Ковальчук,{'9' * 21},КА1\n"
        f"r2,Гнатюк,01001,{'7' * 101}\nr3,Мельник,01001,КА2\n",
        encoding="utf-8",
    )
    with app.app_context():
        batch = import_file(path, "Register")
        assert (batch.created, batch.rejected) == (1, 2)
        problems = db.session.scalars(select(ImportProblem).order_by(ImportProblem.line_number))
        found = [(p.line_number, p.column_name, p.reason_code, p.reason_params) for p in problems]
        assert found == [
            (2, "Postcode", "too_long", {"limit": 20}),
            (3, "Passport number", "too_long", {"limit": 100}),
        ]
        assert db.session.scalars(select(PartnerRecord.external_id)).all() == ["r3"]


def test_a_case_list_fills_the_new_fields_and_a_reimport_without_them_keeps_them(app, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(
        "external_id,Фамилия,Имя,Свидетельство о рождении,Адрес,Почтовый индекс\n"
        "7-001,Бондар,Олена,І-БК 654321,ул. Лесная 3,61000\n",
        encoding="utf-8",
    )
    with app.app_context():
        import_file(path, "Hotline", kind="cases")
        case = db.session.scalar(select(Case).where(Case.external_id == "7-001"))
        assert case is not None
        assert (case.document_number, case.street_address, case.postcode) == (
            "І-БК 654321",
            "ул. Лесная 3",
            "61000",
        )
        # A later list without those columns writes only the fields it has.
        path.write_text("external_id,Имя\n7-001,Олена\n", encoding="utf-8")
        import_file(path, "Hotline", kind="cases")
        db.session.refresh(case)
        assert (case.document_number, case.postcode) == ("І-БК 654321", "61000")
