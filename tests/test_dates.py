import re
from datetime import date

import pytest

from app.dates import (
    DateParse,
    DateWarning,
    PartialDate,
    WarningCode,
    age_to_birth_year_range,
    date_problem,
    parse_age,
    parse_date,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05.03.2014", "2014-03-05"),
        ("5.3.2014", "2014-03-05"),
        ("2014-03-05", "2014-03-05"),
        ("2014-3-5", "2014-03-05"),
        ("2014.03.05", "2014-03-05"),
        ("05/03/2014", "2014-03-05"),
        ("05-03-2014", "2014-03-05"),
        ("13.01.2014", "2014-01-13"),
        ("03.2014", "2014-03"),
        ("3.2014", "2014-03"),
        ("03/2014", "2014-03"),
        ("2014-03", "2014-03"),
        ("2014", "2014"),
        ("  05.03.2014  ", "2014-03-05"),
        ("\t2014\n", "2014"),
        ("2014 р.", "2014"),
        ("2014р.", "2014"),
        ("2014 р", "2014"),
        ("2014 г.", "2014"),
        ("2014г", "2014"),
        ("2014 року", "2014"),
        ("2014 года", "2014"),
        ("2014 year", "2014"),
        ("2014 Year", "2014"),
        ("05.03.2014 р.", "2014-03-05"),
        ("2014-03-05 00:00:00", "2014-03-05"),
        ("2014-03-05T00:00", "2014-03-05"),
        ("29.02.2016", "2016-02-29"),
        ("29.02.2000", "2000-02-29"),
        ("31.12.1900", "1900-12-31"),
        ("01.01.2100", "2100-01-01"),
        ("２０１４", "2014"),  # full-width digits, NFKC
    ],
)
def test_parse_date_accepts(text, expected):
    result = parse_date(text)
    assert result.warning is None
    assert result.value is not None
    assert result.value.isoformat() == expected


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("31.02.2014", "no_such_day_in_month", {"day": 31, "month": 2}),
        ("30.02.2014", "no_such_day_in_month", {"day": 30, "month": 2}),
        ("31.04.2014", "no_such_day_in_month", {"day": 31, "month": 4}),
        ("29.02.2014", "not_a_leap_year", {"year": 2014}),
        ("29.02.1900", "not_a_leap_year", {"year": 1900}),
        ("1965-13-45", "no_such_month", {"month": 13}),
        ("13.2014", "no_such_month", {"month": 13}),
        ("00.2014", "no_such_month", {"month": 0}),
        ("00.03.2014", "no_such_day", {"day": 0}),
        ("32.01.2014", "no_such_day", {"day": 32}),
        ("03.13.2014", "no_such_month", {"month": 13}),  # never month-first
        ("1899", "year_out_of_range", {"year": 1899, "min": 1900, "max": 2100}),
        ("01.01.2101", "year_out_of_range", {"year": 2101, "min": 1900, "max": 2100}),
        ("05.03.14", "two_digit_year", {}),
        ("5/3/14", "two_digit_year", {}),
        ("03.14", "two_digit_year", {}),
        ("14", "two_digit_year", {}),
        ("abc", "unreadable", {}),
        ("березень 2014", "unreadable", {}),
        ("05.03-2014", "unreadable", {}),
        ("05.03.201", "unreadable", {}),
        ("20144", "unreadable", {}),
        ("2014-03-05-01", "unreadable", {}),
        ("?", "unreadable", {}),
    ],
)
def test_parse_date_warns_with_a_code(text, code, params):
    result = parse_date(text)
    assert result.value is None
    assert result.warning == DateWarning(WarningCode(code), params)


@pytest.mark.parametrize("text", ["", "   ", None, "\t"])
def test_parse_date_empty(text):
    assert parse_date(text) == DateParse(None, None)


def test_parse_date_day_first_is_documented_and_applied():
    assert parse_date("02.03.2014").value == PartialDate(2014, 3, 2)
    assert parse_date("02/03/2014").value == PartialDate(2014, 3, 2)


