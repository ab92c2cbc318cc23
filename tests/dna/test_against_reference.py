"""The vectorised kinship tables agree with the brute-force enumeration of
tests/dna/reference_impl.py on a thousand random families, loci and settings."""

from __future__ import annotations

import random

import numpy as np
import pytest

from app.dna.frequencies import Locus
from app.dna.kinship import LOG10_FLOOR, Relationship, Settings, locus_log10_lr
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
        theirs = reference_impl.lr_table(
            list(locus.alleles),
            dict(zip(locus.alleles, locus.p, strict=True)),
            [(str(r), g) for r, g in references],
            settings.theta,
            settings.mutation_rate,
            settings.mutation_decay,
        )
        for value, expected in zip(ours, theirs, strict=True):
            if expected == 0:
                assert value == LOG10_FLOOR
            else:
                assert value == pytest.approx(np.log10(expected), abs=1e-9)
        compared += 1
    assert compared == 100
