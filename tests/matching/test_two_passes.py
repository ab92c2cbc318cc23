"""A run above the learning size (engine.LEARNING_PAIRS) keeps only its sample while it streams,
learns from it, and scores every pair in a second stream: the same run in one process and in
several, and the same as scoring every pair with what the sample taught."""

import multiprocessing
import sys
from pathlib import Path

import pytest

from app.matching import engine, parallel
from app.matching.engine import SAMPLE_BUCKETS, LinkResult, Shard, link, sample_limit
from app.matching.entities import MatchEntity, prepare
from app.matching.parallel import link_parallel

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from synth import Generator


@pytest.fixture(scope="module")
def data() -> tuple[list[MatchEntity], list[MatchEntity]]:
    dataset = Generator(seed=5).dataset(n_cases=60, n_records=6_000)
    for number, record in enumerate(dataset.records):
        record.source = number % 2  # two sources, each learnt on its own
    return dataset.cases, dataset.records


@pytest.fixture(scope="module")
def blocked(data) -> int:
    cases, records = data
    return link(cases, records).compared


def _parts(records: list[MatchEntity], count: int) -> list:
    size = len(records) // count + 1
    return [
        (lambda start=start: iter(records[start : start + size]))
        for start in range(0, len(records), size)
    ]


def _found(result: LinkResult) -> dict:
    return {
        left: [(c.right, c.score, c.rank) for c in candidates]
        for left, candidates in result.candidates.items()
    }


def _close(one: dict, other: dict) -> None:
    assert one.keys() == other.keys() and one
    for left, found in one.items():
        assert [(right, rank) for right, _score, rank in found] == [
            (right, rank) for right, _score, rank in other[left]
        ]
        for (_r, score, _k), (_r2, score2, _k2) in zip(found, other[left], strict=True):
            assert score == pytest.approx(score2, abs=1e-9)


def _skip(left: object, right: object) -> bool:
    return right == ("record", 7)  # a pair someone decided


