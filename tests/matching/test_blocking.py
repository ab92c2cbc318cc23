"""Blocking keeps every true pair of a generated benchmark and still prunes most pairs."""

import sys
from pathlib import Path

import pytest

from app.matching.blocking import BlockIndex, _keys, index_keys, probe_keys
from app.matching.entities import MatchEntity, prepare

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from synth import Generator


@pytest.fixture(scope="module")
def benchmark():
    return Generator(seed=11).dataset(n_cases=300, n_records=6000)


def blocked_pairs(cases: list[MatchEntity], records: list[MatchEntity]) -> set[tuple]:
    index = BlockIndex().add_all(prepare(c) for c in cases)
    pairs = set()
    for record in records:
        features = prepare(record)
        pairs.update((other.entity.key, record.key) for other in index.candidates(features))
    return pairs


def test_pair_completeness_on_a_generated_benchmark(benchmark) -> None:
    pairs = blocked_pairs(benchmark.cases, benchmark.records)
    lost = benchmark.true_pairs - pairs
    assert not lost, f"{len(lost)} of {len(benchmark.true_pairs)} true pairs lost"
    # ... while comparing a small share of all pairs (the reduction ratio).
    assert len(pairs) < 0.01 * len(benchmark.cases) * len(benchmark.records)


def entity(key: str, **fields: object) -> MatchEntity:
    return MatchEntity(key=key, **fields)  # type: ignore[arg-type]


CASE = entity(
    "case",
    family_name="Лисенко",
    given_name="Олександр",
    patronymic="Сергійович",
    dob_year=2014,
    dob_month=3,
    dob_day=12,
    places=("Олешки",),
)


@pytest.mark.parametrize(
    "record",
    [
        entity("ru", family_name="ЛЫСЕНКО", given_name="Александр", dob_year=2014),
        entity("swapped", family_name="Oleksandr", given_name="Lysenko", dob_year=2014),
        entity("year off", family_name="Lysenko", given_name="Sasha", dob_year=2015),
        entity("no date", family_name="Лысенко", given_name="Саша"),
        entity(
            "day/month",
            family_name="Коваль",
            given_name="Олександр",
            dob_year=2014,
            dob_month=12,
            dob_day=3,
        ),
        entity(
            "adopted",
            family_name="Коваль",
            given_name="Олександр",
            places=("Алешки",),
            dob_year=2014,
        ),
    ],
    ids=lambda e: e.key,
)
def test_noisy_spellings_share_a_block(record: MatchEntity) -> None:
    assert index_keys(prepare(CASE)) & set(probe_keys(prepare(record)))


def test_strangers_share_no_block() -> None:
    stranger = entity("x", family_name="Шевчук", given_name="Марія", dob_year=2009, dob_month=5,
                      dob_day=1, places=("Бахмут",))  # fmt: skip
    assert not index_keys(prepare(CASE)) & set(probe_keys(prepare(stranger)))


def test_oversized_blocks_are_dropped_whole() -> None:
    index = BlockIndex()
    for i in range(30):
        index.add(prepare(entity(f"c{i}", family_name=f"Name{i}", extra={"state": "nsw"})))
    assert ("x", "state", "nsw") in index.oversized
    probe = prepare(entity("r", family_name="Other", extra={"state": "nsw"}))
    assert list(index.candidates(probe)) == []


def test_fast_probe_keys_are_the_exact_keys(benchmark) -> None:
    for record in benchmark.records[:2000]:
        features = prepare(record)
        exact = _keys(features, features.surname_blocks, features.surnames, features.given, False)
        assert set(probe_keys(features)) == exact


def test_a_case_without_a_date_meets_dated_records_and_back() -> None:
    undated = entity("case", family_name="Лисенко", given_name="Олександр")
    dated = entity("r", family_name="Lysenko", given_name="Dmytro", dob_year=2014)
    assert index_keys(prepare(undated)) & set(probe_keys(prepare(dated)))
    assert index_keys(prepare(dated)) & set(probe_keys(prepare(undated)))


def test_a_place_outside_the_gazetteer_is_a_block_where_nearly_unique() -> None:
    from app.matching.blocking import BlockIndex
    from app.matching.entities import MatchEntity, prepare

    # Both names and the date slipped: only the suburb is left in common.
    case = MatchEntity(key=("case", 1), family_name="Dooley", given_name="Kynan",
                       dob_year=1931, dob_month=9, dob_day=24, places=("Woollahra",))  # fmt: skip
    record = MatchEntity(key=("record", 1), family_name="Doolqey", given_name="Kynzn",
                         places=("Woollahra",))  # fmt: skip
    index = BlockIndex().add_all([prepare(case)])
    assert [f.entity.key for f in index.candidates(prepare(record))] == [("case", 1)]


class _PlainIndex:
    """The index as it was before it was made compact: a list of entities per key tuple (a
    reference for the compact one, which must find the same cases in the same order)."""

    def __init__(self, max_block: int) -> None:
        self.blocks: dict[tuple, list] = {}
        self.max_block, self.oversized, self.any_year = max_block, set(), False

    def add(self, features) -> None:
        from app.matching.blocking import ANY_YEAR, MAX_EXTRA_BLOCK

        for key in index_keys(features):
            if key in self.oversized:
                continue
            self.any_year = self.any_year or ANY_YEAR in key
            block = self.blocks.setdefault(key, [])
            block.append(features)
            if len(block) > (MAX_EXTRA_BLOCK if key[0] == "x" else self.max_block):
                self.oversized.add(key)
                del self.blocks[key]

    def candidates(self, features) -> list:
        found = {}
        for key in probe_keys(features, self.any_year):
            for other in self.blocks.get(key, ()):
                found[id(other)] = other
        found.pop(id(features), None)
        return list(found.values())


@pytest.mark.parametrize(("seed", "max_block"), [(3, 5000), (5, 40), (8, 3)])
def test_the_compact_index_finds_what_a_plain_one_finds(seed, max_block) -> None:
    import random

    rng = random.Random(seed)
    data = Generator(seed=seed).dataset(n_cases=400, n_records=3000)
    cases = [prepare(c) for c in data.cases]
    # Random holes in the cases, so that blocks of every kind are filed: no date, no year, no
    # given name, a further field shared by a few.
    for case in data.cases[:80]:
        hole = rng.randrange(4)
        if hole == 0:
            case.dob_day = case.dob_month = None
        elif hole == 1:
            case.dob_year = case.dob_month = case.dob_day = case.age = None
        elif hole == 2:
            case.given_name = ""
        else:
            case.extra = {"passport": f"P{rng.randrange(10)}"}
        cases.append(prepare(case))
    compact, plain = BlockIndex(max_block), _PlainIndex(max_block)
    for features in cases:
        compact.add(features)
        plain.add(features)
    assert compact.oversized == plain.oversized
    assert compact.oversized or max_block == 5000  # small blocks: some were dropped
    assert compact.any_year == plain.any_year
    assert len(compact) == len(plain.blocks)
    met = 0
    for record in data.records + data.cases[:50]:
        features = prepare(record)
        found = list(compact.candidates(features))
        assert found == plain.candidates(features)  # the same cases, in the same order
        met += len(found)
    assert met > 1000
    # An indexed entity itself is never its own candidate.
    assert all(c is not cases[0] for c in compact.candidates(cases[0]))
