"""Kinship likelihood ratios against textbook single-locus formulas (Butler; Evett & Weir;
NRC II), hand-computed multi-locus examples, mutation and skipped loci."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.dna.frequencies import Locus, read_table
from app.dna.kinship import (
    LOG10_FLOOR,
    Family,
    Reference,
    Relationship,
    Settings,
    direct_match,
    family_log10_lr,
    genotype_index,
    genotype_probabilities,
    locus_log10_lr,
    random_match_probability,
)

R = Relationship
PLAIN = Settings(theta=0.0, mutation_rate=0.0)
TABLE = Path("/work/shared/data/str-frequencies/fbi-extended-caucasian-2024.csv")


def toy_locus() -> Locus:
    alleles = ("8", "9", "10", "11", "12")
    p = np.array([0.1, 0.2, 0.3, 0.25, 0.15])
    return Locus("TOY", alleles, p, {a: i for i, a in enumerate(alleles)})


LOCUS = toy_locus()
P = dict(zip(LOCUS.alleles, LOCUS.p, strict=True))
pa, pb, pc = P["9"], P["10"], P["11"]


def lr(references, mp, settings=PLAIN, locus=LOCUS) -> float:
    table = locus_log10_lr(locus, references, settings)
    assert table is not None
    return float(10 ** table[genotype_index(locus, mp)])


# --- paternity index (one parent typed, other parent untyped) -----------------------------


@pytest.mark.parametrize(
    ("parent", "mp", "expected"),
    [
        (("9", "9"), ("9", "10"), 1 / (2 * pa)),  # homozygous parent, heterozygous child
        (("9", "10"), ("9", "10"), (pa + pb) / (4 * pa * pb)),
        (("9", "11"), ("9", "10"), 1 / (4 * pa)),
        (("9", "10"), ("9", "9"), 1 / (2 * pa)),
        (("9", "9"), ("9", "9"), 1 / pa),
        (("11", "12"), ("9", "10"), 0.0),  # excluded without mutation
    ],
)
@pytest.mark.parametrize("role", [R.FATHER, R.MOTHER, R.CHILD])
def test_paternity_index(role, parent, mp, expected):
    """A parent or a child of the MP: the same index (Butler, Table 23.1)."""
    value = lr([(role, parent)], mp)
    if expected == 0:
        assert value == pytest.approx(10**LOG10_FLOOR)
    else:
        assert value == pytest.approx(expected)


def test_both_parents_typed_trio():
    """P(child ac | mother ab, father cd) = 1/4; LR = 1/4 / (2 p_a p_c)."""
    refs = [(R.MOTHER, ("9", "10")), (R.FATHER, ("11", "12"))]
    assert lr(refs, ("9", "11")) == pytest.approx(0.25 / (2 * pa * pc))
    assert lr(refs, ("9", "10")) == pytest.approx(10**LOG10_FLOOR)  # both from the mother


def test_child_with_the_other_parent_typed():
    """Child ab with spouse bb: the MP must have given a: LR = P(a from MP) / p_a."""
    refs = [(R.CHILD, ("9", "10")), (R.SPOUSE, ("10", "10"))]
    # MP aa gives a surely: P(child | MP aa, spouse) = 1; P(child) given spouse = p_a.
    assert lr(refs, ("9", "9")) == pytest.approx(1 / pa)
    assert lr(refs, ("9", "11")) == pytest.approx(0.5 / pa)
    assert lr(refs, ("11", "12")) == pytest.approx(10**LOG10_FLOOR)


# --- siblings: LR = k0 + k1 * X1 + k2 * X2 -------------------------------------------------


def ibd_lr(k0: float, k1: float, k2: float, mp, sib) -> float:
    p_mp = P[mp[0]] * P[mp[1]] * (1 if mp[0] == mp[1] else 2)
    one = 0.0  # P(MP | sib, one allele IBD): the sib passes one allele, the other is random
    for shared in sib:
        rest = list(mp)
        if shared in rest:
            rest.remove(shared)
            one += 0.5 * P[rest[0]]
    same = 1.0 if sorted(mp) == sorted(sib) else 0.0
    return k0 + k1 * one / p_mp + k2 * same / p_mp


GENOTYPES = [("9", "10"), ("9", "9"), ("9", "11"), ("11", "12"), ("10", "10")]


@pytest.mark.parametrize("mp", GENOTYPES)
@pytest.mark.parametrize("sib", GENOTYPES)
def test_full_sibling_index(mp, sib):
    assert lr([(R.FULL_SIBLING, sib)], mp) == pytest.approx(ibd_lr(0.25, 0.5, 0.25, mp, sib))


@pytest.mark.parametrize("mp", GENOTYPES)
@pytest.mark.parametrize("sib", GENOTYPES)
@pytest.mark.parametrize("role", [R.HALF_SIBLING, R.MATERNAL_HALF_SIBLING, R.PATERNAL_HALF_SIBLING])
def test_half_sibling_index(role, mp, sib):
    assert lr([(role, sib)], mp) == pytest.approx(ibd_lr(0.5, 0.5, 0.0, mp, sib))


def test_a_half_sibling_of_unknown_side_excluded_by_the_mother_is_the_fathers_child():
    """Mother 8,8 cannot have a child 11,11: of the two readings only 'paternal' remains, and
    the average over both sides, normalised, is that reading."""
    mother = (R.MOTHER, ("8", "8"))
    unknown = locus_log10_lr(LOCUS, [mother, (R.HALF_SIBLING, ("11", "11"))], PLAIN)
    paternal = locus_log10_lr(LOCUS, [mother, (R.PATERNAL_HALF_SIBLING, ("11", "11"))], PLAIN)
    maternal = locus_log10_lr(LOCUS, [mother, (R.MATERNAL_HALF_SIBLING, ("11", "11"))], PLAIN)
    assert unknown is not None and paternal is not None and maternal is not None
    assert unknown == pytest.approx(paternal)
    assert np.all(maternal == LOG10_FLOOR)  # read as the mother's child, nothing fits


def test_full_sibling_closed_forms():
    """Wenk et al.: ab/ab (1 + pa + pb + 2 pa pb) / (8 pa pb); aa/aa (1 + pa)^2 / (4 pa^2)."""
    assert lr([(R.FULL_SIBLING, ("9", "10"))], ("9", "10")) == pytest.approx(
        (1 + pa + pb + 2 * pa * pb) / (8 * pa * pb)
    )
    assert lr([(R.FULL_SIBLING, ("9", "9"))], ("9", "9")) == pytest.approx(
        (1 + pa) ** 2 / (4 * pa**2)
    )


def test_two_full_siblings_and_a_mother_hand_computed():
    """Mother aa, siblings ab and ac: the father carried b and c (he is bc), so the MP is a
    (from the mother) with b or c from the father, half each: P(MP = ab | refs) = 1/2."""
    refs = [(R.MOTHER, ("9", "9")), (R.FULL_SIBLING, ("9", "10")), (R.FULL_SIBLING, ("9", "11"))]
    assert lr(refs, ("9", "10")) == pytest.approx(0.5 / (2 * pa * pb))
    assert lr(refs, ("9", "11")) == pytest.approx(0.5 / (2 * pa * pc))


# --- θ and direct comparison -------------------------------------------------------------


def test_random_match_probability_nrc_ii_4_10():
    theta = 0.03
    het = 2 * (theta + (1 - theta) * pa) * (theta + (1 - theta) * pb)
    het /= (1 + theta) * (1 + 2 * theta)
    hom = (2 * theta + (1 - theta) * pa) * (3 * theta + (1 - theta) * pa)
    hom /= (1 + theta) * (1 + 2 * theta)
    assert random_match_probability(LOCUS, ("9", "10"), theta) == pytest.approx(het)
    assert random_match_probability(LOCUS, ("9", "9"), theta) == pytest.approx(hom)
    assert random_match_probability(LOCUS, ("9", "10"), 0.0) == pytest.approx(2 * pa * pb)
    assert random_match_probability(LOCUS, ("9", "9"), 0.0) == pytest.approx(pa**2)


def test_direct_match_multiplies_loci_and_an_difference_excludes():
    loci = {"TOY": LOCUS, "TOY2": toy_locus()}
    remains = {"TOY": ("9", "10"), "TOY2": ("9", "9")}
    rmp, compared, different = direct_match(remains, dict(remains), loci)
    assert rmp == pytest.approx(2 * pa * pb * pa**2)
    assert compared == ["TOY", "TOY2"] and different == []
    rmp, _, different = direct_match(remains, {**remains, "TOY2": ("9", "10")}, loci)
    assert rmp == 1.0 and different == ["TOY2"]
    rmp, compared, _ = direct_match(remains, {"TOY": ("9", "10")}, loci)  # TOY2 skipped
    assert compared == ["TOY"] and rmp == pytest.approx(2 * pa * pb)


def draw(allele: str, seen: list[str], theta: float) -> float:
    """Balding–Nichols: the next allele is `allele` after the alleles `seen`."""
    return (seen.count(allele) * theta + (1 - theta) * P[allele]) / (1 + (len(seen) - 1) * theta)


def two_draws(genotype, seen: list[str], theta: float) -> float:
    """An unrelated person's genotype after `seen` (NRC II 4.10 when seen is the genotype)."""
    x, y = genotype
    both = draw(x, seen, theta) * draw(y, [*seen, x], theta)
    return both if x == y else 2 * both