def test_a_run_above_the_learning_size_is_the_same_in_one_process_and_in_parts(
    data, blocked, monkeypatch
) -> None:
    cases, records = data
    # A reviewer confirmed a pair whose record is far outside the sample (about a quarter).
    pair = next(
        (c.left, c.right)
        for found in link(cases, records).candidates.values()
        for c in found
        if engine.sample_bucket(c.right) > SAMPLE_BUCKETS // 2
    )
    labels = {pair: True}
    monkeypatch.setattr(engine, "LEARNING_PAIRS", blocked // 4)
    options = {"explain": True, "skip": _skip, "known_true": 1, "learn_sources": True}
    alone = link(cases, records, labels=labels, **options)
    for count in (2, 3):
        split = link_parallel(cases, _parts(records, count), labels=labels, **options)
        assert _found(split) == _found(alone)
        assert split.compared == alone.compared > 0
        assert split.prior == alone.prior
        assert {s: f.as_dict() for s, f in split.learnt.items()} == {
            s: f.as_dict() for s, f in alone.learnt.items()
        }
    assert multiprocessing.active_children() == []
    # The labelled pair is learnt from though its record may be outside the sample.
    assert sum(found.confirmed for found in alone.learnt.values()) == 1


def test_the_second_pass_scores_as_scoring_every_pair_with_the_learnt_m(
    data, blocked, monkeypatch
) -> None:
    cases, records = data
    monkeypatch.setattr(engine, "LEARNING_PAIRS", blocked // 4)
    twice = link(cases, records, learn_sources=True)
    by_source = {source: found.parameters for source, found in twice.learnt.items()}
    every = link(cases, records, by_source=by_source)
    assert every.compared == twice.compared == blocked
    assert every.prior == twice.prior
    assert _found(every) == _found(twice)
    # A stream that cannot be read again keeps every pair, learns from the same sample and
    # scores from the observations: the same m, the same scores to 1e-9.
    once = link(cases, iter(records), learn_sources=True)
    assert {s: f.as_dict() for s, f in once.learnt.items()} == {
        s: f.as_dict() for s, f in twice.learnt.items()
    }
    assert once.prior.bits == pytest.approx(twice.prior.bits, abs=1e-9)
    _close(_found(once), _found(twice))


def test_the_stream_keeps_about_its_budget_and_every_pair_of_the_sample(data, blocked) -> None:
    cases, records = data
    budget = blocked // 5
    shard = Shard(cases)
    shard.stream((prepare(r) for r in records), budget=budget)
    kept = sum(len(hits) for _features, hits in shard.pairs)
    assert shard.blocked == blocked
    assert kept <= budget + budget // 8
    counts = shard.sample_counts()
    assert counts.sum() == blocked
    limit = sample_limit(counts, budget)
    assert 0 < limit < SAMPLE_BUCKETS
    everything = Shard(cases)
    everything.stream(prepare(r) for r in records)
    sample = {
        f.entity.key: len(hits)
        for f, hits in everything.pairs
        if engine.sample_bucket(f.entity.key) < limit
    }
    held = {f.entity.key: len(hits) for f, hits in shard.pairs}
    assert sample and sample.items() <= held.items()
    assert sum(sample.values()) <= budget


def test_a_run_below_the_learning_size_streams_once_and_keeps_every_pair(data) -> None:
    cases, records = data
    opened = []

    def stream():
        opened.append(1)
        return iter(records)

    shard = Shard(cases)
    shard.stream(stream(), budget=engine.LEARNING_PAIRS)
    assert shard.counts is None  # never needed the buckets
    assert link(cases, stream, learn_sources=True).compared > 0
    assert len(opened) == 2  # once for the shard above, once for the run


def _uneven(records: list[MatchEntity]) -> list:
    cut = len(records) * 9 // 10  # one part holds most of the pairs, past its budget
    return [lambda: iter(records[:cut]), lambda: iter(records[cut:])]


def test_a_part_past_its_budget_reads_its_records_again_and_the_run_is_the_same(
    data, blocked, monkeypatch
) -> None:
    cases, records = data
    monkeypatch.setattr(engine, "LEARNING_PAIRS", blocked // 4)
    alone = link(cases, records, learn_sources=True, explain=True)
    split = link_parallel(cases, _uneven(records), learn_sources=True, explain=True)
    # The big part's budget (its share, and an eighth more) kept fewer buckets than the run's.
    big = Shard(cases)
    big.stream(_uneven(records)[0](), budget=engine.LEARNING_PAIRS * 9 // 16)
    whole = Shard(cases)
    whole.stream(iter(records))
    assert big.limit < sample_limit(whole.sample_counts())
    assert _found(split) == _found(alone)
    assert split.prior == alone.prior
    assert {s: f.as_dict() for s, f in split.learnt.items()} == {
        s: f.as_dict() for s, f in alone.learnt.items()
    }


def test_below_the_learning_size_a_part_past_its_budget_learns_from_every_pair(
    data, blocked, monkeypatch
) -> None:
    cases, records = data
    monkeypatch.setattr(engine, "LEARNING_PAIRS", blocked)
    alone = link(cases, records, learn_sources=True)  # one pass, every pair
    split = link_parallel(cases, _uneven(records), learn_sources=True)
    # Learnt from the same pairs in the same order; scored in a second stream (quick_bits,
    # where one pass scores from the observations: the same to 1e-9).
    assert {s: f.as_dict() for s, f in split.learnt.items()} == {
        s: f.as_dict() for s, f in alone.learnt.items()
    }
    assert split.compared == alone.compared == blocked
    assert split.prior.bits == pytest.approx(alone.prior.bits, abs=1e-9)
    _close(_found(split), _found(alone))


def test_candidates_sent_in_pieces_are_all_received(data, monkeypatch) -> None:
    cases, records = data
    monkeypatch.setattr(parallel, "_PIECE", 3)
    alone = link(cases, records, explain=True)
    split = link_parallel(cases, _parts(records, 2), explain=True)
    assert len(alone.candidates) > 2 * 3
    assert _found(split) == _found(alone)
    # Each piece explained as it is sent: the same explanations.
    assert {
        left: [c.match.explanation() for c in found if c.match]
        for left, found in split.candidates.items()
    } == {
        left: [c.match.explanation() for c in found if c.match]
        for left, found in alone.candidates.items()
    }
    assert multiprocessing.active_children() == []


def _climbs(seen: list[int]) -> list[list[int]]:
    """The reports of each stream: a stream counts from 0 again."""
    climbs: list[list[int]] = [[]]
    for value in seen:
        if climbs[-1] and value < climbs[-1][-1]:
            climbs.append([])
        climbs[-1].append(value)
    return climbs


def test_the_second_stream_reports_its_progress(data, blocked, monkeypatch) -> None:
    cases, records = data
    monkeypatch.setattr(engine, "LEARNING_PAIRS", blocked // 4)
    monkeypatch.setattr(engine, "PROGRESS_EVERY", 500)
    alone: list[int] = []
    link(cases, records, learn_sources=True, progress=alone.append)
    first, second = _climbs(alone)
    every = list(range(500, len(records) + 1, 500))
    assert first == second == every
    split: list[int] = []
    link_parallel(cases, _parts(records, 2), learn_sources=True, progress=split.append)
    first, second = _climbs(split)
    # The parts' reports added up as they are heard, each part's last one, then all of them.
    for stream in (first, second):
        assert stream == sorted(stream) and len(stream) >= len(every)
        assert stream[-1] == len(records)
    assert multiprocessing.active_children() == []
