"""The evidence beside the DNA: the name the other side claims, sex, age and where the remains
were found, each as a likelihood ratio, and the rule that combines them with the DNA's band.

Each factor is a log10 LR with a stable code and the two values it compared (the page
translates the code), 0 when either side is unknown. The figures are rough and deliberately
small: they are P(observation | the remains are this case's person) over P(observation | an
unrelated person), from rates a reviewer can check (below), not learnt from data.

- **Name**: the claimed name against the case's names through the name matcher
  (app.matching.scoring, called by the caller: this core sits below the matcher), only its
  name fields' bits, bounded at ±``NAME_CAP_BITS``: papers found on a body are often someone
  else's, and twenty agreeing bits of a common name must not outweigh a DNA exclusion.
- **Sex**: the laboratory's amelogenin where typed, else the sex the other side wrote. The
  same sex is 0.995 / 0.5 (about +1 bit); a different sex is 0.005 / 0.5 = 0.01, not zero,
  since a mislabelled sex (a case's, a forensic one, a rare amelogenin Y deletion) happens.
- **Age**: the case's age on the recovery date (from the date of birth, or a dated age
  estimate) against the forensic range: inside (±1 year for a birth year alone) 2, up to
  ``AGE_NEAR_YEARS`` outside 0.5, up to ``AGE_FAR_YEARS`` outside 0.1, further 0.01 (a
  contradiction). Remains may have lain for years before recovery, so the case's age at the
  recovery date is an upper bound of the age at death: only a case too *young* by more than
  that slack is far; too old by up to ``AGE_LYING_YEARS`` counts as inside.
- **Region**: the oblast of the recovery region against the case's oblasts (region, last known
  place, place of birth): the same oblast 2 (about 8 % of a family's missing are found in their
  own oblast against 4 % of strangers, one of about 25 oblasts), otherwise 0.92 / 0.96.

The combination (:func:`combine`): the DNA alone decides whether a pair is proposed or
possible; the other evidence never raises a band (a name never identifies anyone). It ranks
the pairs within a band (by the combined log10 LR), and a contradiction (a different sex, an
age far outside the estimate) turns a DNA proposal into a possible pair flagged for review.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from app.names.places import oblast_key

NAME_CAP_BITS = 10.0
AGE_NEAR_YEARS = 5
AGE_FAR_YEARS = 10
AGE_LYING_YEARS = 10  # remains found up to this long after death still count as inside

_LOG2 = math.log10(2)
SEX_SAME = math.log10(0.995 / 0.5)
SEX_DIFFERENT = math.log10(0.005 / 0.5)
AGE_INSIDE = math.log10(2)
AGE_NEAR = math.log10(0.5)
AGE_OUTSIDE = math.log10(0.1)
AGE_FAR = math.log10(0.01)
REGION_SAME = math.log10(0.08 / 0.04)
REGION_DIFFERENT = math.log10(0.92 / 0.96)


class Factor(StrEnum):
    NAME = "name"
    SEX = "sex"
    AGE = "age"
    REGION = "region"


class EvidenceCode(StrEnum):
    """Why a factor weighs what it does; stored, so never rename one."""

    NAME_AGREES = "name_agrees"
    NAME_DIFFERS = "name_differs"
    NAME_CAPPED = "name_capped"  # agrees or differs beyond the cap: counted at the cap
    SEX_SAME = "sex_same"
    SEX_DIFFERENT = "sex_different"  # a contradiction
    AGE_INSIDE = "age_inside"
    AGE_NEAR = "age_near"
    AGE_OUTSIDE = "age_outside"
    AGE_FAR = "age_far"  # a contradiction
    REGION_SAME = "region_same"
    REGION_DIFFERENT = "region_different"
    UNKNOWN = "unknown"  # one side is not known: LR 1


CONTRADICTIONS = frozenset({EvidenceCode.SEX_DIFFERENT, EvidenceCode.AGE_FAR})


class Flag(StrEnum):
    """What the combination did to the DNA's band."""

    NONE = ""
    CONTRADICTED = "contradicted"  # DNA proposed, other evidence contradicts: review, not proposed