@pytest.mark.parametrize("theta", [0.01, 0.03])
@pytest.mark.parametrize(
    ("parent", "mp", "expected"),
    [
        # Father aa, MP ab, mother untyped. Numerator: the father gives a, the mother's allele
        # b is drawn after a, a: (1-θ)p_b / (1+θ). Denominator: an unrelated ab after a, a:
        # 2 (2θ + (1-θ)p_a)/(1+θ) · (1-θ)p_b/(1+2θ). LR = (1+2θ) / (2 (2θ + (1-θ)p_a)):
        # Balding & Nichols (1994)'s sampling formula, the θ paternity index of Evett & Weir
        # (1998, Interpreting DNA Evidence, ch. 7); 1/(2 p_a) at θ = 0.
        (("9", "9"), ("9", "10"), lambda t: (1 + 2 * t) / (2 * (2 * t + (1 - t) * pa))),
        # Father ab, MP ab: he gives a or b (half each), the mother the other after a, b:
        # (1+2θ)(2θ + (1-θ)(p_a+p_b)) / (4 (θ + (1-θ)p_a)(θ + (1-θ)p_b)).
        (
            ("9", "10"),
            ("9", "10"),
            lambda t: (
                (1 + 2 * t)
                * (2 * t + (1 - t) * (pa + pb))
                / (4 * (t + (1 - t) * pa) * (t + (1 - t) * pb))
            ),
        ),
        # Father ac, MP ab: (1+2θ) / (4 (θ + (1-θ)p_a)).
        (("9", "11"), ("9", "10"), lambda t: (1 + 2 * t) / (4 * (t + (1 - t) * pa))),
        # Father ab, MP aa: (1+2θ) / (2 (2θ + (1-θ)p_a)).
        (("9", "10"), ("9", "9"), lambda t: (1 + 2 * t) / (2 * (2 * t + (1 - t) * pa))),
        # Father aa, MP aa: (1+2θ) / (3θ + (1-θ)p_a).
        (("9", "9"), ("9", "9"), lambda t: (1 + 2 * t) / (3 * t + (1 - t) * pa)),
    ],
)
@pytest.mark.parametrize("role", [R.FATHER, R.MOTHER])
def test_paternity_index_with_theta(role, parent, mp, expected, theta):
    value = lr([(role, parent)], mp, Settings(theta=theta, mutation_rate=0))
    assert value == pytest.approx(expected(theta), rel=1e-9)
    # The same from the sampling formula directly: P(mother's allele | father) / P(MP | father).
    fathers = list(parent)
    numerator = 0.0
    for passed in set(parent):  # the father passes `passed`, the mother the MP's other one
        rest = list(mp)
        if passed in rest:
            rest.remove(passed)
            numerator += parent.count(passed) / 2 * draw(rest[0], fathers, theta)
    assert value == pytest.approx(numerator / two_draws(mp, fathers, theta), rel=1e-9)


