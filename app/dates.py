"""The one date parser of Reunite: partial dates, free-text date parsing and ages.

Source lists record dates of birth with whatever precision the writer had: a full date, a month
and a year, or a year only. :class:`PartialDate` keeps exactly that precision, and
:func:`parse_date` reads the forms we meet in partner spreadsheets.

Day-first rule: a date written with dots, slashes or dashes and the year last (``05.03.2014``,
``05/03/2014``, ``05-03-2014``) is ALWAYS read day.month.year, the convention in Ukraine and the
region. We never guess month-first (US) order, even when the second number is above 12: such a
date is reported as impossible so that a person looks at it. A date with the year first
(``2014-03-05``, ``2014.03.05``) is read year-month-day.

Two-digit years (``05.03.14``) are refused with a warning: for children's records a wrong century
is worse than no date.

Warnings are codes with parameters (:class:`DateWarning`), never sentences: they are stored with
import problems and shown in the reader's language by :func:`app.formats.date_warning_text`.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

MIN_YEAR = 1900
MAX_YEAR = 2100
MAX_AGE = 120

__all__ = [
    "MAX_DATE_LENGTH",
    "MAX_YEAR",
    "MIN_YEAR",
    "TWO_DIGIT_YEAR",
    "UNREADABLE",
    "DateParse",
    "DateWarning",
    "InRange",
    "PartialDate",
    "WarningCode",
    "age_in_range",
    "age_range_on",
    "age_to_birth_year_range",
    "date_problem",
    "input_text",
    "parse_age",
    "parse_date",
]


class WarningCode(StrEnum):
    """Why a date was not read; the values are stored (import problems), so never rename one."""

    UNREADABLE = "unreadable"
    TWO_DIGIT_YEAR = "two_digit_year"
    NO_YEAR = "no_year"  # a month or day without a year
    NO_MONTH = "no_month"  # a day without a month
    YEAR_OUT_OF_RANGE = "year_out_of_range"  # year, min, max
    NO_SUCH_MONTH = "no_such_month"  # month
    NO_SUCH_DAY = "no_such_day"  # day
    NO_SUCH_DAY_IN_MONTH = "no_such_day_in_month"  # day, month
    NOT_A_LEAP_YEAR = "not_a_leap_year"  # year (the day is 29 February)


@dataclass(frozen=True, slots=True)
class DateWarning:
    """What is wrong with a date: a code and its parameters (plain numbers)."""

    code: WarningCode
    params: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        """For logs and exceptions only; people read :func:`app.formats.date_warning_text`."""
        params = ", ".join(f"{name}={value}" for name, value in self.params.items())
        return f"{self.code.value}({params})" if params else self.code.value


def date_problem(
    year: int | None, month: int | None = None, day: int | None = None
) -> DateWarning | None:
    """Say what is wrong with a (partial) date, or return None when it exists."""
    if year is None:
        if month is not None or day is not None:
            return DateWarning(WarningCode.NO_YEAR)
        return None
    if not MIN_YEAR <= year <= MAX_YEAR:
        return DateWarning(
            WarningCode.YEAR_OUT_OF_RANGE, {"year": year, "min": MIN_YEAR, "max": MAX_YEAR}
        )
    if month is None:
        if day is not None:
            return DateWarning(WarningCode.NO_MONTH)
        return None
    if not 1 <= month <= 12:
        return DateWarning(WarningCode.NO_SUCH_MONTH, {"month": month})
    if day is None:
        return None
    if day < 1 or day > 31:
        return DateWarning(WarningCode.NO_SUCH_DAY, {"day": day})
    last_day = calendar.monthrange(year, month)[1]
    if day > last_day:
        if month == 2 and day == 29:
            return DateWarning(WarningCode.NOT_A_LEAP_YEAR, {"year": year})
        return DateWarning(WarningCode.NO_SUCH_DAY_IN_MONTH, {"day": day, "month": month})
    return None


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date known to day, month or year precision (or not at all: all parts None)."""

    year: int | None
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        problem = date_problem(self.year, self.month, self.day)
        if problem:
            raise ValueError(f"impossible date: {problem}")

    @property
    def precision(self) -> str:
        """ "day", "month", "year" or "unknown"."""
        if self.year is None:
            return "unknown"
        if self.month is None:
            return "year"
        if self.day is None:
            return "month"
        return "day"

    def isoformat(self) -> str:
        """ "2014-03-05", "2014-03", "2014", or "" when unknown."""
        if self.year is None:
            return ""
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
            if self.day is not None:
                text += f"-{self.day:02d}"
        return text

    @classmethod
    def from_iso(cls, text: str) -> PartialDate:
        """Inverse of :meth:`isoformat`; raises ValueError for anything else."""
        text = text.strip()
        if not text:
            return cls(None)
        match = _ISO_PARTIAL.fullmatch(text)
        if not match:
            raise ValueError(f"not an ISO partial date: {text!r}")
        year, month, day = (int(part) if part else None for part in match.groups())
        return cls(year, month, day)

    def to_date(self) -> date | None:
        """The full date when the precision is "day", else None."""
        if self.year is None or self.month is None or self.day is None:
            return None
        return date(self.year, self.month, self.day)

    def __str__(self) -> str:
        return self.isoformat()


