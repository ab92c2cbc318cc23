"""link_parallel(): the stream cut into parts over processes gives exactly what link() gives."""

import multiprocessing
import sys
from pathlib import Path

import pytest

from app.matching.engine import LinkResult, Shard, link
from app.matching.entities import MatchEntity, prepare
from app.matching.parallel import _compact, link_parallel, merge_frequencies, merge_observations
from app.matching.scoring import Frequencies

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from synth import Generator


@pytest.fixture(scope="module")
def data() -> tuple[list[MatchEntity], list[MatchEntity]]:
    dataset = Generator(seed=5).dataset(n_cases=60, n_records=6_000)
    for number, record in enumerate(dataset.records):
        record.source = number % 2  # two sources, each learnt on its own
    return dataset.cases, dataset.records


def _parts(records: list[MatchEntity], count: int) -> list:
    size = len(records) // count + 1
    return [
        (lambda start=start: iter(records[start : start + size]))
        for start in range(0, len(records), size)
    ]


def _found(result: LinkResult) -> dict:
    return {
        left: [
            (c.right, c.score, c.rank, c.match.explanation() if c.match else None)
            for c in candidates
        ]
        for left, candidates in result.candidates.items()
    }


def _learnt(result: LinkResult) -> dict:
    return {source: found.as_dict() for source, found in result.learnt.items()}


def _skip(left: object, right: object) -> bool:
    return right == ("record", 7)  # a pair someone decided


def test_a_full_run_in_parts_is_the_same_run(data) -> None:
    cases, records = data
    options = {"explain": True, "skip": _skip, "known_true": 3, "learn_sources": True}
    alone = link(cases, records, **options)
    for count in (2, 3):
        split = link_parallel(cases, _parts(records, count), **options)
        assert _found(split) == _found(alone)
        assert split.compared == alone.compared > 0
        assert split.right_seen == alone.right_seen == len(records)
        assert split.prior == alone.prior
        assert _learnt(split) == _learnt(alone) != {}
        assert split.frequencies.to_dict() == alone.frequencies.to_dict()
    assert multiprocessing.active_children() == []