def ibd_lr_theta(k0: float, k1: float, k2: float, mp, sib, theta: float) -> float:
    """k0 + k1 X1 + k2 X2 with the sampling formula: without IBD the MP's two alleles are drawn
    after the relative's two; with one allele IBD the other is drawn after them; U (H2) is drawn
    after them too (the parents' unseen alleles sum out). Evett & Weir (1998, ch. 7) give these
    conditional probabilities for relatives; at θ = 0 they are ibd_lr's."""
    seen = list(sib)
    unrelated = two_draws(mp, seen, theta)
    one = 0.0
    for shared in sib:
        rest = list(mp)
        if shared in rest:
            rest.remove(shared)
            one += 0.5 * draw(rest[0], seen, theta)
    same = 1.0 if sorted(mp) == sorted(sib) else 0.0
    return (k0 * unrelated + k1 * one + k2 * same) / unrelated


@pytest.mark.parametrize("theta", [0.01, 0.03])
@pytest.mark.parametrize("mp", GENOTYPES)
@pytest.mark.parametrize("sib", GENOTYPES)
def test_full_sibling_index_with_theta(mp, sib, theta):
    value = lr([(R.FULL_SIBLING, sib)], mp, Settings(theta=theta, mutation_rate=0))
    assert value == pytest.approx(ibd_lr_theta(0.25, 0.5, 0.25, mp, sib, theta), rel=1e-9)


