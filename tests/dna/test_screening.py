"""Screening: the gathered tables give the same LRs as the pair-by-pair calculation, ranking,
posterior, bands, skipped loci and families; the per-locus explanation; consistency checks."""

from __future__ import annotations

import numpy as np
import pytest

from app.dna import screening
from app.dna.checks import (
    Finding,
    FindingCode,
    duplicate_profiles,
    inconsistent_references,
    multiple_matches,
)
from app.dna.explain import LocusStatus, explain_pair
from app.dna.frequencies import read_table
from app.dna.kinship import Family, Reference, Relationship, Settings, family_log10_lr
from app.dna.screening import (
    Band,
    Candidate,
    Thresholds,
    band,
    build_loci,
    encode_remains,
    posterior,
    prepare_families,
    score_blocks,
    screen,
)

R = Relationship
TABLE = read_table(
    b"Allele,L1,L2,L3,vWA\n"
    b"8,0.1,0.2,0.3,0.25\n"
    b"9,0.2,0.3,0.3,0.25\n"
    b"10,0.3,0.3,0.2,0.25\n"
    b"11,0.4,0.2,0.2,0.25\n"
    b"N,100,100,100,100\n"
)
SETTINGS = Settings(theta=0.01, mutation_rate=0.002)


def families() -> list[Family]:
    return [
        Family(
            "parents",
            (
                Reference("m", R.MOTHER, {"L1": ("8", "9"), "L2": ("8", "8"), "L3": ("10", "11")}),
                Reference("f", R.FATHER, {"L1": ("10", "11"), "L2": ("9", "10")}),
            ),
        ),
        Family("sibling", (Reference("s", R.FULL_SIBLING, {"L1": ("8", "11"), "L3": ("8", "9")}),)),
        Family(
            "children",
            (
                Reference("c1", R.CHILD, {"L1": ("8", "10"), "VWA": ("8", "9")}),
                Reference("c2", R.CHILD, {"L1": ("9", "10"), "VWA": ("8", "10")}),
            ),
        ),
        Family("unusable", (Reference("x", R.SPOUSE, {"L1": ("8", "8")}),)),
    ]


REMAINS = [
    {"L1": ("8", "10"), "L2": ("8", "9"), "L3": ("10", "10")},
    {"L1": ("8", "11"), "L3": ("8", "9"), "VWA": ("8", "8"), "X9": ("1", "2")},
    {"L2": ("11", "11")},
    {},
]


def prepared():
    everything = [r.profile for f in families() for r in f.references] + REMAINS
    loci = build_loci(TABLE, everything)
    return loci, prepare_families(families(), loci, SETTINGS)


def test_families_typed_alike_share_a_table_and_differ_where_they_differ():
    """Tables are computed once per locus and typing (the references' order does not matter):
    the shared ones equal, a different genotype at one locus changes that locus only."""
    mother = Reference("m", R.MOTHER, {"L1": ("8", "9"), "L2": ("8", "8")})
    sibling = Reference("s", R.FULL_SIBLING, {"L1": ("8", "11"), "L2": ("9", "10")})
    other = Reference("s", R.FULL_SIBLING, {"L1": ("8", "11"), "L2": ("9", "9")})
    group = [
        Family("a", (mother, sibling)),
        Family("b", (sibling, mother)),
        Family("c", (mother, other)),
    ]
    loci = build_loci(TABLE, [r.profile for f in group for r in f.references])
    tables = prepare_families(group, loci, SETTINGS)
    l1 = slice(tables.offsets["L1"], tables.offsets["L1"] + loci["L1"].genotype_count)
    l2 = slice(tables.offsets["L2"], tables.offsets["L2"] + loci["L2"].genotype_count)
    assert np.array_equal(tables.rows[:, 0], tables.rows[:, 1])
    assert np.array_equal(tables.rows[l1, 0], tables.rows[l1, 2])
    assert not np.array_equal(tables.rows[l2, 0], tables.rows[l2, 2])
    for column, family in enumerate(group):
        remains = {"L1": ("8", "8"), "L2": ("9", "10")}
        codes = encode_remains([remains], tables)
        score = float(tables.rows[codes[0], column].sum())
        assert score == pytest.approx(family_log10_lr(remains, family, loci, SETTINGS), abs=1e-4)


