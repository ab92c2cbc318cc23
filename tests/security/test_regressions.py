"""The inputs the property tests found, kept as plain examples (each failed before its fix)."""

from __future__ import annotations

import time
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.dates import UNREADABLE, age_to_birth_year_range, parse_date
from app.extensions import db
from app.imports.fields import guess_field, normalise_header
from app.matching.entities import from_case, prepare
from app.names.places import oblast_key, place_candidates, place_key
from app.names.text import fold


def _fast(function, text: str) -> None:
    """Kilobytes of one hostile pattern: milliseconds now, seconds to minutes before."""
    started = time.perf_counter()
    function(text)
    assert time.perf_counter() - started < 1.0


# --- fold: folding a folded name changes nothing ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Ѐİ",  # case folding writes a Latin "i" (and a dot) into a Cyrillic word
        "XͅЀ",  # ... or a Greek iota
        "О''ﬀ",  # removing stray apostrophes joins a Cyrillic and a Latin word
        "ﬀА̀",  # the repaired Latin "a" composes with the grave accent after it
        "A`̀",  # a removed apostrophe brings a letter next to a mark
        "a ' b",  # a removed apostrophe left two spaces
    ],
)
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


def test_fold_still_repairs_capital_lookalikes_and_drops_stray_apostrophes() -> None:
    assert fold("Kовальов") == "ковальов"  # a Latin capital K, told apart by its case
    assert fold("Олег ' Oleh") == "олег oleh"


# --- ages on days the calendar barely reaches -----------------------------------------------


def test_birth_years_of_an_age_on_the_first_day_of_the_calendar() -> None:
    assert age_to_birth_year_range(0, date(1, 1, 1)) == (0, 1)
    assert age_to_birth_year_range(5, date(3, 12, 31)) == (-2, -2)
    assert age_to_birth_year_range(7, date(2024, 6, 1)) == (2016, 2017)
    assert age_to_birth_year_range(7, date(2024, 2, 29)) == (2016, 2017)
    assert age_to_birth_year_range(7, date(2024, 12, 31)) == (2017, 2017)


def test_a_case_aged_on_year_one_is_prepared_for_matching() -> None:
    """A date field accepts 0001-01-01; such a case stopped every matching run."""
    case = SimpleNamespace(
        id=1,
        family_name="Коваленко",
        given_name="Олександр",
        estimated_age=5,
        age_estimated_on=date(1, 1, 1),
        dob_year=None,
        dob_month=None,
        dob_day=None,
    )
    assert prepare(from_case(case)).years == (-5, -4)


# --- long hostile text in linear time -------------------------------------------------------


def test_a_long_date_cell_is_unreadable_at_once() -> None:
    _fast(parse_date, "1" + " " * 20_000 + "x")
    assert parse_date("1" + " " * 200 + "2014").warning == UNREADABLE
    assert parse_date(" " * 200 + "05.03.2014 00:00 " + " " * 200).value is not None


@pytest.mark.parametrize(
    "header",
    ["a" + " " * 40_000 + "b", "(" * 100_000, "[" * 100_000 + "x", "a" + " :*" * 20_000 + "b"],
)
def test_a_long_header_is_normalised_in_linear_time(header: str) -> None:
    _fast(normalise_header, header)


@pytest.mark.parametrize(
    ("header", "normalised"),
    [
        ("Дата народження (дд.мм.рррр)", "дата народження"),
        ("(a (b) c)", "c)"),  # a hint ends at the first closing bracket, as it did
        ("[a(b]c)", "c)"),
        ("(only a hint)", "(only a hint)"),  # nothing but a hint: kept
        ("ПІБ :* ", "піб"),
    ],
)
def test_headers_normalise_as_before(header: str, normalised: str) -> None:
    assert normalise_header(header) == normalised
    assert guess_field("Дата народження (дд.мм.рррр):") == "date_of_birth"


@pytest.mark.parametrize(
    ("function", "text"),
    [
        (place_key, " р" * 1_500),
        (place_candidates, "ь " * 1_500 + "х"),
        (oblast_key, "Олешки " * 1_500 + "x"),
    ],
)
def test_a_long_place_is_looked_up_in_linear_time(function, text: str) -> None:
    _fast(function, text)


def test_a_word_without_letters_does_not_make_a_place_run_longer() -> None:
    assert place_candidates("Akmesdzhyt Alchevsk 😀") == place_candidates("Akmesdzhyt Alchevsk")
    assert place_key("м. Олешки, Херсонська обл.") == place_key("Олешки")


def test_a_case_edit_post_without_its_version_field_is_a_conflict_not_a_500(
    caseworker, make_case
) -> None:
    """CaseForm(obj=case) filled the missing hidden field with the case's int version, and
    Length(max=20) cannot measure an int (found by test_hostile_forms)."""
    from tests.conftest import csrf_token

    case_id = make_case()
    path = f"/cases/{case_id}/edit"
    response = caseworker.post(
        path, data={"csrf_token": csrf_token(caseworker, path), "family_name": "Коваленко"}
    )
    assert response.status_code < 500


def test_a_nul_character_in_a_form_or_a_search_is_dropped_not_a_500(app, caseworker, make_case):
    """PostgreSQL cannot store NUL in text: an alias whose patronymic was "\\x00" gave a 500
    there (found by test_hostile_forms on PostgreSQL); SQLite stored it."""
    from app.cases.models import CaseAlias
    from tests.conftest import csrf_token

    case_id = make_case()
    path = f"/cases/{case_id}/aliases"
    response = caseworker.post(
        path,
        data={
            "csrf_token": csrf_token(caseworker, f"/cases/{case_id}"),
            "alias-kind": "spelling",
            "alias-family_name": "Коваль\x00чук",
            "alias-patronymic": "\x00",
        },
    )
    assert response.status_code < 500
    with app.app_context():
        (alias,) = db.session.scalars(select(CaseAlias).where(CaseAlias.case_id == case_id))
        assert alias.family_name == "Ковальчук" and alias.patronymic == ""
    assert caseworker.get("/cases?q=Коваль%00чук&region=%00").status_code == 200
