"""The fast paths of a run's inner loops give exactly what the slow paths give: a blocked pair's
pattern, offset and signs straight from the features (scoring.observed_pattern) against observe,
pattern_of and reading_depends_on_m, on random pairs under random m, with every level, names
read across, further fields and counts small and large; a partner record's row prepared through
the caches of its columns' texts (entities.prepare_row) against prepare(from_record_row(row)); a
probe of the block index without the keys no case was filed under against one of every key; the
histogram of many pairs' bits at once against adding each."""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from app.matching import entities
from app.matching.blocking import BlockIndex
from app.matching.calibration import BitsHistogram
from app.matching.entities import (
    _FAMILY_BY_TEXT,
    _GIVEN_BY_TEXT,
    MatchEntity,
    from_record_row,
    prepare,
    prepare_row,
)
from app.matching.learning import Observations, pattern_of
from app.matching.scoring import (
    DEFAULT_PARAMETERS,
    Frequencies,
    Parameters,
    observe,
    observed_pattern,
    reading_depends_on_m,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from synth import Generator

_EXTRA_VALUES = {
    "document_number": ["ka123456", "ka123457", "ka124456", "kb999999", "12"],
    "street_address": ["вул. садова 12", "вул. садова 21", "пр. миру 3"],
    "postcode": ["01001", "01002", "79000"],
    "region": ["bavaria", "bavarla", "ontario"],
}


def _with_extras(rng: random.Random, entity: MatchEntity) -> MatchEntity:
    """The entity with some further fields drawn at random (one in three keeps none)."""
    if rng.random() < 0.33:
        return entity
    extra = {
        name: rng.choice(values) for name, values in _EXTRA_VALUES.items() if rng.random() < 0.6
    }
    return replace(entity, extra=extra)


def _random_m(rng: random.Random) -> Parameters:
    tables = {}
    for name in ("family_name", "given_name", "patronymic", "date_of_birth", "sex", "place"):
        drawn = {level: rng.uniform(0.001, 1.0) for level in DEFAULT_PARAMETERS.table(name)}
        total = sum(drawn.values())
        tables[name] = {level: m / total for level, m in drawn.items()}
    tables["document_number"] = {"same": 0.5, "close": 0.3, "different": 0.2}
    return DEFAULT_PARAMETERS.with_m(
        tables, sibling_cap=rng.random() < 0.5, namesake_cap=rng.random() < 0.5
    )


@pytest.fixture(scope="module")
def pairs():
    rng = random.Random(5)
    data = Generator(seed=17).dataset(n_cases=60, n_records=3_000)
    left = [prepare(_with_extras(rng, c)) for c in data.cases]
    right = [prepare(_with_extras(rng, r)) for r in data.records]
    # Each case against its own records (the levels of true pairs) and records at random.
    chosen = [(a, b) for a in left for b in rng.sample(right, 60)]
    by_key = {f.entity.key: f for f in left}
    records = {f.entity.key: f for f in right}
    chosen += [(by_key[c], records[r]) for c, r in data.true_pairs if c in by_key and r in records]
    return chosen, Frequencies.count(right)


def _slow(a, b, freq, params):
    observed = observe(a, b, freq, params)
    pattern, offset = pattern_of(observed)
    exact = reading_depends_on_m(a, b, observed)
    return pattern, offset, observed.given_conflict, observed.dob_conflict, exact


@pytest.mark.parametrize("counted", [True, False])
def test_observed_pattern_is_observe_to_the_last_bit(pairs, counted) -> None:
    chosen, freq = pairs
    freq = freq if counted else Frequencies()  # a small population: the default u
    rng = random.Random(8)
    seen: dict[str, set] = {"levels": set(), "exact": set(), "signs": set()}
    for params in [DEFAULT_PARAMETERS, *(_random_m(rng) for _ in range(4))]:
        for a, b in chosen:
            fast = observed_pattern(a, b, freq, params)
            assert fast == _slow(a, b, freq, params)
            seen["levels"].update(fast[0])
            seen["exact"].add(fast[4])
            seen["signs"].add(fast[2:4])
    # Every branch was met: each field's levels, names read across, both family signs.
    levels = seen["levels"]
    for field, level in [
        ("family_name", "same"),
        ("family_name", "close"),
        ("family_name", "different"),
        ("given_name", "same"),
        ("given_name", "different"),
        ("patronymic", "same"),
        ("patronymic", "different"),
        ("date_of_birth", "exact"),
        ("date_of_birth", "different"),
        ("date_of_birth_partial", "year"),
        ("sex", "same"),
        ("sex", "different"),
        ("place", "same"),
        ("place", "different"),
        ("document_number", "same"),
        ("document_number", "close"),
        ("document_number", "different"),
        ("postcode", "same"),
        ("region", "close"),
    ]:
        assert (field, level) in levels, (field, level)
    assert seen["exact"] == {True, False}
    assert {sign for pair in seen["signs"] for sign in pair} == {True, False}


def test_add_pattern_is_add(pairs) -> None:
    chosen, freq = pairs
    slow, fast = Observations(), Observations()
    for number, (a, b) in enumerate(chosen[:2000]):
        label = (None, True, False)[number % 3]
        source = number % 2
        lkey, rkey = a.entity.key, b.entity.key
        slow.add(source, lkey, rkey, observe(a, b, freq), label)
        pattern, offset, sibling, namesake, _exact = observed_pattern(a, b, freq)
        fast.add_pattern(source, lkey, rkey, pattern, offset, sibling, namesake, label)
    assert slow.patterns == fast.patterns
    assert slow._entities == fast._entities
    assert slow.sources == fast.sources


def _random_row(rng: random.Random, number: int, entity: MatchEntity) -> tuple:
    """A partner record's row (RECORD_ROW, then the source) with the values a list may hold:
    None or blanks for any text, spaces around a place, a region that is or is not an oblast,
    an age instead of a date, further fields or none."""

    def text(value: str) -> str | None:
        return rng.choice([value, value, value, f" {value} ", "", None, "  "])

    places = [*entity.places, "", ""]
    dated = rng.random() < 0.8
    return (
        number,
        text(entity.family_name),
        text(entity.given_name),
        text(entity.patronymic) if rng.random() < 0.7 else rng.choice(["Іванович", "Petrovna"]),
        rng.choice(["male", "female", "unknown", "", None, " M "]),
        entity.dob_year if dated else None,
        entity.dob_month if dated else None,
        entity.dob_day if dated else None,
        rng.choice([None, 7, 130, -1]) if not dated else None,
        rng.choice([None, date(2024, 6, 1), date(2023, 12, 31)]),
        text(places[1]),
        text(places[0]),
        rng.choice(["", None, "Київська", "Lvivska oblast", "Bavaria", " Ontario ", entity.region]),
        rng.choice([None, "", "КА 123456", "ka-123456"]) if rng.random() < 0.2 else None,
        rng.choice([None, "вул. Садова 12"]) if rng.random() < 0.1 else None,
        rng.choice([None, "01 001", " "]) if rng.random() < 0.1 else None,
        number % 3,
    )


def test_prepare_row_is_prepare_of_from_record_row() -> None:
    rng = random.Random(4)
    records = Generator(seed=23).dataset(n_cases=20, n_records=3_000).records
    # Every row twice: once filling the caches, once read from them.
    rows = [_random_row(rng, number, entity) for number, entity in enumerate(records)] * 2
    for row in rows:
        entity = from_record_row(row[:-1])
        entity.source = row[-1]
        slow = prepare(entity)
        fast = prepare_row(row)
        assert fast == slow
        assert fast.entity == slow.entity
        # The same shared objects where prepare shares them (a kept record costs no more).
        assert fast.surnames is slow.surnames and fast.place_keys is slow.place_keys
    assert len(_FAMILY_BY_TEXT) > 100


def test_prepare_row_follows_the_given_name_table_and_bounds_its_caches(monkeypatch) -> None:
    row = (1, "Шевчук", "Зоряна", "", "", 2015, 3, 4, None, None, "", "", "", None, None, None, 0)
    before = prepare_row(row)
    assert "Зоряна" in _GIVEN_BY_TEXT
    monkeypatch.setattr(entities, "given_names_version", lambda: -2)
    entities._by_text_of(-2)
    assert _GIVEN_BY_TEXT == {} and _FAMILY_BY_TEXT == {}  # another table: emptied
    assert prepare_row(row) == before
    small = entities._ByText(2)
    small.put("a", 1)
    small.put("b", 2)
    assert small.put("c", 3) == 3
    assert small == {"c": 3}  # full: emptied, never grown past its size


@pytest.mark.parametrize("undated", [0, 5])
def test_a_probe_leaves_out_only_keys_no_case_was_filed_under(undated) -> None:
    data = Generator(seed=29).dataset(n_cases=150, n_records=3_000)
    cases = data.cases
    for case in cases[:undated]:  # cases that know neither a year nor an age
        case.dob_year = case.dob_month = case.dob_day = case.age = None
    index = BlockIndex().add_all(prepare(c) for c in cases)
    assert index.any_year == bool(undated)
    every_key = BlockIndex().add_all(prepare(c) for c in cases)
    every_key.any_year = True  # the probe of every key, as before
    met = 0
    for record in data.records:
        features = prepare(record)
        found = list(index.candidates(features))
        assert found == list(every_key.candidates(features))  # the same, in the same order
        met += bool(found)
    assert met > 500


def test_a_histogram_of_many_pairs_is_that_of_each_pair() -> None:
    rng = np.random.default_rng(2)
    # Negative and positive bits, halves of a bin (rounded to even by both), capped or not.
    bits = np.concatenate([rng.normal(0, 20, 50_000), np.arange(-40, 40) / 8])
    capped = rng.random(len(bits)) < 0.3
    many, each = BitsHistogram(), BitsHistogram()
    many.add_many(bits, capped)
    for value, cap in zip(bits.tolist(), capped.tolist(), strict=True):
        each.add(value, cap)
    assert many.bins == each.bins
    assert list(many.bins) == sorted(many.bins)  # filled in the bins' order


def test_counting_in_batches_is_counting_each_record() -> None:
    rng = random.Random(6)
    records = Generator(seed=29).dataset(n_cases=20, n_records=2_000).records
    # Rows with blanks, further fields, regions that name no oblast; records of one spelling
    # share their sets of keys (prepare_row's caches), others have equal sets of their own.
    features = [prepare_row(_random_row(rng, n, entity)) for n, entity in enumerate(records)]
    features += [prepare(_with_extras(rng, entity)) for entity in records[:500]]
    each = Frequencies.count(features)
    batches = Frequencies()
    for start in range(0, len(features), 700):
        batches.add_many(features[start : start + 700])
    batches.add_many([])
    assert batches.to_dict() == each.to_dict()
    assert each.total == len(features) and each.extras and each.patronymics