def test_reviewers_labels_teach_a_run_in_parts_as_they_teach_one_process(data) -> None:
    cases, records = data
    options = {"explain": True, "learn_sources": True}
    unlabelled = link(cases, records, **options)
    pairs = [(c.left, c.right) for found in unlabelled.candidates.values() for c in found]
    # Reviewers confirmed the first half of the proposals and rejected the rest.
    labels = {pair: number < len(pairs) // 2 for number, pair in enumerate(pairs[:40])}
    decided = set(labels)
    labelled = {**options, "labels": labels, "skip": lambda left, right: (left, right) in decided}
    alone = link(cases, records, **labelled)
    assert _learnt(alone) != _learnt(unlabelled)  # the labels were counted
    split = link_parallel(cases, _parts(records, 2), **labelled)
    assert _learnt(split) == _learnt(alone)
    assert _found(split) == _found(alone)
    assert multiprocessing.active_children() == []


def test_an_incremental_run_in_parts_scores_with_the_kept_frequencies(data) -> None:
    cases, records = data
    freq = Frequencies.count(prepare(record) for record in records)
    options = {"frequencies": freq, "prior_bits": -15.0, "explain": True}
    alone = link(cases[:20], records[:3000], **options)
    split = link_parallel(cases[:20], _parts(records[:3000], 2), **options)
    assert _found(split) == _found(alone) != {}
    assert split.frequencies is freq
    assert split.prior == alone.prior


def test_progress_is_reported_as_the_parts_stream_and_once_all_have(data, monkeypatch) -> None:
    from app.matching import engine

    cases, records = data
    monkeypatch.setattr(engine, "PROGRESS_EVERY", 500)
    seen: list[int] = []
    link_parallel(cases[:5], _parts(records, 2), progress=seen.append)
    # Each part's 500th, 1000th... record, the two parts' added up, as they are heard.
    assert len(seen) >= len(records) // 500
    assert seen == sorted(seen) and seen[0] == 500
    assert len(records) - 1000 < seen[-2] <= seen[-1] == len(records)  # then all streamed


def test_a_failing_part_fails_the_link_and_leaves_no_process(data) -> None:
    cases, records = data

    def broken():
        yield records[0]
        raise ValueError("the database went away")

    with pytest.raises(RuntimeError, match="ValueError"):
        link_parallel(cases, [lambda: iter(records[:100]), broken])
    assert multiprocessing.active_children() == []


def test_counts_of_parts_add_up_to_the_counts_of_the_whole(data) -> None:
    _cases, records = data
    features = [prepare(record) for record in records[:500]]
    for feature in features[:3]:
        feature.extra = {"postcode": "3000"}
    whole = Frequencies.count(features)
    merged = merge_frequencies(
        [Frequencies.count(features[:200]), None, Frequencies.count(features[200:])]
    )
    assert merged.to_dict() == whole.to_dict()


def test_a_run_through_the_database_split_over_processes_finds_the_same(fresh_database) -> None:
    """The services' split: each process reads its own id range on its own connection (the
    rolled-back test transaction cannot be seen from another connection: a database of its
    own, committed)."""
    from flask_migrate import upgrade

    from app.extensions import db
    from app.matching import services
    from app.sqlite import long_read
    from tests import factories
    from tests.conftest import app_on
    from tests.matching.conftest import make_record, make_source

    dataset = Generator(seed=9).dataset(n_cases=15, n_records=900)
    app = app_on(fresh_database())
    with app.app_context():
        upgrade()
        supervisor = factories.make_user(role="supervisor")
        for case in dataset.cases:
            factories.make_case(
                supervisor, family_name=case.family_name, given_name=case.given_name,
                patronymic=case.patronymic, dob_year=case.dob_year, dob_month=case.dob_month,
                dob_day=case.dob_day, place_of_birth=(case.places or ("",))[0],
            )  # fmt: skip
        sources = [make_source("Register A"), make_source("Register B")]
        for number, record in enumerate(dataset.records):
            make_record(
                sources[number % 2], family_name=record.family_name,
                given_name=record.given_name, patronymic=record.patronymic,
                dob_year=record.dob_year, dob_month=record.dob_month, dob_day=record.dob_day,
                place_of_birth=(record.places or ("",))[0],
            )  # fmt: skip
        run = services.new_run(full=True, trigger="manual", started_by_id=supervisor.id)
        db.session.commit()

        def outcome(processes: int, parallel_from: int) -> tuple:
            app.config.update(MATCHING_PROCESSES=processes, MATCHING_PARALLEL_FROM=parallel_from)
            with long_read():  # as run_matching scores (SQLite: a snapshot, no write lock)
                found = services._score(run.id, True, lambda done, total: None)
            db.session.rollback()
            stored = {
                pair: services._stored_values({pair: c})[pair] for pair, c in found.found.items()
            }
            return stored, found.pairs_scored, found.records_checked, found.prior, found.sources

        alone = outcome(1, 100_000)
        split = outcome(3, 1)
        assert split == alone
        assert alone[0] and alone[1] > 0 and alone[2] == len(dataset.records)
        assert len(alone[4]) == 2  # each source learnt on its own
        db.session.remove()
        db.engine.dispose()
    assert multiprocessing.active_children() == []


def test_observations_merged_without_record_keys_are_numbered_as_in_one_process(data) -> None:
    cases, records = data
    labels = {(cases[0].key, records[3].key): True}
    whole = Shard(cases)
    freq = whole.stream(iter(records))
    whole.freq = freq
    alone = whole.observations({}, labels)
    tables = []
    for part in _parts(records, 3):
        shard = Shard(cases)
        shard.stream(part())
        shard.freq = freq
        tables.append(_compact(shard.observations({}, labels)))
    # A part sends the keys of its left entities only, never a record's.
    assert all(key is None or key[0] == "l" for _obs, table in tables for key in table)
    merged = merge_observations(tables)
    assert merged.patterns == alone.patterns
    assert merged.sources.keys() == alone.sources.keys()
    for source, pairs in alone.sources.items():
        assert merged.sources[source] == pairs
    assert merged._entities == {k: n for k, n in alone._entities.items() if k[0] == "l"}
