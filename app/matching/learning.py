"""What each partner source teaches the scoring: its ``m`` and whether it holds families. Pure,
no database.

Every list garbles names and dates in its own way: FEBRL4 replaces a given name in one duplicate
in twelve, a register typed from handwriting swaps day and month, a tracing list gives only a
year. The default ``m`` (:mod:`app.matching.scoring`) are those of our synthetic sources; a full
run re-estimates them for each source from the source's own blocked pairs, with no labels, by
expectation–maximisation as Splink does:

* **E-step**: with the current ``m`` (and ``u`` as counted: frequencies), each pair's
  probability of being a true pair; then the one-to-one nature of a linkage: the
  probabilities of one case's pairs in the source, and of one record's pairs, are scaled to add
  up to at most 1. Plain EM over blocked pairs drifts, because strangers in a block agree on the
  blocking fields far more often than random pairs do; this constraint is what stops it.
* **M-step**: each level's ``m`` is the expected share of true pairs that show it, **shrunk
  towards the default** as if the default had been seen on ``SHRINK_PAIRS`` true pairs:
  ``m = (n·m_em + k·m_default) / (n + k)`` with ``n`` the expected true pairs that know the
  field (a Dirichlet prior; the M-step is then a MAP estimate). ``k = 200``: a rare level
  (m ≈ 0.01–0.02) is seen two to four times among 200 true pairs, where its estimate is as
  uncertain as it is large; at ``n = k`` the source's own rate and the default weigh the same,
  and a source of thousands (FEBRL4: 5,000) speaks for itself. A 10-record source stays within a
  few per cent of the defaults. No level falls below ``M_FLOOR`` (a level never seen among
  the true pairs of one source is not impossible in the next import).

Partial dates and ages keep their defaults: their levels depend on which parts each side knows,
so they are not one distribution over true pairs.

**Reviewers' labels.** A pair a reviewer confirmed is a true pair, one they rejected is not:
such a pair keeps its place among the source's pairs with its weight pinned (1 or 0) instead of
the E-step's probability. Its levels thus enter the M-step as counts beside the expected counts
of the unlabelled pairs, under the same shrinkage, so three labels move an ``m`` by about 3/200
of the way and cannot swing a source; a confirmed pair also takes its case's and its record's
one true pair in the one-to-one step, and a rejected pair that would be *likely* with a family
conflict counts as a relative in the caps' evidence. Without labels nothing changes.

**Family caps by evidence.** The caps (a sibling or a namesake is never *likely*) cost recall on
a list without families, where a plainly different given name or date is only noise. Each cap
stays on for a source only when the source shows what it guards against, weighed from the same
EM: among the source's pairs of one family (surname and place, or surname and patronymic, agree)
whose given names plainly differ, the expected strangers (Σ 1 − p) are siblings, the expected true
pairs (Σ p) garbled given names; the sibling cap stays on when siblings are more common than
garbled names, as the cap then prevents more wrong *likely* calls than it costs right ones.
Likewise namesakes: pairs whose surname and given name agree and whose dates plainly differ.
A source too small to tell (fewer than ``MIN_EVIDENCE`` expected true pairs) keeps both caps.
Where a cap stays, the relatives the EM took for true pairs are taken out again: the pairs at
the level the cap guards keep only the weight its default m allows, and every field is learnt
from the weights so corrected (see :func:`_learn_source`).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.matching.scoring import (
    DEFAULT_PARAMETERS,
    LIKELY,
    PRIOR_BITS,
    Observed,
    Parameters,
    Pattern,
)

__all__ = [
    "MIN_EVIDENCE",
    "M_FLOOR",
    "SHRINK_PAIRS",
    "LearntSource",
    "Observations",
    "learn",
    "pattern_of",
]

SHRINK_PAIRS = 200.0  # k: the defaults count as this many true pairs
M_FLOOR = 1e-3
MIN_EVIDENCE = 50.0  # expected true pairs a source needs before its caps can be lifted
ROUNDS = 25
# A cap is lifted only where the relatives it holds back are at most one in ten of the garbled
# true pairs it costs: a sibling called *likely* (a family told their child is found) weighs far
# more than a true pair left in *possible* for a reviewer.
LIFT_CAP = 0.1
# Fields whose m are learnt (partial dates are not one distribution; see the docstring).
_FIXED = frozenset({"date_of_birth_partial"})
# The levels the family caps guard: a plainly different given name (siblings), a plainly
# different complete date (namesakes).
_GIVEN, _DOB, _CONFLICT = "given_name", "date_of_birth", "different"
# How many levels the run page shows per source: those that moved most from the defaults.
_SHOWN = 4


@dataclass(frozen=True, slots=True)
class LearntSource:
    """What a run learnt from one source, and from how much."""

    parameters: Parameters
    pairs: int  # blocked pairs of the source the estimate saw
    expected_true: float  # of which true, as EM counts them
    # Sibling evidence: expected strangers and expected true pairs among family pairs with
    # plainly different given names; namesake evidence likewise among same-name pairs with
    # plainly different dates.
    siblings: float = 0.0
    garbled_given: float = 0.0
    namesakes: float = 0.0
    garbled_dob: float = 0.0
    # (field, level, default m, learnt m), the levels that moved most, biggest first.
    moved: tuple[tuple[str, str, float, float], ...] = ()
    # Reviewers' labels among the pairs: confirmed (true) and rejected (not).
    confirmed: int = 0
    rejected: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "pairs": self.pairs,
            "expected_true": round(self.expected_true, 1),
            "siblings": round(self.siblings, 1),
            "garbled_given": round(self.garbled_given, 1),
            "namesakes": round(self.namesakes, 1),
            "garbled_dob": round(self.garbled_dob, 1),
            "sibling_cap": self.parameters.sibling_cap,
            "namesake_cap": self.parameters.namesake_cap,
            "moved": [[f, lv, round(d, 4), round(m, 4)] for f, lv, d, m in self.moved],
            "confirmed": self.confirmed,
            "rejected": self.rejected,
        }


@dataclass
class _SourcePairs:
    pattern: array[int] = field(default_factory=lambda: array("q"))
    offset: array[float] = field(default_factory=lambda: array("d"))  # -sum log2 u + swap bits
    left: array[int] = field(default_factory=lambda: array("q"))
    right: array[int] = field(default_factory=lambda: array("q"))
    sibling_sign: array[int] = field(default_factory=lambda: array("b"))
    namesake_sign: array[int] = field(default_factory=lambda: array("b"))
    label: array[int] = field(default_factory=lambda: array("b"))  # -1 none, 0 rejected, 1 true


class Observations:
    """The blocked pairs of a run, per source, kept compactly for EM: a pattern of levels
    (interned), the ``u`` side of the bits, the two entities, the family signs."""

    def __init__(self) -> None:
        self.sources: dict[Hashable, _SourcePairs] = {}
        self.patterns: dict[tuple[tuple[str, str], ...], int] = {}
        self._entities: dict[Hashable, int] = {}

    def _entity(self, key: Hashable) -> int:
        found = self._entities.get(key)
        if found is None:
            found = self._entities[key] = len(self._entities)
        return found

    def add(
        self,
        source: Hashable,
        left: Hashable,
        right: Hashable,
        observed: Observed,
        label: bool | None = None,
    ) -> None:
        """One blocked pair; ``label``: a reviewer confirmed it (True) or rejected it (False)."""
        pattern, offset = pattern_of(observed)
        self.add_pattern(
            source, left, right, pattern, offset, observed.given_conflict,
            observed.dob_conflict, label,
        )  # fmt: skip

    def add_pattern(
        self,
        source: Hashable,
        left: Hashable,
        right: Hashable,
        pattern: Pattern,
        offset: float,
        sibling: bool,
        namesake: bool,
        label: bool | None = None,
    ) -> None:
        """:meth:`add` of a pair already reduced to its pattern, offset and family signs
        (:func:`app.matching.scoring.observed_pattern`, a run's inner loop)."""
        pid = self.patterns.get(pattern)
        if pid is None:
            pid = self.patterns[pattern] = len(self.patterns)
        pairs = self.sources.get(source)
        if pairs is None:
            pairs = self.sources[source] = _SourcePairs()
        pairs.pattern.append(pid)
        pairs.offset.append(offset)
        # Numbered as _entity numbers them (inline: once for each side of every blocked pair).
        entities = self._entities
        number = entities.get(left_key := ("l", left))
        if number is None:
            number = entities[left_key] = len(entities)
        pairs.left.append(number)
        number = entities.get(right_key := ("r", right))
        if number is None:
            number = entities[right_key] = len(entities)
        pairs.right.append(number)
        pairs.sibling_sign.append(sibling)
        pairs.namesake_sign.append(namesake)
        pairs.label.append(-1 if label is None else int(label))


def pattern_of(observed: Observed) -> tuple[tuple[tuple[str, str], ...], float]:
    """A pair's pattern of levels, and the ``u`` side of its bits (swap bits - sum log2 u):
    its bits at any m are the sum of log2 m over the pattern plus that offset."""
    fields = observed.fields
    pattern = tuple([(name, level) for name, level, _u in fields])
    return pattern, observed.swap_bits - sum([math.log2(u) for _n, _l, u in fields])


def learn(
    observations: Observations,
    cases: float,
    defaults: Parameters = DEFAULT_PARAMETERS,
    shrink: float = SHRINK_PAIRS,
    rounds: int = ROUNDS,
) -> dict[Hashable, LearntSource]:
    """The parameters of every source of ``observations`` (see the module's docstring)."""
    patterns = list(observations.patterns)
    columns: dict[tuple[str, str], int] = {}
    for pattern in patterns:
        for field_level in pattern:
            columns.setdefault(field_level, len(columns))
    matrix = np.zeros((len(patterns), len(columns)))
    for row, pattern in enumerate(patterns):
        for field_level in pattern:
            matrix[row, columns[field_level]] = 1.0
    return {
        source: _learn_source(pairs, matrix, columns, cases, defaults, shrink, rounds)
        for source, pairs in observations.sources.items()
    }


def _learn_source(
    pairs: _SourcePairs,
    matrix: np.ndarray,
    columns: dict[tuple[str, str], int],
    cases: float,
    defaults: Parameters,
    shrink: float,
    rounds: int,
) -> LearntSource:
    pattern = np.frombuffer(pairs.pattern, dtype=np.int64)
    offset = np.frombuffer(pairs.offset, dtype=np.float64)
    left = _dense(np.frombuffer(pairs.left, dtype=np.int64))
    right = _dense(np.frombuffer(pairs.right, dtype=np.int64))
    n = len(offset)
    label = np.frombuffer(pairs.label, dtype=np.int8)
    labelled = label >= 0
    pinned = label[labelled].astype(np.float64)
    fields = sorted({name for name, _level in columns if name not in _FIXED})
    default_m = {name: defaults.table(name) for name in {n for n, _l in columns}}
    m = {name: dict(table) for name, table in default_m.items()}
    # Start where each entity of the smaller side has one true pair among its blocked pairs.
    rate = min(0.5, max(min(left.max() + 1, right.max() + 1) / n, 1e-9))
    weights = evidence = np.zeros(n)
    for _ in range(rounds):
        log_m = np.zeros(len(columns))
        for (name, level), column in columns.items():
            log_m[column] = math.log2(max(m[name].get(level, M_FLOOR), M_FLOOR))
        evidence = (matrix @ log_m)[pattern] + offset
        bits = evidence + math.log2(rate / (1 - rate))
        weights = 1 / (1 + np.exp2(-np.clip(bits, -60, 60)))
        if pinned.size:
            # A reviewer's decision replaces the E-step's guess (counted as one pair each).
            weights[labelled] = pinned
        for side in (left, right):
            weights = weights * _best_of_group(side, weights)
        rate = min(max(float(weights.sum()) / n, 1e-9), 0.5)
        m.update(_m_step(_counts(pattern, weights, matrix), columns, fields, default_m, shrink))
    expected_true = float(weights.sum())
    # The share of cases whose record is in this source.
    found = min(expected_true / cases, 1.0) if cases else 1.0
    # The pairs a cap can matter for: likely without it, at the most optimistic prior.
    would_be_likely = evidence + PRIOR_BITS >= math.log2(LIKELY / (1 - LIKELY))
    siblings, garbled_given = _family_evidence(pairs.sibling_sign, would_be_likely, weights, found)
    namesakes, garbled_dob = _family_evidence(pairs.namesake_sign, would_be_likely, weights, found)
    small = expected_true < MIN_EVIDENCE
    sibling_cap = small or siblings > LIFT_CAP * garbled_given
    namesake_cap = small or namesakes > LIFT_CAP * garbled_dob
    # A cap that stays on says the source holds relatives, and the EM cannot tell a relative
    # of a case whose own record is not in the source from that case's true pair with the
    # given name or the date garbled: it counts them as true pairs, and learns m of a plainly
    # different given name or date of 0.1-0.27 where the source garbles 1-2 % (bench/
    # calibration.py). Nor are those pairs wrong only at the level the cap guards: a namesake
    # has another father and another place, a sibling is often of the other sex and born in
    # another year, and counted as true pairs they taught the source's other fields the same
    # mistake (m of a different patronymic of 0.14-0.22 where the synthetic lists never
    # garble it). So where a cap stays on, the pairs at the level it guards keep only the
    # weight the level's default m allows among the source's true pairs, every field is
    # learnt again from the weights so corrected, and the guarded level keeps its default.
    kept = [name for name, on in ((_GIVEN, sibling_cap), (_DOB, namesake_cap)) if on]
    if kept:
        weights = _discounted(weights, labelled, pattern, matrix, columns, default_m, kept)
    learnt = _m_step(_counts(pattern, weights, matrix), columns, fields, default_m, shrink)
    for name in kept:
        if name in learnt:
            learnt[name] = _with_default_level(learnt[name], default_m[name], _CONFLICT)
    parameters = defaults.with_m(learnt, sibling_cap=sibling_cap, namesake_cap=namesake_cap)
    return LearntSource(
        parameters=parameters,
        pairs=n,
        expected_true=expected_true,
        siblings=siblings,
        garbled_given=garbled_given,
        namesakes=namesakes,
        garbled_dob=garbled_dob,
        moved=_moved(learnt, default_m),
        confirmed=int((label == 1).sum()),
        rejected=int((label == 0).sum()),
    )


def _counts(pattern: np.ndarray, weights: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """The expected number of true pairs at each (field, level) column."""
    result: np.ndarray = np.bincount(pattern, weights, minlength=matrix.shape[0]) @ matrix
    return result


def _m_step(
    counts: np.ndarray,
    columns: dict[tuple[str, str], int],
    fields: Iterable[str],
    default_m: dict[str, dict[str, float]],
    shrink: float,
) -> dict[str, dict[str, float]]:
    """Each field's m from the expected counts, shrunk towards the defaults (a MAP estimate
    under a Dirichlet prior of ``shrink`` pseudo-pairs), never below ``M_FLOOR``."""
    m = {}
    for name in fields:
        table = default_m[name]
        seen = sum(counts[columns[(name, lv)]] for lv in table if (name, lv) in columns)
        m[name] = {
            lv: max(
                float(
                    max(
                        (counts[columns[(name, lv)]] if (name, lv) in columns else 0.0)
                        + shrink * prior,
                        0.0,
                    )
                    / (seen + shrink)
                ),
                M_FLOOR,
            )
            for lv, prior in table.items()
        }
    return m


def _discounted(
    weights: np.ndarray,
    labelled: np.ndarray,
    pattern: np.ndarray,
    matrix: np.ndarray,
    columns: dict[tuple[str, str], int],
    default_m: dict[str, dict[str, float]],
    guarded: Iterable[str],
) -> np.ndarray:
    """``weights`` with the unlabelled pairs at the ``_CONFLICT`` level of each ``guarded``
    field scaled down to the count the default m of that level gives beside the field's other
    levels: the rest are relatives the EM took for garbled true pairs (see
    :func:`_learn_source`). A pair a reviewer confirmed keeps its weight."""
    weights = weights.copy()
    for name in guarded:
        column = columns.get((name, _CONFLICT))
        if column is None:
            continue
        counts = _counts(pattern, weights, matrix)
        others = sum(counts[c] for (f, lv), c in columns.items() if f == name and lv != _CONFLICT)
        share = default_m[name][_CONFLICT]
        at_level = matrix[pattern, column] > 0
        free = at_level & ~labelled
        fixed = float(weights[at_level & labelled].sum())
        guessed = float(weights[free].sum())
        wanted = max(share / (1 - share) * others - fixed, 0.0)
        if guessed > wanted:
            weights[free] *= wanted / guessed
    return weights


def _with_default_level(
    table: dict[str, float], default: dict[str, float], level: str
) -> dict[str, float]:
    """``table`` with ``level`` at its default m and the other levels scaled to make up the
    rest, in the proportions learnt."""
    others = sum(m for lv, m in table.items() if lv != level)
    if level not in table or others <= 0:
        return table
    scale = (1 - default[level]) / others
    return {lv: default[lv] if lv == level else max(m * scale, M_FLOOR) for lv, m in table.items()}


def _family_evidence(
    signs: array[int], would_be_likely: np.ndarray, weights: np.ndarray, found: float
) -> tuple[float, float]:
    """How many pairs with a conflict (``signs``) that look like the same person are
    relatives (or namesakes) and how many are the same person with a garbled field.

    Pairs that would be *likely* without a cap but lose to a
    better record of the same case are relatives; they are seen only for cases whose own
    record is in the source (a share ``found`` of them), so about ``lost / found`` relatives
    look like the person. A share ``1 - found`` of those belong to cases with no record of
    their own in the source, where they are the case's best pair and cannot be told from a
    garbled true pair: the rest of the best pairs with a conflict are garbled true pairs."""
    mask = np.frombuffer(signs, dtype=np.int8).astype(bool) & would_be_likely
    best = weights > 0
    lost = float((mask & ~best).sum())
    relatives = lost / found if found > 0 else lost
    garbled = max(float((mask & best).sum()) - relatives * (1 - found), 0.0)
    return relatives, garbled


def _best_of_group(group: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """1 for the pair of highest weight in its group (one case's pairs, or one record's), 0 for
    the others: a case has at most one record in a source, a record one case."""
    best = np.full(group.max() + 1 if len(group) else 0, -1.0)
    np.maximum.at(best, group, weights)
    return (weights >= best[group]).astype(np.float64)


def _dense(ids: np.ndarray) -> np.ndarray:
    """Entity numbers 0..k-1 for the entities of one source (bincount's length)."""
    _unique, inverse = np.unique(ids, return_inverse=True)
    return inverse


def _moved(
    learnt: dict[str, dict[str, float]], defaults: dict[str, dict[str, float]]
) -> tuple[tuple[str, str, float, float], ...]:
    changes = [
        (abs(math.log2(m / defaults[name][level])), name, level, defaults[name][level], m)
        for name, table in learnt.items()
        for level, m in table.items()
    ]
    changes.sort(reverse=True)
    return tuple((name, level, d, m) for _c, name, level, d, m in changes[:_SHOWN])


def sources_as_dict(
    learnt: dict[Hashable, LearntSource], names: Iterable[tuple[Hashable, str]] = ()
) -> list[dict[str, Any]]:
    """The run page's table: one row per source, with the source's name where known."""
    named = dict(names)
    return [
        {"source": named.get(source, str(source)), **found.as_dict()}
        for source, found in sorted(learnt.items(), key=lambda item: str(item[0]))
    ]