def test_families_prepared_in_several_processes_get_the_same_tables(monkeypatch):
    """Split over forked processes (the typings of each locus dealt round), the tables are
    those of one process, column for column, and progress still comes once per locus;
    below PARALLEL_FAMILIES it stays in one process."""
    monkeypatch.setattr(screening, "PARALLEL_FAMILIES", 1)
    everything = [r.profile for f in families() for r in f.references] + REMAINS
    loci = build_loci(TABLE, everything)
    group = families() * 3  # typings shared between families, and more than two per locus
    one = prepare_families(group, loci, SETTINGS)
    seen: list[tuple[int, int]] = []
    three = prepare_families(
        group, loci, SETTINGS, progress=lambda *done: seen.append(done), processes=3
    )
    assert np.array_equal(one.rows, three.rows)
    assert one.family_ids == three.family_ids and one.skipped == three.skipped
    assert seen == [(done, len(loci)) for done in range(1, len(loci) + 1)]

    def forbidden(*args, **kwargs):
        raise AssertionError("forked for a few families")

    monkeypatch.setattr(screening, "PARALLEL_FAMILIES", 400)
    monkeypatch.setattr(screening, "_tables_in_processes", forbidden)
    assert np.array_equal(prepare_families(group, loci, SETTINGS, processes=2).rows, one.rows)


def test_a_failing_preparation_process_is_reported(monkeypatch):
    monkeypatch.setattr(screening, "PARALLEL_FAMILIES", 1)

    def broken(*args, **kwargs):
        raise ValueError("broken")

    monkeypatch.setattr(screening, "locus_log10_lrs", broken)  # inherited by the fork
    loci = build_loci(TABLE, [r.profile for f in families() for r in f.references])
    with pytest.raises(RuntimeError, match="ValueError"):
        prepare_families(families(), loci, SETTINGS, processes=2)


def test_the_gathered_sums_equal_the_pair_by_pair_lr():
    loci, tables = prepared()
    assert tables.family_ids == ["parents", "sibling", "children"]
    (why,) = tables.skipped["unusable"]
    assert why.startswith("a spouse without a shared child")
    codes = encode_remains(REMAINS, tables)
    scores = np.vstack([scores for _, scores in score_blocks(codes, tables, block=2)])
    for r, remains in enumerate(REMAINS):
        for column, family in enumerate(families()[:3]):
            expected = family_log10_lr(remains, family, loci, SETTINGS)
            assert scores[r, column] == pytest.approx(expected, abs=1e-4)
    assert np.all(scores[3] == 0)  # nothing typed: every LR is 1


def test_screen_ranks_families_and_bands_them():
    _, tables = prepared()
    codes = encode_remains(REMAINS, tables)
    thresholds = Thresholds(proposed_lr=10, proposed_posterior=0.5, possible_lr=1.5)
    found = screen(["r0", "r1", "r2", "r3"], codes, tables, prior=0.5, thresholds=thresholds)
    assert found == sorted(found, key=lambda c: -c.log10_lr)
    firsts = {c.remains_id: c for c in found if c.rank == 1}
    assert firsts["r0"].family_id == "parents"
    assert firsts["r1"].family_id == "sibling"
    assert all(c.log10_lr >= np.log10(1.5) for c in found)
    for candidate in found:
        odds = 10**candidate.log10_lr  # a prior of one half: posterior odds are the LR
        assert candidate.posterior == pytest.approx(odds / (odds + 1))
        assert candidate.band is band(candidate.log10_lr, candidate.posterior, thresholds)
    with pytest.raises(ValueError, match="prior"):
        screen(["r0"], codes[:1], tables, prior=0)


def test_posterior_and_bands():
    assert posterior(6.0, 1e-4) == pytest.approx(1e6 * 1e-4 / (1e6 * 1e-4 + 1 - 1e-4))
    assert posterior(400.0, 1e-4) == pytest.approx(1.0)
    assert posterior(-400.0, 1e-4) == pytest.approx(0.0)
    default = Thresholds()
    assert band(7.5, 0.9999, default) is Band.PROPOSED
    assert band(6.5, 0.99, default) is Band.POSSIBLE  # LR high enough, posterior not
    assert band(2.5, 0.01, default) is Band.POSSIBLE
    assert band(1.0, 0.0, default) is Band.NONE