@pytest.mark.parametrize(
    ("partial", "precision", "iso"),
    [
        (PartialDate(2014, 3, 5), "day", "2014-03-05"),
        (PartialDate(2014, 3), "month", "2014-03"),
        (PartialDate(2014), "year", "2014"),
        (PartialDate(None), "unknown", ""),
        (PartialDate(1900, 1, 1), "day", "1900-01-01"),
    ],
)
def test_partial_date_precision_and_iso_round_trip(partial, precision, iso):
    assert partial.precision == precision
    assert partial.isoformat() == iso
    assert str(partial) == iso
    assert PartialDate.from_iso(iso) == partial


@pytest.mark.parametrize(
    ("year", "month", "day", "code"),
    [
        (2014, 2, 31, "no_such_day_in_month(day=31, month=2)"),
        (2014, 2, 29, "not_a_leap_year(year=2014)"),
        (2014, 13, None, "no_such_month(month=13)"),
        (2014, 0, None, "no_such_month(month=0)"),
        (1899, None, None, "year_out_of_range(year=1899, min=1900, max=2100)"),
        (2101, None, None, "year_out_of_range(year=2101,"),
        (2014, None, 5, "no_month"),
        (None, 3, None, "no_year"),
    ],
)
def test_partial_date_validates(year, month, day, code):
    with pytest.raises(ValueError, match=re.escape(code)):
        PartialDate(year, month, day)
    assert str(date_problem(year, month, day)).startswith(code)


def test_partial_date_is_frozen_and_hashable():
    value = PartialDate(2014, 3, 5)
    with pytest.raises(AttributeError):
        value.year = 2015  # type: ignore[misc]
    assert {value, PartialDate(2014, 3, 5)} == {value}


@pytest.mark.parametrize(
    ("partial", "expected"),
    [(PartialDate(2014, 3, 5), date(2014, 3, 5)), (PartialDate(2014, 3), None)],
)
def test_partial_date_to_date(partial, expected):
    assert partial.to_date() == expected


@pytest.mark.parametrize("text", ["2014-3-5", "05.03.2014", "2014-13", "2014-03-05x", " x"])
def test_from_iso_rejects_non_iso(text):
    with pytest.raises(ValueError):
        PartialDate.from_iso(text)


@pytest.mark.parametrize(
    ("age", "on", "expected"),
    [
        (7, date(2024, 6, 1), (2016, 2017)),
        (0, date(2024, 6, 1), (2023, 2024)),
        (7, date(2024, 12, 31), (2017, 2017)),
        (7, date(2024, 1, 1), (2016, 2017)),
        (4, date(2024, 2, 29), (2019, 2020)),
        (17, date(2014, 3, 5), (1996, 1997)),
    ],
)
def test_age_to_birth_year_range(age, on, expected):
    assert age_to_birth_year_range(age, on) == expected


def test_age_to_birth_year_range_checks_every_birthday():
    """Brute force: every birth date in the range gives that age on the day."""
    on = date(2024, 6, 1)
    low, high = age_to_birth_year_range(9, on)
    ages = set()
    for year in (low - 1, low, high, high + 1):
        for month, day in ((1, 1), (6, 1), (6, 2), (12, 31)):
            born = date(year, month, day)
            age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
            if age == 9:
                ages.add(year)
    assert ages == {low, high}


@pytest.mark.parametrize("age", [-1, 121])
def test_age_to_birth_year_range_rejects_bad_age(age):
    with pytest.raises(ValueError):
        age_to_birth_year_range(age, date(2024, 1, 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", 7),
        (" 7 ", 7),
        ("7 років", 7),
        ("7 роки", 7),
        ("1 рік", 1),
        ("7 р.", 7),
        ("7р", 7),
        ("7 лет", 7),
        ("7 года", 7),
        ("7 г.", 7),
        ("7 years", 7),
        ("7 Years", 7),
        ("7 years old", 7),
        ("7 y.o.", 7),
        ("7 yo", 7),
        ("0", 0),
        ("6 місяців", 0),
        ("6 міс.", 0),
        ("18 месяцев", 1),
        ("18 months", 1),
        ("17", 17),
        ("", None),
        (None, None),
        ("seven", None),
        ("7.5", None),
        ("-3", None),
        ("7 km", None),
        ("200", None),
        ("близько 7", None),
    ],
)
def test_parse_age(text, expected):
    assert parse_age(text) == expected
