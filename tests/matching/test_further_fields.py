"""An identity document number, a street address and a postcode, as the matching compares them:
read from a case and a record, folded, levelled (a document number by its edits) and weighed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.matching.entities import MatchEntity, document_key, from_case, prepare
from app.matching.scoring import NO_FREQUENCIES, Frequencies, compare


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("КА 123456", "ka123456"),  # Cyrillic series
        ("KA-123-456", "ka123456"),  # the same typed in Latin, with dashes
        ("№ КА123456", "ka123456"),
        ("І-БК 654321", "iбk654321"),  # a birth certificate: Б has no Latin look-alike
        ("  ", ""),
    ],
)
def test_a_document_number_is_folded_to_letters_and_digits(text, key):
    assert document_key(text) == key


def _case(**fields):
    values = {
        "id": 1,
        "family_name": "Коваленко",
        "given_name": "Олена",
        "patronymic": "",
        "sex": "female",
        "dob_year": 2012,
        "dob_month": 4,
        "dob_day": 9,
        "place_of_birth": "",
        "last_known_place": "",
        "region": "",
        "document_number": "",
        "street_address": "",
        "postcode": "",
        **fields,
    }
    return SimpleNamespace(**values)


def test_a_case_gives_its_further_fields_to_the_matcher():
    entity = from_case(
        _case(document_number="КА 123456", street_address="вул. Садова 12", postcode="01 001")
    )
    features = prepare(entity)
    assert features.extra == {
        "document_number": "ka123456",
        "street_address": "вул. садова 12",
        "postcode": "01001",
    }
    assert prepare(from_case(_case())).extra == {}


def _pair(left: str, right: str, name: str = "document_number", population: int = 0):
    """The level and the bits of one further field; ``population``: that many records with
    numbers of their own are counted besides the right side (0: nothing counted)."""
    a = prepare(MatchEntity(key="a", extra={name: left}))
    b = prepare(MatchEntity(key="b", extra={name: right}))
    others = (prepare(MatchEntity(key=i, extra={name: f"ZZ{i:07d}"})) for i in range(population))
    freq = Frequencies.count([b, *others]) if population else NO_FREQUENCIES
    (found,) = compare(a, b, freq).fields
    return found.level, found.bits


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("КА 123456", "KA123456", "same"),
        ("КА 123456", "КА 123457", "close"),  # a digit wrong
        ("КА 123456", "КА 124356", "close"),  # two swapped
        ("КА 123456", "КА 12356", "close"),  # a digit missing
        ("КА 123456", "КА 654321", "different"),
        ("КА 123456", "КА 123478", "different"),  # two edits: another number
        ("1234", "1235", "different"),  # too short to call one edit close
    ],
)
def test_a_document_number_is_the_same_one_edit_apart_or_different(left, right, level):
    assert _pair(left, right)[0] == level


@pytest.mark.parametrize("population", [0, 30, 20_000])
def test_a_slip_in_a_document_number_weighs_less_than_the_same_number(population):
    same = _pair("КА 123456", "КА 123456", population=population)[1]
    slip = _pair("КА 123456", "КА 123457", population=population)[1]
    other = _pair("КА 123456", "КА 654321", population=population)[1]
    assert same > slip > 0 > other


def test_in_a_large_list_a_slip_in_a_number_weighs_more_than_streets_alike():
    """One edit in a number is rarer among strangers than two streets that look alike."""
    slip = _pair("КА 123456", "КА 123457", population=20_000)[1]
    street = _pair("Садова 12", "Садова 13", "street_address", population=20_000)[1]
    assert slip > street + 5


def test_a_street_address_is_compared_by_likeness():
    assert _pair("вул. Садова 12", "вул. Садова 12", "street_address")[0] == "same"
    assert _pair("вул. Садова 12", "вул. Садова 21", "street_address")[0] == "close"
    assert _pair("вул. Садова 12", "пр. Перемоги 7", "street_address")[0] == "different"
