"""A run's prior odds come from its own pairs, so that a *likely* means the same at any size."""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import pytest

from app.matching.calibration import (
    BitsHistogram,
    estimate_prior,
    max_prior_bits,
    prior_for_rate,
)
from app.matching.engine import link
from app.matching.scoring import CAP_SCORE, LIKELY, PRIOR_BITS, to_score

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from synth import Generator


def _mixture(true_pairs: int, strangers: int, seed: int = 1) -> BitsHistogram:
    """Bits as a run sees them: true pairs with much evidence, strangers with little."""
    rng = random.Random(seed)
    histogram = BitsHistogram()
    for _ in range(true_pairs):
        histogram.add(rng.gauss(32, 5), False)
    for _ in range(strangers):
        histogram.add(rng.gauss(-4, 5), False)
    return histogram


def test_em_finds_the_number_of_true_pairs_among_many_strangers() -> None:
    histogram = _mixture(true_pairs=700, strangers=50_000)
    estimate = estimate_prior(histogram, left=500, right=1_000_000, ceiling=0.0)
    assert estimate.expected_true == pytest.approx(700, rel=0.05)
    assert estimate.pairs == 500 * 1_000_000
    assert estimate.bits == pytest.approx(math.log2(700 / (500 * 1_000_000)), abs=0.1)
    assert not estimate.capped


def test_the_prior_falls_by_the_factor_the_population_grows() -> None:
    histogram = _mixture(true_pairs=700, strangers=50_000)
    small = estimate_prior(histogram, left=500, right=100_000, ceiling=0.0)
    big = estimate_prior(histogram, left=500, right=1_000_000, ceiling=0.0)
    assert small.bits - big.bits == pytest.approx(math.log2(10), abs=0.1)


def test_confirmed_pairs_count_as_true_pairs() -> None:
    histogram = _mixture(true_pairs=400, strangers=20_000)
    alone = estimate_prior(histogram, left=500, right=1_000_000, ceiling=0.0)
    confirmed = estimate_prior(histogram, left=500, right=1_000_000, known_true=300, ceiling=0.0)
    assert confirmed.expected_true == pytest.approx(alone.expected_true + 300, rel=0.02)


def test_small_data_never_scores_above_the_ceiling() -> None:
    histogram = _mixture(true_pairs=5, strangers=40)
    estimate = estimate_prior(histogram, left=5, right=50)
    assert estimate.capped
    assert estimate.estimated_bits > PRIOR_BITS
    assert estimate.bits == PRIOR_BITS
    assert estimate_prior(BitsHistogram(), left=0, right=0).bits == PRIOR_BITS


def test_capped_pairs_count_at_most_the_cap() -> None:
    plain, capped = BitsHistogram(), BitsHistogram()
    for _ in range(100):
        plain.add(40.0, False)
        capped.add(40.0, True)
    assert plain.expected_true(-14.0) == pytest.approx(100, rel=1e-3)
    assert capped.expected_true(-14.0) == pytest.approx(100 * CAP_SCORE)
    assert len(capped) == 100


def test_an_incremental_prior_is_the_last_rate_over_todays_population() -> None:
    assert prior_for_rate(1.4, 1_000_000) == pytest.approx(math.log2(1.4 / (1_000_000 - 1.4)))
    assert prior_for_rate(1.4, 1_000_000) < prior_for_rate(1.4, 100_000) < PRIOR_BITS
    assert prior_for_rate(1.4, 100) == PRIOR_BITS  # small data: the ceiling
    assert prior_for_rate(0.0, 1_000_000) == PRIOR_BITS
    assert prior_for_rate(1.0, 0) == PRIOR_BITS


def test_a_capped_score_never_passes_the_cap_whatever_the_prior() -> None:
    held = to_score(80.0, -14.0, capped=True)
    assert held == to_score(math.log2(CAP_SCORE / (1 - CAP_SCORE)), 0.0) and held < CAP_SCORE
    # Never above an uncapped pair the cap would have let through (the order is kept).
    assert to_score(math.log2(CAP_SCORE / (1 - CAP_SCORE)) + 0.1, 0.0) > held
    assert to_score(80.0, -14.0) > 0.999
    assert to_score(-80.0, -14.0) == 0.0


