"""Stored codes render in the reader's language; anything else renders without an error."""

import re

import pytest
from flask_babel import force_locale

from app.matching.entities import MatchEntity, prepare
from app.matching.explain import Cap, Code, Flag, Note
from app.matching.notes import CAPS, FLAGS, REASONS, render_capped, render_note, render_value
from app.matching.scoring import compare

ALIAS = frozenset({Flag.ALIAS})
OTHER_GENDER = frozenset({Flag.OTHER_GENDER})

# Notes and the English the engine used to store for them, word for word.
ENGLISH = [
    (
        Note(Code.RUSSIAN_SPELLING_OF_UKRAINIAN, "ЛЫСЕНКО", "Лисенко", "≈"),
        "ЛЫСЕНКО ≈ Лисенко: Russian spelling of the Ukrainian name",
    ),
    (
        Note(Code.SAME_SPELLING, "Коваленко", "Коваленко", "="),
        "Коваленко = Коваленко: same spelling",
    ),
    (Note(Code.TRANSLITERATION, "LYSENKO", "Лисенко", "="), "LYSENKO = Лисенко: transliteration"),
    (
        Note(Code.SURNAME_GENDER_FORMS, "Ковальова", "Ковальов", "≈"),
        "Ковальова ≈ Ковальов: masculine and feminine forms of the surname",
    ),
    (
        Note(Code.DIFFERENT_SURNAMES, "Шевченко", "Мельник", "≠", {"percent": 31}),
        "Шевченко ≠ Мельник: different surnames (31% similar)",
    ),
    (
        Note(Code.DIMINUTIVE, "Саша", "Олександр", "=", {"also": "Олександра"}),
        "Саша = Олександр: diminutive (also Олександра)",
    ),
    (
        Note(Code.RUSSIAN_FORM_OF_UKRAINIAN, "Александр", "Олександр", "="),
        "Александр = Олександр: Russian form of the Ukrainian name",
    ),
    (
        Note(Code.DIFFERENT_NAMES, "Олександр", "Марія", "≠", {"percent": 12}),
        "Олександр ≠ Марія: different names (12% similar)",
    ),
    (
        Note(Code.SPELLING_MISTAKE, "Олексндр", "Олександр", "≈", {"percent": 95}),
        "Олексндр ≈ Олександр: a spelling mistake or a variant not in the table (95% similar)",
    ),
    (
        Note(Code.SAME_FATHER, "Сергеевич", "Сергійович", "=", {"father": "serhii"}),
        "Сергеевич = Сергійович: same father's name (Сергій)",
    ),
    (
        Note(Code.SAME_FATHER, "Сергеевна", "Сергійович", "=", {"father": "serhii"}, OTHER_GENDER),
        "Сергеевна = Сергійович: same father's name (Сергій), other gender form",
    ),
    (
        Note(
            Code.DIFFERENT_FATHERS,
            "Петрович",
            "Сергійович",
            "≠",
            {"father_left": "petro", "father_right": "serhii"},
        ),
        "Петрович ≠ Сергійович: different fathers' names (Петро / Сергій)",
    ),
    (
        Note(Code.UKRAINIAN_AND_RUSSIAN_PLACE_NAMES, "Алешки", "Олешки", "=", {"place": "Олешки"}),
        "Алешки = Олешки: Ukrainian and Russian names of Олешки",
    ),
    (
        Note(Code.FORMER_NAME, "Цюрупинськ", "Олешки", "=", {"place": "Олешки"}),
        "Цюрупинськ = Олешки: former name of Олешки",
    ),
    (
        Note(
            Code.DIFFERENT_GAZETTEER_PLACES,
            "Мариуполь",
            "Олешки",
            "≠",
            {"place_left": "mariupol", "place_right": "oleshky"},
        ),
        "Мариуполь ≠ Олешки: different places (Mariupol / Oleshky)",
    ),
    (
        Note(Code.NOT_IN_GAZETTEER, "Хутір", "Олешки", "?", {"place": "Хутір"}),
        "Хутір ? Олешки: Хутір is not in the gazetteer",
    ),
    (
        Note(Code.SAME_NAME_SEVERAL_PLACES, "Первомайськ", "Первомайськ", "="),
        "Первомайськ = Первомайськ: same name (several places have it)",
    ),
    (
        Note(Code.DIFFERENT_PLACES, "Мариуполь", "Олешки", "/"),
        "Мариуполь / Олешки: different places",
    ),
    (
        Note(Code.DAY_MONTH_SWAPPED, "2014-12-03", "2014-03-12", "/"),
        "3 Dec 2014 / 12 Mar 2014: day and month swapped",
    ),
    (
        Note(Code.AGE_FITS_YEAR, {"age": 7, "on": "2021-05-01"}, "2014-03-12", "/"),
        "age 7 on 1 May 2021 / 12 Mar 2014: age fits the year of birth",
    ),
    (Note(Code.SAME_SEX), "same sex"),
    (
        Note(Code.SAME_SPELLING, "Ярема", "Ярема", "=", flags=ALIAS),
        "Ярема = Ярема: same spelling (another name of the case: an alias)",
    ),
    (
        Note(Code.DIMINUTIVE, "Саша", "Олександр", "=", {"also": "Олександра"}, ALIAS),
        "Саша = Олександр: diminutive (also Олександра) (another name of the case: an alias)",
    ),
    (Note(Code.TEXT, params={"text": "A = B: as written"}), "A = B: as written"),
]

