"""The pairs a shard keeps for its candidates are kept as numbers (engine._Kept), and a second
stream (Shard.rescore) keeps each record as its entity only, prepared again for the pairs that
turn out to be candidates: the same candidates, scores and explanations as keeping every
record's features (a national run's part kept 200,000 records' features, a tenth of them read
again)."""

import dataclasses
import random
import sys
from pathlib import Path

import pytest

from app.matching import engine
from app.matching.engine import Shard, _Kept, floor_bits, link
from app.matching.entities import (
    _FAMILY_BY_TEXT,
    _GIVEN_BY_TEXT,
    _PATRONYMIC_BY_TEXT,
    _PLACES_BY_TEXT,
    Features,
    MatchEntity,
    prepare,
    prepare_row,
    trim_caches,
)
from app.matching.scoring import DEFAULT_PARAMETERS, POSSIBLE, quick_bits

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import Generator
from test_fast_paths import _random_row


@pytest.fixture(scope="module")
def data() -> tuple[list[MatchEntity], list[MatchEntity]]:
    dataset = Generator(seed=11).dataset(n_cases=80, n_records=5_000)
    for number, record in enumerate(dataset.records):
        record.source = number % 2
    return dataset.cases, dataset.records


def _explained(result) -> dict:
    return {
        left: [(c.right, c.score, c.rank, c.match.explanation()) for c in found]
        for left, found in result.candidates.items()
    }


def test_a_second_stream_keeps_entities_and_finds_what_every_pair_kept_finds(
    data, monkeypatch
) -> None:
    cases, records = data
    blocked = link(cases, records).compared
    monkeypatch.setattr(engine, "LEARNING_PAIRS", blocked // 4)
    twice = link(cases, records, learn_sources=True, explain=True)
    by_source = {source: found.parameters for source, found in twice.learnt.items()}
    # One stream, every pair kept with its record's features (Shard.bits).
    every = link(cases, records, by_source=by_source, explain=True)
    assert twice.prior == every.prior
    found = _explained(twice)
    assert found == _explained(every)
    assert sum(len(candidates) for candidates in found.values()) > 50


def test_rescore_keeps_each_record_once_as_its_entity(data) -> None:
    cases, records = data
    shard = Shard(cases)
    shard.freq = shard.stream(prepare(r) for r in records)
    floor = floor_bits(POSSIBLE, len(cases), len(records), None)
    shard.rescore((prepare(r) for r in records), {}, floor)
    kept = shard.kept
    assert len(kept) > 100
    assert all(isinstance(record, MatchEntity) for record in kept.records)
    assert len({id(record) for record in kept.records}) == len(kept.records) < len(kept)
    # Each kept pair as it was scored: the record's features prepared again give its bits.
    by_key = {r.key: r for r in records}
    for case, features, bits, capped, params in kept:
        assert features == prepare(by_key[features.entity.key])
        assert (bits, capped) == quick_bits(case, features, shard.freq, params)
        assert bits >= floor


def test_the_store_gives_back_what_was_kept() -> None:
    records = Generator(seed=3).dataset(n_cases=3, n_records=40).records
    cases = [prepare(r) for r in records[:3]]
    kept = _Kept()
    expected = []
    rng = random.Random(2)
    other = dataclasses.replace(DEFAULT_PARAMETERS)  # equal, another object
    for number, record in enumerate(records[3:]):
        features = prepare(record)
        slot = kept.add_record(features if number % 2 else record)
        for case in rng.sample(cases, rng.randint(1, 3)):
            bits, capped = rng.uniform(-30, 30), rng.random() < 0.2
            params = other if rng.random() < 0.5 else DEFAULT_PARAMETERS
            kept.add(case, slot, bits, capped, params)
            expected.append((case, features, bits, capped, params))
    assert len(kept) == len(expected)
    assert len(kept.cases) == 3 and len(kept.params) == 2
    for (case, features, bits, capped, params), want in zip(kept, expected, strict=True):
        assert case is want[0] and features == want[1]
        assert (bits, capped) == want[2:4] and params is want[4]


def test_an_entity_prepared_again_is_the_row_prepared() -> None:
    """What a second stream relies on: prepare(prepare_row(row).entity) is prepare_row(row)."""
    rng = random.Random(8)
    records = Generator(seed=29).dataset(n_cases=10, n_records=2_000).records
    for number, entity in enumerate(records):
        features = prepare_row(_random_row(rng, number, entity))
        again = prepare(features.entity)
        assert isinstance(again, Features) and again == features


@pytest.fixture
def fresh_caches():
    """prepare_row's caches emptied after the test: once the caches under them are trimmed,
    they hold objects equal to prepare()'s but no longer the same ones (which
    test_fast_paths checks of fresh caches)."""
    yield
    for cache in (_FAMILY_BY_TEXT, _GIVEN_BY_TEXT, _PATRONYMIC_BY_TEXT, _PLACES_BY_TEXT):
        cache.clear()


def test_trimming_the_caches_under_prepare_row_changes_no_result(
    data, monkeypatch, fresh_caches
) -> None:
    """A national run's streams empty the caches under prepare_row's every TRIM_EVERY records
    (entities.trim_caches): the same features, and the same run."""
    rng = random.Random(5)
    records = Generator(seed=31).dataset(n_cases=10, n_records=1_500).records
    rows = [_random_row(rng, number, entity) for number, entity in enumerate(records)]
    before = [prepare_row(row) for row in rows]
    trim_caches()
    assert [prepare(f.entity) for f in before] == before
    assert [prepare_row(row) for row in rows] == before
    cases, streamed = data
    blocked = link(cases, streamed).compared
    monkeypatch.setattr(engine, "LEARNING_PAIRS", blocked // 4)
    untrimmed = link(cases, streamed, learn_sources=True, explain=True)
    monkeypatch.setattr(engine, "TRIM_EVERY", 7)
    trims = []
    monkeypatch.setattr(engine, "trim_caches", lambda: trims.append(trim_caches()))
    trimmed = link(cases, streamed, learn_sources=True, explain=True)
    assert len(trims) > len(streamed) // 7  # in the second stream, and the first's end
    assert _explained(trimmed) == _explained(untrimmed)
    assert trimmed.prior == untrimmed.prior
