"""Dates and times in the reader's language: one explicit format per language, everywhere.

Babel's "short" formats mixed "11/30/26, 7:13 PM" (English) with ISO dates written by hand in
templates; these two filters are the only way a page shows a date (``|date``) or a moment
(``|datetime``). Ukrainian writes the day first with dots, as the forms' hints do
(``05.03.2014``, ``05.03.2014 19:13``); English names the month, so that no reader takes
5 March for 3 May (``5 Mar 2014``, ``5 Mar 2014, 19:13``). Both use a 24-hour clock.

A partial date (a date of birth known to the month or the year) keeps its precision:
``03.2014`` / ``Mar 2014``, ``2014``. Times are shown in the configured time zone
(``BABEL_DEFAULT_TIMEZONE``).
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale

from app.dates import PartialDate

__all__ = ["PATTERNS", "format_day", "format_moment", "register_filters"]

# (day, month and year, moment) per language, as Babel (CLDR) patterns.
PATTERNS: dict[str, tuple[str, str, str]] = {
    "uk": ("dd.MM.yyyy", "MM.yyyy", "dd.MM.yyyy HH:mm"),
    "en": ("d MMM yyyy", "MMM yyyy", "d MMM yyyy, HH:mm"),
}


def _patterns() -> tuple[str, str, str]:
    locale = get_locale()
    return PATTERNS.get(locale.language if locale else "en", PATTERNS["en"])


def format_day(value: date | PartialDate | str | None) -> str:
    """A day (or a partial date, or its ISO text as stored: "2014-03") in the current
    language; "" for nothing, and text that is not an ISO date as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            return format_day(PartialDate.from_iso(value))
        except ValueError:
            return value
    if isinstance(value, datetime):
        return format_date(value, _patterns()[0])  # the day where the reader is
    if isinstance(value, date):
        return format_date(value, _patterns()[0], rebase=False)
    if value.year is None:
        return ""
    if value.month is None:
        return str(value.year)
    day_pattern, month_pattern, _moment = _patterns()
    if value.day is None:
        return format_date(date(value.year, value.month, 1), month_pattern, rebase=False)
    return format_date(date(value.year, value.month, value.day), day_pattern, rebase=False)


def format_moment(value: datetime | None) -> str:
    """A moment (a timestamp) in the current language and the configured time zone."""
    if value is None:
        return ""
    return format_datetime(value, _patterns()[2])


def register_filters(app: Flask) -> None:
    app.add_template_filter(format_day, "date")
    app.add_template_filter(format_moment, "datetime")
