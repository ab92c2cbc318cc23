"""Date warnings are codes (app.dates) worded in the reader's language (app.formats)."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from app.cases.models import SourceList
from app.dates import WarningCode, parse_date
from app.extensions import db
from app.formats import DATE_WARNINGS, date_warning_text
from tests.conftest import csrf_token
from tests.pseudo_locale import pseudo_ukrainian  # noqa: F401 - a fixture


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("31.02.2014", "impossible date: there is no day 31 in month 2"),
        (
            "29.02.2015",
            "impossible date: day 29 does not exist in month 2 of 2015 (not a leap year)",
        ),
        ("1899", "impossible date: year 1899 is outside 1900-2100"),
        ("13.2014", "impossible date: there is no month 13"),
        ("32.01.2014", "impossible date: there is no day 32"),
        ("05.03.14", "two-digit year not accepted: write the year in full (e.g. 2014)"),
        ("abc", "unreadable date"),
    ],
)
def test_warnings_are_worded_in_english(app, text, english):
    with app.test_request_context(), force_locale("en"):
        assert date_warning_text(parse_date(text).warning) == english


def test_every_code_has_a_sentence_and_an_unknown_code_shows_as_stored(app):
    assert set(DATE_WARNINGS) == set(WarningCode)
    with app.test_request_context(), force_locale("en"):
        assert date_warning_text("from_a_newer_version", {"x": 1}) == "from_a_newer_version"
        assert date_warning_text("no_such_day", {}) == "no_such_day"  # parameters missing


@pytest.mark.usefixtures("pseudo_ukrainian")
def test_a_date_of_birth_error_is_in_the_readers_language(app, caseworker):
    with app.app_context():
        db.session.add(SourceList(name="Date errors list"))
        db.session.commit()
    caseworker.post(
        "/language/uk",
        data={"csrf_token": csrf_token(caseworker, "/cases/new"), "next": "/cases/new"},
    )
    response = caseworker.post(
        "/cases/new",
        data={
            "csrf_token": csrf_token(caseworker, "/cases/new"),
            "case_type": "child",
            "priority": "normal",
            "sex": "unknown",
            "family_name": "Коваль",
            "date_of_birth": "31.02.2014",
        },
    )
    html = response.get_data(as_text=True)
    error = re.search(r'id="date_of_birth-error"[^>]*>(.*?)<', html, re.S)
    assert error is not None
    # The form's error went through gettext: the pseudo-translation marks it.
    assert error[1].strip() == "⟦impossible date: there is no day 31 in month 2⟧"
