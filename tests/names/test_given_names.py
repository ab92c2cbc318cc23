"""Per-row tests of data/given_names.csv: every spelling of a row finds that row, and only it."""

import csv
from collections import Counter
from pathlib import Path

import pytest

from app.names.given import given_name_keys, given_names
from app.names.text import fold, to_latin_key

CSV_PATH = Path(__file__).resolve().parents[2] / "app" / "names" / "data" / "given_names.csv"
ROWS = given_names()
ROWS_BY_FOLD: dict[str, set[str]] = {}
for _row in ROWS:
    for _spelling in (_row.canonical, *_row.variants, *_row.diminutives):
        ROWS_BY_FOLD.setdefault(fold(_spelling), set()).add(_row.canonical)


def test_csv_has_the_documented_columns():
    with CSV_PATH.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert header[:3] == ["canonical", "sex", "variants"]
    assert header == ["canonical", "sex", "variants", "diminutives"]


def test_table_covers_150_names_of_each_sex():
    counts = Counter(row.sex for row in ROWS)
    assert set(counts) == {"m", "f"}
    assert counts["m"] >= 150
    assert counts["f"] >= 150


def test_canonical_keys_are_unique_lowercase_ascii():
    canonicals = [row.canonical for row in ROWS]
    assert len(canonicals) == len(set(canonicals))
    for canonical in canonicals:
        assert canonical.isascii() and canonical == canonical.lower() and canonical.strip()


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.canonical)
def test_every_spelling_of_a_row_maps_to_its_canonical_key(row):
    assert row.variants, "a row needs at least its Ukrainian form"
    for spelling in (row.canonical, *row.variants, *row.diminutives):
        keys = given_name_keys(spelling)
        assert row.canonical in keys, spelling
        # Only the rows that list this very spelling: no accidental merge with another row.
        assert keys == ROWS_BY_FOLD[fold(spelling)], spelling


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.canonical)
def test_full_forms_are_never_ambiguous(row):
    for spelling in (row.canonical, *row.variants):
        assert given_name_keys(spelling) == {row.canonical}, spelling


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.canonical)
def test_first_variant_is_the_ukrainian_form(row):
    first = fold(row.variants[0])
    assert not first.isascii(), row.variants[0]
    assert not set(first) & set("ыэъё"), row.variants[0]


def test_shared_latin_keys_come_only_from_spellings_listed_in_both_rows():
    """Two rows may meet in the Latin skeleton only through a spelling both rows list."""
    by_latin: dict[str, set[str]] = {}
    spellings_by_latin: dict[str, set[str]] = {}
    for row in ROWS:
        for spelling in (row.canonical, *row.variants, *row.diminutives):
            key = to_latin_key(spelling)
            by_latin.setdefault(key, set()).add(row.canonical)
            spellings_by_latin.setdefault(key, set()).add(fold(spelling))
    for key, canonicals in by_latin.items():
        if len(canonicals) > 1:
            assert any(ROWS_BY_FOLD[s] == canonicals for s in spellings_by_latin[key]), (
                key,
                canonicals,
            )


AMBIGUOUS_DIMINUTIVES = {
    "саша": {"oleksandr", "oleksandra"},
    "женя": {"yevhen", "yevheniia"},
    "валя": {"valentyn", "valentyna"},
    "вітя": {"viktor", "vitalii"},
    "гоша": {"heorhii", "ihor"},
    "тима": {"tymofii", "tymur"},
    "сеня": {"arsenii", "semen"},
    "мила": {"liudmyla", "milana"},
    "аля": {"alina", "alla", "alevtyna"},
    "стася": {"anastasiia", "stanislava"},
}


@pytest.mark.parametrize(("spelling", "keys"), sorted(AMBIGUOUS_DIMINUTIVES.items()))
def test_documented_ambiguous_diminutives(spelling, keys):
    assert given_name_keys(spelling) == keys


def test_slava_is_ambiguous_across_sexes():
    keys = given_name_keys("Слава")
    assert {"viacheslav", "yaroslav", "yaroslava"} <= keys


def test_unlisted_romanisation_finds_its_row():
    assert given_name_keys("Olexandr") == {"oleksandr"}
    assert given_name_keys("Nicolai") == given_name_keys("Nikolaj") == {"mykola"}
    assert given_name_keys("Tetjana") == {"tetiana"}


def test_a_row_is_looked_up_without_indexing_every_spelling():
    """given_name_row (a father named in a candidate's notes, on the case page) reads the rows
    only: folding and romanising every spelling of the table is for the comparisons."""
    from app.names import given

    given.extend_given_names([])  # forgets what was kept, as an admin's addition does
    try:
        row = given.given_name_row("serhii")
        assert row is not None and row.variants[0] == "Сергій"
        assert given.given_name_sex("serhii") == "m"
        assert given._given_index.cache_info().currsize == 0
        # The index, built after, holds the same rows.
        assert given._given_index().rows == given._given_rows()
    finally:
        given.extend_given_names([])


def test_a_row_an_admin_adds_is_looked_up_at_once():
    from app.names import given

    assert given.given_name_row("testoslava") is None
    try:
        given.extend_given_names([("testoslava", "f", ["Тестослава"], [])])
        assert given.given_name_sex("testoslava") == "f"
    finally:
        given._EXTRA_GIVEN_NAMES.clear()
        given.extend_given_names([])
    assert given.given_name_row("testoslava") is None
