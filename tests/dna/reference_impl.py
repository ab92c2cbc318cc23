"""An independent kinship calculation, written differently from app/dna/kinship.py.

It builds the pedigree as explicit people (the missing person, both parents, each
half-sibling's own other parent, the spouse, and an unrelated person U), gives every untyped
person an axis of one big array over their genotypes, multiplies in the founders' joint
probability and each child's Mendelian transmission probability (computed allele by allele,
with the stepwise mutation written out again), and sums out every axis but one: the missing
person's for H1, U's for H2. With θ the founders' alleles (U's too) are one sample from the
Balding–Nichols sampling formula, whose probability depends only on how many copies of each
allele they hold: no factorisation over founders, no Chinese-restaurant expansion, no
transmission matrices; brute force, slow, and only for small loci.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

MP, A, B, S, U = "mp", "mother", "father", "spouse", "unrelated"


def genotypes(alleles: list[str]) -> list[tuple[str, str]]:
    """Unordered genotypes in the order (a_i, a_j), i <= j, of j then i (as the app indexes)."""
    return [(alleles[i], alleles[j]) for j in range(len(alleles)) for i in range(j + 1)]


def mutate(source: str, target: str, alleles: list[str], rate: float, decay: float) -> float:
    if source == target:
        return 1.0 if len(alleles) == 1 else 1 - rate

    def weight(other: str) -> float:
        steps = max(math.ceil(abs(float(source) - float(other)) - 1e-9), 1)
        return decay ** (steps - 1)

    total = sum(weight(other) for other in alleles if other != source)
    return rate * weight(target) / total


def transmit(parent: tuple[str, str], allele: str, alleles, rate, decay) -> float:
    return sum(0.5 * mutate(p, allele, alleles, rate, decay) for p in parent)


def child_probability(child, mother, father, alleles, rate, decay) -> float:
    """Mendel, with both orders of a heterozygous child spelt out."""
    x, y = child

    def t(parent, allele):
        return transmit(parent, allele, alleles, rate, decay)

    if x == y:
        return t(mother, x) * t(father, x)
    return t(mother, x) * t(father, y) + t(mother, y) * t(father, x)


def founders_probability(alleles_seen: list[str], p: dict[str, float], theta: float) -> float:
    """The probability of a multiset of founder alleles drawn one after another by the
    Balding–Nichols sampling formula, for one order of draws (every order gives the same):
    prod_a prod_{k < m_a} (k θ + (1-θ) p_a) / prod_{j < n} (1 + (j-1) θ), n alleles."""
    numerator = 1.0
    for allele, count in Counter(alleles_seen).items():
        for k in range(count):
            numerator *= k * theta + (1 - theta) * p[allele]
    denominator = 1.0
    for j in range(len(alleles_seen)):
        denominator *= 1 + (j - 1) * theta
    return numerator / denominator


def lr_table_for(
    locus: Any, references: Sequence[tuple[Any, tuple[str, str]]], settings: Any
) -> list[float]:
    """:func:`lr_table` for the product's objects (a ``Locus``, (relationship, genotype) pairs
    and ``Settings``), read by attribute only: nothing of app.dna.kinship is used."""
    return lr_table(
        list(locus.alleles),
        dict(zip(locus.alleles, locus.p, strict=True)),
        [(str(relationship), genotype) for relationship, genotype in references],
        settings.theta,
        settings.mutation_rate,
        settings.mutation_decay,
    )


def lr_table(
    alleles: list[str],
    p: dict[str, float],
    references: list[tuple[str, tuple[str, str]]],
    theta: float,
    rate: float,
    decay: float,
) -> list[float]:
    """LR for every genotype of the MP (genotypes(alleles) order): P(MP = g, references) over
    P(an unrelated person U = g, references), both from one pedigree in which U is one more
    founder. A half-sibling of unknown side is each side's with probability one half: average
    the joint over both readings."""
    gens = genotypes(alleles)
    unknown = [k for k, (r, _) in enumerate(references) if r == "half_sibling"]
    mp_joint = np.zeros(len(gens))
    unrelated_joint = np.zeros(len(gens))
    for sides in itertools.product(["maternal", "paternal"], repeat=len(unknown)):
        resolved = list(references)
        for k, side in zip(unknown, sides, strict=True):
            resolved[k] = (f"{side}_half_sibling", references[k][1])
        mp, unrelated = joint_numerator(alleles, p, resolved, theta, rate, decay)
        mp_joint += mp / 2 ** len(unknown)
        unrelated_joint += unrelated / 2 ** len(unknown)
    if mp_joint.sum() <= 0:
        return [0.0] * len(gens)
    return list((mp_joint / mp_joint.sum()) / (unrelated_joint / unrelated_joint.sum()))


def joint_numerator(alleles, p, references, theta, rate, decay) -> tuple[np.ndarray, np.ndarray]:
    """P(MP = g, references) and P(U = g, references) over g, U an unrelated founder. Every
    founder's alleles (typed or not, U included) are drawn together by the sampling formula."""
    gens = genotypes(alleles)

    known = {}
    for relationship, g in references:
        if relationship in {"mother", "father", "spouse"}:
            known[{"mother": A, "father": B, "spouse": S}[relationship]] = g
    people = [MP] + [person for person in (A, B) if person not in known]
    has_children = any(r == "child" for r, _ in references)
    if has_children and S not in known:
        people.append(S)
    halves = []
    for number, (relationship, g) in enumerate(references):
        if relationship.endswith("half_sibling"):
            other = f"half_parent_{number}"
            people.append(other)
            parent = B if relationship == "paternal_half_sibling" else A
            halves.append((g, parent, other))
    people.append(U)
    axis = {person: k for k, person in enumerate(people)}
    joint = np.ones([len(gens)] * len(people))

    def multiply(persons: list[str], function) -> None:
        """Multiply in function(genotype of each person), over the untyped ones' axes."""
        free = [q for q in persons if q not in known]
        shape = [1] * len(people)
        for q in free:
            shape[axis[q]] = len(gens)
        values = np.ones(shape)
        for combination in itertools.product(range(len(gens)), repeat=len(free)):
            chosen = dict(zip(free, combination, strict=True))
            args = [known[q] if q in known else gens[chosen[q]] for q in persons]
            index = [0] * len(people)
            for q in free:
                index[axis[q]] = chosen[q]
            values[tuple(index)] = function(*args)
        nonlocal joint
        joint = joint * values

    founders = [q for q in [A, B, S] + [other for _, _, other in halves] if q in axis or q in known]
    founders.append(U)

    # The founders' joint probability over every combination of their genotypes at once (a
    # loop over combinations would be the same, and slow): count each allele over the
    # founders, then the closed form of founders_probability per allele.
    het = np.array([1.0 if g[0] != g[1] else 0.0 for g in gens])
    allele_counts = np.array([[g.count(a) for a in alleles] for g in gens])
    counted = np.zeros([1] * len(people) + [len(alleles)])
    heterozygotes = np.zeros([1] * len(people))
    for founder in founders:
        if founder in known:
            g = known[founder]
            counted = counted + np.array([g.count(a) for a in alleles])
            heterozygotes = heterozygotes + (g[0] != g[1])
            continue
        shape = [1] * len(people)
        shape[axis[founder]] = len(gens)
        counted = counted + allele_counts.reshape([*shape, len(alleles)])
        heterozygotes = heterozygotes + het.reshape(shape)
    size = 2 * len(founders)
    per_allele = {
        a: [
            founders_probability([a] * m, p, theta)
            * math.prod(1 + (j - 1) * theta for j in range(m))
            for m in range(size + 1)
        ]
        for a in alleles
    }  # prod_{k < m} (k θ + (1-θ) p_a), the numerator of m copies of a
    weight = 2.0**heterozygotes / math.prod(1 + (j - 1) * theta for j in range(size))
    for k, a in enumerate(alleles):
        weight = weight * np.array(per_allele[a])[counted[..., k].astype(int)]
    joint = joint * weight

    multiply([MP, A, B], lambda g, m, f: child_probability(g, m, f, alleles, rate, decay))
    for relationship, g in references:
        if relationship == "full_sibling":
            multiply(
                [A, B],
                lambda m, f, g=g: child_probability(g, m, f, alleles, rate, decay),
            )
        elif relationship == "child":
            multiply(
                [MP, S],
                lambda me, s, g=g: child_probability(g, me, s, alleles, rate, decay),
            )
    for g, parent, other in halves:
        multiply(
            [parent, other],
            lambda m, o, g=g: child_probability(g, m, o, alleles, rate, decay),
        )
    flat_mp = np.moveaxis(joint, axis[MP], 0).reshape(len(gens), -1).sum(axis=1)
    flat_unrelated = np.moveaxis(joint, axis[U], 0).reshape(len(gens), -1).sum(axis=1)
    return flat_mp, flat_unrelated