_ISO_PARTIAL = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def input_text(value: PartialDate | date | None) -> str:
    """A date as a form field shows it, in both languages: day first with dots, the way the
    hints write it and :func:`parse_date` reads it back (``05.03.2014``, ``03.2014``, ``2014``)."""
    if value is None or (isinstance(value, PartialDate) and value.year is None):
        return ""
    parts = (value.day, value.month, value.year)  # a date or a partial date alike
    return ".".join(
        f"{part:04d}" if index == 2 else f"{part:02d}"
        for index, part in enumerate(parts)
        if part is not None
    )


@dataclass(frozen=True, slots=True)
class DateParse:
    """Result of :func:`parse_date`: a value, or None with a warning (or neither)."""

    value: PartialDate | None
    warning: DateWarning | None = None


UNREADABLE = DateWarning(WarningCode.UNREADABLE)
TWO_DIGIT_YEAR = DateWarning(WarningCode.TWO_DIGIT_YEAR)
# Longer than any way of writing a date ("05.03.2014 00:00:00.000 року" is 27 characters).
# Longer text is unreadable without a look: the clean-up expressions below retry at every
# space of a long run of spaces, so a cell of kilobytes would take minutes.
MAX_DATE_LENGTH = 60

# Trailing words meaning "year" in the three languages: "2014 р.", "2014 г.", "2014 year",
# "2014р", "2014 року", "2014 года".
_YEAR_NOISE = re.compile(
    r"\s*(?:р|г|рік|року|рр|год|года|гг|y|yr|yrs|year|years)\.?\s*$",
    re.IGNORECASE,
)
# Excel exports often add a midnight time to dates.
_TIME_SUFFIX = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")

_DAY_FIRST = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d+)")
_YEAR_FIRST = re.compile(r"(\d{4})([./-])(\d{1,2})\2(\d{1,2})")
_MONTH_YEAR = re.compile(r"(\d{1,2})[./-](\d+)")
_YEAR_MONTH = re.compile(r"(\d{4})[./-](\d{1,2})")
_YEAR = re.compile(r"\d+")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip()
    text = _TIME_SUFFIX.sub("", text)
    # Strip at most twice: "2014 р. н." is not something we try to read.
    for _ in range(2):
        stripped = _YEAR_NOISE.sub("", text)
        if stripped == text or not stripped:
            break
        text = stripped
    return text.strip()


def _build(year: int, month: int | None = None, day: int | None = None) -> DateParse:
    problem = date_problem(year, month, day)
    if problem:
        return DateParse(None, problem)
    return DateParse(PartialDate(year, month, day))


def _year_or_warning(year_text: str) -> DateWarning | None:
    if len(year_text) == 2:
        return TWO_DIGIT_YEAR
    if len(year_text) != 4:
        return UNREADABLE
    return None


def parse_date(text: str | None) -> DateParse:
    """Read a date as written in a source list.

    Accepted: ``05.03.2014``, ``5.3.2014``, ``05/03/2014``, ``05-03-2014`` (always day first),
    ``2014-03-05``, ``03.2014``, ``2014-03``, ``2014``, with surrounding spaces, a trailing
    year word (``2014 р.``, ``2014 г.``, ``2014 year``) or a midnight time from Excel.
    Empty text gives ``DateParse(None, None)``; anything else that is not a real date gives
    ``DateParse(None, warning)``, text of more than :data:`MAX_DATE_LENGTH` characters too.
    """
    if text is None:
        return DateParse(None)
    if len(text) > MAX_DATE_LENGTH:
        text = text.strip()
        if len(text) > MAX_DATE_LENGTH:
            return DateParse(None, UNREADABLE)
    cleaned = _clean(text)
    if not cleaned:
        return DateParse(None)

    if match := _YEAR_FIRST.fullmatch(cleaned):
        year, _, month, day = match.groups()
        return _build(int(year), int(month), int(day))
    if match := _DAY_FIRST.fullmatch(cleaned):
        day, _, month, year = match.groups()
        if warning := _year_or_warning(year):
            return DateParse(None, warning)
        return _build(int(year), int(month), int(day))
    if match := _YEAR_MONTH.fullmatch(cleaned):
        year, month = match.groups()
        return _build(int(year), int(month))
    if match := _MONTH_YEAR.fullmatch(cleaned):
        month, year = match.groups()
        if warning := _year_or_warning(year):
            return DateParse(None, warning)
        return _build(int(year), int(month))
    if _YEAR.fullmatch(cleaned):
        if warning := _year_or_warning(cleaned):
            return DateParse(None, warning)
        return _build(int(cleaned))
    return DateParse(None, UNREADABLE)


