"""Parameters as a value, and what each source teaches them (app.matching.learning)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from app.matching.engine import link
from app.matching.entities import MatchEntity, prepare
from app.matching.learning import SHRINK_PAIRS, Observations, _discounted, learn
from app.matching.scoring import (
    DEFAULT_PARAMETERS,
    M_DOB,
    M_GIVEN,
    M_SURNAME,
    Frequencies,
    Observed,
    Parameters,
    compare,
    quick_bits,
)

SURNAMES = [
    "Шевчишин",
    "Коваленко",
    "Мельник",
    "Бондар",
    "Ткачук",
    "Кравець",
    "Олійник",
    "Савчук",
    "Руденко",
    "Гончар",
    "Марченко",
    "Левченко",
    "Поліщук",
    "Лисенко",
]
PATRONYMICS = ["Іванович", "Петрович", "Сергійович", "Андрійович", "Миколайович"]
GIVEN = ["Олександр", "Марія", "Ярема", "Оксана", "Богдан", "Ірина", "Тарас", "Софія"]


def _word(rng: random.Random) -> str:
    """A made-up word of three syllables: surnames and villages that nobody else shares."""
    return "".join(rng.choice("бвгджзклмнпрстхш") + rng.choice("аоуеи") for _ in range(3)).title()


def _person(i: int, rng: random.Random) -> MatchEntity:
    return MatchEntity(
        key=("case", i),
        family_name=f"{rng.choice(SURNAMES)}{'ко' * (i % 3)}",
        given_name=rng.choice(GIVEN),
        dob_year=rng.randint(2005, 2020),
        dob_month=rng.randint(1, 12),
        dob_day=rng.randint(1, 28),
        extra={"postcode": f"{10000 + i}"},
    )


def test_default_parameters_score_exactly_as_the_constants():
    a = prepare(
        MatchEntity(
            key=1,
            family_name="Лисенко",
            given_name="Олександр",
            dob_year=2014,
            dob_month=3,
            dob_day=12,
            places=("Олешки",),
        )
    )
    b = prepare(
        MatchEntity(
            key=2,
            family_name="ЛЫСЕНКО",
            given_name="Александр",
            dob_year=2014,
            dob_month=12,
            dob_day=3,
            places=("Алешки",),
        )
    )
    match = compare(a, b)
    assert quick_bits(a, b) == quick_bits(a, b, params=Parameters())
    by_field = {f.field: f for f in match.fields}
    # The day-and-month swap takes M_DOB's m, as before parameters were a value.
    assert by_field["date_of_birth"].level == "swapped"
    assert Parameters().dob["swapped"] == M_DOB["swapped"]
    assert DEFAULT_PARAMETERS.surname == M_SURNAME and DEFAULT_PARAMETERS.given == M_GIVEN
    # A copy with other m does not change the defaults (a value, not module globals).
    other = DEFAULT_PARAMETERS.with_m({"date_of_birth": {"swapped": 0.3}})
    assert other.dob["swapped"] == 0.3 and DEFAULT_PARAMETERS.dob["swapped"] == M_DOB["swapped"]
    assert quick_bits(a, b, params=other)[0] > quick_bits(a, b)[0]
    assert Parameters.from_dict(other.as_dict()) == other


def _mixture(
    n_true: int, given_noise: float, dob_noise: float, seed: int = 1
) -> tuple[list[MatchEntity], list[MatchEntity]]:
    """Cases and one record each, the record's given name replaced at ``given_noise`` and
    its date moved at ``dob_noise``; strangers around them."""
    rng = random.Random(seed)
    cases, records = [], []
    for i in range(n_true):
        case = _person(i, rng)
        cases.append(case)
        given = case.given_name
        if rng.random() < given_noise:
            given = rng.choice([g for g in GIVEN if g != given])
        year = case.dob_year
        if rng.random() < dob_noise:
            year = (year or 2000) - 7
        records.append(
            MatchEntity(
                key=("record", i),
                family_name=case.family_name,
                given_name=given,
                dob_year=year,
                dob_month=case.dob_month,
                dob_day=case.dob_day,
                extra=dict(case.extra),
                source="list",
            )
        )
    for j in range(n_true * 3):
        stranger = _person(10_000 + j, rng)
        stranger.key, stranger.source = ("record", 10_000 + j), "list"
        records.append(stranger)
    return cases, records


def test_em_recovers_a_sources_noise_rates():
    cases, records = _mixture(1000, given_noise=0.10, dob_noise=0.08)
    learnt = link(cases, records, learn_sources=True).learnt["list"]
    m = learnt.parameters
    # Shrunk by k pseudo-pairs towards the defaults (2 %, 1 %): within a point or two.
    assert m.given["different"] == pytest.approx(0.10, abs=0.025)
    # A year moved by seven is sometimes one digit off ("2008" / "2001"): a typo.
    assert m.dob["different"] + m.dob["typo"] == pytest.approx(0.08, abs=0.025)
    assert learnt.expected_true == pytest.approx(1000, rel=0.05)
    assert learnt.moved


def test_a_small_source_stays_near_the_defaults():
    cases, records = _mixture(10, given_noise=0.5, dob_noise=0.5)
    learnt = link(cases, records, learn_sources=True).learnt["list"]
    m = learnt.parameters
    # Ten true pairs against k pseudo-pairs of the defaults.
    assert learnt.expected_true < 12
    bound = (10 * 1.0 + SHRINK_PAIRS * M_GIVEN["different"]) / (10 + SHRINK_PAIRS)
    assert M_GIVEN["different"] <= m.given["different"] <= bound
    assert m.dob["different"] < 0.06
    # Too little to tell whether the source holds families: the caps stay.
    assert m.sibling_cap and m.namesake_cap


def _family_data(siblings: bool) -> tuple[list[MatchEntity], list[MatchEntity]]:
    """300 cases with their records; with ``siblings``, a third of the cases also have a
    brother or sister in the list (same surname, patronymic, place, another given name)."""
    rng = random.Random(7)
    cases, records = [], []
    for i in range(300):
        base = _person(i, rng)
        case = MatchEntity(
            key=("case", i),
            family_name=_word(rng) + "енко",
            given_name=base.given_name,
            patronymic=rng.choice(PATRONYMICS),
            dob_year=base.dob_year,
            dob_month=base.dob_month,
            dob_day=base.dob_day,
            places=(_word(rng),),
        )
        cases.append(case)
        # A garbled given name in one record of ten, when there are no families.
        given = case.given_name
        if not siblings and i % 10 == 0:
            given = rng.choice([g for g in GIVEN if g != given])
        if not (siblings and i % 3 == 0 and i % 2 == 0):
            records.append(
                MatchEntity(
                    key=("record", i),
                    family_name=case.family_name,
                    given_name=given,
                    patronymic=case.patronymic,
                    dob_year=case.dob_year,
                    dob_month=case.dob_month,
                    dob_day=case.dob_day,
                    places=case.places,
                    source="list",
                )
            )
        if siblings and i % 3 == 0:
            records.append(
                MatchEntity(
                    key=("record", 1000 + i),
                    family_name=case.family_name,
                    given_name=rng.choice([g for g in GIVEN if g != case.given_name]),
                    patronymic=case.patronymic,
                    dob_year=case.dob_year,
                    dob_month=case.dob_month,
                    dob_day=case.dob_day,
                    places=case.places,
                    source="list",
                )
            )
    return cases, records


def test_caps_stay_where_a_source_shows_siblings():
    cases, records = _family_data(siblings=True)
    result = link(cases, records, learn_sources=True)
    assert result.learnt["list"].parameters.sibling_cap
    # A case whose own record is missing meets only its twin: capped, never likely.
    twin = result.candidates[("case", 0)][0]
    assert twin.right == ("record", 1000) and twin.score <= 0.6


def test_where_a_cap_stays_the_level_it_guards_keeps_its_default_m():
    """The twins of cases whose own record is missing are the best pairs of those cases, so
    EM takes them for true pairs with a garbled given name; where the sibling cap stays, m of
    a plainly different given name keeps its default, and the other levels make up the rest."""
    cases, records = _family_data(siblings=True)
    learnt = link(cases, records, learn_sources=True).learnt["list"].parameters
    assert learnt.sibling_cap
    assert learnt.given["different"] == pytest.approx(DEFAULT_PARAMETERS.given["different"])
    assert sum(learnt.given.values()) == pytest.approx(1.0)
    lifted = link(*_family_data(siblings=False), learn_sources=True).learnt["list"].parameters
    assert not lifted.sibling_cap
    assert lifted.given["different"] > 2 * DEFAULT_PARAMETERS.given["different"]


def test_where_a_cap_stays_the_relatives_teach_no_other_field():
    """The siblings of cases whose own record is missing, born a year later, are taken for
    those cases' true pairs; where the sibling cap stays they keep only the weight the default
    m of a different given name gives, so they no longer teach the source that a true pair's
    year is often one off (m of 0.11 before, where no true pair here has it)."""
    cases, records = _family_data(siblings=True)
    for record in records:
        if record.key[1] >= 1000:
            record.dob_year = (record.dob_year or 2010) + 1
    learnt = link(cases, records, learn_sources=True).learnt["list"].parameters
    assert learnt.sibling_cap
    assert learnt.dob["year_off"] <= DEFAULT_PARAMETERS.dob["year_off"]
    assert learnt.sex["different"] <= DEFAULT_PARAMETERS.sex["different"]


def test_only_the_guessed_pairs_at_a_guarded_level_are_discounted():
    """Two pairs at the level a kept cap guards against 98 true pairs: the default m (0.02)
    allows two, so nothing moves; with 48 more the unlabelled ones share what is left and a
    reviewer's confirmed pair keeps its weight."""
    columns = {("given_name", "same"): 0, ("given_name", "different"): 1}
    matrix = np.array([[1.0, 0.0], [0.0, 1.0]])
    default = {"given_name": dict(DEFAULT_PARAMETERS.given)}

    def discounted(same: int, different: int, confirmed: int) -> np.ndarray:
        pattern = np.array([0] * same + [1] * different)
        labelled = np.zeros(same + different, dtype=bool)
        labelled[same : same + confirmed] = True
        weights = np.ones(same + different)
        return _discounted(weights, labelled, pattern, matrix, columns, default, ["given_name"])

    assert discounted(98, 2, 0).tolist() == [1.0] * 100
    weights = discounted(98, 50, 1)
    assert weights[:99].tolist() == [1.0] * 99
    assert weights[99:].sum() == pytest.approx(0.02 / 0.98 * 98 - 1)


