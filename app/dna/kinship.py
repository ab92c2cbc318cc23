"""Kinship likelihood ratios through a family's pedigree, per locus and over many loci.

H1: the remains are the family's missing person (MP); H2: they are an unrelated person. The
references are typed relatives of the MP. Per locus we compute, for EVERY genotype g of the
locus, P(MP = g | references, pedigree) by summing over the genotypes of the untyped people
(the MP's parents, a spouse, the other parents of half-siblings), and divide by P(g) under H2.
That table (log10) is what screening gathers from, so a remains profile costs one lookup per
locus and family.

The pedigree (see Relationship): parents A (mother) and B (father) of the MP, full siblings
(children of A and B), half-siblings (a child of A, of B, or of either with probability one
half, and of an untyped other parent of their own), children of the MP (all with one other
parent: the spouse, typed or not).

Computation without enumerating joint genotypes: the MP's alleles come one from A and one from
B. With transmission matrix T[G, a] (the probability that a parent of genotype G passes allele
a, mutation included), Q[x, y] = P(A passes x, B passes y, references' data) factorises into
sums over A's and B's genotypes once full siblings' alleles are assigned to a parent (each
heterozygous sibling has two assignments; we sum over them). Children of the MP multiply a
factor C(g) that sums over the spouse's genotype.

θ (F_ST): the direct-match probability uses NRC II 4.10 exactly. In kinship it is applied in
two places, an approximation documented in docs/dna.md: the H2 probability of g is the
Balding–Nichols sampling probability of two more alleles after the family's typed alleles
(counting related people's alleles as independent draws, which over-counts shared alleles and
so lowers the LR: conservative), and the untyped founders' alleles under H1 are drawn from
the θ-adjusted frequencies (m_a θ + (1-θ) p_a) / (1 + (M-1) θ) given the same alleles.
With θ = 0 both are exact.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from app.dna.frequencies import Locus
from app.dna.markers import Genotype, Profile, allele_value

MAX_FULL_SIBLINGS = 8  # 2^8 assignments per locus at most; more adds nothing a person needs
MAX_UNKNOWN_SIDE = 4  # half-siblings of unknown side: 2^4 side assignments at most
LOG10_FLOOR = -30.0  # log10 of a zero probability (only reached when mutation is turned off)


class Relationship(StrEnum):
    MOTHER = "mother"
    FATHER = "father"
    FULL_SIBLING = "full_sibling"
    MATERNAL_HALF_SIBLING = "maternal_half_sibling"
    PATERNAL_HALF_SIBLING = "paternal_half_sibling"
    HALF_SIBLING = "half_sibling"  # side unknown: either parent's child, half each
    CHILD = "child"
    SPOUSE = "spouse"  # the other parent of the MP's children; only through a shared child


@dataclass(frozen=True)
class Reference:
    id: str
    relationship: Relationship
    profile: Profile


@dataclass(frozen=True)
class Family:
    id: str
    references: tuple[Reference, ...]

    def problems(self) -> list[str]:
        """Pedigrees we cannot compute; a family with any is not screened."""
        counts = {r: 0 for r in Relationship}
        for ref in self.references:
            counts[ref.relationship] += 1
        found = [
            f"more than one {name}"
            for name in (Relationship.MOTHER, Relationship.FATHER, Relationship.SPOUSE)
            if counts[name] > 1
        ]
        if counts[Relationship.SPOUSE] and not counts[Relationship.CHILD]:
            found.append("a spouse without a shared child says nothing about the missing person")
        if counts[Relationship.FULL_SIBLING] > MAX_FULL_SIBLINGS:
            found.append(f"more than {MAX_FULL_SIBLINGS} full siblings")
        if counts[Relationship.HALF_SIBLING] > MAX_UNKNOWN_SIDE:
            found.append(f"more than {MAX_UNKNOWN_SIDE} half siblings of unknown side")
        if not self.references:
            found.append("no reference samples")
        return found


@dataclass(frozen=True)
class Settings:
    theta: float = 0.0  # F_ST; 0.01 is usual for a population, 0.03 for small isolated ones
    mutation_rate: float = 0.002  # per parent-child transmission and locus
    mutation_decay: float = 0.1  # each further repeat step of a mutation is this much rarer


# --- genotype indexing --------------------------------------------------------------------


@functools.cache
def genotype_pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Allele indices (i <= j) of genotype k = j(j+1)/2 + i, for n alleles. Cached (every
    family's every locus asks), so read-only."""
    seconds, firsts = np.tril_indices(n)  # row j >= column i, in the order of k
    firsts.flags.writeable = False
    seconds.flags.writeable = False
    return firsts, seconds


