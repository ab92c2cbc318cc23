"""Dates and times in the reader's language: one explicit format per language, everywhere.

Babel's "short" formats mixed "11/30/26, 7:13 PM" (English) with ISO dates written by hand in
templates; these two filters are the only way a page shows a date (``|date``) or a moment
(``|datetime``). Ukrainian writes the day first with dots, as the forms' hints do
(``05.03.2014``, ``05.03.2014 19:13``); English names the month, so that no reader takes
5 March for 3 May (``5 Mar 2014``, ``5 Mar 2014, 19:13``). Both use a 24-hour clock.

A partial date (a date of birth known to the month or the year) keeps its precision:
``03.2014`` / ``Mar 2014``, ``2014``. Times are shown in the configured time zone
(``BABEL_DEFAULT_TIMEZONE``).

:func:`date_warning_text` words what :func:`app.dates.parse_date` found wrong with a date (a
code, so that a stored warning is read in the language of whoever reads it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date as babel_format_date
from flask import Flask
from flask_babel import (
    LazyString,
    format_date,
    format_datetime,
    format_percent,
    get_locale,
    get_timezone,
    to_user_timezone,
)
from flask_babel import lazy_gettext as _l

from app.dates import DateWarning, PartialDate, WarningCode

__all__ = ["DATE_WARNINGS", "PATTERNS", "date_warning_text", "day_formatter", "format_day"]
__all__ += ["format_moment"]
__all__ += ["format_share", "register_filters"]

# One sentence per code of app.dates.WarningCode; the parameters are the warning's.
DATE_WARNINGS: dict[str, LazyString] = {
    WarningCode.UNREADABLE: _l("unreadable date"),
    WarningCode.TWO_DIGIT_YEAR: _l(
        "two-digit year not accepted: write the year in full (e.g. 2014)"
    ),
    WarningCode.NO_YEAR: _l("impossible date: a month or day is given without a year"),
    WarningCode.NO_MONTH: _l("impossible date: a day is given without a month"),
    WarningCode.YEAR_OUT_OF_RANGE: _l("impossible date: year %(year)s is outside %(min)s-%(max)s"),
    WarningCode.NO_SUCH_MONTH: _l("impossible date: there is no month %(month)s"),
    WarningCode.NO_SUCH_DAY: _l("impossible date: there is no day %(day)s"),
    WarningCode.NO_SUCH_DAY_IN_MONTH: _l(
        "impossible date: there is no day %(day)s in month %(month)s"
    ),
    WarningCode.NOT_A_LEAP_YEAR: _l(
        "impossible date: day 29 does not exist in month 2 of %(year)s (not a leap year)"
    ),
}

# (day, month and year, moment) per language, as Babel (CLDR) patterns.
PATTERNS: dict[str, tuple[str, str, str]] = {
    "uk": ("dd.MM.yyyy", "MM.yyyy", "dd.MM.yyyy HH:mm"),
    "en": ("d MMM yyyy", "MMM yyyy", "d MMM yyyy, HH:mm"),
}


def _patterns(locale: Locale | None = None) -> tuple[str, str, str]:
    locale = locale or get_locale()
    return PATTERNS.get(locale.language if locale else "en", PATTERNS["en"])


def format_day(value: date | PartialDate | str | None) -> str:
    """A day (or a partial date, or its ISO text as stored: "2014-03") in the current
    language; "" for nothing, and text that is not an ISO date as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        locale = get_locale()
        if locale is not None:
            return _worded_iso_day(value, locale)
        try:
            return format_day(PartialDate.from_iso(value))
        except ValueError:
            return value
    if isinstance(value, datetime):
        # The day where the reader is (as Flask-Babel's format_date rebases it), then worded as
        # any calendar day, once per process: lists show a moment a row (the last activity).
        return _calendar_day(to_user_timezone(value).date(), _patterns()[0])
    if isinstance(value, date):
        return _calendar_day(value, _patterns()[0])
    return _partial_day(value, get_locale())


def day_formatter() -> Callable[[date | PartialDate | str | None], str]:
    """:func:`format_day` for the rest of this request, its language and time zone looked up
    once: a list writes two dates a row, and each :func:`format_day` looked them up again
    (Flask-Babel's context, the locale, the time zone: about twenty calls a date, a tenth of
    a case list's Python). The same text as :func:`format_day` for every value."""
    locale = get_locale()
    if locale is None:  # outside a request
        return format_day
    # The process's own object for this language: the worded days' caches are keyed by the
    # locale, and Flask-Babel's, a new object each request, compared with a key's in Python
    # (eight calls a date).
    locale = _LOCALES.setdefault(str(locale), locale)
    zone = get_timezone()
    day_pattern = _patterns(locale)[0]

    def formatted(value: date | PartialDate | str | None) -> str:
        if isinstance(value, str):
            return _worded_iso_day(value, locale) if value else ""
        if isinstance(value, datetime):
            moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
            return _worded_day(zone.normalize(moment.astimezone(zone)).date(), day_pattern, locale)
        if isinstance(value, date):
            return _worded_day(value, day_pattern, locale)
        if isinstance(value, PartialDate):
            return _partial_day(value, locale)
        return format_day(value)

    return formatted


