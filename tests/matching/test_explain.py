"""Explanations of name and place pairs as codes; notes as stored data; swapping the sides."""

import json

import pytest

from app.matching.explain import Code, Flag, Note, explain_name_pair, swap_sides

OTHER_GENDER = frozenset({Flag.OTHER_GENDER})


@pytest.mark.parametrize(
    ("a", "b", "kind", "sign", "code", "params", "flags"),
    [
        ("Лысенко", "Лисенко", "surname", "≈", Code.RUSSIAN_SPELLING_OF_UKRAINIAN, {}, set()),
        ("Лисенко", "Лысенко", "surname", "≈", Code.UKRAINIAN_SPELLING_OF_RUSSIAN, {}, set()),
        ("Lysenko", "Лисенко", "surname", "=", Code.TRANSLITERATION, {}, set()),
        ("Kovalova", "Ковальов", "surname", "≈", Code.TRANSLITERATION, {}, OTHER_GENDER),
        ("Ковальова", "Ковальов", "surname", "≈", Code.SURNAME_GENDER_FORMS, {}, set()),
        ("Лисенко", "ЛИСЕНКО", "surname", "=", Code.SAME_SPELLING, {}, set()),
        ("Коваленко", "Ковальчук", "surname", "≠", Code.DIFFERENT_SURNAMES, {"percent": 71}, set()),
        ("Саша", "Олександр", "given", "=", Code.DIMINUTIVE, {"also": "Олександра"}, set()),
        ("Oleksandr", "Олександр", "given", "=", Code.TRANSLITERATION, {}, set()),
        ("Александр", "Олександр", "given", "=", Code.RUSSIAN_FORM_OF_UKRAINIAN, {}, set()),
        ("Олег", "Олександр", "given", "≠", Code.DIFFERENT_NAMES, {"percent": 46}, set()),
        (
            "Сергеевич", "Сергійович", "patronymic", "=", Code.SAME_FATHER, {"father": "serhii"},
            set(),
        ),
        (
            "Сергеевна", "Сергійович", "patronymic", "=", Code.SAME_FATHER, {"father": "serhii"},
            OTHER_GENDER,
        ),
        (
            "Петрович", "Сергійович", "patronymic", "≠", Code.DIFFERENT_FATHERS,
            {"father_left": "petro", "father_right": "serhii"}, set(),
        ),
        ("г. Артемовск", "Бахмут", "place", "=", Code.FORMER_NAME, {"place": "Бахмут"}, set()),
        (
            "Алешки", "Олешки", "place", "=", Code.UKRAINIAN_AND_RUSSIAN_PLACE_NAMES,
            {"place": "Олешки"}, set(),
        ),
        ("Oleshky", "м. Олешки", "place", "=", Code.TRANSLITERATION, {}, set()),
        ("Хутір", "Олешки", "place", "?", Code.NOT_IN_GAZETTEER, {"place": "Хутір"}, set()),
        (
            "Херсон", "Маріуполь", "place", "≠", Code.DIFFERENT_GAZETTEER_PLACES,
            {"place_left": "kherson", "place_right": "mariupol"}, set(),
        ),
    ],
)  # fmt: skip
def test_explain_name_pair(a, b, kind, sign, code, params, flags):
    assert explain_name_pair(a, b, kind) == Note(code, a, b, sign, params, frozenset(flags))


def test_explain_strips_the_values():
    assert explain_name_pair(" Лисенко ", "Лисенко", "surname").left == "Лисенко"


def test_explain_rejects_unknown_kind():
    with pytest.raises(ValueError, match="unknown kind"):
        explain_name_pair("a", "b", "street")


def test_a_note_is_stored_as_plain_json_without_empty_parts():
    note = Note(Code.SAME_FATHER, "Сергеевна", "Сергійович", "=", {"father": "serhii"})
    stored = note.with_flag(Flag.OTHER_GENDER).as_dict()
    assert stored == {
        "code": "same_father",
        "left": "Сергеевна",
        "right": "Сергійович",
        "sign": "=",
        "params": {"father": "serhii"},
        "flags": ["other_gender"],
    }
    assert json.loads(json.dumps(stored)) == stored
    assert type(stored["code"]) is str  # not the enum: the stored value is what stays
    assert Note.from_dict(stored) == note.with_flag(Flag.OTHER_GENDER)
    assert Note(Code.SAME_SEX).as_dict() == {"code": "same_sex"}


def test_a_stored_age_is_a_value_of_its_own():
    note = Note(Code.AGE_FITS_YEAR, {"age": 7, "on": "2021-05-01"}, "2014-03-12", "/")
    assert Note.from_dict(note.as_dict()) == note


@pytest.mark.parametrize(
    "stored",
    [{}, {"code": 3}, {"code": "x", "params": "oops", "flags": "alias"}, {"flags": [1, 2]}],
)
def test_a_malformed_stored_note_still_reads(stored):
    note = Note.from_dict(stored)
    assert isinstance(note.code, str) and isinstance(note.params, dict)


def test_swapping_sides_swaps_values_notes_and_one_sided_parameters():
    explanation = {
        "score": 0.5,
        "capped": "siblings",
        "fields": [
            {
                "field": "patronymic",
                "a": "Сергійович",
                "b": "Петрович",
                "note": Note(
                    Code.DIFFERENT_FATHERS,
                    "Петрович",
                    "Сергійович",
                    "≠",
                    {"father_left": "petro", "father_right": "serhii"},
                ).as_dict(),
            },
            {"field": "sex", "a": "m", "b": "f", "note": {"code": "different_sex"}},
            {"field": "place", "a": "x", "b": "y", "note": "a sentence stored long ago"},
        ],
    }
    swapped = swap_sides(explanation)
    patronymic, sex, place = swapped["fields"]
    assert (patronymic["a"], patronymic["b"]) == ("Петрович", "Сергійович")
    assert patronymic["note"] == {
        "code": "different_fathers",
        "left": "Сергійович",
        "right": "Петрович",
        "sign": "≠",
        "params": {"father_left": "serhii", "father_right": "petro"},
    }
    assert sex["note"] == {"code": "different_sex"} and (sex["a"], sex["b"]) == ("f", "m")
    assert place["note"] == "a sentence stored long ago"
    assert swapped["capped"] == "siblings" and swapped["score"] == 0.5
    assert swap_sides(swapped) == explanation