def genotype_index(locus: Locus, typed: Genotype) -> int:
    i, j = sorted((locus.index[typed[0]], locus.index[typed[1]]))
    return j * (j + 1) // 2 + i


# --- the population and transmission ------------------------------------------------------


def mutation_matrix(locus: Locus, settings: Settings) -> np.ndarray:
    """M[a, b]: the probability that a transmitted allele a arrives as b. A stepwise model:
    a mutation of s repeat steps (rounded up) has weight decay^(s-1), normalised over the
    locus's alleles, so any allele can arise (a rare event stays possible, never excluded)."""
    n = len(locus.alleles)
    rate = settings.mutation_rate
    if n == 1 or rate == 0:
        return np.eye(n)
    values = np.array([allele_value(a) for a in locus.alleles])
    steps = np.maximum(np.ceil(np.abs(values[:, None] - values[None, :]) - 1e-9), 1)
    weights = settings.mutation_decay ** (steps - 1)
    np.fill_diagonal(weights, 0)
    weights /= weights.sum(axis=1, keepdims=True)
    return (1 - rate) * np.eye(n) + rate * weights


def transmission_matrix(locus: Locus, settings: Settings) -> np.ndarray:
    """T[G, a]: a parent of genotype G passes allele a (half each, then mutation)."""
    n = len(locus.alleles)
    first, second = genotype_pairs(n)
    base = np.zeros((len(first), n))
    np.add.at(base, (np.arange(len(first)), first), 0.5)
    np.add.at(base, (np.arange(len(first)), second), 0.5)
    return base @ mutation_matrix(locus, settings)


def adjusted_frequencies(p: np.ndarray, counts: np.ndarray, theta: float) -> np.ndarray:
    """Balding–Nichols: the next allele's probability after `counts` alleles were seen."""
    seen = counts.sum()
    if theta == 0 or seen == 0:
        return p
    return (counts * theta + (1 - theta) * p) / (1 + (seen - 1) * theta)


def genotype_probabilities(p: np.ndarray) -> np.ndarray:
    """Hardy–Weinberg P(G) over genotype indices."""
    first, second = genotype_pairs(len(p))
    return np.where(first == second, 1.0, 2.0) * p[first] * p[second]


def match_probabilities(p: np.ndarray, counts: np.ndarray, theta: float) -> np.ndarray:
    """P(G) of a person not in the family, after its typed alleles (sampling formula).
    With the person's own genotype as `counts` this is NRC II 4.10."""
    first, second = genotype_pairs(len(p))
    seen = counts.sum()
    draw1 = (counts[first] * theta + (1 - theta) * p[first]) / (1 + (seen - 1) * theta)
    same = (first == second).astype(float)
    draw2 = ((counts[second] + same) * theta + (1 - theta) * p[second]) / (1 + seen * theta)
    return np.where(same == 1, 1.0, 2.0) * draw1 * draw2


def random_match_probability(locus: Locus, typed: Genotype, theta: float = 0.0) -> float:
    """NRC II 4.10: the probability that an unrelated person has `typed`, given it was seen."""
    counts = np.zeros(len(locus.alleles))
    for allele in typed:
        counts[locus.index[allele]] += 1
    return float(match_probabilities(locus.p, counts, theta)[genotype_index(locus, typed)])


# --- one locus ----------------------------------------------------------------------------


def _child_given(trans: np.ndarray, typed: tuple[int, int], other: np.ndarray | None) -> np.ndarray:
    """P(child = typed | parent G) over G, the other parent given by its transmission vector
    `other` (allele probabilities) — or, with other None, a matrix over (G, G_other)."""
    x, y = typed
    if other is not None:
        if x == y:
            return trans[:, x] * other[x]
        return trans[:, x] * other[y] + trans[:, y] * other[x]
    if x == y:
        return np.outer(trans[:, x], trans[:, x])
    return np.outer(trans[:, x], trans[:, y]) + np.outer(trans[:, y], trans[:, x])


