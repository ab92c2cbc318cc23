"""One date format per language, through two filters, and date fields that read what they show."""

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_wtf import FlaskForm

from app.cases.models import ContactLog
from app.dates import PartialDate
from app.extensions import db
from app.formats import format_day, format_moment
from app.forms import DayField
from tests.conftest import csrf_token

ROOT = Path(__file__).resolve().parents[2]
MOMENT = datetime(2026, 11, 30, 19, 13, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "day", "month", "moment"),
    [
        ("uk", "05.03.2014", "03.2014", "30.11.2026 19:13"),
        ("en", "5 Mar 2014", "Mar 2014", "30 Nov 2026, 19:13"),
    ],
)
def test_one_format_per_language(app, locale, day, month, moment):
    with app.test_request_context(), force_locale(locale):
        assert format_day(date(2014, 3, 5)) == day
        assert format_day(PartialDate(2014, 3, 5)) == day
        assert format_day("2014-03-05") == day  # a partial date as stored
        assert format_day(PartialDate(2014, 3)) == format_day("2014-03") == month
        assert format_day("2014") == "2014"
        assert format_day(None) == format_day("") == ""
        assert format_day("about 2014") == "about 2014"  # free text stays as written
        assert format_moment(MOMENT) == moment
        assert format_day(MOMENT) == {"uk": "30.11.2026", "en": "30 Nov 2026"}[locale]


def test_templates_show_dates_only_through_the_two_filters():
    """Babel's "short" formats and hand-written ISO dates mixed "11/30/26, 7:13 PM" with
    "2026-11-30" on one page."""
    pattern = re.compile(r"datetimeformat|dateformat|\.isoformat\(|strftime")
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "templates").rglob("*.html"))
        if pattern.search(path.read_text())
    ]
    assert offenders == []


def test_a_date_field_is_text_in_the_hints_format(app):
    class DayForm(FlaskForm):
        class Meta:
            csrf = False

        day = DayField("Day")

    with app.test_request_context(), force_locale("en"):
        form = DayForm(data={"day": date(2014, 3, 5)})
        html = str(form.day())
        assert 'type="text"' in html and 'value="05.03.2014"' in html
        assert "05.03.2014" in str(form.day.description)
    for typed in ("05.03.2014", "5.3.2014", "2014-03-05", " 05/03/2014 "):
        with app.test_request_context(method="POST", data={"day": typed}):
            form = DayForm()
            assert form.validate(), form.errors
            assert form.day.data == date(2014, 3, 5)
    for typed in ("2014", "03.2014", "31.02.2014", "3/5/14", "x" * 1000):
        with app.test_request_context(method="POST", data={"day": typed}), force_locale("en"):
            form = DayForm()
            assert not form.validate()
            assert form.day.errors == ["Write the date as day.month.year, e.g. 05.03.2014."]
            assert len(form.day._value()) <= 60


def test_a_contact_date_round_trips_through_the_case_page(app, caseworker, make_case):
    case_id = make_case()
    path = f"/cases/{case_id}"
    caseworker.post(
        f"{path}/contacts",
        data={
            "csrf_token": csrf_token(caseworker, path),
            "contact-contacted_on": "05.03.2026",
            "contact-channel": "phone",
            "contact-with_whom": "мати",
            "contact-outcome": "дзвінок",
            "contact-next_step": "ще раз",
            "contact-next_step_due": "2026-03-12",
        },
    )
    with app.app_context():
        contact = db.session.scalar(db.select(ContactLog).where(ContactLog.case_id == case_id))
        assert contact is not None
        assert (contact.contacted_on, contact.next_step_due) == (
            date(2026, 3, 5),
            date(2026, 3, 12),
        )
    html = caseworker.get(path).get_data(as_text=True)
    assert "5 Mar 2026" in html and "12 Mar 2026" in html
    assert 'type="date"' not in html


def test_the_case_form_shows_the_date_of_birth_as_typed(caseworker, make_case):
    case_id = make_case(dob_year=2014, dob_month=3, dob_day=5)
    html = caseworker.get(f"/cases/{case_id}/edit").get_data(as_text=True)
    assert 'value="05.03.2014"' in html and "2014-03-05" not in html


@pytest.mark.parametrize("locale", ["uk", "en"])
def test_a_day_is_worded_once_and_as_flask_babel_words_it(app, locale):
    """format_day keeps each (day, pattern, language) it has worded (app.formats._worded_day):
    the same text as Flask-Babel's format_date, in the language of the request that asks."""
    from flask_babel import format_date

    from app.formats import PATTERNS, _worded_day, _worded_iso_day

    days = [date(2014, 3, 5), date(1999, 12, 31), date(2024, 2, 29), date(2026, 1, 1)]
    with app.test_request_context(), force_locale(locale):
        for day in days:
            day_pattern, month_pattern, _moment = PATTERNS[locale]
            assert format_day(day) == format_date(day, day_pattern, rebase=False)
            assert format_day(PartialDate(day.year, day.month)) == format_date(
                day.replace(day=1), month_pattern, rebase=False
            )
        _worded_iso_day.cache_clear()  # else the ISO text may be worded already, whole
        hits = _worded_day.cache_info().hits
        assert format_day(days[0]) == format_day("2014-03-05")
        assert _worded_day.cache_info().hits == hits + 2
    with app.test_request_context(), force_locale("uk" if locale == "en" else "en"):
        other = format_day(days[0])
    assert other != format_day_in(app, locale, days[0])


