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


def test_a_space_typed_inside_a_name_or_a_place_is_the_same_name():
    """FEBRL's duplicates, and people typing, put a space inside a word ("pai nter"): the
    words joined agree as "same"; a double surname or a given name with a patronymic keeps
    its own keys."""
    from app.matching.entities import MatchEntity, prepare
    from app.matching.scoring import compare

    def levels(a: MatchEntity, b: MatchEntity) -> dict[str, str]:
        fields = compare(prepare(a), prepare(b)).fields
        return {
            f.field: f.level for f in fields if f.field in ("family_name", "given_name", "place")
        }

    whole = MatchEntity(key=1, family_name="painter", given_name="jacob", places=("kingscross",))
    split = MatchEntity(key=2, family_name="pai nter", given_name="ja cob", places=("kings cross",))
    assert levels(whole, split) == {"family_name": "same", "given_name": "same", "place": "same"}
    double = prepare(
        MatchEntity(key=3, family_name="Коваленко Шевчук", given_name="Олена Петрівна")
    )
    assert prepare(MatchEntity(key=4, family_name="Коваленко-Шевчук")).surnames <= double.surnames
    assert prepare(MatchEntity(key=5, given_name="Олена")).given < double.given