def test_the_explanation_gives_each_locus_and_why():
    loci, _ = prepared()
    parents = families()[0]
    remains = dict(REMAINS[0])
    remains["L2"] = ("11", "11")  # the mother is 8,8: only a mutation makes her the mother
    notes = {note.marker: note for note in explain_pair(remains, parents, loci, SETTINGS)}
    assert notes["L1"].status is LocusStatus.COMPARED
    assert notes["L1"].shared == {"m": 1, "f": 1}
    assert not notes["L1"].mutation_assumed
    assert notes["L2"].mutation_assumed and notes["L2"].log10_lr < 0
    assert notes["VWA"].status is LocusStatus.NOT_IN_REMAINS
    total = sum(note.log10_lr for note in notes.values())
    assert total == pytest.approx(family_log10_lr(remains, parents, loci, SETTINGS))
    sibling_notes = explain_pair(REMAINS[1], families()[1], loci, SETTINGS)
    by_marker = {note.marker: note.status for note in sibling_notes}
    assert by_marker["L2"] is LocusStatus.NOT_IN_REMAINS
    assert by_marker["VWA"] is LocusStatus.NOT_IN_FAMILY
    assert by_marker["X9"] is LocusStatus.UNKNOWN_MARKER


# --- consistency checks ------------------------------------------------------------------


def test_a_mother_excluded_by_her_own_children_is_found():
    family = Family(
        "F",
        (
            Reference("mum", R.MOTHER, {"L1": ("8", "8"), "L2": ("8", "9"), "L3": ("8", "8")}),
            Reference("sib", R.FULL_SIBLING, {"L1": ("10", "11"), "L2": ("10", "10")}),
            Reference("half", R.HALF_SIBLING, {"L1": ("8", "10"), "L2": ("9", "9")}),
        ),
    )
    assert inconsistent_references(family) == [
        Finding(FindingCode.REFERENCE_INCONSISTENT, ("mum", "sib"), ("L1", "L2"))
    ]
    assert inconsistent_references(family, min_loci=3) == []  # two loci could be mutations


def test_a_full_sibling_the_two_parents_cannot_make_is_found():
    family = Family(
        "F",
        (
            # Each parent shares an allele with the sibling, but together they cannot make
            # 8,9 (both are 8,8) nor 9,10 (both are 9,9).
            Reference("mum", R.MOTHER, {"L1": ("8", "8"), "L2": ("9", "9")}),
            Reference("dad", R.FATHER, {"L1": ("8", "8"), "L2": ("9", "9")}),
            Reference("sib", R.FULL_SIBLING, {"L1": ("8", "9"), "L2": ("9", "10")}),
        ),
    )
    assert inconsistent_references(family) == [
        Finding(FindingCode.REFERENCE_INCONSISTENT, ("mum", "sib", "dad"), ("L1", "L2"))
    ]


def test_children_inconsistent_with_the_spouse():
    family = Family(
        "F",
        (
            Reference("wife", R.SPOUSE, {"L1": ("8", "8"), "L2": ("8", "8")}),
            Reference("kid", R.CHILD, {"L1": ("9", "10"), "L2": ("9", "9")}),
        ),
    )
    assert [f.subjects for f in inconsistent_references(family)] == [("wife", "kid")]


def test_remains_matching_two_families_and_a_family_matching_two_remains():
    def c(remains, family, band_):
        return Candidate(remains, family, 7.0, 0.99, band_, 1)

    candidates = [
        c("r1", "A", Band.PROPOSED),
        c("r1", "B", Band.POSSIBLE),
        c("r2", "C", Band.PROPOSED),
        c("r3", "C", Band.PROPOSED),
        c("r4", "D", Band.NONE),
        c("r5", "D", Band.POSSIBLE),
    ]
    assert multiple_matches(candidates) == [
        Finding(FindingCode.REMAINS_MATCH_SEVERAL_FAMILIES, ("r1", "A", "B")),
        Finding(FindingCode.FAMILY_MATCHES_SEVERAL_REMAINS, ("C", "r2", "r3")),
    ]
    assert multiple_matches(candidates, at_least=Band.PROPOSED) == [
        Finding(FindingCode.FAMILY_MATCHES_SEVERAL_REMAINS, ("C", "r2", "r3")),
    ]


def test_duplicate_profiles_including_a_partial_one():
    full = {f"M{k}": ("8", str(9 + k % 3)) for k in range(10)}
    partial = {m: g for m, g in full.items() if m not in {"M3", "M7"}}
    other = {**full, "M5": ("8", "8")}
    markers = sorted(full)
    found = duplicate_profiles({"a": full, "b": partial, "c": other, "d": {}}, markers)
    assert found == [Finding(FindingCode.DUPLICATE_PROFILES, ("a", "b"))]
    assert duplicate_profiles({"a": full, "b": partial}, markers, min_shared=9) == []