@pytest.mark.parametrize("theta", [0.01, 0.03])
@pytest.mark.parametrize("mp", GENOTYPES)
@pytest.mark.parametrize("sib", GENOTYPES)
@pytest.mark.parametrize("role", [R.HALF_SIBLING, R.MATERNAL_HALF_SIBLING, R.PATERNAL_HALF_SIBLING])
def test_half_sibling_index_with_theta(role, mp, sib, theta):
    value = lr([(role, sib)], mp, Settings(theta=theta, mutation_rate=0))
    assert value == pytest.approx(ibd_lr_theta(0.5, 0.5, 0.0, mp, sib, theta), rel=1e-9)


def test_full_sibling_closed_form_with_theta():
    """ab/ab written out: 1/4 + (1+2θ)(2θ + (1-θ)(p_a+p_b)) / (8 A B) + (1+θ)(1+2θ) / (8 A B),
    A = θ + (1-θ)p_a, B = θ + (1-θ)p_b; Wenk's (1 + p_a + p_b + 2 p_a p_b) / (8 p_a p_b) at 0."""
    t = 0.03
    a, b = t + (1 - t) * pa, t + (1 - t) * pb
    expected = 0.25 + (1 + 2 * t) * (2 * t + (1 - t) * (pa + pb)) / (8 * a * b)
    expected += (1 + t) * (1 + 2 * t) / (8 * a * b)
    value = lr([(R.FULL_SIBLING, ("9", "10"))], ("9", "10"), Settings(theta=t, mutation_rate=0))
    assert value == pytest.approx(expected, rel=1e-9)


def test_theta_lowers_the_lr_of_a_shared_rare_allele():
    refs = [(R.FATHER, ("8", "8"))]
    assert lr(refs, ("8", "9"), Settings(theta=0.03, mutation_rate=0)) < lr(refs, ("8", "9"))


# --- multi-locus, missing loci, mutation ---------------------------------------------------