@dataclass(frozen=True)
class RemainsFacts:
    """What the other side wrote beside the body (ExchangeRemains), as plain values."""

    sex: str = ""  # "male", "female"; anything else is unknown
    lab_sex: str = ""  # the laboratory's amelogenin, which wins over ``sex`` when known
    age_min: int | None = None
    age_max: int | None = None
    recovered_on: date | None = None
    recovery_region: str = ""
    claimed_name: str = ""  # as written, for the explanation only (the caller scores it)


@dataclass(frozen=True)
class CaseFacts:
    """A case's facts the factors read (a Case's columns, as plain values)."""

    sex: str = ""
    dob_year: int | None = None
    dob_month: int | None = None
    dob_day: int | None = None
    estimated_age: int | None = None
    age_estimated_on: date | None = None
    places: tuple[str, ...] = ()  # region, last known place, place of birth


@dataclass(frozen=True)
class EvidenceNote:
    factor: Factor
    code: EvidenceCode
    log10_lr: float
    remains: str = ""  # the remains' value as shown (a claimed name, a sex, "30–40", an oblast)
    case: str = ""  # the case's; never the case's name (DNA reviewers do not read cases)
    source: str = ""  # where the remains' value comes from, when it matters ("amelogenin")

    def as_dict(self) -> dict[str, Any]:
        return {
            "factor": self.factor.value,
            "code": self.code.value,
            "log10_lr": round(self.log10_lr, 4),
            "remains": self.remains,
            "case": self.case,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvidenceNote:
        return cls(
            Factor(data["factor"]),
            EvidenceCode(data["code"]),
            float(data["log10_lr"]),
            str(data.get("remains", "")),
            str(data.get("case", "")),
            str(data.get("source", "")),
        )


def _unknown(factor: Factor, remains: str = "", case: str = "") -> EvidenceNote:
    return EvidenceNote(factor, EvidenceCode.UNKNOWN, 0.0, remains, case)


def name_note(bits: float | None, claimed: str = "") -> EvidenceNote:
    """The name matcher's bits for the name fields (None: nothing to compare), bounded."""
    if bits is None or not claimed.strip():
        return _unknown(Factor.NAME, claimed)
    capped = max(-NAME_CAP_BITS, min(NAME_CAP_BITS, bits))
    if capped != bits:
        code = EvidenceCode.NAME_CAPPED
    else:
        code = EvidenceCode.NAME_AGREES if bits >= 0 else EvidenceCode.NAME_DIFFERS
    return EvidenceNote(Factor.NAME, code, capped * _LOG2, claimed)


def _sex(value: str) -> str:
    value = (value or "").strip().lower()
    return {"m": "male", "f": "female"}.get(value, value if value in ("male", "female") else "")


AMELOGENIN = "amelogenin"
WRITTEN = "written"  # the sex the other side wrote beside the body


def sex_note(remains: str, case: str, lab: str = "") -> EvidenceNote:
    """The remains' sex (the laboratory's ``lab`` if typed, else what was written) against
    the case's."""
    a, source = (_sex(lab), AMELOGENIN) if _sex(lab) else (_sex(remains), WRITTEN)
    b = _sex(case)
    if not a or not b:
        return EvidenceNote(Factor.SEX, EvidenceCode.UNKNOWN, 0.0, a, b, source if a else "")
    if a == b:
        return EvidenceNote(Factor.SEX, EvidenceCode.SEX_SAME, SEX_SAME, a, b, source)
    return EvidenceNote(Factor.SEX, EvidenceCode.SEX_DIFFERENT, SEX_DIFFERENT, a, b, source)


def age_on(case: CaseFacts, when: date) -> tuple[int, int] | None:
    """The case's possible ages (whole years) on ``when``: a range, since a birth year alone
    or an estimate leaves a year either way."""
    if case.dob_year:
        if case.dob_month and case.dob_day:
            try:
                born = date(case.dob_year, case.dob_month, case.dob_day)
            except ValueError:
                born = None
            if born is not None:
                years = when.year - born.year - ((when.month, when.day) < (born.month, born.day))
                return years, years
        years = when.year - case.dob_year
        return years - 1, years
    if case.estimated_age is not None and case.age_estimated_on is not None:
        years = case.estimated_age + (when - case.age_estimated_on).days // 365
        return years - 1, years + 1
    return None


def _range_text(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return str(low) if low == high else f"{low}–{high}"
    return f"≥{low}" if low is not None else f"≤{high}"


def age_note(remains: RemainsFacts, case: CaseFacts) -> EvidenceNote:
    low, high = remains.age_min, remains.age_max
    shown = _range_text(low, high) if low is not None or high is not None else ""
    ages = age_on(case, remains.recovered_on) if remains.recovered_on else None
    if not shown or ages is None:
        return _unknown(Factor.AGE, shown, _range_text(*ages) if ages else "")
    youngest, oldest = ages
    # The person died between the last sighting and the recovery: at death they were at most
    # as old as on the recovery date, and up to AGE_LYING_YEARS younger.
    below = (low - oldest) if low is not None else 0  # the case too young for the estimate
    above = (youngest - AGE_LYING_YEARS - high) if high is not None else 0  # too old
    distance = max(below, above, 0)
    if distance == 0:
        code, value = EvidenceCode.AGE_INSIDE, AGE_INSIDE
    elif distance <= AGE_NEAR_YEARS:
        code, value = EvidenceCode.AGE_NEAR, AGE_NEAR
    elif distance <= AGE_FAR_YEARS:
        code, value = EvidenceCode.AGE_OUTSIDE, AGE_OUTSIDE
    else:
        code, value = EvidenceCode.AGE_FAR, AGE_FAR
    return EvidenceNote(Factor.AGE, code, value, shown, _range_text(youngest, oldest))


def region_note(recovery_region: str, places: Sequence[str]) -> EvidenceNote:
    found = oblast_key(recovery_region) if recovery_region.strip() else None
    theirs = sorted({key for text in places if text.strip() and (key := oblast_key(text))})
    if found is None or not theirs:
        return _unknown(Factor.REGION, found or "", ", ".join(theirs))
    if found in theirs:
        return EvidenceNote(Factor.REGION, EvidenceCode.REGION_SAME, REGION_SAME, found, found)
    return EvidenceNote(
        Factor.REGION, EvidenceCode.REGION_DIFFERENT, REGION_DIFFERENT, found, ", ".join(theirs)
    )


def other_evidence(
    remains: RemainsFacts, case: CaseFacts, name_bits: float | None
) -> list[EvidenceNote]:
    """Every factor, in a fixed order; a factor without data is there with LR 1."""
    return [
        name_note(name_bits, remains.claimed_name),
        sex_note(remains.sex, case.sex, remains.lab_sex),
        age_note(remains, case),
        region_note(remains.recovery_region, case.places),
    ]


@dataclass(frozen=True)
class Combined:
    dna_log10_lr: float
    other_log10_lr: float
    band: str  # the DNA's band, or "possible" for a contradicted proposal
    flag: Flag = Flag.NONE
    contradictions: tuple[EvidenceCode, ...] = field(default=())

    @property
    def log10_lr(self) -> float:
        """DNA and other evidence together: what ranks the pairs of one band."""
        return self.dna_log10_lr + self.other_log10_lr


def combine(dna_log10_lr: float, dna_band: str, notes: Sequence[EvidenceNote]) -> Combined:
    """The pair's band and ranking value. ``dna_band`` is app.dna.screening's band from the
    DNA alone ("proposed", "possible" or "none"): the other evidence may lower it (a
    contradiction makes a proposal a possible pair to review), never raise it."""
    other = sum(note.log10_lr for note in notes)
    contradictions = tuple(note.code for note in notes if note.code in CONTRADICTIONS)
    if dna_band == "proposed" and contradictions:
        return Combined(dna_log10_lr, other, "possible", Flag.CONTRADICTED, contradictions)
    return Combined(dna_log10_lr, other, dna_band, Flag.NONE, contradictions)
