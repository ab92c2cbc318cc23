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

At θ = 0, without enumerating joint genotypes: the MP's alleles come one from A and one from
B. With transmission matrix T[G, a] (the probability that a parent of genotype G passes allele
a, mutation included), Q[x, y] = P(A passes x, B passes y, references' data) factorises into
sums over A's and B's genotypes once full siblings' alleles are assigned to a parent (each
heterozygous sibling has two assignments; we sum over them). Children of the MP multiply a
factor C(g) that sums over the spouse's genotype.

θ (F_ST): exact. The direct-match probability is NRC II 4.10. In kinship every founder's
alleles (the typed and untyped parents, the spouse, the half-siblings' other parents, and under
H2 the unrelated person) are one sample from the Balding–Nichols sampling formula; H1 and H2
are both sums over that joint sample. With θ = 0 founders are independent and the
factorisation above is used. With θ > 0 the sum is taken over founder ALLELES given the
inheritance (which parent's allele each typed child received), the relevant untyped founder
alleles summed over their set partitions, for a batch of families typed alike at once
(locus_log10_lrs; see "many families at once" below); the few pedigree shapes too large for
that form keep the per-family sum over the parents' genotypes (see "one locus with θ").
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


def genotype_probabilities(p: np.ndarray) -> np.ndarray:
    """Hardy–Weinberg P(G) over genotype indices."""
    first, second = genotype_pairs(len(p))
    return np.where(first == second, 1.0, 2.0) * p[first] * p[second]


def match_probabilities(p: np.ndarray, counts: np.ndarray, theta: float) -> np.ndarray:
    """P(G) of two more alleles drawn after `counts` (sampling formula), over genotype indices.
    `counts` may be a matrix (one row of counts per case, one row of results each). With the
    person's own genotype as `counts` this is NRC II 4.10."""
    first, second = genotype_pairs(len(p))
    seen = counts.sum(axis=-1, keepdims=True)
    draw1 = (counts[..., first] * theta + (1 - theta) * p[first]) / (1 + (seen - 1) * theta)
    same = (first == second).astype(float)
    draw2 = ((counts[..., second] + same) * theta + (1 - theta) * p[second]) / (1 + seen * theta)
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
    `trans` is transmission_matrix(locus, settings), passed in when many families share it.
    With θ > 0 this is the batched form for a batch of one (or, for a shape too large for
    it, _joints_with_theta); locus_log10_lrs computes many families at once."""
    if not references:
        return None
    if trans is None:
        trans = transmission_matrix(locus, settings)
    if settings.theta > 0:
        shape, genotypes = typing_shape(locus, references)
        if batched_shape(shape):
            mp, unrelated = _batched_joints(locus, shape, genotypes[None], settings)
            return _log10_ratio(mp[0], unrelated[0])
    typed: dict[Relationship, list[tuple[int, int]]] = {r: [] for r in Relationship}
    for relationship, genotype in references:
        pair = (locus.index[genotype[0]], locus.index[genotype[1]])
        typed[relationship].append((min(pair), max(pair)))
    if settings.theta == 0:
        mp = _mp_joint_without_theta(locus, typed, trans)
        unrelated = genotype_probabilities(locus.p)
    else:
        mp, unrelated = _joints_with_theta(locus, typed, settings, trans)
    return _log10_ratio(mp, unrelated)


def _log10_ratio(mp: np.ndarray, unrelated: np.ndarray) -> np.ndarray:
    """log10 of P(MP = g | refs) / P(U = g | refs), each joint normalised over g."""
    total = mp.sum()
    if total <= 0:
        return np.full(len(mp), LOG10_FLOOR)
    with np.errstate(divide="ignore"):
        ratio = np.log10(mp / total) - np.log10(unrelated / unrelated.sum())
    return np.maximum(ratio, LOG10_FLOOR)


def _genotype_joint(q: np.ndarray) -> np.ndarray:
    """P(genotype) over genotype indices from P(first allele x, second allele y)."""
    first, second = genotype_pairs(q.shape[0])
    return np.where(first == second, q[first, second], q[first, second] + q[second, first])


def _mp_joint_without_theta(
    locus: Locus, typed: Mapping[Relationship, list[tuple[int, int]]], trans: np.ndarray
) -> np.ndarray:
    """P(MP = g, references) over g, up to a constant, at θ = 0: founders are independent, so
    the sum over the parents' genotypes factorises (see the module's docstring)."""
    n = len(locus.alleles)
    prior = genotype_probabilities(locus.p)
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
    joint = _genotype_joint(q)

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
    return joint


# --- one locus with θ, one family: the founders' alleles drawn together ----------------------
#
# The per-family form, now only for the shapes the batched form below leaves (batched_shape:
# many full siblings, several half-siblings of unknown side with children...); it is exact too
# and tests/dna/test_batched.py keeps it compared with the reference implementation.
#
# With θ > 0 the founders' alleles (typed or not: the MP's parents, the spouse, each
# half-sibling's other parent, and under H2 the unrelated person U) are one sample from the
# sampling formula: the next allele is a with probability (m_a θ + (1-θ) p_a) / (1 + (n-1) θ)
# after n alleles, m_a of them a. They are not independent, so the θ = 0 factorisation does not
# hold. What we do instead:
#
# - The typed founders' alleles are drawn first (a constant that cancels in the LR).
# - The MP's parents A and B stay whole genotypes: a (G_A, G_B) matrix with their exact joint
#   probability P(A | typed) P(B | typed, A), times the full siblings' probabilities. A parent
#   whose only typed child is the MP is just the allele it passes to the MP (a row per allele).
# - The other untyped founders matter only through the one allele each passes on (a
#   half-sibling's other parent; the spouse, one allele per child it passes to; an allele
#   passed to no one is summed out, which the sampling formula allows in any order). We call
#   them "extra" alleles, drawn after A and B; U's two alleles are drawn last.
# - The extra alleles are expanded like a Chinese restaurant: each either is a new draw,
#   weight (1-θ) p_a + θ (count of a among the typed founders, A and B), or a copy of an earlier
#   extra allele, weight θ each. Grouping the copies gives a sum over the set partitions of the
#   extra alleles: a block of size s has weight θ^(s-1) (s-1)! times the sum over its one allele
#   of the new-draw weight and every member's likelihood; all over prod_j (1 + (n_j - 1) θ).
#   The new-draw weight is affine in A's and B's counts, so each block is a (G_A, G_B) matrix
#   c + α[A] + β[B], and U's alleles (marked x and y) come out as matrix products with the
#   count matrices.
#
# Everything is exact (tests/dna/reference_impl.py enumerates the same model by brute force).
# The cost is in (G_A, G_B) matrices: SE33 with both parents untyped genotypes is 666 x 666.


@functools.cache
def count_matrix(n: int) -> np.ndarray:
    """C[G, a]: how many copies of allele a genotype G has (read-only, cached)."""
    first, second = genotype_pairs(n)
    counts = np.zeros((len(first), n))
    np.add.at(counts, (np.arange(len(first)), first), 1)
    np.add.at(counts, (np.arange(len(first)), second), 1)
    counts.flags.writeable = False
    return counts


@dataclass(frozen=True)
class _Term:
    """One way the extra alleles' owners receive their data: factors on A's and B's genotypes,
    the likelihood of each extra allele (a vector over its value) and a factor over the MP's
    ordered alleles (x from A, y from B), or None."""

    weight: float
    on_a: np.ndarray | float
    on_b: np.ndarray | float
    extras: tuple[np.ndarray, ...]
    on_mp: np.ndarray | None


# One independent choice inside a term: (weight, factor on A, factor on B, extra alleles'
# likelihoods, factor on the MP's ordered alleles or None).
_Choice = tuple[
    float, np.ndarray | float, np.ndarray | float, tuple[np.ndarray, ...], np.ndarray | None
]


def _terms(
    typed: Mapping[Relationship, list[tuple[int, int]]],
    maternal: list[tuple[int, int]],
    paternal: list[tuple[int, int]],
    trans_a: np.ndarray,
    trans_b: np.ndarray,
    mutation: np.ndarray,
    trans: np.ndarray,
) -> list[_Term]:
    """Expand the half-siblings' and the MP's children's data into terms whose extra alleles
    each carry one likelihood vector. A heterozygous half-sibling xy has two readings (x from
    the shared parent, y from its other parent, or the reverse); a child of the MP likewise."""
    n = mutation.shape[0]
    choices: list[list[_Choice]] = []
    for halves, mothers_side in ((maternal, True), (paternal, False)):
        for x, y in halves:
            shared = trans_a if mothers_side else trans_b
            options: list[_Choice] = []
            for mine, theirs in [(x, y)] if x == y else [(x, y), (y, x)]:
                extra = (mutation[:, theirs],)
                if mothers_side:
                    options.append((1.0, shared[:, mine], 1.0, extra, None))
                else:
                    options.append((1.0, 1.0, shared[:, mine], extra, None))
            choices.append(options)
    children = typed[Relationship.CHILD]
    # from_mp[x, y, c]: the MP with ordered alleles x, y passes c (half each, with mutation).
    from_mp = 0.5 * (mutation[:, None, :] + mutation[None, :, :])
    if children and typed[Relationship.SPOUSE]:
        ((s1, s2),) = typed[Relationship.SPOUSE]
        passes = trans[s2 * (s2 + 1) // 2 + s1]
        factor = np.ones((n, n))
        for x, y in children:
            if x == y:
                factor *= from_mp[:, :, x] * passes[x]
            else:
                factor *= from_mp[:, :, x] * passes[y] + from_mp[:, :, y] * passes[x]
        choices.append([(1.0, 1.0, 1.0, (), factor)])
    elif children:
        # The untyped spouse's two alleles: each child receives one of them (the first child
        # the first allele; swapping the two gives the same sum, hence weight 2 * 1/2^c).
        spouse_options: list[_Choice] = []
        readings = [[(x, y)] if x == y else [(x, y), (y, x)] for x, y in children]
        for slots in itertools.product((0, 1), repeat=len(children) - 1):
            for reading in itertools.product(*readings):
                factor = np.ones((n, n))
                received = [np.ones(n), np.ones(n)]
                used = [False, False]
                for slot, (mine, theirs) in zip((0, *slots), reading, strict=True):
                    factor = factor * from_mp[:, :, mine]
                    received[slot] = received[slot] * mutation[:, theirs]
                    used[slot] = True
                extras = tuple(r for r, u in zip(received, used, strict=True) if u)
                spouse_options.append((0.5 ** (len(children) - 1), 1.0, 1.0, extras, factor))
        choices.append(spouse_options)
    terms = []
    for combination in itertools.product(*choices):
        weight = 1.0
        on_a: np.ndarray | float = 1.0
        on_b: np.ndarray | float = 1.0
        extras_all: tuple[np.ndarray, ...] = ()
        on_mp: np.ndarray | None = None
        for w, a, b, e, mp in combination:
            weight *= w
            on_a = on_a * a
            on_b = on_b * b
            extras_all = extras_all + e
            if mp is not None:
                on_mp = mp if on_mp is None else on_mp * mp
        terms.append(_Term(weight, on_a, on_b, extras_all, on_mp))
    return terms


@dataclass(frozen=True)
class _Parent:
    """How one of the MP's parents enters the sum: as a typed genotype (one row), an untyped
    genotype (a row per genotype), or, when the MP is the only one of their children typed,
    the one allele they pass to the MP (a row per allele: the other allele sums out)."""

    rows: np.ndarray | None  # genotype indices, or None for the allele form
    passes: np.ndarray  # (rows, alleles): the allele passed to a child, mutation included
    drawn: np.ndarray  # (rows, alleles): alleles it adds to the founders drawn so far
    alleles: int  # how many alleles it adds to those drawn (0 when typed)


def _parent(
    typed: list[tuple[int, int]], has_other_children: bool, trans: np.ndarray, mutation: np.ndarray
) -> _Parent:
    n = mutation.shape[0]
    if typed:
        ((i, j),) = typed
        row = j * (j + 1) // 2 + i
        return _Parent(np.array([row]), trans[[row]], np.zeros((1, n)), 0)
    if has_other_children:
        return _Parent(np.arange(trans.shape[0]), trans, count_matrix(n), 2)
    return _Parent(None, mutation, np.eye(n), 1)


def _founder_probabilities(p: np.ndarray, before: np.ndarray, form: _Parent, theta: float):
    """P(a parent's row | the founder alleles counted in `before`), one row of `before` each:
    the sampling formula for a genotype (two draws) or for one allele (one draw)."""
    if form.alleles == 2:
        return match_probabilities(p, before, theta)
    seen = before.sum(axis=-1, keepdims=True)
    return (before * theta + (1 - theta) * p) / (1 + (seen - 1) * theta)


def _joints_with_theta(
    locus: Locus,
    typed: Mapping[Relationship, list[tuple[int, int]]],
    settings: Settings,
    trans: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """P(MP = g, references) and P(U = g, references) over g, up to a common constant, with
    every founder drawn by the sampling formula (see the comment above). Half-siblings of
    unknown side are averaged over their sides; the sides that leave a parent with no typed
    child but the MP let that parent be one allele instead of a genotype."""
    n = len(locus.alleles)
    halves = typed[Relationship.HALF_SIBLING]
    by_form: dict[tuple[bool, bool], list[tuple[list[tuple[int, int]], list[tuple[int, int]]]]] = {}
    for side in itertools.product((False, True), repeat=len(halves)):
        maternal = typed[Relationship.MATERNAL_HALF_SIBLING] + [
            h for h, on_b in zip(halves, side, strict=True) if not on_b
        ]
        paternal = typed[Relationship.PATERNAL_HALF_SIBLING] + [
            h for h, on_b in zip(halves, side, strict=True) if on_b
        ]
        siblings = bool(typed[Relationship.FULL_SIBLING])
        form = (siblings or bool(maternal), siblings or bool(paternal))
        by_form.setdefault(form, []).append((maternal, paternal))
    q_mp, q_unrelated = np.zeros((n, n)), np.zeros((n, n))
    for (children_a, children_b), sides in by_form.items():
        mp, unrelated = _joints_given_parents(
            locus, typed, settings, trans, children_a, children_b, sides, 2 ** len(halves)
        )
        q_mp += mp
        q_unrelated += unrelated
    return _genotype_joint(q_mp), _genotype_joint(q_unrelated)


def _joints_given_parents(
    locus: Locus,
    typed: Mapping[Relationship, list[tuple[int, int]]],
    settings: Settings,
    trans: np.ndarray,
    children_a: bool,
    children_b: bool,
    sides: list[tuple[list[tuple[int, int]], list[tuple[int, int]]]],
    side_count: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The ordered (x, y) sums of _joints_with_theta over the given side assignments, which
    share the parents' forms (genotype or allele)."""
    theta, p = settings.theta, locus.p
    n = len(p)
    counts = count_matrix(n)
    mutation = mutation_matrix(locus, settings)
    typed_founders = np.zeros(n)
    for relationship in (Relationship.MOTHER, Relationship.FATHER, Relationship.SPOUSE):
        for pair in typed[relationship]:
            typed_founders += counts[pair[1] * (pair[1] + 1) // 2 + pair[0]]
    new_draw = (1 - theta) * p + theta * typed_founders  # before A's and B's own counts
    mother = _parent(typed[Relationship.MOTHER], children_a, trans, mutation)
    father = _parent(typed[Relationship.FATHER], children_b, trans, mutation)
    counts_a, counts_b = mother.drawn, father.drawn
    trans_a, trans_b = mother.passes, father.passes
    parents = _parents_prior(p, theta, typed_founders, mother, father)  # shared: read-only
    drawn = float(typed_founders.sum()) + mother.alleles + father.alleles

    def composition(form: _Parent, values: np.ndarray) -> np.ndarray:
        """values (..., rows) summed into (..., alleles) by what each row passes on before
        mutation: half of each allele of a genotype, or the allele itself."""
        if form.rows is None:
            return values
        return _allele_sums(values, counts[form.rows]) / 2

    def through_parents(weights: np.ndarray) -> np.ndarray:
        """trans_a' weights trans_b: (x, y) passed by A and B. trans = composition ·
        mutation, so the (G_A, G_B) product is two sums over the rows holding each allele."""
        passed = composition(mother, composition(father, weights).T).T
        return mutation.T @ passed @ mutation

    def onto_parents(on_mp: np.ndarray) -> np.ndarray:
        """trans_a on_mp trans_b': summed over the MP's ordered alleles, per (A, B)."""
        first, second = genotype_pairs(n)
        passed = mutation @ on_mp @ mutation.T
        if mother.rows is not None:
            passed = (passed[first[mother.rows]] + passed[second[mother.rows]]) / 2
        if father.rows is not None:
            passed = (passed[:, first[father.rows]] + passed[:, second[father.rows]]) / 2
        return passed

    for x, y in typed[Relationship.FULL_SIBLING]:
        together = np.outer(trans_a[:, x], trans_b[:, y])
        if x != y:
            together += np.outer(trans_a[:, y], trans_b[:, x])
        together *= parents  # a new matrix: the shared prior stays as it is
        parents = together

    def spread(draws: int) -> float:
        """prod_j (1 + (n_j - 1) θ) over `draws` more alleles after the parents'."""
        return math.prod(1 + (drawn + j - 1) * theta for j in range(draws))

    def block(likelihood: np.ndarray) -> np.ndarray:
        """Sum over a block's allele a of its new-draw weight (given A and B) times its
        members' likelihood: a (G_A, G_B) matrix c + α[A] + β[B]."""
        return (
            new_draw @ likelihood
            + theta * (counts_a @ likelihood)[:, None]
            + theta * (counts_b @ likelihood)[None, :]
        )

    # The (G_A, G_B) matrices are the cost (666 x 666 at SE33): each product below makes one
    # new matrix and then works in place, and a factor of one (no extra allele, no factor on
    # a parent) is not multiplied at all.
    q_mp = np.zeros((n, n))
    plain = _Sum()  # H1's weights of the terms without the MP's children
    unrelated = _Sum()  # H2's weights where U's blocks hold no extra allele
    q_unrelated = np.zeros((n, n))
    for maternal, paternal in sides:
        for term in _terms(typed, maternal, paternal, trans_a, trans_b, mutation, trans):
            scale = term.weight / side_count
            if isinstance(term.on_a, np.ndarray):
                family = parents * (scale * term.on_a)[:, None]
            else:
                family = parents * (scale * term.on_a)
            if isinstance(term.on_b, np.ndarray):
                family *= term.on_b
            k = len(term.extras)
            everyone = frozenset(range(k))

            def likelihood(members: frozenset[int], term: _Term = term) -> np.ndarray:
                return math.prod((term.extras[m] for m in members), start=np.ones(n))

            # partitioned[S]: the sum over the partitions of the extra alleles S of the product
            # of their blocks (weight times value), built by the block holding S's first member.
            # The empty set's sum is one (None here, so that nothing is multiplied by it).
            partitioned: dict[frozenset[int], np.ndarray | None] = {frozenset(): None}
            for size in range(1, k + 1):
                for members in map(frozenset, itertools.combinations(range(k), size)):
                    lowest, others = min(members), sorted(members - {min(members)})
                    total = _Sum()
                    for count in range(len(others) + 1):
                        for mates in itertools.combinations(others, count):
                            block_members = frozenset((lowest, *mates))
                            weight = theta**count * math.factorial(count)
                            value = block(likelihood(block_members))
                            value *= weight
                            total.add(value, partitioned[members - block_members])
                    partitioned[members] = total.value

            # H1: the extra alleles summed over, then the MP's alleles from A and B. H2: the MP
            # untyped (summed over, with its children) and U's two alleles drawn last, so the
            # same sum with two more draws (and, with the MP's children, the MP's alleles
            # summed onto A and B).
            product = _times(family, partitioned[everyone])
            later = 1 / spread(k + 2)
            if term.on_mp is None:
                plain.add(product, scale=1 / spread(k))
                unrelated.add(product, scale=later)
            else:
                q_mp += through_parents(product) * (term.on_mp / spread(k))
                family *= onto_parents(term.on_mp)
                unrelated.add(family, partitioned[everyone], scale=later)

            # H2 where U's alleles are new draws or copies of an extra allele or of each other:
            # the extra alleles not in U's blocks (`rest`) are partitioned freely; those in
            # them (`first` with u1, `second` with u2, or `first` with both) mark U's alleles'
            # likelihoods. The sums are linear in `family`: `later` is applied to the pairs.
            for size in range(k):
                for rest in map(frozenset, itertools.combinations(range(k), size)):
                    stats = _unrelated_stats(_times(family, partitioned[rest]), counts_a, counts_b)
                    marked = sorted(everyone - rest)
                    # U's alleles one block with all the marked ones: size len(marked) + 2.
                    weight = later * theta ** (len(marked) + 1) * math.factorial(len(marked) + 1)
                    q_unrelated += weight * _unrelated_pair(
                        stats, likelihood(frozenset(marked)), None, new_draw, theta
                    )
                    for owners in itertools.product((0, 1), repeat=len(marked)):
                        first = frozenset(m for m, u2 in zip(marked, owners, strict=True) if not u2)
                        second = frozenset(marked) - first
                        weight = (
                            later
                            * theta ** len(marked)
                            * math.factorial(len(first))
                            * math.factorial(len(second))
                        )
                        q_unrelated += weight * _unrelated_pair(
                            stats, likelihood(first), likelihood(second), new_draw, theta
                        )
    if plain.value is not None:
        q_mp += through_parents(plain.value)
    ones = np.ones(n)
    stats = _unrelated_stats(
        unrelated.value if unrelated.value is not None else np.zeros_like(parents),
        counts_a,
        counts_b,
    )
    q_unrelated += theta * _unrelated_pair(stats, ones, None, new_draw, theta)  # one block
    q_unrelated += _unrelated_pair(stats, ones, ones, new_draw, theta)  # a block each
    return q_mp, q_unrelated


class _Sum:
    """A sum of (G_A, G_B) matrices built in place: the first term (times its factor) becomes
    the sum, so a sum of one term costs no addition and no matrix of zeros."""

    def __init__(self) -> None:
        self.value: np.ndarray | None = None
        self._owned = False  # whether value is ours to add into (not a caller's matrix)

    def add(self, term: np.ndarray, factor: np.ndarray | None = None, scale: float = 1.0) -> None:
        """Add term * factor * scale (a factor None is one)."""
        plain = factor is None and scale == 1.0
        if self.value is None:
            if plain:
                self.value, self._owned = term, False
            else:
                self.value, self._owned = _scaled(term, factor, scale), True
            return
        if not self._owned:
            self.value, self._owned = self.value.copy(), True
        self.value += term if plain else _scaled(term, factor, scale)


def _scaled(term: np.ndarray, factor: np.ndarray | None, scale: float) -> np.ndarray:
    value = term * (scale if factor is None else factor)
    if factor is not None and scale != 1.0:
        value *= scale
    return value


def _times(matrix: np.ndarray, factor: np.ndarray | None) -> np.ndarray:
    """matrix * factor; a factor None is one, and then the matrix itself is returned (read it,
    do not write it)."""
    return matrix if factor is None else matrix * factor


# The parents' prior P(A) P(B | A) depends only on the locus, θ, the typed founders' alleles
# and the parents' forms: every family of a locus without a typed parent or spouse shares one
# (666 x 666 at SE33, the single costliest matrix of a table). Kept for the last few keys, as
# prepare_families goes locus by locus.
_PRIORS: dict[tuple, np.ndarray] = {}
_PRIORS_KEPT = 8


def _parents_prior(
    p: np.ndarray, theta: float, typed_founders: np.ndarray, mother: _Parent, father: _Parent
) -> np.ndarray:
    """P(A | typed founders) P(B | typed founders, A) over the parents' rows (read-only)."""
    key = (
        p.tobytes(),
        theta,
        typed_founders.tobytes(),
        _form_key(mother),
        _form_key(father),
    )
    found = _PRIORS.get(key)
    if found is not None:
        return found
    prior = np.ones((len(mother.passes), len(father.passes)))
    if mother.alleles:
        prior *= _founder_probabilities(p, typed_founders, mother, theta)[:, None]
    if father.alleles:
        prior *= _founder_probabilities(p, typed_founders + mother.drawn, father, theta)
    prior.flags.writeable = False
    if len(_PRIORS) >= _PRIORS_KEPT:
        del _PRIORS[next(iter(_PRIORS))]  # the oldest
    _PRIORS[key] = prior
    return prior


def _form_key(parent: _Parent) -> tuple[int, bytes | None]:
    return parent.alleles, None if parent.rows is None else parent.rows.tobytes()


@functools.cache
def _allele_groups(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Genotype indices ordered by their first allele, with the start of each allele's run,
    and the start of each second allele's run: sums over the genotypes holding an allele
    without an (n x G) product."""
    first, second = genotype_pairs(n)
    by_first = np.argsort(first, kind="stable")
    starts_first = np.searchsorted(first[by_first], np.arange(n))
    starts_second = np.searchsorted(second, np.arange(n))
    return by_first, starts_first, starts_second


def _allele_sums(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """values @ counts for a count matrix (genotypes x alleles), over values' last axis.
    A typed parent's count matrix is one row of zeros (its alleles were drawn before)."""
    n = counts.shape[1]
    if counts.shape[0] != len(genotype_pairs(n)[0]) or not counts.any():
        return values @ counts  # one typed parent's row (or a one-allele locus's zeros)
    by_first, starts_first, starts_second = _allele_groups(n)
    # Genotype k = j(j+1)/2 + i is already in order of its second allele j.
    return np.add.reduceat(values[..., by_first], starts_first, axis=-1) + np.add.reduceat(
        values, starts_second, axis=-1
    )


def _unrelated_stats(
    weights: np.ndarray, counts_a: np.ndarray, counts_b: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """The sums over A and B that U's alleles need: of weights[A, B], of weights times A's and
    B's count of x, and of weights times the count of x times the count of y."""
    by_a, by_b = weights.sum(axis=1), weights.sum(axis=0)
    total = float(by_a.sum())
    linear = by_a @ counts_a + by_b @ counts_b
    across = _allele_sums(_allele_sums(weights, counts_b).T, counts_a).T  # C_A' W C_B
    square = (
        counts_a.T @ (by_a[:, None] * counts_a)
        + across
        + across.T
        + counts_b.T @ (by_b[:, None] * counts_b)
    )
    return total, linear, square


def _unrelated_pair(
    stats: tuple[float, np.ndarray, np.ndarray],
    first: np.ndarray,
    second: np.ndarray | None,
    new_draw: np.ndarray,
    theta: float,
) -> np.ndarray:
    """U's ordered alleles (x, y), summed over A and B with the weights `stats` sums: their
    new-draw weights b_x = new_draw_x + θ (A's and B's count of x) times the likelihoods of
    their blocks' other members, b_x b_y first(x) second(y) — or on the diagonal b_x first(x)
    when U's two alleles are one block (a copy of each other)."""
    total, linear, square = stats
    if second is None:
        return np.diag(first * (new_draw * total + theta * linear))
    pair = (
        np.outer(new_draw, new_draw) * total
        + theta * (np.outer(new_draw, linear) + np.outer(linear, new_draw))
        + theta**2 * square
    )
    return pair * np.outer(first, second)


# --- one locus with θ, many families at once: founder alleles and inheritance ---------------
#
# The same model as above (every founder's alleles one sample from the sampling formula),
# summed another way, which costs vectors over the alleles instead of (G_A, G_B) matrices
# and is done for a batch of families typed alike at the locus (same relationships, same
# heterozygous references) with one numpy operation per step for all of them:
#
# - Condition on the inheritance: which allele of each typed child came from which parent
#   (two readings for a heterozygous one), and which of an untyped parent's two alleles it
#   received. A typed parent's transmissions are then independent of each other (its
#   genotype is fixed): a factor per family. An untyped founder's alleles are exchangeable,
#   so its first transmission may be fixed to its first allele (weight 2 for the other
#   labelling); under H1 the MP is that first transmission. An allele of a founder that
#   reaches nobody drops out (the sampling formula can be marginalised in any order).
# - Given the inheritance the data's likelihood is a product over the untyped founder alleles
#   f of L_f(value of f), L_f the product of M[a, c] over the typed people holding a copy of f
#   (through an untyped MP to its children: M M[:, c]). Under H1 the MP's alleles (x from A,
#   y from B, before their mutation M) are the marked alleles X and Y, under H2 U's two alleles.
# - The k relevant untyped founder alleles are drawn after the typed founders' (counts t_a) and
#   summed over their set partitions (Chinese restaurant): a block of size s has weight
#   θ^(s-1) (s-1)! and sums over its one value a of w_a = (1-θ) p_a + θ t_a times its members'
#   L_f(a); everything over prod_{j<k} (1 + (T + j - 1) θ), T typed founder alleles. The
#   block holding X (or Y) is a vector over its value; one holding both is a diagonal.
#   Sums over partitions are built over subsets of the unmarked alleles (_JointSum.add).
# - Without a typed parent or a half-sibling of known side, swapping the MP's parents maps the
#   terms onto themselves: half of them, counted twice, give the same table (_symmetry_pivot).
# - A family's table must not depend on its batch (prepare_families may cut the work in any
#   units): the batched steps are products, sums per row or along the terms' axis and
#   matrix products per family, whose rounding does not depend on the other rows; the log10
#   is taken row by row.
#
# A shape with too many terms (many full siblings, several half-siblings of unknown side...)
# goes through _joints_with_theta family by family (FAST_TERMS, FAST_FREE below).

FAST_TERMS = 4096  # inheritance terms of one hypothesis at most for the batched form
FAST_FREE = 6  # unmarked untyped founder alleles in one term at most (3^6 subset pairs)
BATCH_FAMILIES = 256  # families (distinct typings) computed together

_FOUNDERS = (Relationship.MOTHER, Relationship.FATHER, Relationship.SPOUSE)
_ORDER = {relationship: k for k, relationship in enumerate(Relationship)}
_BY_ORDER = tuple(Relationship)

# A batch's shape: the typed references' (relationship, heterozygous) in a fixed order (a
# typed founder's heterozygosity does not change the sum: False).
Shape = tuple[tuple[Relationship, bool], ...]


def typing_shape(
    locus: Locus, references: Sequence[tuple[Relationship, Genotype]]
) -> tuple[Shape, np.ndarray]:
    """The shape of one family's typing at a locus and its genotypes as allele indices
    (people x 2, i <= j), in the shape's order (relationship, heterozygous, genotype)."""
    people = []
    for relationship, genotype in references:
        i, j = sorted((locus.index[genotype[0]], locus.index[genotype[1]]))
        people.append((_ORDER[relationship], relationship not in _FOUNDERS and i != j, i, j))
    people.sort()
    shape = tuple((_BY_ORDER[order], het) for order, het, _i, _j in people)
    return shape, np.array([(i, j) for _o, _h, i, j in people], dtype=np.intp).reshape(-1, 2)


def batched_shape(shape: Shape) -> bool:
    """Whether a shape goes through the batched form (else _joints_with_theta): at most
    FAST_TERMS inheritance terms per hypothesis and FAST_FREE unmarked untyped founder
    alleles per term."""
    terms, free = _shape_bounds(shape)
    return terms <= FAST_TERMS and free <= FAST_FREE


@functools.cache
def _shape_bounds(shape: Shape) -> tuple[int, int]:
    """Bounds of a shape's terms per hypothesis and unmarked alleles per term, over the
    unknown half-siblings' sides (cached: every typing asks)."""
    R = Relationship
    count = {r: 0 for r in Relationship}
    for relationship, _het in shape:
        count[relationship] += 1
    het = sum(heterozygous for _r, heterozygous in shape)  # two readings each
    halves, children = count[R.HALF_SIBLING], count[R.CHILD]
    spouse = 0 if count[R.SPOUSE] else min(children, 2)
    worst_terms, worst_free = 0, 0
    for on_a_side in range(halves + 1):
        # Receipts of each parent besides the MP (and, under H2, the MP for its children).
        on_a = count[R.FULL_SIBLING] + count[R.MATERNAL_HALF_SIBLING] + on_a_side
        on_b = count[R.FULL_SIBLING] + count[R.PATERNAL_HALF_SIBLING] + halves - on_a_side
        untyped_a, untyped_b = not count[R.MOTHER], not count[R.FATHER]
        labellings = (
            untyped_a * on_a + untyped_b * on_b + max(children - 1, 0) * (not count[R.SPOUSE])
        )
        worst_terms = max(worst_terms, 2 ** (halves + het + children + labellings))
        others = count[R.MATERNAL_HALF_SIBLING] + count[R.PATERNAL_HALF_SIBLING] + halves + spouse
        h1 = untyped_a * min(on_a, 1) + untyped_b * min(on_b, 1)
        # Under H2 the MP's children reach A through the MP's allele from A, B through the
        # other: one of them with one child, both with more.
        h2 = max(
            untyped_a * min(on_a + to_a, 2) + untyped_b * min(on_b + to_b, 2)
            for to_a, to_b in ((0, 0), (1, 0), (0, 1), (1, 1))
            if to_a + to_b == min(children, 2)
        )
        worst_free = max(worst_free, others + max(h1, h2))
    return worst_terms, worst_free


def locus_log10_lrs(
    locus: Locus,
    typings: Sequence[Sequence[tuple[Relationship, Genotype]]],
    settings: Settings,
    trans: np.ndarray | None = None,
) -> list[np.ndarray | None]:
    """locus_log10_lr of each typing (None for an empty one), the families of a shape in
    batches of BATCH_FAMILIES when θ > 0. Each table is that of the family alone, bit for
    bit, whatever else is in its batch (tests/dna/test_batched.py)."""
    if trans is None:
        trans = transmission_matrix(locus, settings)
    results: list[np.ndarray | None] = [None] * len(typings)
    by_shape: dict[Shape, list[tuple[int, np.ndarray]]] = {}
    for k, typed in enumerate(typings):
        if not typed:
            continue
        if settings.theta == 0:  # the factorised form, family by family
            results[k] = locus_log10_lr(locus, typed, settings, trans)
            continue
        shape, genotypes = typing_shape(locus, typed)
        if not batched_shape(shape):
            results[k] = locus_log10_lr(locus, typed, settings, trans)
        else:
            by_shape.setdefault(shape, []).append((k, genotypes))
    for shape, members in by_shape.items():
        for start in range(0, len(members), BATCH_FAMILIES):
            part = members[start : start + BATCH_FAMILIES]
            mp, unrelated = _batched_joints(locus, shape, np.stack([g for _k, g in part]), settings)
            # Row by row: numpy's vectorised log10 may round an element differently with
            # its neighbours, and a family's table must not depend on its batch.
            for (k, _g), row_mp, row_unrelated in zip(part, mp, unrelated, strict=True):
                results[k] = _log10_ratio(row_mp, row_unrelated)
    return results


@dataclass
class _Batch:
    """What every term of a batch shares: the locus, θ, the new-draw weights w (families x
    alleles), the typed founders' transmissions (0.5 each allele, before mutation) and the
    typed founder alleles' count T."""

    n: int
    theta: float
    mutation: np.ndarray
    columns: np.ndarray  # mutation.T: columns[c] is M[:, c], the likelihood of receiving c
    w: np.ndarray
    typed: dict[str, np.ndarray]  # typed founder -> (families, alleles) halves
    drawn: int

    def column(self, alleles: np.ndarray) -> np.ndarray:
        """M[a, c_f] over a, a row per family f (c: one allele index per family)."""
        return self.columns[alleles]

    def spread(self, draws: int) -> float:
        """prod_j (1 + (n_j - 1) θ) over `draws` untyped alleles after the typed ones."""
        return math.prod(1 + (self.drawn + j - 1) * self.theta for j in range(draws))


def _batched_joints(
    locus: Locus, shape: Shape, genotypes: np.ndarray, settings: Settings
) -> tuple[np.ndarray, np.ndarray]:
    """P(MP = g, refs) and P(U = g, refs) over g, one row per family (up to a factor of
    the family's), for families of one shape; genotypes: (families, people, 2)."""
    n = len(locus.alleles)
    families = genotypes.shape[0]
    theta = settings.theta
    mutation = mutation_matrix(locus, settings)
    eye = np.eye(n)
    typed_founders = np.zeros((families, n))
    halves: dict[str, np.ndarray] = {}
    for person, (relationship, _het) in enumerate(shape):
        if relationship in _FOUNDERS:
            pair = eye[genotypes[:, person, 0]] + eye[genotypes[:, person, 1]]
            typed_founders += pair
            halves[relationship] = pair / 2
    batch = _Batch(
        n,
        theta,
        mutation,
        np.ascontiguousarray(mutation.T),
        (1 - theta) * locus.p + theta * typed_founders,
        halves,
        2 * len(halves),
    )
    mp = _hypothesis(batch, shape, genotypes, True)
    unrelated = _hypothesis(batch, shape, genotypes, False)
    first, second = genotype_pairs(n)

    def unordered(q: np.ndarray) -> np.ndarray:
        return np.where(
            first == second, q[:, first, second], q[:, first, second] + q[:, second, first]
        )

    return unordered(mp), unordered(unrelated)


_MP = "mp"
# The parents' names in a reading (a half-sibling's other parent is "other<person>").
_A: str = Relationship.MOTHER
_B: str = Relationship.FATHER
_S: str = Relationship.SPOUSE


def _hypothesis(batch: _Batch, shape: Shape, genotypes: np.ndarray, h1: bool) -> np.ndarray:
    """The ordered joint over (x, y): under H1 the MP's alleles from A and B, under H2 U's
    first and second allele; (families, alleles, alleles)."""
    n, families = batch.n, genotypes.shape[0]
    R = Relationship
    ones = np.ones((families, n))
    result = np.zeros((families, n, n))
    unknown = [k for k, (r, _h) in enumerate(shape) if r is R.HALF_SIBLING]
    pivot = _symmetry_pivot(shape)
    double = 1.0 if pivot is None else 2.0
    side_options = [(_A,) if k == pivot else (_A, _B) for k in unknown]
    for sides in itertools.product(*side_options):
        side_of = dict(zip(unknown, sides, strict=True))
        # Each typed non-founder: its readings, (weight, [(parent, allele indices)]).
        readings: list[list[tuple[float, list[tuple[str, np.ndarray]]]]] = []
        children: list[list[tuple[float, list[tuple[str, np.ndarray]], int]]] = []
        for person, (relationship, het) in enumerate(shape):
            g = genotypes[:, person]
            orders = [(g[:, 0], g[:, 1]), (g[:, 1], g[:, 0])] if het else [(g[:, 0], g[:, 1])]
            if relationship is R.FULL_SIBLING:
                if person == pivot:  # the symmetry's pivot: its first reading only
                    orders = orders[:1]
                readings.append([(1.0, [(_A, one), (_B, two)]) for one, two in orders])
            elif relationship in (R.MATERNAL_HALF_SIBLING, R.PATERNAL_HALF_SIBLING, R.HALF_SIBLING):
                if relationship is R.HALF_SIBLING:
                    shared = side_of[person]
                else:
                    shared = _A if relationship is R.MATERNAL_HALF_SIBLING else _B
                other = f"other{person}"
                readings.append([(1.0, [(shared, one), (other, two)]) for one, two in orders])
            elif relationship is R.CHILD:
                # Which of the MP's alleles (0: from A, 1: from B) it received, half each.
                mine_options = (0,) if person == pivot else (0, 1)
                children.append(
                    [
                        (0.5, [(_MP, one), (_S, two)], mine)
                        for one, two in orders
                        for mine in mine_options
                    ]
                )
        for child_choice in itertools.product(*children):
            on_mp = [ones, ones]  # the product of the children's columns on each MP allele
            weight = double * 0.5 ** len(unknown)
            receipts: dict[str, list[np.ndarray | None]] = {}
            if h1:
                receipts[_A] = [None]  # the MP's allele from A: X
                receipts[_B] = [None]
            for w, received, mine in child_choice:
                weight *= w
                (_mp, from_mp), (_spouse, from_spouse) = received
                on_mp[mine] = on_mp[mine] * batch.column(from_mp)
                receipts.setdefault(_S, []).append(batch.column(from_spouse))
            if not h1:
                # The untyped MP passes on what it received from A (or B), mutated again.
                for parent, passed in zip((_A, _B), on_mp, strict=True):
                    if passed is not ones:
                        # sum_x M[a, x] passed[x], as a sum per row rather than a matrix
                        # product (whose rounding may depend on how many rows it has).
                        chained = (batch.mutation[None, :, :] * passed[:, None, :]).sum(axis=2)
                        receipts.setdefault(parent, []).append(chained)
            group = np.zeros((families, n, n))
            terms = _Terms()
            for reading in itertools.product(*readings):
                these = {parent: list(items) for parent, items in receipts.items()}
                for _w, received in reading:
                    for parent, alleles in received:
                        these.setdefault(parent, []).append(batch.column(alleles))
                _founders(batch, these, weight, terms, h1)
            terms.sum_into(batch, group)
            if h1:
                # J over the values of A's and B's alleles before mutation -> the MP's (x, y).
                group = np.matmul(np.matmul(batch.mutation.T, group), batch.mutation)
                group *= on_mp[0][:, :, None]
                group *= on_mp[1][:, None, :]
            result += group
    return result


def _symmetry_pivot(shape: Shape) -> int | None:
    """The person whose choice may be fixed by the A <-> B symmetry, or None.

    With neither parent typed and no half-sibling of a known side, swapping the MP's parents
    maps the terms onto themselves, flips every heterozygous full sibling's reading, every
    unknown half-sibling's side and every MP child's choice of the MP's allele, and transposes
    the ordered joint over (x, y) (under H2 leaves it as it is). The unordered genotype joint
    is therefore twice the sum over the terms in which the first such person makes its first
    choice (first reading, the mother's side, the MP's allele from A)."""
    R = Relationship
    if any(
        r in (R.MOTHER, R.FATHER, R.MATERNAL_HALF_SIBLING, R.PATERNAL_HALF_SIBLING)
        for r, _h in shape
    ):
        return None
    for wanted in (
        lambda r, h: r is R.FULL_SIBLING and h,
        lambda r, h: r is R.HALF_SIBLING,
        lambda r, h: r is R.CHILD,
    ):
        for person, (relationship, het) in enumerate(shape):
            if wanted(relationship, het):
                return person
    return None


def _founders(
    batch: _Batch,
    receipts: dict[str, list[np.ndarray | None]],
    weight: float,
    terms: _Terms,
    h1: bool,
) -> None:
    """One reading's terms, gathered into `terms`: every canonical choice of which allele of
    each untyped founder each receipt (a likelihood over its value, None for the MP under H1)
    is. A typed founder's receipts are a factor per family."""
    factor = np.ones(batch.w.shape[0])
    untyped: list[tuple[str, list[np.ndarray | None]]] = []
    for parent, items in receipts.items():
        halves = batch.typed.get(parent) if parent in _FOUNDERS else None
        if halves is None:
            untyped.append((parent, items))
            continue
        for item in items:
            if item is not None:  # (None: the MP's allele from a typed parent, H1's fixed X/Y)
                factor = factor * (halves * item).sum(axis=1)
    # Canonical labellings: the first receipt on the first allele, each other on either.
    options = []
    for parent, items in untyped:
        choices = []
        for slots in itertools.product((0, 1), repeat=len(items) - 1):
            groups: list[list[np.ndarray | None]] = [[items[0]], []]
            for item, slot in zip(items[1:], slots, strict=True):
                groups[slot].append(item)
            choices.append((parent, groups))
        options.append(choices)
        weight *= 2 * 0.5 ** len(items)
    unit = np.ones_like(batch.w)
    for choice in itertools.product(*options):
        free: list[np.ndarray] = []
        x_like: np.ndarray | None = None if h1 else unit  # under H2, U's alleles
        y_like: np.ndarray | None = None if h1 else unit
        for parent, groups in choice:
            for slot, members in enumerate(groups):
                if not members:
                    continue
                likes = [m for m in members if m is not None]
                value = math.prod(likes[1:], start=likes[0]) if likes else unit
                if slot == 0 and members[0] is None:  # the MP's allele (H1)
                    if parent == _A:
                        x_like = value
                    else:
                        y_like = value
                else:
                    free.append(value)
        terms.add(free, x_like, y_like, weight, factor)


class _Terms:
    """Terms gathered by their form (how many free alleles, which marked ones are drawn), so
    that a form's terms are summed together: arrays with a leading axis over the terms."""

    CHUNK = 48  # terms summed together at most (memory: terms x families x alleles each)

    def __init__(self) -> None:
        self.forms: dict[tuple[int, bool, bool], list[tuple]] = {}

    def add(
        self,
        free: list[np.ndarray],
        x_like: np.ndarray | None,
        y_like: np.ndarray | None,
        weight: float,
        factor: np.ndarray,
    ) -> None:
        form = (len(free), x_like is not None, y_like is not None)
        self.forms.setdefault(form, []).append((free, x_like, y_like, weight, factor))

    def sum_into(self, batch: _Batch, into: np.ndarray) -> None:
        """Add the terms' partition sums into `into`. A marked allele not drawn is the MP's
        from a typed parent (H1): its vector is that parent's halves."""
        total = _JointSum(batch, into)
        for (k, x_drawn, y_drawn), terms in self.forms.items():
            for start in range(0, len(terms), self.CHUNK):
                part = terms[start : start + self.CHUNK]
                total.add(
                    [np.stack([t[0][j] for t in part]) for j in range(k)],
                    np.stack([t[1] for t in part]) if x_drawn else batch.typed[_A],
                    x_drawn,
                    np.stack([t[2] for t in part]) if y_drawn else batch.typed[_B],
                    y_drawn,
                    np.array([t[3] for t in part])[:, None],
                    np.stack([t[4] for t in part]),
                )
        total.flush()


class _JointSum:
    """Sums of partitions into an ordered joint over (x, y) (families, alleles, alleles):
    rank-one pairs u ⊗ v gathered and added with one batched product, diagonals at once.
    Every array of a call has a leading axis over terms of one form."""

    FLUSH = 256  # pairs gathered before a product

    def __init__(self, batch: _Batch, into: np.ndarray) -> None:
        self.batch, self.into = batch, into
        self.us: list[np.ndarray] = []
        self.vs: list[np.ndarray] = []
        self.pairs = 0

    def add(
        self,
        free: list[np.ndarray],
        x: np.ndarray,
        x_drawn: bool,
        y: np.ndarray,
        y_drawn: bool,
        weight: np.ndarray,
        factor: np.ndarray,
    ) -> None:
        """Terms of one form: the unmarked alleles' likelihoods `free` (terms x families x
        alleles each) and the marked X's and Y's: drawn, their likelihoods; not drawn (a typed
        parent's allele for the MP), the vector over its value, neither drawn nor partitioned
        (families x alleles); times weight (terms x 1) and a factor (terms x families)."""
        batch, theta = self.batch, self.batch.theta
        k = len(free)
        full = (1 << k) - 1
        drawn = k + x_drawn + y_drawn
        scale = factor * (weight / batch.spread(drawn))
        # products[S] = w * prod_{f in S} L_f, over the subsets S of the free alleles.
        products = [np.broadcast_to(batch.w, (len(factor), *batch.w.shape))]
        for mask in range(1, full + 1):
            low = mask & -mask
            products.append(products[mask ^ low] * free[low.bit_length() - 1])
        sizes = [mask.bit_count() for mask in range(full + 1)]
        weights = [0.0] + [block_weight(theta, size) for size in range(1, k + 3)]
        sums = [weights[sizes[mask]] * products[mask].sum(axis=-1) for mask in range(full + 1)]
        # partitions[S]: the sum over the partitions of S of the product of their blocks.
        partitions = [np.ones(factor.shape)]
        for mask in range(1, full + 1):
            low = mask & -mask
            rest = mask ^ low
            total = np.zeros(factor.shape)
            sub = rest
            while True:
                block = sub | low
                total += sums[block] * partitions[mask ^ block]
                if sub == 0:
                    break
                sub = (sub - 1) & rest
            partitions.append(total)

        def around(marked: list[np.ndarray], region: int) -> np.ndarray:
            """Sum over the subsets S of `region` of the marked allele's block with S (a
            vector over its value; marked[S] = products[S] * its likelihood) times the
            partitions of the rest of `region`."""
            total = np.zeros(marked[0].shape)
            sub = region
            while True:
                weight = weights[sizes[sub] + 1] * partitions[region ^ sub]
                total += weight[..., None] * marked[sub]
                if sub == 0:
                    break
                sub = (sub - 1) & region
            return total

        n = batch.n
        if x_drawn and y_drawn:
            both = x * y
            diagonal = np.zeros(both.shape)
            subset = full
            while True:  # X and Y in one block: x = y
                diagonal += (weights[sizes[subset] + 2] * partitions[full ^ subset])[..., None] * (
                    products[subset] * both
                )
                if subset == 0:
                    break
                subset = (subset - 1) & full
            flat = self.into.reshape(self.into.shape[0], -1)
            flat[:, :: n + 1] += (diagonal * scale[..., None]).sum(axis=0)
            y_marked = [product * y for product in products]
            subset = full
            while True:  # X's block holds `subset`, Y's block some of the rest
                x_block = (weights[sizes[subset] + 1] * scale)[..., None] * (products[subset] * x)
                self._pair(x_block, around(y_marked, full ^ subset))
                if subset == 0:
                    break
                subset = (subset - 1) & full
        elif x_drawn:
            self._pair(around([product * x for product in products], full) * scale[..., None], y)
        elif y_drawn:
            self._pair(x * scale[..., None], around([product * y for product in products], full))
        else:
            self._pair(x * (scale * partitions[full])[..., None], y)

    def _pair(self, u: np.ndarray, v: np.ndarray) -> None:
        """u ⊗ v summed over the terms' axis (a v without it is the same for every term)."""
        self.us.append(u)
        self.vs.append(np.broadcast_to(v, u.shape))
        self.pairs += u.shape[0]
        if self.pairs >= self.FLUSH:
            self.flush()

    def flush(self) -> None:
        if self.us:
            # One copy each into the layouts of a batched matrix product.
            us = np.concatenate([u.transpose(1, 2, 0) for u in self.us], axis=2)
            vs = np.concatenate([v.transpose(1, 0, 2) for v in self.vs], axis=1)
            self.into += np.matmul(us, vs)  # families x alleles x alleles
            self.us, self.vs, self.pairs = [], [], 0


def block_weight(theta: float, size: int) -> float:
    """The Chinese-restaurant weight of a block of `size` founder alleles sharing one value:
    θ^(s-1) (s-1)! (each after the first a copy of one of those before it)."""
    return theta ** (size - 1) * math.factorial(size - 1)


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