# Enough parameters for every template (unused ones are ignored); Latin values stay Latin.
PARAMS = {
    "percent": 31,
    "father": "serhii",
    "father_left": "petro",
    "father_right": "serhii",
    "place": "Олешки",
    "place_left": "mariupol",
    "place_right": "oleshky",
}
LATIN_VALUES = {"serhii", "petro", "mariupol", "oleshky"}
# The keys as an English page shows them: the names they stand for.
SHOWN_PARAMS = {
    **PARAMS,
    "father": "Сергій",
    "father_left": "Петро",
    "father_right": "Сергій",
    "place_left": "Mariupol",
    "place_right": "Oleshky",
}


@pytest.mark.parametrize(("note", "english"), ENGLISH, ids=[n.code for n, _ in ENGLISH])
def test_english_reads_as_the_engine_used_to_write(app, note, english):
    with app.test_request_context(), force_locale("en"):
        assert render_note(note.as_dict()) == english


def test_every_code_the_engine_emits_has_a_template():
    assert set(REASONS) == set(Code) - {Code.TEXT}
    assert set(FLAGS) == set(Flag)
    assert set(CAPS) == set(Cap)


@pytest.mark.parametrize("code", sorted(set(Code) - {Code.TEXT}))
def test_a_ukrainian_reader_sees_ukrainian_for_each_code(app, code):
    note = Note(code, "А", "Б", "=", PARAMS).as_dict()
    with app.test_request_context():
        with force_locale("en"):
            english = render_note(note)
        with force_locale("uk"):
            ukrainian = render_note(note)
    with app.test_request_context(), force_locale("en"):
        assert english == "А = Б: " + str(REASONS[code]) % SHOWN_PARAMS  # the template
    assert ukrainian.startswith("А = Б: ") and ukrainian != english
    assert set(re.findall(r"[A-Za-z]{3,}", ukrainian)) <= LATIN_VALUES, ukrainian


@pytest.mark.parametrize("flag", list(Flag))
def test_flags_and_other_names_are_ukrainian_too(app, flag):
    note = Note(
        Code.DIMINUTIVE, "Саша", "Олександр", "=", {"also": "Олександра"}, frozenset({flag})
    )
    with app.test_request_context(), force_locale("uk"):
        text = render_note(note.as_dict())
    assert not re.search(r"[A-Za-z]", text), text


def test_every_note_of_a_real_comparison_renders_in_ukrainian(app):
    case = MatchEntity(
        key=1, family_name="Лисенко", given_name="Олександр", patronymic="Сергійович",
        sex="male", dob_year=2014, dob_month=3, dob_day=12, places=("Олешки",),
    )  # fmt: skip
    record = MatchEntity(
        key=2, family_name="ЛЫСЕНКО", given_name="Саша", patronymic="Сергеевич",
        dob_year=2014, dob_month=12, dob_day=3, places=("Цюрупинск",),
    )  # fmt: skip
    notes = [f.note.as_dict() for f in compare(prepare(case), prepare(record)).fields]
    with app.test_request_context(), force_locale("uk"):
        rendered = [render_note(note) for note in notes]
    for text in rendered:
        # The father's name too: a key of the name table ("serhii") is not for people.
        assert not re.search(r"[A-Za-z]{3,}", text), rendered