def test_caps_are_lifted_where_a_different_given_name_is_only_noise():
    cases, records = _family_data(siblings=False)
    result = link(cases, records, learn_sources=True)
    learnt = result.learnt["list"]
    assert not learnt.parameters.sibling_cap
    assert learnt.siblings <= 0.1 * learnt.garbled_given
    # The garbled given name is the case's own record, and likely again.
    garbled = result.candidates[("case", 0)][0]
    assert garbled.right == ("record", 0) and garbled.score >= 0.9
    # With the default parameters (caps on), the same pair is capped.
    assert link(cases, records).candidates[("case", 0)][0].score <= 0.6


def test_sources_of_one_run_are_scored_with_their_own_parameters():
    a = MatchEntity(
        key=("case", 1),
        family_name="Лисенко",
        given_name="Олександр",
        dob_year=2014,
        dob_month=3,
        dob_day=12,
    )
    rec = [
        MatchEntity(
            key=("record", i),
            family_name="Лисенко",
            given_name="Тарас",
            dob_year=2014,
            dob_month=3,
            dob_day=12,
            source=src,
        )
        for i, src in enumerate(("families", "noisy"))
    ]
    lifted = DEFAULT_PARAMETERS.with_m({}, sibling_cap=False, namesake_cap=False)
    result = link([a], rec, by_source={"noisy": lifted}, prior_bits=-14.0, explain=True)
    scores = {c.right: c for c in result.candidates[("case", 1)]}
    assert scores[("record", 0)].match is not None
    assert scores[("record", 0)].match.capped == "siblings"
    assert scores[("record", 1)].match is not None and scores[("record", 1)].match.capped == ""