def age_to_birth_year_range(age: int, on: date) -> tuple[int, int]:
    """Birth years possible for someone who was ``age`` full years old on ``on``.

    Someone aged 7 on 2024-06-01 was born between 2016-06-02 and 2017-06-01, so (2016, 2017).
    Only on 31 December does the range collapse to one year. Counted in years rather than
    with dates, so that any day a person can type (``0001-01-01`` in a date field) gives a
    range instead of an error from the calendar; raises ValueError only for an age outside
    0-120.
    """
    if not 0 <= age <= MAX_AGE:
        raise ValueError(f"age {age} is outside 0-{MAX_AGE}")
    latest = on.year - age
    # Born after the same day age + 1 years earlier: the day after it is in that year,
    # unless the day is 31 December.
    earliest = latest - 1 if (on.month, on.day) != (12, 31) else latest
    return earliest, latest


class InRange(StrEnum):
    """Whether a person's age is within a range: "unknown" when what is known of the birth
    allows both answers (a year of birth, and the day decides)."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


def _full_years(on: date, year: int, month: int, day: int) -> int:
    """Full years on ``on`` of someone born on that day. Compared as (month, day), never built
    as a date, so a 29 February birthday comes on 1 March in other years."""
    return on.year - year - ((on.month, on.day) < (month, day))


def age_range_on(
    on: date,
    date_of_birth: PartialDate | None = None,
    estimated_age: int | None = None,
    estimated_on: date | None = None,
) -> tuple[int, int] | None:
    """The youngest and oldest full age a person can have on ``on``: one age from a full date
    of birth; from a month or a year of birth, the ages of someone born on its last and first
    day; from an age estimated on a day (and no date of birth), someone ``estimated_age`` years
    old that day was born after the same day ``estimated_age + 1`` years earlier and at the
    latest on that day ``estimated_age`` years earlier. None when nothing is known."""
    if date_of_birth is not None and date_of_birth.year is not None:
        year, month, day = date_of_birth.year, date_of_birth.month, date_of_birth.day
        if month is not None and day is not None:
            age = _full_years(on, year, month, day)
            return age, age
        if month is not None:
            last = calendar.monthrange(year, month)[1]
            return _full_years(on, year, month, last), _full_years(on, year, month, 1)
        return _full_years(on, year, 12, 31), _full_years(on, year, 1, 1)
    if estimated_age is None or estimated_on is None:
        return None
    latest = estimated_on.year - estimated_age
    month, day = estimated_on.month, estimated_on.day
    youngest = _full_years(on, latest, month, day)
    # Born the day after (latest - 1, month, day): a birthday past once that day is past.
    oldest = on.year - latest - ((on.month, on.day) <= (month, day)) + 1
    return youngest, oldest


def age_in_range(
    low: int,
    high: int,
    on: date,
    date_of_birth: PartialDate | None = None,
    estimated_age: int | None = None,
    estimated_on: date | None = None,
) -> InRange:
    """Whether the person is ``low`` to ``high`` full years old (both included) on ``on``, by
    :func:`age_range_on`: yes when every possible age is inside, no when none is, else unknown.
    18 to 25: yes from the 18th birthday, no from the day of the 26th."""
    ages = age_range_on(on, date_of_birth, estimated_age, estimated_on)
    if ages is None:
        return InRange.UNKNOWN
    youngest, oldest = ages
    if low <= youngest and oldest <= high:
        return InRange.YES
    if oldest < low or youngest > high:
        return InRange.NO
    return InRange.UNKNOWN


_AGE = re.compile(
    r"(?P<number>\d{1,3})\s*"
    r"(?P<unit>"
    r"(?:р|рік|роки|років|г|год|года|лет|y|yr|yrs|year|years|yo|y\.o)\.?(?:\s*old)?"
    r"|(?P<months>міс|місяць|місяці|місяців|мес|месяц|месяца|месяцев|mo|mos|month|months)\.?"
    r")?",
    re.IGNORECASE,
)


def parse_age(text: str | None) -> int | None:
    """Full years from "7", "7 років", "7 лет", "7 years", "7 р."; months count as years.

    "6 місяців" / "6 months" give 0 and "18 months" gives 1. Anything else gives None.
    """
    if text is None:
        return None
    cleaned = unicodedata.normalize("NFKC", text).strip()
    match = _AGE.fullmatch(cleaned)
    if not match:
        return None
    number = int(match["number"])
    years = number // 12 if match["months"] else number
    return years if years <= MAX_AGE else None
