"""The data migration that turns stored English explanations into codes (5c0d3e7a1b2c)."""

from __future__ import annotations

import copy
import importlib.util
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask_babel import force_locale
from sqlalchemy import insert, select

from app.extensions import db
from app.matching.entities import MatchEntity, prepare
from app.matching.models import MatchCandidate
from app.matching.notes import render_capped, render_note, render_value
from app.matching.scoring import compare
from tests.matching.conftest import make_record

MIGRATION = (
    Path(__file__).resolve().parents[2]
    / "migrations/versions/2026_11_30_5c0d3e7a1b2c_match_explanations_as_codes.py"
)


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("explanations_as_codes", MIGRATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


migration = _load()

CASE = MatchEntity(
    key=("case", 1), family_name="Лисенко", given_name="Олександр", patronymic="Сергійович",
    sex="male", dob_year=2014, dob_month=3, dob_day=12, places=("Олешки",),
    aliases=(("Коваленко", "", ""),),
)  # fmt: skip
RECORD = MatchEntity(
    key=("record", 1), family_name="Коваленко", given_name="Саша", patronymic="Сергеевна",
    age=7, age_on=date(2021, 5, 1), places=("Цюрупинск",),
)  # fmt: skip
BROTHER = MatchEntity(
    key=("record", 2), family_name="Лисенко", given_name="Дмитро", patronymic="Петрович",
    sex="male", dob_year=2011, dob_month=7, dob_day=2, places=("Мариуполь",),
)  # fmt: skip


def _field(name: str, a: str, b: str, level: str, note: str, bits: float) -> dict[str, Any]:
    return {"field": name, "a": a, "b": b, "level": level, "note": note, "bits": bits}


# What the engine stored for CASE and RECORD, and for CASE and BROTHER, before this revision.
OLD_RECORD = {
    "score": 0.989,
    "bits": 20.49,
    "prior_bits": -14.0,
    "capped": "",
    "fields": [
        _field(
            "family_name", "Коваленко", "Коваленко", "same",
            "Коваленко = Коваленко: same spelling (another name of the case: an alias)", 8.2,
        ),
        _field(
            "given_name", "Олександр", "Саша", "same",
            "Саша = Олександр: diminutive (also Олександра)", 5.54,
        ),
        _field(
            "patronymic", "Сергійович", "Сергеевна", "same",
            "Сергеевна = Сергійович: same father's name (serhii), other gender form", 4.94,
        ),
        _field(
            "date_of_birth", "2014-03-12", "age 7 on 2021-05-01", "age",
            "age 7 on 2021-05-01 / 2014-03-12: age fits the year of birth", 1.43,
        ),
        _field("sex", "m", "f", "different", "different sex", -4.64),
        _field(
            "place", "Олешки", "Цюрупинск", "same",
            "Цюрупинск = Олешки: former name of Олешки", 5.02,
        ),
    ],
}  # fmt: skip
OLD_BROTHER = {
    "score": 0.0,
    "bits": -10.29,
    "prior_bits": -14.0,
    "capped": "different given names: siblings or twins share everything else",
    "fields": [
        _field(
            "family_name", "Лисенко", "Лисенко", "same", "Лисенко = Лисенко: same spelling", 8.2
        ),
        _field(
            "given_name", "Олександр", "Дмитро", "different",
            "Дмитро ≠ Олександр: different names (27% similar)", -5.49,
        ),
        _field(
            "patronymic", "Сергійович", "Петрович", "different",
            "Петрович ≠ Сергійович: different fathers' names (petro / serhii)", -4.57,
        ),
        _field(
            "date_of_birth", "2014-03-12", "2011-07-02", "different",
            "2011-07-02 / 2014-03-12: different dates of birth", -6.49,
        ),
        _field("sex", "m", "m", "same", "same sex", 0.97),
        _field(
            "place", "Олешки", "Мариуполь", "different",
            "Мариуполь / Олешки: different places", -2.91,
        ),
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    ("old", "case", "other"),
    [(OLD_RECORD, CASE, RECORD), (OLD_BROTHER, CASE, BROTHER)],
    ids=["record", "brother"],
)
def test_an_old_explanation_becomes_what_the_engine_writes_now(old, case, other):
    converted = migration.convert_explanation(copy.deepcopy(old))
    assert converted == compare(prepare(case), prepare(other)).explanation()


# What the pages show differently since the stored sentences were written: dates in the
# reader's format, and the names that the name table's and the gazetteer's keys stand for.
SHOWN_NOW = {
    "2021-05-01": "1 May 2021",
    "2014-03-12": "12 Mar 2014",
    "2011-07-02": "2 Jul 2011",
    "(serhii)": "(Сергій)",
    "(petro / serhii)": "(Петро / Сергій)",
    "(mariupol / oleshky)": "(Mariupol / Oleshky)",
    "2014 / 12 Mar 2014": "2014 / 12 Mar 2014",
}


def _as_shown_now(sentence: str) -> str:
    for stored, shown in SHOWN_NOW.items():
        sentence = sentence.replace(stored, shown)
    return sentence


@pytest.mark.parametrize("old", [OLD_RECORD, OLD_BROTHER], ids=["record", "brother"])
def test_converted_notes_read_in_english_as_they_were_stored(app, old):
    converted = migration.convert_explanation(old)
    with app.test_request_context(), force_locale("en"):
        assert render_capped(converted["capped"]) == old["capped"]
        for before, after in zip(old["fields"], converted["fields"], strict=True):
            assert render_note(after["note"]) == _as_shown_now(before["note"])
            for side in "ab":  # an age names its day in the reader's format; text is as written
                shown = _as_shown_now(before[side]) if isinstance(after[side], dict) else None
                assert render_value(after[side]) == (shown or before[side])


@pytest.mark.parametrize(
    "note",
    [
        "Шевченко ≠ Мельник: different surnames (31% similar)",
        "Олексндр ≈ Олександр: a spelling mistake or a variant not in the table (95% similar)",
        "Kovalova ≈ Ковальов: transliteration, other gender form",
        "Ковальова ≈ Ковальов: masculine and feminine forms of the surname",
        "Лисенко ≈ Лысенко: Ukrainian spelling of the Russian name",
        "Мариуполь ≠ Олешки: different places (mariupol / oleshky)",
        "Хутір ? Олешки: Хутір is not in the gazetteer",
        "Алешки Херсонская обл. = Олешки: Ukrainian and Russian names of Олешки",
        "Первомайськ = Первомайськ: same name (several places have it)",
        "Олександр = Лисенко: family and given names swapped in the record",
        "2014 / 2014-03-12: same year (the rest unknown)",
        "вул. шевченка 6 ≈ вул. шевченка 5: one or two characters differ",
        "Саша = Олександр: diminutive (also Олександра) (another name of the case: an alias)",
    ],
)
def test_every_phrase_is_read_into_a_code(app, note):
    item = {"field": "x", "note": note}  # no values to split by: the sign and colon do
    converted = migration.convert_explanation({"fields": [item]})["fields"][0]["note"]
    assert converted["code"] != "text", converted
    with app.test_request_context():
        with force_locale("en"):
            assert render_note(converted) == _as_shown_now(note)
        with force_locale("uk"):
            assert render_note(converted) != note


def test_what_it_cannot_read_is_kept_as_written(app):
    old = {
        "capped": "a cap from an even older engine",
        "fields": [
            _field("given_name", "A", "B", "same", "A = B: the same name", 1.0),
            _field("place", "A", "B", "same", "no head at all", 1.0),
        ],
    }
    converted = migration.convert_explanation(old)
    assert converted["capped"] == "a cap from an even older engine"
    notes = [f["note"] for f in converted["fields"]]
    assert notes == [
        {"code": "text", "params": {"text": "A = B: the same name"}},
        {"code": "text", "params": {"text": "no head at all"}},
    ]
    with app.test_request_context(), force_locale("uk"):
        assert [render_note(n) for n in notes] == ["A = B: the same name", "no head at all"]


def test_ages_are_converted_only_in_the_date_of_birth():
    converted = migration.convert_explanation(
        {
            "fields": [
                _field("date_of_birth", "age 7 on ?", "2014", "age", "", 1.0),
                _field("street", "age 7 on 2021-05-01", "x", "different", "", 1.0),
            ]
        }
    )
    dob, street = converted["fields"]
    assert dob["a"] == {"age": 7, "on": None} and dob["b"] == "2014"
    assert street["a"] == "age 7 on 2021-05-01"


def test_converting_twice_changes_nothing():
    once = migration.convert_explanation(OLD_BROTHER)
    assert migration.convert_explanation(once) == once
    assert migration.convert_explanation(None) is None
    assert migration.convert_explanation({}) == {}


def test_the_migration_rewrites_stored_rows_in_batches(app, make_case):
    case_id = make_case()
    with app.app_context():
        records = [make_record(), make_record(), make_record()]
        connection = db.session.connection()
        table = MatchCandidate.__table__
        stored = [OLD_RECORD, OLD_BROTHER, compare(prepare(CASE), prepare(RECORD)).explanation()]
        for record, explanation in zip(records, stored, strict=True):
            connection.execute(
                insert(table).values(
                    case_id=case_id, record_id=record.id, score=0.5, explanation=explanation
                )
            )
        assert migration.convert_all(connection, batch=2) == 2  # the new one needs nothing
        rows = connection.execute(
            select(table.c.explanation).where(table.c.case_id == case_id).order_by(table.c.id)
        ).scalars()
        assert list(rows) == [
            compare(prepare(CASE), prepare(RECORD)).explanation(),
            compare(prepare(CASE), prepare(BROTHER)).explanation(),
            compare(prepare(CASE), prepare(RECORD)).explanation(),
        ]
        assert migration.convert_all(connection) == 0