def _likely_precision(cases, records, truth) -> tuple[float, float, float]:
    result = link(cases, records)
    likely = {
        (c.left, c.right)
        for found in result.candidates.values()
        for c in found
        if c.score >= LIKELY
    }
    precision = len(likely & truth) / len(likely)
    return precision, result.prior.estimated_bits, result.prior.expected_true


@pytest.fixture(scope="module")
def sizes():
    """The same 150 cases and their records, among 3,000 and among 30,000 records."""
    small = Generator(seed=7).dataset(n_cases=150, n_records=3_000)
    big = Generator(seed=7).dataset(n_cases=150, n_records=30_000)
    return small, big


def test_the_engine_estimates_its_prior_and_keeps_likely_precise_as_strangers_grow(
    sizes,
) -> None:
    small, big = sizes
    assert small.true_pairs == big.true_pairs  # the generator adds only strangers
    p_small, bits_small, true_small = _likely_precision(
        small.cases, small.records, small.true_pairs
    )
    p_big, bits_big, true_big = _likely_precision(big.cases, big.records, big.true_pairs)
    truth = len(big.true_pairs)
    # The estimate sees about as many true pairs at both sizes (siblings add a little)...
    assert truth * 0.9 < true_small < truth * 1.3
    assert truth * 0.9 < true_big < truth * 1.3
    # ...so the prior falls by about the factor the records grew (10x: 3.3 bits).
    assert bits_small - bits_big == pytest.approx(math.log2(10), abs=0.6)
    assert p_small >= 0.97
    assert p_big >= 0.97


def test_enough_true_pairs_lift_the_ceiling() -> None:
    """FEBRL4-like: every record has its case, so the prior is far above the ceiling."""
    histogram = _mixture(true_pairs=5_000, strangers=60_000)
    estimate = estimate_prior(histogram, left=5_000, right=5_000)
    assert not estimate.capped
    assert estimate.bits == pytest.approx(math.log2(5_000 / (5_000 * 5_000)), abs=0.1)
    assert estimate.bits > PRIOR_BITS
    # An incremental run trusts a rate that stands for enough true pairs, too.
    assert prior_for_rate(1.0, 5_000, left=5_000) == pytest.approx(math.log2(1 / 4_999))
    assert prior_for_rate(1.0, 5_000, left=50) == PRIOR_BITS


def test_a_prior_above_the_ceiling_keeps_every_pair_it_lifts_over_the_threshold() -> None:
    """Lists where most records have their case (300 cases, 600 records): the estimated prior
    is far above -14 bits, and the pairs it lifts into the possible band are all kept (the
    engine once dropped them before the prior was known, assuming -14 was the highest)."""
    data = Generator(seed=5).dataset(n_cases=300, n_records=600)
    estimated = link(data.cases, data.records)
    assert estimated.prior.bits > PRIOR_BITS + 2 and not estimated.prior.capped
    explicit = link(data.cases, data.records, prior_bits=estimated.prior.bits)
    pairs = {(c.left, c.right) for found in estimated.candidates.values() for c in found}
    assert pairs == {(c.left, c.right) for found in explicit.candidates.values() for c in found}
    assert estimated.prior.bits <= max_prior_bits(300, 600)


def test_the_estimate_never_passes_one_true_pair_per_entity_of_the_bigger_side() -> None:
    histogram = BitsHistogram()
    for _ in range(1_000):
        histogram.add(60.0, False)  # every pair compared looks true
    estimate = estimate_prior(histogram, left=10, right=100, ceiling=0.0)
    assert estimate.bits == pytest.approx(max_prior_bits(10, 100))
    assert max_prior_bits(10, 100) == pytest.approx(math.log2(0.1 / 0.9))
