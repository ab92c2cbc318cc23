"""The batched θ form of kinship.py (founder alleles, inheritance, set partitions): a family's
table is the same alone or in a batch, bit for bit; the partition weights are the sampling
formula's; the old per-family code still agrees with the reference for the shapes left to it;
every shape of the benchmark takes the batched form."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest

from app.dna import kinship
from app.dna.frequencies import Locus
from app.dna.kinship import (
    Relationship,
    Settings,
    batched_shape,
    block_weight,
    locus_log10_lr,
    locus_log10_lrs,
    typing_shape,
)
from tests.dna import reference_impl
from tests.dna.test_against_reference import random_case

R = Relationship
ALLELES = ("8", "9", "10", "11", "12")
LOCUS = Locus(
    "TOY", ALLELES, np.array([0.1, 0.2, 0.3, 0.25, 0.15]), {a: i for i, a in enumerate(ALLELES)}
)
SHAPES = [
    [R.MOTHER],
    [R.FULL_SIBLING, R.FULL_SIBLING],
    [R.FULL_SIBLING, R.HALF_SIBLING],
    [R.MATERNAL_HALF_SIBLING, R.PATERNAL_HALF_SIBLING],
    [R.MOTHER, R.FATHER, R.FULL_SIBLING],
    [R.HALF_SIBLING, R.CHILD, R.CHILD],
    [R.FATHER, R.CHILD, R.SPOUSE],
    [R.MOTHER, R.HALF_SIBLING, R.CHILD, R.SPOUSE],
]


def typings(relationships, count, rng):
    return [
        [(r, tuple(sorted(rng.choices(ALLELES, k=2), key=float))) for r in relationships]
        for _ in range(count)
    ]


@pytest.mark.parametrize("relationships", SHAPES, ids=lambda rs: "+".join(rs))
def test_a_family_gets_the_same_table_alone_or_in_a_batch(relationships):
    """Bit for bit (what lets prepare_families split the work however it likes), and the
    same as the old per-family code to 1e-9."""
    rng = random.Random(len(relationships))
    settings = Settings(theta=0.02, mutation_rate=0.01, mutation_decay=0.5)
    many = typings(relationships, 30, rng)
    together = locus_log10_lrs(LOCUS, many, settings)
    for typed, table in zip(many, together, strict=True):
        assert table is not None
        assert np.array_equal(locus_log10_lrs(LOCUS, [typed], settings)[0], table)
        assert np.array_equal(locus_log10_lr(LOCUS, typed, settings), table)
        shape = typing_shape(LOCUS, typed)[0]
        assert batched_shape(shape)
    old = _old_code(many, settings)
    for new, previous in zip(together, old, strict=True):
        assert new == pytest.approx(previous, abs=1e-9)


def _old_code(many, settings):
    """The per-family (G_A, G_B) code, which shapes too large for the batched form use."""
    original = kinship.FAST_TERMS
    kinship.FAST_TERMS = 0
    try:
        return [locus_log10_lr(LOCUS, typed, settings) for typed in many]
    finally:
        kinship.FAST_TERMS = original


def test_the_order_of_the_references_does_not_change_the_shape_or_the_table():
    typed = [(R.FULL_SIBLING, ("9", "10")), (R.MOTHER, ("8", "9")), (R.FULL_SIBLING, ("8", "8"))]
    settings = Settings(theta=0.01)
    first = locus_log10_lr(LOCUS, typed, settings)
    for order in itertools.permutations(typed):
        assert typing_shape(LOCUS, list(order))[0] == typing_shape(LOCUS, typed)[0]
        assert np.array_equal(locus_log10_lr(LOCUS, list(order), settings), first)


def set_partitions(items):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in set_partitions(rest):
        yield [[first], *partition]
        for k in range(len(partition)):
            yield [*partition[:k], [first, *partition[k]], *partition[k + 1 :]]


@pytest.mark.parametrize("theta", [0.01, 0.03, 0.2])
@pytest.mark.parametrize("k", range(1, 7))
def test_partition_weights_sum_as_the_sampling_formula_says(k, theta):
    """Summed over the set partitions of k alleles, prod over blocks θ^(s-1) (s-1)! is the
    rising product prod_{j<k} (1 + j θ): with every value's new-draw weight summing to 1 - θ
    + θ T, the Chinese-restaurant expansion is a distribution."""
    partitions = list(set_partitions(list(range(k))))
    assert len(partitions) == [1, 1, 2, 5, 15, 52, 203][k]
    total = sum(math.prod(block_weight(theta, len(b)) for b in p) for p in partitions)
    assert total == pytest.approx(math.prod(1 + j * theta for j in range(k)), rel=1e-12)


@pytest.mark.parametrize("typed_alleles", [0, 2, 4])
@pytest.mark.parametrize("free", range(5))
def test_joint_sums_of_likelihoods_one_are_probabilities(free, typed_alleles):
    """_JointSum with every likelihood one: the ordered joint of two marked alleles after
    `free` others and the typed founders' sums to one (the sampling formula, normalised)."""
    rng = np.random.default_rng(free + typed_alleles)
    n, theta = 4, 0.05
    p = rng.dirichlet(np.ones(n))
    counts = np.zeros((1, n))
    for allele in rng.integers(0, n, typed_alleles):
        counts[0, allele] += 1
    batch = kinship._Batch(
        n,
        theta,
        np.eye(n),
        np.eye(n),
        (1 - theta) * p + theta * counts,
        {},
        typed_alleles,
    )
    into = np.zeros((1, n, n))
    terms = kinship._Terms()
    ones = np.ones((1, n))
    terms.add([ones] * free, ones, ones, 1.0, np.ones(1))
    terms.sum_into(batch, into)
    assert into.sum() == pytest.approx(1.0, rel=1e-12)
    # Two alleles after the typed ones alone: NRC II 4.10's draws, x then y.
    if free == 0:
        seen = typed_alleles
        first = ((1 - theta) * p + theta * counts[0]) / (1 + (seen - 1) * theta)
        second = ((1 - theta) * p + theta * (counts[0] + np.eye(n))) / (1 + seen * theta)
        assert into[0] == pytest.approx(first[:, None] * second, rel=1e-12)