def test_observations_keep_a_pattern_per_distinct_set_of_levels():
    observations = Observations()
    seen = Observed(
        [("family_name", "same", 0.01), ("sex", "same", 0.5)], 0.0, True, False, False, False
    )
    for i in range(5):
        observations.add("list", ("case", i), ("record", i), seen)
    assert len(observations.patterns) == 1
    assert len(observations.sources["list"].offset) == 5
    learnt = learn(observations, cases=5)["list"]
    assert learnt.pairs == 5 and learnt.parameters.sibling_cap
    assert Frequencies().total == 0


def _garbled_labels(
    records: list[MatchEntity], cases: list[MatchEntity], confirmed: bool, limit: int | None = None
) -> dict[tuple[object, object], bool]:
    """Reviewers' decisions on the true pairs whose record has another given name."""
    by_key = {case.key: case for case in cases}
    garbled = [
        (("case", r.key[1]), r.key)
        for r in records
        if r.key[1] < 10_000 and r.given_name != by_key[("case", r.key[1])].given_name
    ]
    return dict.fromkeys(garbled[:limit], confirmed)


def _weak_mixture() -> tuple[list[MatchEntity], list[MatchEntity]]:
    """:func:`_mixture` without the postcodes: a garbled given name leaves the pair in doubt,
    where reviewers' labels can teach the run something."""
    cases, records = _mixture(600, given_noise=0.3, dob_noise=0.3, seed=5)
    for entity in (*cases, *records):
        entity.extra = {}
    return cases, records


