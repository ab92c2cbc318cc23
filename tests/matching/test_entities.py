"""The two ways to read a partner record give the same entity."""

from datetime import date
from types import SimpleNamespace

from app.matching.entities import RECORD_ROW, from_record, from_record_row


def test_a_row_by_position_reads_as_the_record_by_attribute():
    values = {
        "id": 7,
        "family_name": "ЛЫСЕНКО",
        "given_name": "Александр",
        "patronymic": "Сергеевич",
        "sex": "male",
        "dob_year": 2014,
        "dob_month": None,
        "dob_day": None,
        "age": 9,
        "age_on": date(2023, 6, 1),
        "place_of_birth": "  ",
        "place_of_origin": " Алешки ",
        "region": "Херсонская",
        "document_number": "І-БК 123456",
        "street_address": "",
        "postcode": None,
    }
    record = SimpleNamespace(**values)
    row = tuple(values[name] for name in RECORD_ROW)
    assert from_record_row(row) == from_record(record)
    assert from_record_row(row).places == ("Алешки",)
    assert from_record_row(row).extra == {"document_number": "І-БК 123456"}