def test_an_unknown_code_shows_its_values_and_the_code(app):
    note = {"code": "new_reason", "left": "A", "right": "B", "sign": "≈", "params": {"x": 1}}
    with app.test_request_context(), force_locale("uk"):
        assert render_note(note) == "A ≈ B: new_reason (x: 1)"
        assert render_note({"code": "new_reason"}) == "new_reason"
        assert (
            render_note({"code": "same_sex", "flags": ["new_flag"]}) == "та сама стать (new_flag)"
        )


@pytest.mark.parametrize(
    "note",
    [
        {"code": "different_surnames", "left": "A", "right": "B", "sign": "≠"},  # no percent
        {"code": "different_surnames", "sign": "≠", "params": {"percent": "x%"}},
        {"params": None, "flags": None},
        {"code": None, "left": {"odd": 1}, "sign": "?"},
    ],
)
def test_a_malformed_note_renders_without_an_error(app, note):
    with app.test_request_context(), force_locale("uk"):
        assert isinstance(render_note(note), str)


def test_text_and_nothing_render_as_they_are(app):
    with app.test_request_context(), force_locale("uk"):
        assert render_note("A = B: a sentence from before") == "A = B: a sentence from before"
        assert render_note("") == "" and render_note(None) == ""


def test_an_age_is_rendered_in_the_readers_language(app):
    with app.test_request_context():
        with force_locale("en"):
            assert render_value({"age": 7, "on": "2021-05-01"}) == "age 7 on 1 May 2021"
            assert render_value({"age": 7, "on": None}) == "age 7"
        with force_locale("uk"):
            assert render_value({"age": 7, "on": "2021-05-01"}) == "вік 7 станом на 01.05.2021"
            assert render_value({"age": 7}) == "вік 7"
        assert render_value("2014-03") == "2014-03"
        assert render_value(None) == ""


def test_a_cap_is_rendered_in_the_readers_language(app):
    with app.test_request_context():
        with force_locale("en"):
            assert render_capped("siblings").startswith("different given names: siblings")
            assert render_capped("namesakes").startswith("different dates of birth: namesakes")
        with force_locale("uk"):
            assert render_capped("siblings").startswith("різні імена")
            assert render_capped("namesakes").startswith("різні дати народження")
            assert render_capped("an older sentence") == "an older sentence"
            assert render_capped("") == "" and render_capped(None) == ""


def test_the_notes_shown_are_the_strongest_equals_in_their_stored_order(app):
    """shown_notes: the fields that weighed most either way (bits for or against), at most
    three; fields of equal weight in the order the explanation stores them; a field without a
    note shows its level; a note that is no dict is shown as text; a date in the reader's way."""
    from types import SimpleNamespace

    from app.matching.notes import shown_notes

    fields = [
        {"field": "sex", "level": "same", "note": {"code": "same_sex"}, "bits": 1.0},
        {"field": "a", "level": "differs", "note": "text from before", "bits": -4.0},
        {"field": "b", "level": "same", "bits": 4.0},
        {"field": "c", "level": "same", "note": {"code": "same_sex"}, "bits": None},
        {
            "field": "date_of_birth",
            "level": "exact",
            "note": {
                "code": "same_date_of_birth",
                "left": "2012-02-08",
                "right": "2012-02-08",
                "sign": "/",
            },
            "bits": 11.29,
        },
        {"field": "d", "level": "near", "note": {"code": "same_sex"}, "bits": 4},
    ]
    candidate = SimpleNamespace(explanation={"fields": fields})
    with app.test_request_context(), force_locale("en"):
        assert shown_notes(candidate) == [
            ("cmp-agree", "8 Feb 2012 / 8 Feb 2012: same date of birth"),
            ("cmp-differ", "text from before"),
            ("cmp-agree", "same"),
        ]
        assert [note for _, note in shown_notes(candidate, 5)][3:] == ["same sex", "same sex"]
        assert shown_notes(SimpleNamespace(explanation={})) == []
