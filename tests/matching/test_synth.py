"""The benchmark generator writes the noise the issue lists, so figures on it mean something."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from synth import Generator, write_csv


@pytest.fixture(scope="module")
def data():
    return Generator(seed=4).dataset(n_cases=400, n_records=3000)


def test_true_records_carry_every_kind_of_noise(data) -> None:
    cases = {c.key: c for c in data.cases}
    records = {r.key: r for r in data.records}
    pairs = [(cases[c], records[r]) for c, r in data.true_pairs]
    latin = sum(r.family_name.isascii() for _, r in pairs)
    russian = sum(
        any(ch in "ыэъё" for ch in r.family_name.lower() + r.given_name) for _, r in pairs
    )
    year_only = sum(r.dob_year is not None and r.dob_month is None for _, r in pairs)
    age_only = sum(r.dob_year is None and r.age is not None for _, r in pairs)
    swapped_dates = sum(
        (c.dob_month, c.dob_day) == (r.dob_day, r.dob_month) != (c.dob_day, c.dob_month)
        for c, r in pairs
    )
    year_off = sum(
        r.dob_year is not None and c.dob_year is not None and abs(r.dob_year - c.dob_year) == 1
        for c, r in pairs
    )
    for count in (latin, russian, year_only, age_only, swapped_dates, year_off):
        assert count > 0
    assert len(pairs) > 400  # a child found in several lists has several true records


def test_families_and_namesakes_are_in_the_lists(data) -> None:
    true_records = {r for _, r in data.true_pairs}
    by_surname: dict[str, int] = {}
    for record in data.records:
        if record.key not in true_records:
            by_surname[record.family_name] = by_surname.get(record.family_name, 0) + 1
    case_surnames = {c.family_name for c in data.cases}
    # Siblings and namesakes carry a case's surname without being its child.
    assert sum(by_surname.get(s, 0) for s in case_surnames) > 100


def test_csv_files_in_three_header_languages_and_two_encodings(data, tmp_path) -> None:
    paths = {p.name: p for p in write_csv(data, tmp_path)}
    assert paths["records_ru.csv"].read_bytes().decode("cp1251").startswith("№;Фамилия")
    assert paths["records_latin.csv"].read_text(encoding="utf-8").startswith("ID,Surname")
    assert paths["records_uk.csv"].read_text(encoding="utf-8").startswith("№,Прізвище")
