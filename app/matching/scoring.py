"""Scoring: how likely two prepared entities are the same person, and why.

Fellegi–Sunter. Each field comparison falls into a *level* (same name, similar spelling,
different, ...). A level has two probabilities: ``m``, how often a true pair shows it, and ``u``,
how often two strangers show it. The field contributes ``log2(m / u)`` bits: positive when the
level is more typical of the same person, negative when more typical of strangers, zero when a
value is missing. The bits add up (fields are treated as independent) and the sum plus the prior
odds becomes a probability in 0..1: ``score = 1 / (1 + 2 ** -(bits + prior_bits))``.

The prior is the chance that a case and a record taken at random are the same person: it falls
as the lists grow (a case has about the same few true records among 20,000 as among 1,000,000).
A run estimates it from its own pairs (:mod:`app.matching.calibration`), so that a *likely*
means the same at any size; ``PRIOR_BITS`` is its ceiling, the prior of about 20,000 records,
which small data never exceeds (a handful of records cannot tell the rate apart from noise).

Where the numbers come from
    ``m`` (true pairs): the rates at which the sources we see garble a field — script and
    romanisation changes do not count as disagreement because the keys absorb them; what is
    left is typos (a few per cent of names), changed surnames after adoption (~3 %),
    diminutives, partial dates (a third of partner rows give only a year or an age), day and
    month swapped (~3 %), a year off by one (~3 %) and plainly wrong dates (~1 %). These are
    the rates ``bench/synth.py`` generates and they agree with a hand count of the noise kinds
    in the issue. They are the defaults (:class:`Parameters`): a full run re-learns them for
    each partner source from its own unlabelled pairs (:mod:`app.matching.learning`).
    ``u`` (strangers): for names and places, the share of the population with that exact key,
    counted in the data being matched (:class:`Frequencies`): agreeing on "Шевчишин" says far
    more than agreeing on "Коваленко", and on "Ярема" more than on "Олександр". Other levels use
    the chance agreement of random pairs of children born over ~18 years.

Two rules sit above the sum, because independence fails for families:
    * twins and siblings share surname, patronymic, place and sometimes the date of birth; when
      both given names are known and plainly different, the pair is never *likely* (it is capped
      into the *possible* band, for a person to look at), however much else agrees;
    * a pair whose dates of birth are both complete and plainly different is likewise never
      *likely* (namesakes).
    Each applies where a source shows relatives or namesakes (``Parameters.sibling_cap`` and
    ``namesake_cap``, decided per source by :mod:`app.matching.learning`; on by default).

Bands: **likely** at ``LIKELY`` and above (the system's own call that it is the same person),
**possible** from ``POSSIBLE`` (worth a look); below that nothing is stored. The thresholds were
set on the synthetic benchmark (likely-band F1) and checked on FEBRL4.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

import numpy as np
from rapidfuzz.distance import OSA, JaroWinkler

from app.matching.entities import (
    DOCUMENT_NUMBER,
    Features,
    place_text_keys,
    unknown_place_keys,
)
from app.matching.explain import Cap, Code, Flag, Note, Value, age_value, explain_name_pair
from app.names.given import given_name_keys
from app.names.places import place_key
from app.names.surnames import surname_key
from app.names.text import fold

__all__ = [
    "DEFAULT_PARAMETERS",
    "LIKELY",
    "POSSIBLE",
    "FieldResult",
    "Frequencies",
    "Match",
    "Parameters",
    "band",
    "compare",
    "observed_pattern",
    "pattern_bits",
    "quick_bits",
    "reading_depends_on_m",
]

LIKELY = 0.9
# The pairs worth a look are those Fellegi–Sunter scored 0.25 or more before scores below the
# likely band were recalibrated (CALIBRATION_SHIFT): the same pairs, now scored at what they
# are worth, from about 0.05 (0.25 at 2.75 bits less is 0.047).
POSSIBLE = 0.045
# The most optimistic prior odds a run uses (log2): 1 in 16,384, the prior of the ~20,000-record
# lists on which the m and u below were set.
PRIOR_BITS = -14.0
# Score a capped pair can reach at most, before the recalibration below (then about 0.17).
CAP_SCORE = 0.6
# Below the likely band the bits over-state the evidence: a pair scored 0.35 was the same
# person about one time in eleven on the synthetic benchmark, at 20,000 and 200,000 records
# alike (docs/matching.md, "Reliability"). The pairs there are the case's relatives and
# namesakes in a list that also holds the case's own record, and people who share a common
# name and a year: they agree on several fields at once, which independence counts as separate
# evidence. So a score below LIKELY is taken from log2 odds lowered by CALIBRATION_SHIFT bits,
# reached over the first CALIBRATION_RAMP bits below the threshold (no jump at LIKELY; the
# likely band is unchanged). Both were fitted by likelihood on the three synthetic seeds'
# uncapped pairs below the band (bench/calibration.py; 2.75 over 1 bit was the best of a grid
# of 0–4 bits by quarters over ramps of 0–4 bits).
CALIBRATION_SHIFT = 2.75
CALIBRATION_RAMP = 1.0


_LIKELY_LOG_ODDS = math.log2(LIKELY / (1 - LIKELY))
_CAP_LOG_ODDS = math.log2(CAP_SCORE / (1 - CAP_SCORE))


def _bits(m: float, u: float) -> float:
    return math.log2(m / u)


# --- m and u ------------------------------------------------------------------------------

# Names. "same" means the normalised keys agree (script, romanisation, gender form, diminutive
# and Russian/Ukrainian form already absorbed); its u comes from Frequencies.
M_SURNAME = {"same": 0.88, "close": 0.06, "similar": 0.02, "different": 0.04}
U_SURNAME = {"close": 0.0015, "similar": 0.02, "different": 0.97}
M_GIVEN = {"same": 0.93, "close": 0.04, "similar": 0.01, "different": 0.02}
U_GIVEN = {"close": 0.004, "similar": 0.03, "different": 0.9}
M_PATRONYMIC = {"same": 0.92, "close": 0.04, "different": 0.04}
U_PATRONYMIC = {"close": 0.01, "different": 0.95}
# Names in the wrong columns: as rare in true pairs as a changed surname, rarer among strangers.
SWAP_BITS = -2.0

# Dates of birth. u: children born over ~18 years, 365 days a year.
M_DOB = {
    "exact": 0.80,
    "swapped": 0.03,  # day and month swapped
    "year_off": 0.03,  # same day and month, year off by one
    "one_part": 0.04,  # same year, day or month differs
    "typo": 0.02,  # one digit wrong or two swapped in the written date
    "different": 0.01,
}
U_DOB = {
    "exact": 1 / (18 * 365),
    "swapped": 1 / (18 * 365),
    "year_off": 2 / (18 * 365),
    "one_part": (1 / 18) * (1 / 12 + 1 / 30),
    "typo": 0.002,
    "different": 0.9,
}
# Partial dates: the parts both sides know agree. m: about a third of partner rows are partial.
M_PARTIAL = {"year": 0.30, "month": 0.30, "age": 0.30}
U_PARTIAL = {"year": 1 / 18, "month": 1 / (18 * 12), "age": 2 / 18}
M_YEAR_NEAR = 0.05  # partial dates a year apart
U_YEAR_NEAR = 2 / 18
M_YEAR_FAR = 0.02
U_YEAR_FAR = 0.8

M_SEX = {"same": 0.98, "different": 0.02}
U_SEX = {"same": 0.5, "different": 0.5}

# Places: a settlement in common, or only the oblast; u of "same" from Frequencies.
M_PLACE = {"same": 0.65, "oblast": 0.2, "close": 0.05, "different": 0.10}
U_PLACE = {"oblast": 0.2, "close": 0.005, "different": 0.75}

# Further fields compared as strings (a street address, a postcode, a benchmark's own).
M_EXTRA = {"same": 0.9, "close": 0.06, "different": 0.04}
U_EXTRA = {"same": 0.01, "close": 0.005, "different": 0.985}
# An identity document's number is a strong identifier that is often mistyped: "close" is one
# edit apart (a character wrong, missing or added, two swapped), not a Jaro-Winkler likeness.
# Among strangers' numbers that is nearly as rare as the same number: for a number of n
# characters a few dozen of its 10^n neighbours are one edit away; 1e-4 leaves a margin for
# numbers issued in series (a birth certificate's office, a passport's batch).
U_DOCUMENT_CLOSE = 1e-4
_U_EXTRA_BY_FIELD = {DOCUMENT_NUMBER: {**U_EXTRA, "close": U_DOCUMENT_CLOSE}}
# Shorter numbers are too often one edit apart to call that close (a house number, a code).
_DOCUMENT_CLOSE_LENGTH = 5

# Levels of the date of birth when both dates are complete, and when one is partial: the
# partial levels depend on which parts each side knows, so they are not one distribution and
# are never learnt (see app.matching.learning).
DOB_FULL_LEVELS = ("exact", "swapped", "year_off", "one_part", "typo", "different")


@dataclass(frozen=True, slots=True)
class Parameters:
    """What a pair is scored with besides the counted frequencies: the ``m`` of every field's
    levels and whether the family caps apply. A value, so that each partner source of one run
    can be scored with what was learnt from it (:mod:`app.matching.learning`); the tables are
    never changed in place (:meth:`with_m` makes a new value).

    ``dob`` holds the complete-date levels (:data:`DOB_FULL_LEVELS`), ``dob_partial`` those of
    partial dates and ages; ``extra`` is the m of a further field that has no table of its own
    in ``extra_by_field``."""

    surname: dict[str, float] = field(default_factory=lambda: dict(M_SURNAME))
    given: dict[str, float] = field(default_factory=lambda: dict(M_GIVEN))
    patronymic: dict[str, float] = field(default_factory=lambda: dict(M_PATRONYMIC))
    dob: dict[str, float] = field(
        default_factory=lambda: {level: M_DOB[level] for level in DOB_FULL_LEVELS}
    )
    dob_partial: dict[str, float] = field(
        default_factory=lambda: {
            **M_PARTIAL,
            "one_part": M_DOB["one_part"],
            "year_near": M_YEAR_NEAR,
            "year_far": M_YEAR_FAR,
        }
    )
    sex: dict[str, float] = field(default_factory=lambda: dict(M_SEX))
    place: dict[str, float] = field(default_factory=lambda: dict(M_PLACE))
    extra: dict[str, float] = field(default_factory=lambda: dict(M_EXTRA))
    extra_by_field: dict[str, dict[str, float]] = field(default_factory=dict)
    sibling_cap: bool = True
    namesake_cap: bool = True

    def table(self, name: str) -> dict[str, float]:
        """The m table of a field as explanations name it (``family_name``, an extra field)."""
        fixed = _TABLES.get(name)
        if fixed is not None:
            return cast(dict[str, float], getattr(self, fixed))
        return self.extra_by_field.get(name, self.extra)

    def with_m(self, tables: dict[str, dict[str, float]], **changes: Any) -> Parameters:
        """A copy with the m tables of the fields in ``tables`` replaced (and ``changes``)."""
        values: dict[str, Any] = {}
        extra_by_field = dict(self.extra_by_field)
        for name, m in tables.items():
            fixed = _TABLES.get(name)
            if fixed is not None:
                values[fixed] = {**getattr(self, fixed), **m}
            else:
                extra_by_field[name] = {**self.extra, **m}
        return replace(self, **values, extra_by_field=extra_by_field, **changes)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, for the run and the state kept between runs."""
        return {
            **{name: dict(getattr(self, attr)) for name, attr in _TABLES.items()},
            "extra": dict(self.extra),
            "extra_by_field": {k: dict(v) for k, v in self.extra_by_field.items()},
            "sibling_cap": self.sibling_cap,
            "namesake_cap": self.namesake_cap,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Parameters:
        """The inverse of :meth:`as_dict`; missing levels keep their defaults."""
        default = cls()
        tables = {name: data[name] for name in _TABLES if isinstance(data.get(name), dict)}
        tables.update(
            {k: v for k, v in (data.get("extra_by_field") or {}).items() if isinstance(v, dict)}
        )
        return default.with_m(
            tables,
            sibling_cap=bool(data.get("sibling_cap", True)),
            namesake_cap=bool(data.get("namesake_cap", True)),
        )


# Field names (as explanations and learning name them) -> the attribute holding their m.
_TABLES = {
    "family_name": "surname",
    "given_name": "given",
    "patronymic": "patronymic",
    "date_of_birth": "dob",
    "date_of_birth_partial": "dob_partial",
    "sex": "sex",
    "place": "place",
}

DEFAULT_PARAMETERS = Parameters()

CLOSE = 0.92  # Jaro–Winkler on Latin skeletons: one typo in a name
SIMILAR = 0.84


@dataclass(slots=True)
class Frequencies:
    """How common each name and place key is in the population being matched (u of "same")."""

    surnames: Counter[str] = field(default_factory=Counter)
    given: Counter[str] = field(default_factory=Counter)
    patronymics: Counter[str] = field(default_factory=Counter)
    places: Counter[str] = field(default_factory=Counter)
    extras: dict[str, Counter[str]] = field(default_factory=dict)
    total: int = 0

    # Used when a key was never counted, or the population is too small to say.
    DEFAULTS = {"surname": 0.003, "given": 0.02, "patronymic": 0.03, "place": 0.02}

    @classmethod
    def count(cls, items: Iterable[Features]) -> Frequencies:
        freq = cls()
        for f in items:
            freq.add(f)
        return freq

    def add(self, f: Features) -> None:
        """Count one entity of the population (plain loops: Counter.update is slower on the
        one- or two-key sets of a million records)."""
        self.total += 1
        surnames, given, places = self.surnames, self.given, self.places
        for key in f.surnames:
            surnames[key] += 1
        for key in f.given:
            given[key] += 1
        for key in f.place_keys:
            places[key] += 1
        if f.patronymic:
            self.patronymics[f.patronymic] += 1
        for name, value in f.extra.items():
            self.extras.setdefault(name, Counter())[value] += 1

    def add_many(self, items: Sequence[Features]) -> None:
        """:meth:`add` of each entity (the same counts), for a stream's batches: the sets of
        keys are counted first, in C (records of one spelling share one set, whose hash is
        kept), and each set's keys then once per batch: a fifth of the time of :meth:`add`
        for a million records, where a record's keys are counted one by one in Python."""
        self.total += len(items)
        for counter, sets in (
            (self.surnames, Counter([f.surnames for f in items])),
            (self.given, Counter([f.given for f in items])),
            (self.places, Counter([f.place_keys for f in items])),
        ):
            for keys, count in sets.items():
                for key in keys:
                    counter[key] += count
        self.patronymics.update([f.patronymic for f in items if f.patronymic])
        for f in items:
            if f.extra:
                for name, value in f.extra.items():
                    self.extras.setdefault(name, Counter())[value] += 1

    def u(self, kind: str, keys: Iterable[str]) -> float:
        """Chance that a stranger shares the rarest of ``keys``."""
        default = self.DEFAULTS[kind]
        if self.total < 200:
            return default
        # Asked for every field of every blocked pair: no table of the counters built per call,
        # and a plain loop for the one or two keys a pair shares.
        counter = getattr(self, _COUNTERS[kind])
        best = 0
        first = True
        for key in keys:
            count = counter.get(key, 0)
            if first or count < best:
                best, first = count, False
        return max(best / self.total, 1 / self.total) if best else default

    def u_extra(self, name: str, value: str) -> float:
        counter = self.extras.get(name)
        if not counter or self.total < 200:
            return U_EXTRA["same"]
        return max(counter.get(value, 0), 1) / self.total

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able copy, kept in the database between runs (see app.matching.services)."""
        return {
            "total": self.total,
            "surnames": dict(self.surnames),
            "given": dict(self.given),
            "patronymics": dict(self.patronymics),
            "places": dict(self.places),
            "extras": {name: dict(counter) for name, counter in self.extras.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Frequencies:
        """The inverse of :meth:`to_dict`."""
        return cls(
            surnames=Counter(data.get("surnames", {})),
            given=Counter(data.get("given", {})),
            patronymics=Counter(data.get("patronymics", {})),
            places=Counter(data.get("places", {})),
            extras={name: Counter(c) for name, c in data.get("extras", {}).items()},
            total=int(data.get("total", 0)),
        )


NO_FREQUENCIES = Frequencies()
# The counter of each kind of key :meth:`Frequencies.u` is asked about.
_COUNTERS = {
    "surname": "surnames",
    "given": "given",
    "patronymic": "patronymics",
    "place": "places",
}


@dataclass(slots=True)
class FieldResult:
    """One field of an explanation: the two values, how they compare, and the bits it adds."""

    field: str
    a: Value
    b: Value
    level: str
    note: Note
    bits: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "a": self.a,
            "b": self.b,
            "level": self.level,
            "note": self.note.as_dict(),
            "bits": round(self.bits, 2),
        }


@dataclass(slots=True)
class Match:
    """A scored pair: score in 0..1, its band, and the explanation."""

    score: float
    bits: float
    fields: list[FieldResult]
    capped: str = ""  # a Cap, or "" when the pair was not capped
    prior_bits: float = PRIOR_BITS

    @property
    def band(self) -> str | None:
        return band(self.score)

    @property
    def likely(self) -> bool:
        return self.score >= LIKELY

    def explanation(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 4),
            "bits": round(self.bits, 2),
            "prior_bits": round(self.prior_bits, 2),
            "capped": str(self.capped),
            "fields": [f.as_dict() for f in self.fields],
        }


def band(score: float) -> str | None:
    """``"likely"``, ``"possible"`` or None (not worth storing)."""
    if score >= LIKELY:
        return "likely"
    if score >= POSSIBLE:
        return "possible"
    return None


def calibrated_log_odds(log_odds: float) -> float:
    """The log2 odds a score is taken from: as Fellegi–Sunter gives them in the likely band,
    lowered by up to ``CALIBRATION_SHIFT`` bits below it (see the constant)."""
    below = _LIKELY_LOG_ODDS - log_odds
    if below <= 0:
        return log_odds
    return log_odds - CALIBRATION_SHIFT * min(1.0, below / CALIBRATION_RAMP)


def to_score(bits: float, prior_bits: float = PRIOR_BITS, capped: bool = False) -> float:
    """The probability of a pair with ``bits`` of evidence at ``prior_bits`` prior odds,
    recalibrated below the likely band (:func:`calibrated_log_odds`); a capped pair (siblings,
    namesakes) is held at ``CAP_SCORE`` before that, so never scores above it."""
    log_odds = bits + prior_bits
    if capped:
        # Held at the cap first, then recalibrated like any pair there: the order of capped and
        # uncapped pairs stays what Fellegi–Sunter gives (a capped pair shows about 0.17; on
        # the benchmark one in a hundred is the same person).
        log_odds = min(log_odds, _CAP_LOG_ODDS)
    exponent = -calibrated_log_odds(log_odds)
    return 0.0 if exponent > 60 else 1 / (1 + 2**exponent)


# --- field comparisons --------------------------------------------------------------------


def _best_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    best = 0.0
    for x in a:
        for y in b:
            if x and y:
                sim = JaroWinkler.normalized_similarity(x, y)
                if sim > best:
                    best = sim
    return best


def _name_level(
    keys_a: frozenset[str],
    keys_b: frozenset[str],
    latin_a: tuple[str, ...],
    latin_b: tuple[str, ...],
) -> tuple[str, frozenset[str]]:
    shared = keys_a & keys_b
    if shared:
        return "same", shared
    sim = _best_similarity(latin_a, latin_b)
    if sim >= CLOSE:
        return "close", shared
    if sim >= SIMILAR:
        return "similar", shared
    return "different", shared


def _surname_u(level: str, shared: frozenset[str], freq: Frequencies) -> float:
    return freq.u("surname", shared) if level == "same" else U_SURNAME[level]


def _given_u(level: str, shared: frozenset[str], freq: Frequencies) -> float:
    return freq.u("given", shared) if level == "same" else U_GIVEN[level]


def _surname_bits(
    level: str, shared: frozenset[str], freq: Frequencies, params: Parameters
) -> float:
    return _bits(params.surname[level], _surname_u(level, shared, freq))


def _given_bits(level: str, shared: frozenset[str], freq: Frequencies, params: Parameters) -> float:
    return _bits(params.given[level], _given_u(level, shared, freq))


def _names(
    a: Features, b: Features, freq: Frequencies, params: Parameters
) -> tuple[float, str, str, frozenset[str], frozenset[str], bool]:
    """Bits of family + given name, reading b's names across when that fits better.

    Returns (bits, surname level, given level, shared surname keys, shared given keys,
    swapped). A record may have moved only one name (FEBRL puts the surname in the given-name
    column and makes up a new surname), so one name agreeing across is enough to try it."""
    s_level, s_shared = _name_level(a.surnames, b.surnames, a.surname_latin, b.surname_latin)
    g_level, g_shared = _name_level(a.given, b.given, a.given_latin, b.given_latin)
    bits = _written_bits(a, b, s_level, s_shared, g_level, g_shared, freq, params)
    across = _across(a, b, s_level, g_level)
    if across is not None:
        swapped = _across_bits(across, freq, params)
        if swapped > bits:
            s2_level, s2, g2_level, g2 = across
            return swapped, s2_level, g2_level, s2, g2, True
    return bits, s_level, g_level, s_shared, g_shared, False


def _written_bits(
    a: Features,
    b: Features,
    s_level: str,
    s_shared: frozenset[str],
    g_level: str,
    g_shared: frozenset[str],
    freq: Frequencies,
    params: Parameters,
) -> float:
    """Bits of family + given name read as written (a name missing on either side: none)."""
    bits = 0.0
    if a.surnames and b.surnames:
        bits += _surname_bits(s_level, s_shared, freq, params)
    if a.given and b.given:
        bits += _given_bits(g_level, g_shared, freq, params)
    return bits


def _across_bits(
    across: tuple[str, frozenset[str], str, frozenset[str]], freq: Frequencies, params: Parameters
) -> float:
    """Bits of b's names read across (:func:`_across`), with the swap's own penalty."""
    s2_level, s2, g2_level, g2 = across
    return (
        _surname_bits(s2_level, s2, freq, params)
        + _given_bits(g2_level, g2, freq, params)
        + SWAP_BITS
    )


def _across(
    a: Features, b: Features, s_level: str, g_level: str
) -> tuple[str, frozenset[str], str, frozenset[str]] | None:
    """The name levels of b read across (surname and shared keys, given name and shared keys)
    where that reading is worth weighing against the one as written, else None."""
    # Only when neither name agrees as written (if one does, reading across cannot do better).
    if (
        s_level == "same"
        or g_level == "same"
        or not (b.surnames_from_given and b.given_from_family)
    ):
        return None
    s2_level, s2 = _name_level(a.surnames, b.surnames_from_given, a.surname_latin, b.given_latin)
    g2_level, g2 = _name_level(a.given, b.given_from_family, a.given_latin, b.surname_latin)
    if "same" in (s2_level, g2_level) or "different" not in (s2_level, g2_level):
        return s2_level, s2, g2_level, g2
    return None


def reading_depends_on_m(a: Features, b: Features, observed: Observed) -> bool:
    """Whether b's names may be read across (:func:`_names`) under some m and as written under
    others: the one pair whose levels, hence bits, :func:`observe` cannot give for every m.
    :func:`pattern_bits` does not apply to it; it is scored with :func:`quick_bits`."""
    if observed.swap_bits:
        return True
    if not (b.surnames_from_given and b.given_from_family):
        return False
    surname = given = ""
    for name, level, _u in observed.fields:
        if name == "family_name":
            surname = level
        elif name == "given_name":
            given = level
    return _across(a, b, surname, given) is not None


def _place_level(a: Features, b: Features) -> tuple[str, frozenset[str]]:
    shared = a.place_keys & b.place_keys
    if shared:
        return "same", shared
    if a.place_latin and b.place_latin and _best_similarity(a.place_latin, b.place_latin) >= CLOSE:
        return "close", shared
    if a.oblasts & b.oblasts:
        return "oblast", shared
    return "different", shared


def _place_known(f: Features) -> bool:
    return bool(f.place_keys or f.oblasts or f.place_latin)


def _dob_level(a: Features, b: Features) -> tuple[str, bool]:
    """The date-of-birth level and whether both dates were complete; ("", False) when either
    side knows nothing."""
    ea, eb = a.entity, b.entity
    if a.years is None or b.years is None:
        return "", False
    if ea.dob_year is None or eb.dob_year is None:
        # At least one side has only an age: do the year ranges overlap?
        (lo_a, hi_a), (lo_b, hi_b) = a.years, b.years
        gap = max(lo_a - hi_b, lo_b - hi_a, 0)
        if gap == 0:
            return "age", False
        if gap == 1:
            return "year_near", False
        return "year_far", False
    ya, ma, da = ea.dob_year, ea.dob_month, ea.dob_day
    yb, mb, db_ = eb.dob_year, eb.dob_month, eb.dob_day
    if ma is not None and da is not None and mb is not None and db_ is not None:
        if (ya, ma, da) == (yb, mb, db_):
            return "exact", True
        if ya == yb and ma == db_ and da == mb:
            return "swapped", True
        if abs(ya - yb) == 1 and (ma, da) == (mb, db_):
            return "year_off", True
        if ya == yb and (ma == mb or da == db_):
            return "one_part", True
        written_a = f"{da:02d}{ma:02d}{ya:04d}"
        written_b = f"{db_:02d}{mb:02d}{yb:04d}"
        if OSA.distance(written_a, written_b) <= 1:
            return "typo", True
        return "different", True
    # Partial: compare the parts both know.
    if ya != yb:
        if abs(ya - yb) == 1:
            return "year_near", False
        return "year_far", False
    if ma is not None and mb is not None:
        if ma == mb:
            return "month", False
        return "one_part", False
    return "year", False


def _similar_level(x: str, y: str) -> str:
    if x == y:
        return "same"
    if JaroWinkler.normalized_similarity(x, y) >= CLOSE:
        return "close"
    return "different"


def _extra_level(name: str, x: str, y: str) -> str:
    """The level of a further field: a document number by its edits, the rest by likeness."""
    if name != DOCUMENT_NUMBER or x == y:
        return _similar_level(x, y)
    if min(len(x), len(y)) >= _DOCUMENT_CLOSE_LENGTH and OSA.distance(x, y, score_cutoff=1) <= 1:
        return "close"
    return "different"


def _u_extra(name: str, level: str, value: str, freq: Frequencies) -> float:
    """u of a further field's level other than "same". A document number one edit apart is
    never stronger evidence than the same number: its u is at least the counted u of the
    number (in a small list, or with no counts, that is the larger)."""
    u = _U_EXTRA_BY_FIELD.get(name, U_EXTRA)[level]
    if name == DOCUMENT_NUMBER and level == "close":
        return max(u, freq.u_extra(name, value))
    return u


def _given_conflict(a: Features, b: Features, g_level: str) -> bool:
    if not (a.given and b.given):
        return False
    # Олександр/Олександра, Євген/Євгенія: one letter apart, but a brother and a sister.
    return g_level == "different" or (
        g_level != "same" and bool(a.sex and b.sex) and a.sex != b.sex
    )


_DOB_CONFLICTS = ("different", "year_far")
# u of the date levels, whichever table their m is in.
_U_DOB_ALL = {
    **U_DOB,
    **U_PARTIAL,
    "year_near": U_YEAR_NEAR,
    "year_far": U_YEAR_FAR,
}
# An observation of one field of a pair for learning m: (field, level, u).
Observation = tuple[str, str, float]


def _score(
    a: Features,
    b: Features,
    freq: Frequencies,
    params: Parameters,
    fields: list[FieldResult] | None,
    observed: list[Observation] | None = None,
) -> tuple[float, str]:
    """The uncapped bits of a pair and the :class:`Cap` that applies ("" if none).

    The one place where fields are compared: :func:`quick_bits` calls it without ``fields``
    (the inner loop), :func:`compare` with a list that receives each field's explanation, and
    :func:`observe` with a list that receives each field's level and ``u`` (for learning m)."""
    bits, s_level, g_level, s_shared, g_shared, swapped = _names(a, b, freq, params)
    if fields is not None:
        _explain_names(a, b, freq, params, fields, s_level, g_level, s_shared, g_shared, swapped)
    if observed is not None:
        _observe_names(a, b, freq, observed, s_level, g_level, s_shared, g_shared, swapped)
    if a.patronymic and b.patronymic:
        level = _similar_level(a.patronymic, b.patronymic)
        u = freq.u("patronymic", (a.patronymic,)) if level == "same" else U_PATRONYMIC[level]
        field_bits = _bits(params.patronymic[level], u)
        bits += field_bits
        if fields is not None:
            x, y = a.entity.patronymic, b.entity.patronymic
            note = _name_note("patronymic", level, y, x)
            fields.append(FieldResult("patronymic", x, y, level, note, field_bits))
        if observed is not None:
            observed.append(("patronymic", level, u))
    dob_level, dob_full = _dob_level(a, b)
    if dob_level:
        u = _U_DOB_ALL[dob_level]
        dob_bits = _bits((params.dob if dob_full else params.dob_partial)[dob_level], u)
        bits += dob_bits
        if fields is not None:
            dob_x, dob_y = _dob_value(a), _dob_value(b)
            note = Note(_DOB_NOTES[dob_level], dob_y, dob_x, "/")
            fields.append(FieldResult("date_of_birth", dob_x, dob_y, dob_level, note, dob_bits))
        if observed is not None:
            name = "date_of_birth" if dob_full else "date_of_birth_partial"
            observed.append((name, dob_level, u))
    if a.sex and b.sex:
        level = "same" if a.sex == b.sex else "different"
        field_bits = _bits(params.sex[level], U_SEX[level])
        bits += field_bits
        if fields is not None:
            note = Note(Code.SAME_SEX if level == "same" else Code.DIFFERENT_SEX)
            fields.append(FieldResult("sex", a.sex, b.sex, level, note, field_bits))
        if observed is not None:
            observed.append(("sex", level, U_SEX[level]))
    if _place_known(a) and _place_known(b):
        level, shared = _place_level(a, b)
        u = freq.u("place", shared) if level == "same" else U_PLACE[level]
        field_bits = _bits(params.place[level], u)
        bits += field_bits
        if fields is not None:
            fields.append(_explain_place(a, b, level, shared, field_bits))
        if observed is not None:
            observed.append(("place", level, u))
    for name, x in a.extra.items():
        y = b.extra.get(name, "")
        if y:
            level = _extra_level(name, x, y)
            u = freq.u_extra(name, x) if level == "same" else _u_extra(name, level, x, freq)
            field_bits = _bits(params.extra_by_field.get(name, params.extra)[level], u)
            bits += field_bits
            if fields is not None:
                note = Note(_EXTRA_NOTES[level], y, x, _SIGNS[level])
                fields.append(FieldResult(name, x, y, level, note, field_bits))
            if observed is not None:
                observed.append((name, level, u))
    capped = ""
    if params.sibling_cap and _given_conflict(a, b, g_level):
        capped = Cap.SIBLINGS
    elif params.namesake_cap and dob_level in _DOB_CONFLICTS:
        capped = Cap.NAMESAKES
    return bits, capped


def quick_bits(
    a: Features,
    b: Features,
    freq: Frequencies = NO_FREQUENCIES,
    params: Parameters = DEFAULT_PARAMETERS,
) -> tuple[float, bool]:
    """The total bits of :func:`compare` and whether a cap applies, without the explanation
    (the inner loop)."""
    bits, capped = _score(a, b, freq, params, None)
    return bits, bool(capped)


def pattern_bits(
    patterns: Sequence[tuple[tuple[str, str], ...]],
    pattern: np.ndarray,
    offset: np.ndarray,
    sibling: np.ndarray,
    namesake: np.ndarray,
    params: Parameters = DEFAULT_PARAMETERS,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`quick_bits` of many observed pairs at once, from what :func:`observe` kept of
    them (:class:`app.matching.learning.Observations`: each pair's pattern of levels, its
    ``offset`` = swap bits - sum of log2 u, its family signs) and the m of ``params``.

    The bits are sum(log2 m) over the pattern's levels + offset, that is quick_bits's
    sum of log2(m / u) summed in another order: equal to about 1e-12, not to the last digit.
    Not for a pair where :func:`reading_depends_on_m` (its levels change with the m)."""
    sums = np.array(
        [
            math.fsum(math.log2(params.table(name)[level]) for name, level in levels)
            for levels in patterns
        ],
        dtype=np.float64,
    )
    bits = (sums[pattern] if len(sums) else np.zeros(len(pattern))) + offset
    capped = (sibling.astype(bool) & params.sibling_cap) | (
        namesake.astype(bool) & params.namesake_cap
    )
    return bits, capped


@dataclass(slots=True)
class Observed:
    """What learning needs of one pair: each field's level and ``u`` (the ``m`` are what is
    learnt), the bits the names read across add, and the family signs the caps weigh."""

    fields: list[Observation]
    swap_bits: float
    family: bool  # surname agrees, and the place or the patronymic too
    given_conflict: bool  # both given names known and plainly different (a sibling?)
    namesake: bool  # surname and given name agree (a namesake, or the same person)
    dob_conflict: bool  # both dates complete (or years) and plainly different


def observe(
    a: Features,
    b: Features,
    freq: Frequencies = NO_FREQUENCIES,
    params: Parameters = DEFAULT_PARAMETERS,
) -> Observed:
    """The levels of a pair as :func:`compare` sees them, for :mod:`app.matching.learning`.

    A run observes its pairs with :func:`observed_pattern`, which gives what this, then
    :func:`app.matching.learning.pattern_of` and :func:`reading_depends_on_m`, give, in half
    the time; these stay as the plain definition that the tests hold it to."""
    observed: list[Observation] = []
    _score(a, b, freq, params, None, observed)
    levels = {name: level for name, level, _u in observed}
    surname, given = levels.get("family_name", ""), levels.get("given_name", "")
    dob = levels.get("date_of_birth", levels.get("date_of_birth_partial", ""))
    swapped = any(name == "names_swapped" for name, _l, _u in observed)
    return Observed(
        fields=[o for o in observed if o[0] != "names_swapped"],
        swap_bits=SWAP_BITS if swapped else 0.0,
        family=surname == "same" and "same" in (levels.get("place"), levels.get("patronymic")),
        given_conflict=bool(given) and _given_conflict(a, b, given),
        namesake=surname == "same" and given == "same",
        dob_conflict=dob in _DOB_CONFLICTS,
    )


# A pair's pattern of levels: ((field, level), ...) in the order :func:`observe` gives them.
Pattern = tuple[tuple[str, str], ...]


def observed_pattern(
    a: Features,
    b: Features,
    freq: Frequencies = NO_FREQUENCIES,
    params: Parameters = DEFAULT_PARAMETERS,
) -> tuple[Pattern, float, bool, bool, bool]:
    """What a run keeps of each blocked pair, straight from the features: the pair's pattern
    and offset (:func:`app.matching.learning.pattern_of` of :func:`observe`), its family signs
    (``given_conflict``, ``dob_conflict``) and :func:`reading_depends_on_m`.

    The same values as those three calls, to the last bit (a test holds it on random pairs):
    this runs once for every blocked pair of a full run (three quarters of a million at
    500 cases and a million records), where :func:`observe` builds a list of every field's
    (field, level, u), a table of the levels and an :class:`Observed`, and :func:`_score`
    works out the bits of every field, which learning does not read."""
    # The names as _names reads them, without the bits of the reading as written where no
    # reading across is worth weighing against it (nearly every pair: _across's own test,
    # inline).
    s_level, s_shared = _name_level(a.surnames, b.surnames, a.surname_latin, b.surname_latin)
    g_level, g_shared = _name_level(a.given, b.given, a.given_latin, b.given_latin)
    across = None
    if s_level != "same" and g_level != "same" and b.surnames_from_given and b.given_from_family:
        across = _across(a, b, s_level, g_level)
    swapped = False
    if across is not None:
        bits = _written_bits(a, b, s_level, s_shared, g_level, g_shared, freq, params)
        if _across_bits(across, freq, params) > bits:
            s_level, s_shared, g_level, g_shared = across
            swapped = True
    # The log2 u of each field, in field order (the fixed u's worked out once, in _LOG2_U).
    pattern: list[tuple[str, str]] = []
    logs: list[float] = []
    if a.surnames and (b.surnames_from_given if swapped else b.surnames):
        pattern.append(("family_name", s_level))
        logs.append(
            math.log2(freq.u("surname", s_shared))
            if s_level == "same"
            else _LOG2_U["family_name"][s_level]
        )
    given = ""
    if a.given and (b.given_from_family if swapped else b.given):
        pattern.append(("given_name", g_level))
        logs.append(
            math.log2(freq.u("given", g_shared))
            if g_level == "same"
            else _LOG2_U["given_name"][g_level]
        )
        given = g_level
    if a.patronymic and b.patronymic:
        level = _similar_level(a.patronymic, b.patronymic)
        pattern.append(("patronymic", level))
        logs.append(
            math.log2(freq.u("patronymic", (a.patronymic,)))
            if level == "same"
            else _LOG2_U["patronymic"][level]
        )
    dob_level, dob_full = _dob_level(a, b)
    if dob_level:
        pattern.append(("date_of_birth" if dob_full else "date_of_birth_partial", dob_level))
        logs.append(_LOG2_U["date_of_birth"][dob_level])
    if a.sex and b.sex:
        level = "same" if a.sex == b.sex else "different"
        pattern.append(("sex", level))
        logs.append(_LOG2_U["sex"][level])
    # _place_known of both, inline.
    if (a.place_keys or a.oblasts or a.place_latin) and (
        b.place_keys or b.oblasts or b.place_latin
    ):
        level, shared = _place_level(a, b)
        pattern.append(("place", level))
        logs.append(
            math.log2(freq.u("place", shared)) if level == "same" else _LOG2_U["place"][level]
        )
    if a.extra:
        for name, x in a.extra.items():
            y = b.extra.get(name, "")
            if y:
                level = _extra_level(name, x, y)
                pattern.append((name, level))
                u = freq.u_extra(name, x) if level == "same" else _u_extra(name, level, x, freq)
                logs.append(math.log2(u))
    # As pattern_of sums them: the swap bits less the log2 u of each field, in field order.
    offset = (SWAP_BITS if swapped else 0.0) - sum(logs)
    # _given_conflict is False where the given names agree or one is missing.
    sibling = given not in ("", "same") and _given_conflict(a, b, given)
    # reading_depends_on_m: read across, or a reading across was weighed (_across asks only
    # that neither name agrees as written, and a name absent is no more "same" than "different").
    exact = swapped or across is not None
    return tuple(pattern), offset, sibling, dob_level in _DOB_CONFLICTS, exact


# log2 of the u of each fixed level (those not counted in Frequencies), by field: what
# observed_pattern sums for every blocked pair.
_LOG2_U = {
    name: {level: math.log2(u) for level, u in table.items()}
    for name, table in (
        ("family_name", U_SURNAME),
        ("given_name", U_GIVEN),
        ("patronymic", U_PATRONYMIC),
        ("date_of_birth", _U_DOB_ALL),
        ("sex", U_SEX),
        ("place", U_PLACE),
    )
}


def compare(
    a: Features,
    b: Features,
    freq: Frequencies = NO_FREQUENCIES,
    params: Parameters = DEFAULT_PARAMETERS,
    prior_bits: float = PRIOR_BITS,
) -> Match:
    """Score a pair and explain every field (used for the pairs worth storing).

    ``a`` is the reference (the case): each note names ``b``'s spelling first, as in
    "Лысенко ≈ Лисенко: Russian spelling of the Ukrainian name" once :mod:`app.matching.notes`
    renders its code. ``params`` are those of ``b``'s source (its m, and whether the family
    caps apply there: :mod:`app.matching.learning`)."""
    fields: list[FieldResult] = []
    bits, capped = _score(a, b, freq, params, fields)
    score = to_score(bits, prior_bits, bool(capped))
    return Match(score=score, bits=bits, fields=fields, capped=capped, prior_bits=prior_bits)


def _observe_names(
    a: Features,
    b: Features,
    freq: Frequencies,
    observed: list[Observation],
    s_level: str,
    g_level: str,
    s_shared: frozenset[str],
    g_shared: frozenset[str],
    swapped: bool,
) -> None:
    if a.surnames and (b.surnames_from_given if swapped else b.surnames):
        observed.append(("family_name", s_level, _surname_u(s_level, s_shared, freq)))
    if a.given and (b.given_from_family if swapped else b.given):
        observed.append(("given_name", g_level, _given_u(g_level, g_shared, freq)))
    if swapped:
        observed.append(("names_swapped", "", 1.0))


# --- explanation --------------------------------------------------------------------------

_SIGNS = {"same": "=", "close": "≈", "similar": "≈", "different": "≠"}
_EXTRA_NOTES = {
    "same": Code.SAME_VALUE,
    "close": Code.CLOSE_VALUES,
    "different": Code.DIFFERENT_VALUES,
}


def _name_note(kind: str, level: str, y: str, x: str) -> Note:
    """The note of a name field: the normaliser's explanation where the keys agree or plainly
    differ, a spelling mistake in between."""
    if level in ("close", "similar"):
        percent = round(JaroWinkler.normalized_similarity(fold(y), fold(x)) * 100)
        return Note(Code.SPELLING_MISTAKE, y, x, "≈", {"percent": percent})
    return explain_name_pair(y, x, kind)


def _pick_texts(texts_a: list[str], texts_b: list[str], key: Any) -> tuple[str, str]:
    """The pair of spellings that agree under ``key`` (else the closest pair) for display."""
    best = ("", "", -1.0)
    for x in texts_a:
        for y in texts_b:
            kx, ky = key(x), key(y)
            sim = 2.0 if kx & ky else JaroWinkler.normalized_similarity(fold(x), fold(y))
            if sim > best[2]:
                best = (x, y, sim)
    return best[0], best[1]


def _surname_keys(text: str) -> frozenset[str]:
    return frozenset({surname_key(text)})


def _family_texts(f: Features) -> list[str]:
    e = f.entity
    return [t for t in (e.family_name, e.family_name_latin, *(x[0] for x in e.aliases)) if t]


def _given_texts(f: Features) -> list[str]:
    e = f.entity
    return [t for t in (e.given_name, e.given_name_latin, *(x[1] for x in e.aliases)) if t]


def _explain_names(
    a: Features,
    b: Features,
    freq: Frequencies,
    params: Parameters,
    fields: list[FieldResult],
    s_level: str,
    g_level: str,
    s_shared: frozenset[str],
    g_shared: frozenset[str],
    swapped: bool,
) -> None:
    fam_a, giv_a = _family_texts(a), _given_texts(a)
    # Swapped: b's given-name column holds the family name and the other way round.
    fam_b, giv_b = (
        (_given_texts(b)[:1], _family_texts(b)[:1])
        if swapped
        else (
            _family_texts(b),
            _given_texts(b),
        )
    )
    if a.surnames and (b.surnames_from_given if swapped else b.surnames):
        x, y = _pick_texts(fam_a, fam_b, _surname_keys)
        bits = _surname_bits(s_level, s_shared, freq, params)
        note = _name_note("surname", s_level, y, x)
        if swapped:
            bits += SWAP_BITS
            note = Note(Code.NAMES_SWAPPED, y, x, _SIGNS[s_level])
        if x not in (a.entity.family_name, a.entity.family_name_latin):
            note = note.with_flag(Flag.ALIAS)
        fields.append(FieldResult("family_name", x, y, s_level, note, bits))
    if a.given and (b.given_from_family if swapped else b.given):
        x, y = _pick_texts(giv_a, giv_b, given_name_keys)
        note = _name_note("given", g_level, y, x)
        if x not in (a.entity.given_name, a.entity.given_name_latin):
            note = note.with_flag(Flag.ALIAS)
        bits = _given_bits(g_level, g_shared, freq, params)
        fields.append(FieldResult("given_name", x, y, g_level, note, bits))


def _explain_place(
    a: Features, b: Features, level: str, shared: frozenset[str], bits: float
) -> FieldResult:
    places_a, places_b = list(a.entity.places), list(b.entity.places)
    if shared:
        x = next((p for p in places_a if place_text_keys(p) & shared), places_a[0])
        y = next((p for p in places_b if place_text_keys(p) & shared), places_b[0])
        if place_key(x) and place_key(y):
            note = explain_name_pair(y, x, "place")
        elif shared <= {k for s in a.place_latin for k in unknown_place_keys(s)}:
            note = Note(Code.SAME_NAME, y, x, "=")  # a place the gazetteer does not know
        else:
            note = Note(Code.SAME_NAME_SEVERAL_PLACES, y, x, "=")
        return FieldResult("place", x, y, level, note, bits)
    x = ", ".join(places_a) or a.entity.region
    y = ", ".join(places_b) or b.entity.region
    reason = {
        "oblast": Code.SAME_OBLAST,
        "close": Code.SIMILAR_UNKNOWN_PLACES,
        "different": Code.DIFFERENT_PLACES,
    }[level]
    return FieldResult("place", x, y, level, Note(reason, y, x, "/"), bits)


def _dob_value(f: Features) -> Value:
    """The date of birth as far as it is known (ISO, partial), or the age on a day."""
    e = f.entity
    if e.dob_year is None:
        if e.age is not None:
            return age_value(e.age, e.age_on.isoformat() if e.age_on else None)
        return ""
    parts = [f"{e.dob_year:04d}"]
    if e.dob_month is not None:
        parts.append(f"{e.dob_month:02d}")
        if e.dob_day is not None:
            parts.append(f"{e.dob_day:02d}")
    return "-".join(parts)


_DOB_NOTES = {
    "exact": Code.SAME_DATE_OF_BIRTH,
    "swapped": Code.DAY_MONTH_SWAPPED,
    "year_off": Code.YEAR_OFF_BY_ONE,
    "one_part": Code.DAY_OR_MONTH_DIFFERS,
    "typo": Code.ONE_DIGIT_DIFFERS,
    "different": Code.DIFFERENT_DATES_OF_BIRTH,
    "year": Code.SAME_YEAR,
    "month": Code.SAME_MONTH_AND_YEAR,
    "age": Code.AGE_FITS_YEAR,
    "year_near": Code.YEARS_A_YEAR_APART,
    "year_far": Code.YEARS_FAR_APART,
}
