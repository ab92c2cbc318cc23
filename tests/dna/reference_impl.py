"""An independent kinship calculation, written differently from app/dna/kinship.py.

It builds the pedigree as explicit people (the missing person, both parents, each
half-sibling's own other parent, the spouse), gives every untyped person an axis of one big
array over their genotypes, multiplies in each person's founder probability or Mendelian
transmission probability (computed allele by allele, with the stepwise mutation written out
again), and sums out every axis but the missing person's. No transmission matrices, no
factorisation over siblings' allele assignments: brute force, slow, and only for small loci.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np

MP, A, B, S = "mp", "mother", "father", "spouse"


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


def founder_frequencies(p: dict[str, float], typed: list[tuple[str, str]], theta: float):
    seen = Counter(a for pair in typed for a in pair)
    total = sum(seen.values())
    if theta == 0 or total == 0:
        return dict(p)
    return {a: (seen[a] * theta + (1 - theta) * p[a]) / (1 + (total - 1) * theta) for a in p}


def unrelated_probability(g, p, typed, theta) -> float:
    """Two alleles drawn after the typed ones, one at a time (Balding–Nichols)."""
    seen = Counter(a for pair in typed for a in pair)
    total = sum(seen.values())
    first = (seen[g[0]] * theta + (1 - theta) * p[g[0]]) / (1 + (total - 1) * theta)
    seen[g[0]] += 1
    second = (seen[g[1]] * theta + (1 - theta) * p[g[1]]) / (1 + total * theta)
    return first * second * (1 if g[0] == g[1] else 2)


def lr_table(
    alleles: list[str],
    p: dict[str, float],
    references: list[tuple[str, tuple[str, str]]],
    theta: float,
    rate: float,
    decay: float,
) -> list[float]:
    """LR for every genotype of the MP (genotypes(alleles) order). A half-sibling of unknown
    side is each side's with probability one half: average the joint over both readings."""
    gens = genotypes(alleles)
    typed_pairs = [g for _, g in references]
    unknown = [k for k, (r, _) in enumerate(references) if r == "half_sibling"]
    numerator = np.zeros(len(gens))
    for sides in itertools.product(["maternal", "paternal"], repeat=len(unknown)):
        resolved = list(references)
        for k, side in zip(unknown, sides, strict=True):
            resolved[k] = (f"{side}_half_sibling", references[k][1])
        numerator += joint_numerator(alleles, p, resolved, theta, rate, decay) / 2 ** len(unknown)
    total = numerator.sum()
    return [
        float(numerator[k] / total / unrelated_probability(g, p, typed_pairs, theta))
        if total > 0
        else 0.0
        for k, g in enumerate(gens)
    ]


def joint_numerator(alleles, p, references, theta, rate, decay) -> np.ndarray:
    """P(MP = g, the references' genotypes) over g, up to the typed founders' probabilities."""
    gens = genotypes(alleles)
    typed_pairs = [g for _, g in references]
    fp = founder_frequencies(p, typed_pairs, theta)

    def prior(g):
        return fp[g[0]] * fp[g[1]] * (1 if g[0] == g[1] else 2)

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

    for founder in [A, B, S] + [other for _, _, other in halves]:
        if founder in axis and founder != MP:
            multiply([founder], prior)
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
    return joint.reshape(len(gens), -1).sum(axis=1)
