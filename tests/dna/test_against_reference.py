"""The vectorised kinship tables agree with the brute-force enumeration of
tests/dna/reference_impl.py on a thousand random families, loci and settings (θ in 0, 0.01,
0.03, exact in both: every founder drawn by the sampling formula)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from app.dna.frequencies import Locus
from app.dna.kinship import (
    LOG10_FLOOR,
    Family,
    Reference,
    Relationship,
    Settings,
    family_log10_lr,
    locus_log10_lr,
)
from tests.dna import reference_impl

R = Relationship
CHOICES = [
    R.MOTHER,
    R.FATHER,
    R.FULL_SIBLING,
    R.MATERNAL_HALF_SIBLING,
    R.PATERNAL_HALF_SIBLING,
    R.HALF_SIBLING,
    R.CHILD,
    R.SPOUSE,
]


def random_case(rng: random.Random):
    n = rng.choice([2, 3, 3, 4])
    alleles = sorted(rng.sample(["8", "9", "9.3", "10", "11", "12", "14"], n), key=float)
    p = np.array([rng.uniform(0.05, 1) for _ in alleles])
    p /= p.sum()
    locus = Locus("TEST", tuple(alleles), p, {a: i for i, a in enumerate(alleles)})
    relationships: list[Relationship] = []
    while not relationships:
        for _ in range(rng.randint(1, 3)):
            choice = rng.choice(CHOICES)
            if choice in {R.MOTHER, R.FATHER, R.SPOUSE} and choice in relationships:
                continue
            relationships.append(choice)
        if R.SPOUSE in relationships and R.CHILD not in relationships:
            relationships.remove(R.SPOUSE)
    # Half of the cases draw genotypes freely (inconsistent families exercise mutation).
    references = [
        (relationship, tuple(sorted(rng.choices(alleles, k=2), key=float)))
        for relationship in relationships
    ]
    settings = Settings(
        theta=rng.choice([0.0, 0.01, 0.03]),
        mutation_rate=rng.choice([0.0, 0.002, 0.01, 0.05]),
        mutation_decay=rng.choice([0.1, 0.5]),
    )
    return locus, references, settings


@pytest.mark.parametrize("seed", range(10))
def test_a_hundred_random_cases_per_seed_agree(seed):
    rng = random.Random(seed)
    compared = 0
    for _ in range(100):
        locus, references, settings = random_case(rng)
        ours = locus_log10_lr(locus, references, settings)
        assert ours is not None
        theirs = reference_impl.lr_table_for(locus, references, settings)
        for value, expected in zip(ours, theirs, strict=True):
            if expected == 0:
                assert value == LOG10_FLOOR
            else:
                assert value == pytest.approx(np.log10(expected), abs=1e-9)
        compared += 1
    assert compared == 100


def test_multi_locus_pairs_agree_with_missing_loci_skipped():
    """Whole pairs: a family typed at some loci, remains typed at others; the LR of the pair is
    the product over the loci typed on both sides, as the reference computes it locus by locus."""
    rng = random.Random(99)
    for _ in range(50):
        cases = [random_case(rng) for _ in range(4)]
        settings = cases[0][2]
        loci = {f"L{k}": locus for k, (locus, _, _) in enumerate(cases)}
        relationships = [r for r, _ in cases[0][1]]
        references = []
        for number, relationship in enumerate(relationships):
            profile = {}
            for k, (locus, _, _) in enumerate(cases):
                if rng.random() < 0.8:
                    profile[f"L{k}"] = tuple(sorted(rng.choices(locus.alleles, k=2), key=float))
            references.append(Reference(f"r{number}", relationship, profile))
        family = Family("F", tuple(references))
        remains = {
            f"L{k}": tuple(sorted(rng.choices(locus.alleles, k=2), key=float))
            for k, (locus, _, _) in enumerate(cases)
            if rng.random() < 0.8
        }
        expected = 0.0
        for marker, locus in loci.items():
            typed = [(str(r.relationship), r.profile[marker]) for r in references
                     if marker in r.profile]  # fmt: skip
            if marker not in remains or not typed:
                continue
            table = reference_impl.lr_table_for(locus, typed, settings)
            value = table[reference_impl.genotypes(list(locus.alleles)).index(remains[marker])]
            expected += max(np.log10(value), LOG10_FLOOR) if value > 0 else LOG10_FLOOR
        assert family_log10_lr(remains, family, loci, settings) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("theta", [0.01, 0.03])
def test_a_large_family_with_every_kind_of_untyped_founder_agrees(theta):
    """Two full siblings, a half-sibling of unknown side and two children of an untyped spouse:
    five extra founder alleles with θ, more than the random cases reach."""
    alleles = ("9", "10", "11")
    p = np.array([0.2, 0.5, 0.3])
    locus = Locus("TEST", alleles, p, {a: i for i, a in enumerate(alleles)})
    references = [
        (R.FULL_SIBLING, ("9", "10")),
        (R.FULL_SIBLING, ("10", "11")),
        (R.HALF_SIBLING, ("9", "9")),
        (R.CHILD, ("9", "11")),
        (R.CHILD, ("10", "11")),
    ]
    settings = Settings(theta=theta, mutation_rate=0.01, mutation_decay=0.5)
    ours = locus_log10_lr(locus, references, settings)
    assert ours is not None
    theirs = reference_impl.lr_table(
        list(alleles), dict(zip(alleles, p, strict=True)), [(str(r), g) for r, g in references],
        theta, 0.01, 0.5,
    )  # fmt: skip
    assert ours == pytest.approx(np.log10(theirs), abs=1e-9)