def _learnt_with(labels: dict[tuple[object, object], bool] | None) -> Parameters:
    cases, records = _weak_mixture()
    decided = set(labels or {})
    # As a run does: decided pairs are not scored again, but they teach the learning.
    result = link(
        cases, records, learn_sources=True, labels=labels, skip=lambda a, b: (a, b) in decided
    )
    return result.learnt["list"].parameters


def test_confirmed_pairs_raise_the_m_of_their_garbling():
    cases, records = _weak_mixture()
    base = _learnt_with(None).given["different"]
    labels = _garbled_labels(records, cases, confirmed=True)
    assert len(labels) > 100
    learnt = link(
        cases, records, learn_sources=True, labels=labels, skip=lambda a, b: (a, b) in labels
    ).learnt["list"]
    assert learnt.parameters.given["different"] > base + 0.02
    # Labels count where blocking still pairs them (both the given name and the year garbled
    # share no block here).
    assert 100 < learnt.confirmed <= len(labels) and learnt.rejected == 0
    assert learnt.as_dict()["confirmed"] == learnt.confirmed


def test_three_labels_barely_move_a_source():
    cases, records = _weak_mixture()
    base = _learnt_with(None).given["different"]
    three = _learnt_with(_garbled_labels(records, cases, confirmed=True, limit=3))
    assert abs(three.given["different"] - base) < 0.01


def test_rejected_pairs_lower_the_m_of_their_garbling():
    # With the postcodes EM takes the garbled given names for true pairs (m near 0.3);
    # reviewers who rejected them say otherwise.
    cases, records = _mixture(600, given_noise=0.3, dob_noise=0.3, seed=5)
    labels = _garbled_labels(records, cases, confirmed=False)

    def learnt(labels: dict[tuple[object, object], bool] | None) -> Parameters:
        result = link(
            cases,
            records,
            learn_sources=True,
            labels=labels,
            skip=lambda a, b: (a, b) in (labels or {}),
        )
        return result.learnt["list"].parameters

    assert learnt(labels).given["different"] < learnt(None).given["different"] - 0.05


def test_a_source_without_labels_learns_exactly_as_before():
    cases, records = _mixture(300, given_noise=0.2, dob_noise=0.1, seed=3)
    other = [
        MatchEntity(
            key=("record", 50_000 + i),
            family_name=c.family_name,
            given_name=c.given_name,
            dob_year=c.dob_year,
            dob_month=c.dob_month,
            dob_day=c.dob_day,
            source="other",
        )
        for i, c in enumerate(cases[:100])
    ]
    plain = link(cases, records + other, learn_sources=True).learnt
    labels = {(("case", i), ("record", 50_000 + i)): True for i in range(40)}
    labelled = link(cases, records + other, learn_sources=True, labels=labels).learnt
    assert labelled["list"] == plain["list"]
    assert labelled["other"].confirmed == 40
    assert link(cases, records + other, learn_sources=True, labels={}).learnt == plain
