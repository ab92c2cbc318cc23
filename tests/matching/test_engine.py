"""link(): candidates per case, best first, with bands, skips and frequencies."""

import sys
from pathlib import Path

import pytest

from app.matching.engine import Shard, link
from app.matching.entities import MatchEntity, from_case, from_record
from app.matching.scoring import LIKELY, Frequencies

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from synth import Generator

from tests.matching.test_scoring import CASE, LATIN, RUSSIAN

RECORDS = [
    RUSSIAN,
    LATIN,
    # A brother, a twin sister and a namesake: same family, place or names.
    MatchEntity(("record", 3), family_name="Лисенко", given_name="Дмитро",
                patronymic="Сергійович", dob_year=2011, dob_month=7, dob_day=2,
                places=("Олешки",)),
    MatchEntity(("record", 4), family_name="Лисенко", given_name="Олена",
                patronymic="Сергіївна", dob_year=2014, dob_month=3, dob_day=12,
                places=("Олешки",)),
    MatchEntity(("record", 5), family_name="Лисенко", given_name="Олександр",
                patronymic="Петрович", dob_year=2016, dob_month=1, dob_day=20,
                places=("Бахмут",)),
]  # fmt: skip


def test_issue_example_ranked_first_and_likely() -> None:
    result = link([CASE], RECORDS, explain=True)
    found = result.candidates[CASE.key]
    assert {c.right for c in found[:2]} == {("record", 1), ("record", 2)}
    assert [c.rank for c in found] == list(range(1, len(found) + 1))
    assert all(c.score >= LIKELY for c in found[:2])
    assert all(c.score < LIKELY for c in found[2:])
    assert found[0].match is not None and found[0].match.explanation()["fields"]


def test_family_and_namesakes_are_possible_at_most() -> None:
    found = {c.right: c for c in link([CASE], RECORDS).candidates[CASE.key]}
    true = min(found[("record", 1)].score, found[("record", 2)].score)
    for key in (("record", 3), ("record", 4), ("record", 5)):
        if key in found:
            assert found[key].score < LIKELY
            assert true - found[key].score > 0.3


def test_skip_and_given_frequencies() -> None:
    freq = Frequencies()
    result = link(
        [CASE], RECORDS, skip=lambda left, right: right == ("record", 1), frequencies=freq
    )
    assert ("record", 1) not in {c.right for c in result.candidates[CASE.key]}
    assert result.frequencies is freq
    assert freq.total == 0  # given frequencies are used as they are, not counted again


def test_a_side_against_itself_skips_each_entity_itself() -> None:
    result = link([CASE], [CASE], threshold=0.0)
    assert result.candidates == {}


def test_progress_is_reported() -> None:
    seen: list[int] = []
    records = Generator(seed=3).dataset(n_cases=5, n_records=10_000).records
    link([CASE], records, progress=seen.append)
    assert seen == [10_000]


class Row:
    """A duck-typed Case / PartnerRecord."""

    def __init__(self, **fields: object) -> None:
        self.__dict__.update(fields)


def test_adapters_read_cases_and_records_by_attribute() -> None:
    alias = Row(family_name="Коваль", given_name="Саша", patronymic="")
    case = Row(id=7, family_name="Лисенко", given_name="Олександр", patronymic="", sex="male",
               dob_year=2014, dob_month=None, dob_day=None, place_of_birth="Олешки",
               last_known_place="", region="", aliases=[alias])  # fmt: skip
    record = Row(id=9, family_name="Коваль", given_name="Олександр", patronymic="", sex="",
                 dob_year=2014, dob_month=None, dob_day=None, place_of_origin="Алешки")  # fmt: skip
    left, right = from_case(case), from_record(record)
    assert left.key == ("case", 7) and right.key == ("record", 9)
    assert left.aliases == (("Коваль", "Саша", ""),)
    found = link([left], [right]).candidates[left.key]
    assert found[0].score >= LIKELY  # the adoption surname is one of the case's aliases


def test_streaming_pauses_the_cycle_collector_and_gives_it_back() -> None:
    """A million records stream without full collections walking every kept entity; the
    collector is on again afterwards, also when the stream fails, and stays off if it was."""
    import gc

    cases = [MatchEntity(key=("case", 1), family_name="Коваленко", given_name="Олена")]
    states = []

    def records():
        states.append(gc.isenabled())
        yield MatchEntity(key=("record", 1), family_name="Коваленко", given_name="Олена")

    def broken():
        yield from records()
        raise ValueError("the database went away")

    assert gc.isenabled()
    Shard(cases).stream(records())
    assert states == [False] and gc.isenabled()
    with pytest.raises(ValueError):
        Shard(cases).stream(broken())
    assert gc.isenabled()
    gc.disable()
    try:
        Shard(cases).stream(records())
        assert not gc.isenabled()
    finally:
        gc.enable()
