"""Synthetic people for the demo, as plain values: no database, no Flask.

Every person is invented (Faker uk_UA / ru_RU, or the common names of the showcase below). The
rules that make the demo plausible:

* ages fit the case type on the day of seeding: a child is 1 to 16 (never over 17), a prisoner
  of war 20 to 55, an adult civilian 19 to 75;
* a case's last known place is a settlement of the gazetteer and its region is that
  settlement's oblast, written as a caseworker would ("Херсонська область");
* phone numbers are in a fictional range (+380 00 555 ..), never a real subscriber's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from faker import Faker

from app.names.places import Place, place_key, places

__all__ = [
    "AGES",
    "OBLAST_NAMES",
    "Person",
    "fake_phone",
    "new_person",
    "settlements",
]

# Oblast keys of the gazetteer, as a caseworker writes the region.
OBLAST_NAMES = {
    "kherson": "Херсонська область",
    "zaporizhzhia": "Запорізька область",
    "donetsk": "Донецька область",
    "luhansk": "Луганська область",
    "kharkiv": "Харківська область",
    "mykolaiv": "Миколаївська область",
    "crimea": "Автономна Республіка Крим",
}

# Case type -> (youngest, oldest) age in whole years on the day of seeding.
AGES = {
    "child": (1, 16),
    "prisoner_of_war": (20, 55),
    "adult_civilian": (19, 75),
}


@lru_cache(maxsize=1)
def settlements() -> tuple[Place, ...]:
    """Gazetteer rows whose Ukrainian name names them alone (not Первомайськ, which is in two
    oblasts), so that a case's place and region always agree."""
    return tuple(p for p in places() if p.oblast in OBLAST_NAMES and place_key(p.uk) == p.key)


def fake_phone(rng: random.Random) -> str:
    """A number in a range no operator uses (code 00, exchange 555)."""
    return f"+380 00 555 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"


@dataclass
class Person:
    """A person as a case or a partner row states them."""

    family_name: str
    given_name: str
    patronymic: str
    sex: str  # "male" / "female"
    dob_year: int
    dob_month: int | None
    dob_day: int | None
    place: Place

    @property
    def region(self) -> str:
        return OBLAST_NAMES[self.place.oblast]

    def case_fields(self) -> dict[str, Any]:
        return {
            "family_name": self.family_name,
            "given_name": self.given_name,
            "patronymic": self.patronymic,
            "sex": self.sex,
            "dob_year": self.dob_year,
            "dob_month": self.dob_month,
            "dob_day": self.dob_day,
            "last_known_place": self.place.uk,
            "region": self.region,
        }


def birth_date(
    case_type: str, today: date, rng: random.Random
) -> tuple[int, int | None, int | None]:
    """A date of birth that makes the person an age of their case type today (some dates
    known only to the month or year, as families report them)."""
    youngest, oldest = AGES[case_type]
    # Born in year Y, a person is today.year - Y - 1 or today.year - Y years old.
    year = rng.randint(today.year - oldest, today.year - youngest - 1)
    precision = rng.random()
    month = rng.randint(1, 12) if precision < 0.85 else None
    day = rng.randint(1, 28) if month is not None and precision < 0.7 else None
    return year, month, day


def names(fake: Faker, female: bool) -> dict[str, str]:
    form = "female" if female else "male"
    return {
        "family_name": getattr(fake, f"last_name_{form}")(),
        "given_name": getattr(fake, f"first_name_{form}")(),
        "patronymic": getattr(fake, f"middle_name_{form}")(),
        "sex": form,
    }


def new_person(
    fake: Faker,
    case_type: str,
    today: date,
    rng: random.Random,
    female: bool | None = None,
    place: Place | None = None,
) -> Person:
    female = rng.random() < 0.5 if female is None else female
    if case_type == "prisoner_of_war":
        female = rng.random() < 0.08
    year, month, day = birth_date(case_type, today, rng)
    return Person(
        **names(fake, female),
        dob_year=year,
        dob_month=month,
        dob_day=day,
        place=place or rng.choice(settlements()),
    )
