"""Bits scored from the observations (scoring.pattern_bits, numpy over all pairs) are the bits
quick_bits gives pair by pair, and a run scored that way finds what comparing every pair again
found."""

import random
import sys
from pathlib import Path

import numpy as np
import pytest

from app.matching import engine
from app.matching.engine import SAMPLE_BUCKETS, Shard, floor_bits, link
from app.matching.entities import MatchEntity, prepare
from app.matching.learning import Observations
from app.matching.parallel import link_parallel
from app.matching.scoring import (
    DEFAULT_PARAMETERS,
    POSSIBLE,
    Frequencies,
    Parameters,
    observe,
    pattern_bits,
    quick_bits,
    reading_depends_on_m,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from synth import Generator


@pytest.fixture(scope="module")
def data() -> tuple[list[MatchEntity], list[MatchEntity], set]:
    dataset = Generator(seed=11).dataset(n_cases=80, n_records=4_000)
    for number, record in enumerate(dataset.records):
        record.source = number % 2
    return dataset.cases, dataset.records, dataset.true_pairs


def _random_m(rng: random.Random, defaults: Parameters) -> Parameters:
    """Parameters with every m table drawn at random (as a learnt source's could be), and the
    caps on or off."""
    tables = {}
    for name in ("family_name", "given_name", "patronymic", "date_of_birth", "sex", "place"):
        table = defaults.table(name)
        drawn = {level: rng.uniform(0.001, 1.0) for level in table}
        total = sum(drawn.values())
        tables[name] = {level: m / total for level, m in drawn.items()}
    return defaults.with_m(tables, sibling_cap=rng.random() < 0.5, namesake_cap=rng.random() < 0.5)


def test_pattern_bits_are_quick_bits_for_every_level_cap_and_learnt_m(data) -> None:
    cases, records, true_pairs = data
    rng = random.Random(3)
    left = [prepare(c) for c in cases]
    right = [prepare(r) for r in records]
    freq = Frequencies.count(right)
    # Every case against its own records and as many at random: every level turns up.
    pairs = [(a, b) for a in left for b in rng.sample(right, 120)]
    by_key = {f.entity.key: f for f in left + right}
    pairs += [(by_key[case], by_key[record]) for case, record in sorted(true_pairs, key=str)]
    observations = Observations()
    exact: list[bool] = []
    for a, b in pairs:
        observed = observe(a, b, freq, DEFAULT_PARAMETERS)
        observations.add(b.entity.source, a.entity.key, b.entity.key, observed)
        exact.append(reading_depends_on_m(a, b, observed))
    levels = {level for pattern in observations.patterns for level in pattern}
    assert {("date_of_birth", lv) for lv in ("exact", "swapped", "year_off", "different")} <= levels
    assert {("family_name", lv) for lv in ("same", "close", "different")} <= levels
    assert {("given_name", "different"), ("place", "same"), ("sex", "different")} <= levels
    assert any(exact)  # names read across
    patterns = list(observations.patterns)
    checked = capped_seen = 0
    for round_ in range(6):
        by_source = {
            s: _random_m(random.Random(round_ * 10 + s), DEFAULT_PARAMETERS) for s in (0, 1)
        }
        for source, source_pairs in observations.sources.items():
            params = by_source[source]
            bits, capped = pattern_bits(
                patterns,
                np.frombuffer(source_pairs.pattern, dtype=np.int64),
                np.frombuffer(source_pairs.offset, dtype=np.float64),
                np.frombuffer(source_pairs.sibling_sign, dtype=np.int8),
                np.frombuffer(source_pairs.namesake_sign, dtype=np.int8),
                params,
            )
            mine = [
                (p, e) for p, e in zip(pairs, exact, strict=True) if p[1].entity.source == source
            ]
            for ((a, b), depends), got, got_capped in zip(mine, bits, capped, strict=True):
                want, want_capped = quick_bits(a, b, freq, params)
                if depends:
                    continue  # scored pair by pair
                assert got == pytest.approx(want, abs=1e-9)
                assert got_capped == want_capped
                checked += 1
                capped_seen += bool(got_capped)
    assert checked > 40_000 and capped_seen > 100


def _kept(shard: Shard) -> dict:
    return {
        (a.entity.key, b.entity.key): (bits, capped) for a, b, bits, capped, _params in shard.kept
    }


def test_a_shard_scores_from_its_observations_what_quick_bits_scores(data) -> None:
    cases, records, _true = data
    learnt = link(cases, records, learn_sources=True).learnt
    by_source = {source: found.parameters for source, found in learnt.items()}
    floor = floor_bits(POSSIBLE, len(cases), len(records), None)
    shards = []
    for observed in (True, False):
        shard = Shard(cases)
        shard.freq = shard.stream(iter(records))
        if observed:
            shard.observations({}, {}, floor)
            # The records no pair of which can reach the floor are let go.
            assert sum(r is None for r in shard.records) > 0
        histogram, compared = shard.bits(by_source, floor)
        shards.append((shard, histogram, compared))
    (new, new_histogram, new_compared), (old, old_histogram, old_compared) = shards
    assert new_compared == old_compared > 0
    assert new_histogram.bins == old_histogram.bins
    new_kept, old_kept = _kept(new), _kept(old)
    assert new_kept.keys() == old_kept.keys() and new_kept
    for pair, (bits, capped) in old_kept.items():
        assert new_kept[pair][0] == pytest.approx(bits, abs=1e-9)
        assert new_kept[pair][1] == capped


def test_a_run_above_the_learning_size_learns_from_a_sample_of_records(data, monkeypatch) -> None:
    cases, records, _true = data
    everything = link(cases, records, learn_sources=True)
    monkeypatch.setattr(engine, "LEARNING_PAIRS", everything.compared // 4)
    sample = link(cases, records, learn_sources=True)
    for source, found in sample.learnt.items():
        # About a quarter of the pairs, every pair of a sampled record.
        assert (
            0.15 * everything.learnt[source].pairs
            < found.pairs
            < 0.35 * everything.learnt[source].pairs
        )
    # Every pair is still scored, with what the sample taught.
    assert sample.compared == everything.compared
    # The same records in any order and any process.
    limit = SAMPLE_BUCKETS // 4
    keys = [r.key for r in records]
    picked = {k for k in keys if engine.sampled(k, limit)}
    assert picked == {k for k in reversed(keys) if engine.sampled(k, limit)}
    split = link_parallel(cases, _parts(records, 2), learn_sources=True)
    assert {s: f.as_dict() for s, f in split.learnt.items()} == {
        s: f.as_dict() for s, f in sample.learnt.items()
    }
    assert split.prior == sample.prior


def _parts(records: list[MatchEntity], count: int) -> list:
    size = len(records) // count + 1
    return [
        (lambda start=start: iter(records[start : start + size]))
        for start in range(0, len(records), size)
    ]