def test_the_old_code_agrees_with_the_reference_for_the_shapes_left_to_it(monkeypatch):
    """With the batched form turned off every shape goes through _joints_with_theta, which
    must stay exact for the shapes too large for the batched form."""
    monkeypatch.setattr(kinship, "FAST_TERMS", 0)
    rng = random.Random(7)
    for _ in range(60):
        locus, references, settings = random_case(rng)
        settings = Settings(0.03, settings.mutation_rate, settings.mutation_decay)
        ours = locus_log10_lr(locus, references, settings)
        theirs = reference_impl.lr_table_for(locus, references, settings)
        expected = [max(math.log10(v), kinship.LOG10_FLOOR) if v > 0 else kinship.LOG10_FLOOR
                    for v in theirs]  # fmt: skip
        assert ours == pytest.approx(expected, abs=1e-9)


def test_large_shapes_take_the_old_code_and_the_benchmarks_take_the_batched_form():
    many = [(R.FULL_SIBLING, True)] * 6
    assert not batched_shape(tuple(many))
    table = locus_log10_lr(LOCUS, [(R.FULL_SIBLING, ("9", "10"))] * 6, Settings(theta=0.01))
    assert table is not None and np.isfinite(table).all()
    # bench/dna.py: one to three references from these, a child's other parent sometimes.
    pool = [R.MOTHER, R.FATHER, R.FULL_SIBLING, R.HALF_SIBLING, R.CHILD]
    for count in (1, 2, 3):
        for chosen in itertools.product(pool, repeat=count):
            if chosen.count(R.MOTHER) > 1 or chosen.count(R.FATHER) > 1:
                continue
            options = [[False, True] if r not in (R.MOTHER, R.FATHER) else [False] for r in chosen]
            for hets in itertools.product(*options):
                shape = list(zip(chosen, hets, strict=True))
                if R.CHILD in chosen:
                    assert batched_shape(tuple(sorted([*shape, (R.SPOUSE, False)], key=str)))
                assert batched_shape(tuple(shape))


def test_the_symmetry_pivot_is_a_choice_that_swapping_the_parents_flips():
    pivot = kinship._symmetry_pivot
    assert pivot(((R.FULL_SIBLING, False), (R.FULL_SIBLING, True))) == 1
    assert pivot(((R.FULL_SIBLING, False), (R.HALF_SIBLING, False))) == 1
    assert pivot(((R.CHILD, True), (R.SPOUSE, False))) == 0
    assert pivot(((R.FULL_SIBLING, False),)) is None  # nothing to flip
    assert pivot(((R.MOTHER, False), (R.FULL_SIBLING, True))) is None  # the parents differ
    assert pivot(((R.FULL_SIBLING, True), (R.MATERNAL_HALF_SIBLING, True))) is None


@pytest.mark.parametrize(
    "references",
    [
        [(R.FULL_SIBLING, ("9", "10")), (R.FULL_SIBLING, ("10", "11")), (R.CHILD, ("9", "11")),
         (R.CHILD, ("10", "10"))],
        [(R.HALF_SIBLING, ("9", "11")), (R.CHILD, ("9", "10")), (R.CHILD, ("10", "11"))],
        [(R.MOTHER, ("9", "10")), (R.MATERNAL_HALF_SIBLING, ("10", "11")),
         (R.PATERNAL_HALF_SIBLING, ("9", "9")), (R.FULL_SIBLING, ("9", "11"))],
        [(R.FATHER, ("11", "11")), (R.HALF_SIBLING, ("9", "10")), (R.CHILD, ("9", "11")),
         (R.SPOUSE, ("9", "10"))],
    ],
    ids=["siblings-and-children", "half-and-children", "known-sides", "father-spouse"],
)  # fmt: skip
def test_larger_batched_pedigrees_agree_with_the_reference(references):
    """Four references, more than the random cases reach, through the batched form."""
    alleles = ("9", "10", "11")
    p = np.array([0.2, 0.5, 0.3])
    locus = Locus("TEST", alleles, p, {a: i for i, a in enumerate(alleles)})
    settings = Settings(theta=0.03, mutation_rate=0.01, mutation_decay=0.5)
    assert batched_shape(typing_shape(locus, references)[0])
    ours = locus_log10_lr(locus, references, settings)
    theirs = reference_impl.lr_table_for(locus, references, settings)
    assert ours == pytest.approx(np.log10(theirs), abs=1e-9)