# One Locale a language, the first a request used (see day_formatter).
_LOCALES: dict[str, Locale] = {}


def _partial_day(value: PartialDate, locale: Locale | None) -> str:
    if value.year is None:
        return ""
    if value.month is None:
        return str(value.year)
    day_pattern, month_pattern, _moment = _patterns(locale)
    if value.day is None:
        return _calendar_day(date(value.year, value.month, 1), month_pattern, locale)
    return _calendar_day(date(value.year, value.month, value.day), day_pattern, locale)


@lru_cache(maxsize=8192)
def _worded_iso_day(text: str, locale: Locale) -> str:
    """Each stored ISO date (a date of birth, "2014-03") worded once per process and language:
    the match queue shows about 45 a page, each parsed and checked again before."""
    try:
        return _partial_day(PartialDate.from_iso(text), locale)
    except ValueError:
        return text


def _calendar_day(day: date, pattern: str, locale: Locale | None = None) -> str:
    """A calendar day (no time of day, so no time zone) in ``pattern``, as Flask-Babel's
    ``format_date(day, pattern, rebase=False)`` writes it in the reader's locale."""
    locale = locale or get_locale()
    if locale is None:  # outside a request: Flask-Babel's own default
        return format_date(day, pattern, rebase=False)
    return _worded_day(day, pattern, locale)


@lru_cache(maxsize=8192)
def _worded_day(day: date, pattern: str, locale: Locale) -> str:
    """Each (day, pattern, language) worded once per process: a day reads the same way every
    time, and Babel's formatting was a millisecond of a list page (the match queue shows about
    45 dates of birth, a case list a date or two a row)."""
    written = _DAY_WRITERS.get(pattern)
    if written is not None:
        return written(day, locale)
    return babel_format_date(day, pattern, locale=locale)


# Each language's abbreviated month names (for "MMM"), by the locale's parts: a Locale's own
# look-up goes through Babel's data dictionaries, eight calls a day.
_MONTH_ABBREVIATIONS: dict[tuple[str | None, ...], dict[int, str]] = {}


def _month_abbreviation(locale: Locale, month: int) -> str:
    key = (locale.language, locale.territory, locale.script, locale.variant, locale.modifier)
    names = _MONTH_ABBREVIATIONS.get(key)
    if names is None:
        names = _MONTH_ABBREVIATIONS[key] = dict(locale.months["format"]["abbreviated"])
    return names[month]


# The day and month patterns of PATTERNS, written as Babel writes them without its machinery:
# most days a national list shows are new to the process (its days of birth), and Babel's
# formatting (a pattern object, a format object, a call or more a field) was some forty calls
# a day. tests/foundation/test_formats.py holds them equal to Babel's for every day of years.
_DAY_WRITERS: dict[str, Callable[[date, Locale], str]] = {
    "dd.MM.yyyy": lambda day, locale: f"{day.day:02d}.{day.month:02d}.{day.year:04d}",
    "MM.yyyy": lambda day, locale: f"{day.month:02d}.{day.year:04d}",
    "d MMM yyyy": lambda day, locale: (
        f"{day.day} {_month_abbreviation(locale, day.month)} {day.year:04d}"
    ),
    "MMM yyyy": lambda day, locale: f"{_month_abbreviation(locale, day.month)} {day.year:04d}",
}


def format_moment(value: datetime | None) -> str:
    """A moment (a timestamp) in the current language and the configured time zone."""
    if value is None:
        return ""
    return format_datetime(value, _patterns()[2])


def date_warning_text(warning: DateWarning | str, params: Mapping[str, Any] | None = None) -> str:
    """A date warning in the reader's language: a :class:`app.dates.DateWarning`, or a stored
    code with its parameters. A code this version does not know shows as the code."""
    if isinstance(warning, DateWarning):
        code, params = warning.code.value, warning.params
    else:
        code = warning
    template = DATE_WARNINGS.get(code)
    if template is None:
        return code
    try:
        return str(template) % dict(params or {})
    except (KeyError, TypeError, ValueError):  # parameters of another version
        return code


def format_share(share: float) -> str:
    """A share (0..1) as a percentage in the reader's language: "75%", "75 %"."""
    return format_percent(share)


def register_filters(app: Flask) -> None:
    app.add_template_filter(format_day, "date")
    app.add_template_filter(format_moment, "datetime")
    app.add_template_filter(format_share, "percent")
