"""The other evidence beside the DNA: each factor, and the rule that combines them with the
DNA's band (which the DNA alone decides)."""

from __future__ import annotations

import math
from datetime import date

import pytest

from app.dna.evidence import (
    NAME_CAP_BITS,
    CaseFacts,
    EvidenceCode,
    EvidenceNote,
    Factor,
    Flag,
    RemainsFacts,
    age_note,
    age_on,
    combine,
    name_note,
    other_evidence,
    region_note,
    sex_note,
)

RECOVERED = date(2026, 6, 1)


def test_a_name_counts_its_bits_in_log10():
    note = name_note(6.0, "Вигаданенко Остап")
    assert note.code is EvidenceCode.NAME_AGREES
    assert note.log10_lr == pytest.approx(6 * math.log10(2))
    assert note.remains == "Вигаданенко Остап" and note.case == ""  # never the case's name


@pytest.mark.parametrize("bits", [25.0, -40.0])
def test_a_name_is_bounded(bits):
    note = name_note(bits, "Вигаданенко")
    assert note.code is EvidenceCode.NAME_CAPPED
    assert abs(note.log10_lr) == pytest.approx(NAME_CAP_BITS * math.log10(2))


def test_a_different_name_weighs_against():
    assert name_note(-3.0, "Іншенко").code is EvidenceCode.NAME_DIFFERS
    assert name_note(-3.0, "Іншенко").log10_lr < 0


@pytest.mark.parametrize("bits, claimed", [(None, "Вигаданенко"), (5.0, ""), (5.0, "  ")])
def test_no_claimed_name_is_no_evidence(bits, claimed):
    note = name_note(bits, claimed)
    assert (note.code, note.log10_lr) == (EvidenceCode.UNKNOWN, 0.0)


@pytest.mark.parametrize(
    "remains, case, code, lr",
    [
        ("male", "male", EvidenceCode.SEX_SAME, 1.99),
        ("female", "f", EvidenceCode.SEX_SAME, 1.99),
        ("male", "female", EvidenceCode.SEX_DIFFERENT, 0.01),
        ("unknown", "male", EvidenceCode.UNKNOWN, 1.0),
        ("male", "", EvidenceCode.UNKNOWN, 1.0),
    ],
)
def test_sex(remains, case, code, lr):
    note = sex_note(remains, case)
    assert note.factor is Factor.SEX and note.code is code
    assert 10**note.log10_lr == pytest.approx(lr)


def test_the_laboratory_s_amelogenin_wins_over_the_written_sex():
    note = sex_note("male", "female", lab="female")
    assert (note.code, note.remains, note.source) == (EvidenceCode.SEX_SAME, "female", "amelogenin")
    contradicted = sex_note("female", "female", lab="male")
    assert contradicted.code is EvidenceCode.SEX_DIFFERENT
    assert sex_note("male", "male", lab="").source == "written"
    assert sex_note("unknown", "male", lab="").source == ""


def test_the_age_on_the_recovery_date():
    assert age_on(CaseFacts(dob_year=1990, dob_month=7, dob_day=2), RECOVERED) == (35, 35)
    assert age_on(CaseFacts(dob_year=1990, dob_month=5, dob_day=2), RECOVERED) == (36, 36)
    assert age_on(CaseFacts(dob_year=1990), RECOVERED) == (35, 36)  # a year alone
    estimated = CaseFacts(estimated_age=30, age_estimated_on=date(2021, 6, 1))
    assert age_on(estimated, RECOVERED) == (34, 36)
    assert age_on(CaseFacts(estimated_age=30), RECOVERED) is None  # an undated estimate
    assert age_on(CaseFacts(dob_year=1990, dob_month=2, dob_day=30), RECOVERED) == (35, 36)


def _age(low, high, born, recovered=RECOVERED):
    return age_note(
        RemainsFacts(age_min=low, age_max=high, recovered_on=recovered), CaseFacts(dob_year=born)
    )