@pytest.mark.parametrize("locale", ["uk", "en"])
def test_a_stored_iso_date_is_worded_once_per_language(app, locale):
    """format_day keeps each ISO text it has worded, per language (app.formats._worded_iso_day):
    the same words as the partial date it stands for, text that is no date as written, and a
    reader of the other language gets theirs."""
    from app.formats import _worded_iso_day

    texts = ["2014-03-05", "2014-03", "2014", "about 2014", "2014-02-30", " 1999-12-31 "]
    with app.test_request_context(), force_locale(locale):
        first = [format_day(text) for text in texts]
        hits = _worded_iso_day.cache_info().hits
        assert [format_day(text) for text in texts] == first
        assert _worded_iso_day.cache_info().hits == hits + len(texts)
        assert first[0] == format_day(PartialDate(2014, 3, 5))
        assert first[1] == format_day(PartialDate(2014, 3))
        assert first[2:5] == ["2014", "about 2014", "2014-02-30"]
        assert first[5] == format_day(date(1999, 12, 31))
    with app.test_request_context(), force_locale("uk" if locale == "en" else "en"):
        assert format_day("2014-03-05") != first[0]


def format_day_in(app, locale: str, day: date) -> str:
    with app.test_request_context(), force_locale(locale):
        return format_day(day)


@pytest.mark.parametrize("locale", ["uk", "en"])
@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 6, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 0, 59),  # naive: taken as UTC, as Flask-Babel takes it
    ],
)
def test_a_moment_is_worded_as_flask_babel_words_its_day(app, locale, moment):
    """format_day of a datetime (the lists' last activity) words its day where the reader is
    (the configured time zone) through the per-process cache, with Flask-Babel's words."""
    from flask_babel import format_date

    from app.formats import PATTERNS, _worded_day

    with app.test_request_context(), force_locale(locale):
        first = format_day(moment)
        hits = _worded_day.cache_info().hits
        assert format_day(moment) == first == format_date(moment, PATTERNS[locale][0])
        assert _worded_day.cache_info().hits == hits + 1


@pytest.mark.parametrize("locale", ["uk", "en"])
@pytest.mark.parametrize("zone", [None, "Europe/Kyiv", "America/New_York"])
def test_a_lists_day_formatter_words_every_value_as_format_day(app, locale, zone):
    """day_formatter (the case lists' rows: the language and the time zone looked up once per
    table) writes what format_day writes: days, moments either side of midnight where the
    reader is, naive moments (UTC), partial dates, stored ISO text, free text, nothing."""
    import pytz
    from flask import g

    from app.formats import day_formatter

    values = [
        None,
        "",
        date(2014, 3, 5),
        PartialDate(2014),
        PartialDate(2014, 3),
        PartialDate(2014, 3, 5),
        "2014-03",
        "2014-03-05",
        "2014-02-30",  # no such day: shown as it is
        "about 2014",
        datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 12, 1, 3, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 0, 59),  # naive: taken as UTC
        datetime(2026, 3, 29, 23, 30, tzinfo=pytz.timezone("Asia/Tokyo")),
    ]
    with app.test_request_context(), force_locale(locale):
        if zone:
            format_day(None)  # Flask-Babel's context made, then its time zone set
            g._flask_babel.babel_tzinfo = pytz.timezone(zone)
        formatted = day_formatter()
        assert [formatted(value) for value in values] == [format_day(value) for value in values]
    # A second request (its own Locale object) words them alike through the process's.
    with app.test_request_context(), force_locale(locale):
        assert [day_formatter()(value) for value in values[6:9]] == [
            format_day(value) for value in values[6:9]
        ]
    if zone == "Europe/Kyiv":  # 23:59:59 UTC is the next day in Kyiv: the zone was applied
        with app.test_request_context(), force_locale("en"):
            format_day(None)
            g._flask_babel.babel_tzinfo = pytz.timezone(zone)
            assert day_formatter()(values[10]) == "1 Dec 2026"


@pytest.mark.parametrize("locale", ["uk", "en", "de", "ar"])
def test_the_day_patterns_are_written_as_babel_writes_them(locale):
    """_worded_day writes the day and month patterns of PATTERNS itself: as Babel does, for
    every day of a leap year and of ordinary ones, early and late years, in our languages and
    in others (their month names)."""
    from babel import Locale
    from babel.dates import format_date as babel_format_date

    from app.formats import _DAY_WRITERS, PATTERNS, _worded_day

    language = Locale.parse(locale)
    patterns = {pattern for day, month, _moment in PATTERNS.values() for pattern in (day, month)}
    assert patterns == set(_DAY_WRITERS)
    days = [date(year, 1, 1) + timedelta(days=n) for year in (1900, 2000, 2023) for n in range(366)]
    days += [date(1, 1, 1), date(999, 12, 31), date(9999, 12, 31)]
    for pattern in patterns:
        for day in days:
            assert _worded_day.__wrapped__(day, pattern, language) == babel_format_date(
                day, pattern, locale=language
            ), (pattern, day)