def test_multi_locus_is_the_product_and_missing_loci_are_skipped():
    loci = {name: toy_locus() for name in ("L1", "L2", "L3", "L4")}
    father = {"L1": ("9", "9"), "L2": ("9", "10"), "L3": ("9", "9")}  # L4 untyped
    remains = {"L1": ("9", "10"), "L2": ("9", "10"), "L4": ("11", "12")}  # L3 dropped out
    family = Family("F1", (Reference("dad", R.FATHER, father),))
    expected = 1 / (2 * pa) * (pa + pb) / (4 * pa * pb)
    assert 10 ** family_log10_lr(remains, family, loci, PLAIN) == pytest.approx(expected)


def test_one_mutated_locus_does_not_exclude_a_true_father():
    table = read_table(TABLE.read_bytes())
    loci = {marker: table.locus(marker) for marker in sorted(table.markers)}
    father: dict[str, tuple[str, str]] = {}
    remains: dict[str, tuple[str, str]] = {}
    for marker, locus in loci.items():
        common = locus.alleles[int(np.argmax(locus.p))]
        father[marker] = (common, common)
        remains[marker] = (common, common)
    # TH01: the father is 6,6 and the remains 7,7 (a one-step mutation and a shared 7 of the
    # mother): without mutation that excludes him.
    father["TH01"], remains["TH01"] = ("6", "6"), ("7", "7")
    family = Family("F", (Reference("dad", R.FATHER, father),))
    with_mutation = Settings(mutation_rate=0.002)
    mutated = locus_log10_lr(loci["TH01"], [(R.FATHER, ("6", "6"))], with_mutation)
    assert mutated is not None
    value = 10 ** mutated[genotype_index(loci["TH01"], ("7", "7"))]
    # P(MP 7,7 | father 6,6) = mu * share(6 -> 7) * p7, over p7^2: small, never zero (p7 of
    # the untyped mother up to her own small chance of mutation, hence rel=1e-2).
    th01 = loci["TH01"]
    weights = {a: 0.1 ** (math.ceil(abs(float(a) - 6) - 1e-9) - 1) for a in th01.alleles}
    del weights["6"]
    p7 = th01.p[th01.index["7"]]
    assert value == pytest.approx(0.002 * weights["7"] / sum(weights.values()) / p7, rel=1e-2)
    assert 0 < value < 0.05
    assert family_log10_lr(remains, family, loci, with_mutation) > 3
    assert family_log10_lr(remains, family, loci, PLAIN) < -10


def test_no_reference_typed_at_a_locus_gives_no_table():
    assert locus_log10_lr(LOCUS, [], PLAIN) is None


# --- a property: with θ = 0, P(g | refs) = P(g) LR(g) is a distribution -------------------

RELATIONSHIPS = st.sampled_from(
    [R.FULL_SIBLING, R.MATERNAL_HALF_SIBLING, R.PATERNAL_HALF_SIBLING, R.CHILD, R.HALF_SIBLING]
)
GENOTYPE = st.tuples(st.sampled_from(LOCUS.alleles), st.sampled_from(LOCUS.alleles)).map(
    lambda g: tuple(sorted(g, key=float))
)


@settings(max_examples=60, deadline=None)
@given(
    parents=st.lists(st.sampled_from([R.MOTHER, R.FATHER]), unique=True, max_size=2),
    others=st.lists(RELATIONSHIPS, min_size=0, max_size=3),
    genotypes=st.lists(GENOTYPE, min_size=5, max_size=5),
    rate=st.sampled_from([0.002, 0.05]),
)
def test_lr_weighted_by_the_population_sums_to_one(parents, others, genotypes, rate):
    relationships = (parents + others)[:5] or [R.CHILD]
    refs = list(zip(relationships, genotypes, strict=False))
    table = locus_log10_lr(LOCUS, refs, Settings(theta=0, mutation_rate=rate))
    assert table is not None
    total = float((genotype_probabilities(LOCUS.p) * 10**table).sum())
    assert math.isclose(total, 1.0, rel_tol=1e-9)
