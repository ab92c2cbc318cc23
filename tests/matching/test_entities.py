"""The two ways to read a partner record give the same entity."""

from datetime import date
from types import SimpleNamespace

from app.matching.entities import RECORD_ROW, MatchEntity, from_record, from_record_row, prepare


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


def _row(**values: object) -> tuple:
    base = dict.fromkeys(RECORD_ROW)
    base.update(id=1, family_name="", given_name="", patronymic="", sex="unknown")
    base.update(place_of_birth="", place_of_origin="", region="")
    base.update(values)
    return tuple(base[name] for name in RECORD_ROW)


def _fresh(text: str) -> str:
    """An equal text that is another object, as each row of a query brings its own."""
    return "".join(list(text))


def test_rows_with_the_same_texts_share_one_copy_of_each():
    first = from_record_row(_row(id=1, family_name=_fresh("Коваленко"), region=_fresh("Київ")))
    second = from_record_row(_row(id=2, family_name=_fresh("Коваленко"), region=_fresh("Київ")))
    assert first.family_name is second.family_name
    assert first.region is second.region
    born_first = from_record_row(_row(id=1, place_of_birth=_fresh(" Бахмут ")))
    born_second = from_record_row(_row(id=2, place_of_birth=_fresh("Бахмут")))
    assert born_first.places is born_second.places == ("Бахмут",)


def test_a_row_prepares_as_the_same_person_written_plainly():
    row = _row(
        id=3, family_name="Шевченко", given_name="Олена", patronymic="Петрівна", sex="female",
        dob_year=2012, dob_month=4, dob_day=9, place_of_birth="Ізюм", place_of_origin="Харків",
        region="Харківська",
    )  # fmt: skip
    plain = MatchEntity(
        key=("record", 3), family_name="Шевченко", given_name="Олена", patronymic="Петрівна",
        sex="female", dob_year=2012, dob_month=4, dob_day=9, places=("Ізюм", "Харків"),
        region="Харківська",
    )  # fmt: skip
    assert prepare(from_record_row(row)) == prepare(plain)


def test_records_without_further_fields_share_an_empty_table_that_stays_empty():
    quiet = prepare(from_record_row(_row(id=4, family_name="Бондар")))
    abroad = prepare(from_record_row(_row(id=5, family_name="Бондар", region="Bavaria")))
    assert quiet.extra == {} and quiet.entity.extra == {}
    # A region that names no oblast is compared as a further field: a table of its own.
    assert abroad.extra == {"region": "bavaria"}
    assert abroad.extra is not quiet.extra
    assert prepare(from_record_row(_row(id=6))).extra == {}