def locus_log10_lr(
    locus: Locus,
    references: Sequence[tuple[Relationship, Genotype]],
    settings: Settings,
    trans: np.ndarray | None = None,
) -> np.ndarray | None:
    """log10 LR(H1: MP, H2: unrelated) for every genotype of the locus (index as in
    genotype_pairs), from the references typed at this locus; None when none is.
    `trans` is transmission_matrix(locus, settings), passed in when many families share it."""
    if not references:
        return None
    n = len(locus.alleles)
    if trans is None:
        trans = transmission_matrix(locus, settings)
    counts = np.zeros(n)
    typed: dict[Relationship, list[tuple[int, int]]] = {r: [] for r in Relationship}
    for relationship, genotype in references:
        pair = (locus.index[genotype[0]], locus.index[genotype[1]])
        typed[relationship].append((min(pair), max(pair)))
        counts[pair[0]] += 1
        counts[pair[1]] += 1
    founder_p = adjusted_frequencies(locus.p, counts, settings.theta)
    prior = genotype_probabilities(founder_p)
    passed = prior @ trans  # the allele an untyped founder passes on

    def slot(relationship: Relationship) -> np.ndarray:
        if typed[relationship]:
            (pair,) = typed[relationship]
            weights = np.zeros(len(prior))
            weights[pair[1] * (pair[1] + 1) // 2 + pair[0]] = 1.0
            return weights
        return prior.copy()

    weight_a, weight_b = slot(Relationship.MOTHER), slot(Relationship.FATHER)
    for half in typed[Relationship.MATERNAL_HALF_SIBLING]:
        weight_a *= _child_given(trans, half, passed)
    for half in typed[Relationship.PATERNAL_HALF_SIBLING]:
        weight_b *= _child_given(trans, half, passed)
    # A half-sibling of unknown side is the mother's child or the father's, half each: the
    # joint probability is the average over every assignment of sides.
    unknown = [_child_given(trans, half, passed) for half in typed[Relationship.HALF_SIBLING]]
    sides = list(itertools.product((0, 1), repeat=len(unknown)))

    # Q[x, y]: A passes x and B passes y to the MP, with the full siblings' data.
    siblings = typed[Relationship.FULL_SIBLING]
    q = np.zeros((n, n))
    options = [[(x, y)] if x == y else [(x, y), (y, x)] for x, y in siblings]
    for side in sides:
        side_a, side_b = weight_a / len(sides), weight_b.copy()
        for on_b, factor in zip(side, unknown, strict=True):
            if on_b:
                side_b *= factor
            else:
                side_a *= factor
        for assignment in itertools.product(*options):
            from_a, from_b = side_a.copy(), side_b.copy()
            for x, y in assignment:
                from_a *= trans[:, x]
                from_b *= trans[:, y]
            q += np.outer(from_a @ trans, from_b @ trans)
    first, second = genotype_pairs(n)
    joint = np.where(first == second, q[first, second], q[first, second] + q[second, first])

    children = typed[Relationship.CHILD]
    if children:
        spouse = typed[Relationship.SPOUSE]
        if spouse:
            (pair,) = spouse
            spouse_passes = trans[pair[1] * (pair[1] + 1) // 2 + pair[0]]
            for child in children:
                joint *= _child_given(trans, child, spouse_passes)
        elif len(children) == 1:
            joint *= _child_given(trans, children[0], passed)
        else:  # several children share the untyped spouse: sum over the spouse's genotype
            together = np.ones((len(prior), len(prior)))
            for child in children:
                together *= _child_given(trans, child, None)
            joint *= together @ prior

    total = joint.sum()
    unrelated = match_probabilities(locus.p, counts, settings.theta)
    if total <= 0:
        return np.full(len(prior), LOG10_FLOOR)
    with np.errstate(divide="ignore"):
        ratio = np.log10(joint / total) - np.log10(unrelated)
    return np.maximum(ratio, LOG10_FLOOR)


def typed_references(family: Family, marker: str) -> list[tuple[Relationship, Genotype]]:
    return [
        (ref.relationship, ref.profile[marker])
        for ref in family.references
        if marker in ref.profile
    ]


def family_log10_lr(
    remains: Profile,
    family: Family,
    loci: Mapping[str, Locus],
    settings: Settings,
) -> float:
    """Multi-locus log10 LR: the sum over loci typed in the remains and in the family (a locus
    missing on either side is skipped, i.e. LR 1)."""
    total = 0.0
    for marker, locus in loci.items():
        if marker not in remains:
            continue
        table = locus_log10_lr(locus, typed_references(family, marker), settings)
        if table is not None:
            total += float(table[genotype_index(locus, remains[marker])])
    return total


def direct_match(
    remains: Profile, sample: Profile, loci: Mapping[str, Locus], theta: float = 0.0
) -> tuple[float, list[str], list[str]]:
    """Against a personal-effects or pre-mortem sample of the MP: the random match probability
    over the loci typed in both (NRC II 4.10 per locus), the loci compared and the loci that
    differ (any difference excludes; the RMP is then reported as 1, meaning no evidence)."""
    compared, different = [], []
    log_rmp = 0.0
    for marker, locus in loci.items():
        if marker in remains and marker in sample:
            compared.append(marker)
            if remains[marker] != sample[marker]:
                different.append(marker)
            else:
                log_rmp += math.log10(random_match_probability(locus, remains[marker], theta))
    return (1.0 if different else 10**log_rmp), compared, different
