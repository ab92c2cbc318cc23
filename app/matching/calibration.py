"""The prior odds of a run, estimated from its own pairs, so that scores stay calibrated as the
lists grow. Pure, no database.

Fellegi–Sunter multiplies the evidence of a pair (its bits) by the prior odds that a case and a
record taken at random are the same person. That chance is the number of true pairs over the
number of pairs there are: a case has about the same few true records among 20,000 records as
among 1,000,000 (the rest are strangers), so the prior falls as the lists grow. A constant prior
made the *likely* band lose precision on big lists (issue 12: 0.98 at 30,000 records, 0.86 at
600,000): the evidence that settles a pair among 20,000 strangers is not enough among a million.

The number of true pairs is unknown; it is estimated as Splink estimates its λ, by
expectation–maximisation over the scored pairs: start from a guess of the prior, give each pair
the probability it would then have, take their sum as the expected number of true pairs, and
repeat until it settles. Pairs that blocking never compared have next to no chance and count as
strangers; pairs a reviewer decided count as what the reviewer said. The bits are kept as a
histogram (a quarter of a bit wide), so the estimate costs nothing at a million records.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from app.matching.scoring import CAP_SCORE, PRIOR_BITS

__all__ = [
    "DEFAULT_TRUE_PER_CASE",
    "BitsHistogram",
    "PriorEstimate",
    "estimate_prior",
    "max_prior_bits",
    "prior_for_rate",
]

# True pairs per case before any full run has estimated it: about one record per case.
DEFAULT_TRUE_PER_CASE = 1.0
# Expected true pairs from which a run trusts its own estimate of the prior over the ceiling.
TRUSTED_TRUE_PAIRS = 100

# Quarter-bit bins: the score of a pair changes by at most 9 % of its odds within a bin.
_BIN = 4
_ITERATIONS = 100
_TOLERANCE = 1e-4  # in expected true pairs, relative


@dataclass(frozen=True, slots=True)
class PriorEstimate:
    """A run's prior: the log2 odds used, and what they came from (shown on the run page)."""

    bits: float  # the prior used, log2 odds
    expected_true: float  # true pairs the data suggests (EM), reviewers' confirmations included
    pairs: int  # pairs there are: left entities x right entities
    estimated_bits: float  # what the data alone gives, before the ceiling
    capped: bool  # the ceiling applied (small data)

    @property
    def rate(self) -> float:
        """Expected true pairs per pair: the prior as a probability."""
        return self.expected_true / self.pairs if self.pairs else 0.0

    def as_dict(self) -> dict[str, float | int | bool]:
        return {
            "bits": round(self.bits, 3),
            "expected_true": round(self.expected_true, 1),
            "pairs": self.pairs,
            "estimated_bits": round(self.estimated_bits, 3),
            "capped": self.capped,
        }


class BitsHistogram:
    """The bits of every pair compared, in quarter-bit bins, capped pairs apart."""

    def __init__(self) -> None:
        self.bins: Counter[tuple[int, bool]] = Counter()

    def add(self, bits: float, capped: bool) -> None:
        self.bins[(round(bits * _BIN), capped)] += 1

    def add_many(self, bits: np.ndarray, capped: np.ndarray) -> None:
        """:meth:`add` of many pairs at once (numpy rounds halves to even, as ``round``)."""
        if not len(bits):
            return
        scaled = np.round(bits * _BIN).astype(np.int64)
        # One number per bin, 2 * scaled + capped, in the order of (scaled, capped): np.unique
        # of numbers, where np.unique of pairs (axis=1) sorted them ten times slower.
        values, counts = np.unique(scaled * 2 + capped.astype(np.int64), return_counts=True)
        bins = self.bins
        for value, count in zip(values.tolist(), counts.tolist(), strict=True):
            bins[(value // 2, bool(value % 2))] += count

    def __len__(self) -> int:
        return sum(self.bins.values())

    def expected_true(self, prior_bits: float) -> float:
        """Sum over the pairs of the probability each has at ``prior_bits``."""
        total = 0.0
        # In the bins' order, not the order they were first filled: a run split over processes
        # fills them in another order than one process, and must sum to the same last digit.
        for (scaled, capped), count in sorted(self.bins.items()):
            exponent = -(scaled / _BIN + prior_bits)
            p = 0.0 if exponent > 60 else 1 / (1 + 2**exponent)
            total += count * (min(p, CAP_SCORE) if capped else p)
        return total


def _log2_odds(rate: float) -> float:
    return math.log2(rate / (1 - rate))


def _max_rate(left: int, right: int) -> float:
    """The most true pairs there can be, as a rate: each entity of the bigger side is one
    person, the true pair of at most one entity of the smaller side."""
    return min(0.5, 1 / max(min(left, right), 1))


def max_prior_bits(left: int, right: int) -> float:
    """The highest prior :func:`estimate_prior` can return for ``left`` x ``right`` entities
    (what a pair must be able to reach to be kept before the prior is known)."""
    return _log2_odds(_max_rate(left, right))


def prior_for_rate(
    true_per_left: float, right_population: int, left: int = 0, ceiling: float = PRIOR_BITS
) -> float:
    """The prior of ``true_per_left`` true pairs per left entity among ``right_population``
    right entities (an incremental run: the rate of the last full run, today's population).
    The ceiling holds unless the rate stands for ``TRUSTED_TRUE_PAIRS`` over ``left``
    entities, as in :func:`estimate_prior`."""
    if right_population <= 0 or true_per_left <= 0:
        return ceiling
    estimated = _log2_odds(min(true_per_left / right_population, 0.5))
    if true_per_left * left >= TRUSTED_TRUE_PAIRS:
        return estimated
    return min(estimated, ceiling)


def estimate_prior(
    histogram: BitsHistogram,
    left: int,
    right: int,
    known_true: int = 0,
    ceiling: float = PRIOR_BITS,
) -> PriorEstimate:
    """The prior of a run by EM over its pairs' bits.

    ``left`` x ``right``: every pair there is, compared or not. ``known_true``: pairs a
    reviewer confirmed, which the run no longer scores but which are true pairs all the same.
    On small data (tests, a first list of a few hundred: fewer than ``TRUSTED_TRUE_PAIRS``
    expected true pairs) the estimate is noise and the prior used never exceeds ``ceiling``;
    with more, the data's own rate is used, also where every record has its case (FEBRL4: one
    in 5,000, -12.3 bits).
    """
    pairs = left * right
    if pairs <= 0:
        return PriorEstimate(ceiling, 0.0, 0, ceiling, True)
    # Start where each left entity has one true pair among the right side's entities.
    rate = min(1 / right, _max_rate(left, right))
    expected = rate * pairs
    for _ in range(_ITERATIONS):
        expected = known_true + histogram.expected_true(_log2_odds(rate))
        new_rate = min(max(expected, 0.5) / pairs, _max_rate(left, right))
        if abs(new_rate - rate) <= _TOLERANCE * rate:
            rate = new_rate
            break
        rate = new_rate
    estimated = _log2_odds(rate)
    capped = estimated > ceiling and expected < TRUSTED_TRUE_PAIRS
    return PriorEstimate(
        bits=ceiling if capped else estimated,
        expected_true=expected,
        pairs=pairs,
        estimated_bits=estimated,
        capped=capped,
    )
