"""The 18-25 flag's pure core: a person's age on a day from what is known of their birth."""

from __future__ import annotations

from datetime import date

import pytest

from app.dates import InRange, PartialDate, age_in_range, age_range_on

EXCHANGE = date(2026, 6, 15)
YES, NO, UNKNOWN = InRange.YES, InRange.NO, InRange.UNKNOWN


@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        # A full date of birth: the 18th birthday is in, the day before it is not.
        (PartialDate(2008, 6, 15), YES),
        (PartialDate(2008, 6, 16), NO),
        (PartialDate(2008, 6, 14), YES),
        # The day before the 26th birthday is in, the birthday itself is not.
        (PartialDate(2000, 6, 16), YES),
        (PartialDate(2000, 6, 15), NO),
        (PartialDate(1990, 1, 1), NO),
        # A year only: born in 2008 the person is 17 or 18 on 15 June 2026; the day decides.
        (PartialDate(2008), UNKNOWN),
        (PartialDate(2007), YES),  # 18 or 19
        (PartialDate(2001), YES),  # 24 or 25
        (PartialDate(2000), UNKNOWN),  # 25 or 26
        (PartialDate(1999), NO),  # 26 or 27
        (PartialDate(2009), NO),  # 16 or 17
        # A month and a year: born in June 2008, the 18th birthday is this month.
        (PartialDate(2008, 6), UNKNOWN),
        (PartialDate(2008, 5), YES),
        (PartialDate(2008, 7), NO),
        (PartialDate(2000, 7), YES),
        (PartialDate(2000, 6), UNKNOWN),
    ],
)
def test_aged_18_to_25_from_the_date_of_birth(birth, expected):
    assert age_in_range(18, 25, EXCHANGE, birth) == expected


def test_a_29_february_birthday_comes_on_1_march_in_other_years():
    born = PartialDate(2008, 2, 29)
    assert age_in_range(18, 25, date(2026, 2, 28), born) == NO
    assert age_in_range(18, 25, date(2026, 3, 1), born) == YES


def test_a_year_only_birth_is_certain_on_the_last_day_of_the_year():
    assert age_in_range(18, 25, date(2026, 12, 31), PartialDate(2008)) == YES
    assert age_in_range(18, 25, date(2025, 12, 31), PartialDate(2008)) == NO
    # On 1 January someone born on 1 January 2008 is 18 already, the rest are not.
    assert age_in_range(18, 25, date(2026, 1, 1), PartialDate(2008)) == UNKNOWN


@pytest.mark.parametrize(
    ("age", "estimated_on", "on", "expected"),
    [
        # 20 a year ago: 21 or 22 now.
        (20, date(2025, 6, 15), EXCHANGE, YES),
        # 17 on the exchange's day itself: not yet 18.
        (17, EXCHANGE, EXCHANGE, NO),
        # 17 a month ago: the 18th birthday may have come since.
        (17, date(2026, 5, 15), EXCHANGE, UNKNOWN),
        # 25 half a year ago: 25 or 26 now.
        (25, date(2025, 12, 15), EXCHANGE, UNKNOWN),
        (30, date(2020, 1, 1), EXCHANGE, NO),
    ],
)
def test_aged_18_to_25_from_an_estimated_age(age, estimated_on, on, expected):
    assert age_in_range(18, 25, on, None, age, estimated_on) == expected


def test_an_estimated_age_holds_on_the_day_it_was_estimated():
    assert age_range_on(EXCHANGE, None, 20, EXCHANGE) == (20, 20)
    assert age_range_on(date(2026, 6, 16), None, 20, EXCHANGE) == (20, 21)


def test_nothing_known_is_unknown():
    assert age_range_on(EXCHANGE) is None
    assert age_in_range(18, 25, EXCHANGE) == UNKNOWN
    assert age_in_range(18, 25, EXCHANGE, PartialDate(None)) == UNKNOWN
    # An age without the day it was estimated says nothing about today.
    assert age_in_range(18, 25, EXCHANGE, None, 20, None) == UNKNOWN


def test_a_date_of_birth_wins_over_an_estimate():
    assert age_in_range(18, 25, EXCHANGE, PartialDate(1990, 1, 1), 20, EXCHANGE) == NO