@pytest.mark.parametrize(
    "low, high, born, code",
    [
        (30, 40, 1990, EvidenceCode.AGE_INSIDE),  # 35 or 36 on recovery
        (38, 45, 1990, EvidenceCode.AGE_NEAR),  # two years too young even on recovery
        (43, 50, 1990, EvidenceCode.AGE_OUTSIDE),  # seven years too young
        (50, 60, 1990, EvidenceCode.AGE_FAR),  # fourteen years too young: a contradiction
        (20, 30, 1990, EvidenceCode.AGE_INSIDE),  # may have lain five years before recovery
        (10, 15, 1990, EvidenceCode.AGE_OUTSIDE),  # ten years' lying is not enough
        (None, 40, 1990, EvidenceCode.AGE_INSIDE),
        (40, None, 1990, EvidenceCode.AGE_NEAR),
    ],
)
def test_age_against_the_forensic_range(low, high, born, code):
    note = _age(low, high, born)
    assert note.code is code
    assert (note.log10_lr > 0) == (code is EvidenceCode.AGE_INSIDE)


def test_age_unknown_on_either_side_is_no_evidence():
    assert _age(None, None, 1990).code is EvidenceCode.UNKNOWN
    assert _age(30, 40, 1990, recovered=None).code is EvidenceCode.UNKNOWN
    no_birth = age_note(RemainsFacts(age_min=30, age_max=40, recovered_on=RECOVERED), CaseFacts())
    assert (no_birth.code, no_birth.log10_lr) == (EvidenceCode.UNKNOWN, 0.0)


def test_region_by_oblast():
    same = region_note("Херсонська обл., Скадовський р-н", ["", "м. Херсон"])
    assert same.code is EvidenceCode.REGION_SAME and same.log10_lr == pytest.approx(math.log10(2))
    other = region_note("Харківська область", ["Херсонська обл."])
    assert other.code is EvidenceCode.REGION_DIFFERENT and -0.05 < other.log10_lr < 0
    assert region_note("", ["Херсонська обл."]).code is EvidenceCode.UNKNOWN
    assert region_note("Північна область", ["Херсонська обл."]).code is EvidenceCode.UNKNOWN


def test_every_factor_is_there_even_without_data():
    notes = other_evidence(RemainsFacts(), CaseFacts(), None)
    assert [n.factor for n in notes] == list(Factor)
    assert all(n.code is EvidenceCode.UNKNOWN and n.log10_lr == 0 for n in notes)


def test_notes_survive_storage():
    note = sex_note("male", "female")
    assert EvidenceNote.from_dict(note.as_dict()) == EvidenceNote(
        note.factor, note.code, round(note.log10_lr, 4), note.remains, note.case, note.source
    )


def _notes(*codes_and_lrs):
    return [EvidenceNote(Factor.NAME, code, lr) for code, lr in codes_and_lrs]


def test_other_evidence_ranks_but_never_raises_a_band():
    strong = _notes((EvidenceCode.NAME_CAPPED, 3.0), (EvidenceCode.SEX_SAME, 0.3))
    combined = combine(2.5, "possible", strong)
    assert combined.band == "possible" and combined.flag is Flag.NONE
    assert combined.log10_lr == pytest.approx(5.8)
    assert combine(1.0, "none", strong).band == "none"  # a name alone makes no pair


def test_a_contradiction_turns_a_proposal_into_a_pair_to_review():
    notes = _notes((EvidenceCode.NAME_AGREES, 2.0), (EvidenceCode.SEX_DIFFERENT, -2.0))
    combined = combine(9.0, "proposed", notes)
    assert (combined.band, combined.flag) == ("possible", Flag.CONTRADICTED)
    assert combined.contradictions == (EvidenceCode.SEX_DIFFERENT,)
    far = combine(9.0, "proposed", _notes((EvidenceCode.AGE_FAR, -2.0)))
    assert far.flag is Flag.CONTRADICTED
    # A possible pair with a contradiction stays possible, ranked lower.
    low = combine(3.0, "possible", notes)
    assert (low.band, low.flag) == ("possible", Flag.NONE) and low.log10_lr == pytest.approx(3.0)


def test_weak_negative_evidence_does_not_touch_a_proposal():
    notes = _notes((EvidenceCode.NAME_CAPPED, -3.0), (EvidenceCode.AGE_OUTSIDE, -1.0))
    combined = combine(9.0, "proposed", notes)
    assert (combined.band, combined.flag) == ("proposed", Flag.NONE)
