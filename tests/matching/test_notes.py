"""Explanation notes render in the reader's language; unknown ones stay as written."""

import re

import pytest
from flask_babel import force_locale

from app.matching.entities import MatchEntity, prepare
from app.matching.notes import translate_note
from app.matching.scoring import compare

NOTES = [
    "ЛЫСЕНКО ≈ Лисенко: Russian spelling of the Ukrainian name",
    "Коваленко = Коваленко: same spelling",
    "LYSENKO = Лисенко: transliteration",
    "Ковальова ≈ Ковальов: masculine and feminine forms of the surname",
    "Шевченко ≠ Мельник: different surnames (31% similar)",
    "Саша = Олександр: diminutive (also Олександра)",
    "Александр = Олександр: Russian form of the Ukrainian name",
    "Олександр ≠ Марія: different names (12% similar)",
    "Олексндр ≈ Олександр: a spelling mistake or a variant not in the table (95% similar)",
    "Сергеевич = Сергійович: same father's name (serhii)",
    "Сергеевна = Сергійович: same father's name (serhii), other gender form",
    "Петрович ≠ Сергійович: different fathers' names (petro / serhii)",
    "Алешки = Олешки: Ukrainian and Russian names of Олешки",
    "Цюрупинськ = Олешки: former name of Олешки",
    "Мариуполь ≠ Олешки: different places (mariupol / oleshky)",
    "Хутір ? Олешки: Хутір is not in the gazetteer",
    "Первомайськ = Первомайськ: same name (several places have it)",
    "2014-12-03 / 2014-03-12: day and month swapped",
    "2014 / 2014-03-12: same year (the rest unknown)",
    "same sex",
    "Ярема = Ярема: same spelling (another name of the case: an alias)",
]


@pytest.mark.parametrize("note", NOTES)
def test_english_notes_read_as_written(app, note):
    with app.test_request_context(), force_locale("en"):
        assert translate_note(note) == note


@pytest.mark.parametrize("note", NOTES)
def test_ukrainian_notes_keep_the_values_and_translate_the_reason(app, note):
    with app.test_request_context(), force_locale("uk"):
        translated = translate_note(note)
    head = note.partition(": ")[0] if ": " in note else ""
    assert translated.startswith(head)
    reason = translated[len(head) :]
    # Latin place keys (mariupol, serhii) are values, not words to translate.
    words = set(re.findall(r"[A-Za-z]{3,}", reason)) - set(
        re.findall(r"[A-Za-z]{3,}", note[len(head) :].split("(")[-1])
    )
    assert translated != note and not words, translated


def test_an_unknown_reason_stays_as_written(app):
    with app.test_request_context(), force_locale("uk"):
        assert translate_note("A = B: something new") == "A = B: something new"
        assert translate_note("") == ""


def test_every_note_of_a_real_comparison_is_recognised(app):
    case = MatchEntity(
        key=1, family_name="Лисенко", given_name="Олександр", patronymic="Сергійович",
        sex="male", dob_year=2014, dob_month=3, dob_day=12, places=("Олешки",),
    )  # fmt: skip
    record = MatchEntity(
        key=2, family_name="ЛЫСЕНКО", given_name="Саша", patronymic="Сергеевич",
        dob_year=2014, dob_month=12, dob_day=3, places=("Цюрупинск",),
    )  # fmt: skip
    notes = [f.note for f in compare(prepare(case), prepare(record)).fields]
    with app.test_request_context(), force_locale("uk"):
        assert all(translate_note(note) != note for note in notes), notes
