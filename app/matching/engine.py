"""Linking two sets of entities: block, score, keep what is worth a look. Pure, no database.

:func:`link` is what both the service and the benchmarks run. The smaller side is indexed
(cases, a few hundred), the bigger one streams through (a million partner records): each is
prepared once, probed against the index, and only pairs that share a blocking key are scored.
Name and place frequencies (``u`` of the scoring) are counted on the streamed side, the
population, in the same pass; pairs are scored after it, so every pair sees the same
frequencies.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field

from app.matching.blocking import BlockIndex
from app.matching.calibration import (
    BitsHistogram,
    PriorEstimate,
    estimate_prior,
    max_prior_bits,
)
from app.matching.entities import Features, MatchEntity, prepare
from app.matching.learning import LearntSource, Observations, learn
from app.matching.scoring import (
    DEFAULT_PARAMETERS,
    POSSIBLE,
    Frequencies,
    Match,
    Parameters,
    compare,
    observe,
    quick_bits,
    to_score,
)

__all__ = ["Candidate", "LinkResult", "link"]


@dataclass(slots=True)
class Candidate:
    left: Hashable
    right: Hashable
    score: float
    rank: int = 0
    match: Match | None = None  # filled when explanations were asked for


@dataclass(slots=True)
class LinkResult:
    candidates: dict[Hashable, list[Candidate]]  # left key -> candidates, best first
    compared: int  # pairs scored
    right_seen: int  # entities streamed
    frequencies: Frequencies
    prior: PriorEstimate
    # What each right-side source taught the run (``learn=True``), by source.
    learnt: dict[Hashable, LearntSource] = field(default_factory=dict)


def link(
    left: Iterable[MatchEntity | Features],
    right: Iterable[MatchEntity | Features],
    *,
    threshold: float = POSSIBLE,
    explain: bool = False,
    frequencies: Frequencies | None = None,
    skip: Callable[[Hashable, Hashable], bool] | None = None,
    progress: Callable[[int], None] | None = None,
    prior_bits: float | None = None,
    known_true: int = 0,
    parameters: Parameters = DEFAULT_PARAMETERS,
    by_source: Mapping[Hashable, Parameters] | None = None,
    learn_sources: bool = False,
    labels: Mapping[tuple[Hashable, Hashable], bool] | None = None,
) -> LinkResult:
    """Candidates of every ``left`` entity among ``right``, scored, best first.

    ``frequencies``: use these instead of counting ``right`` (an incremental run over a few
    new records counts the whole population once, elsewhere). ``skip(left_key, right_key)``
    drops a pair before scoring (rejected pairs, a case against itself). ``progress`` is
    called with the number of ``right`` entities seen, every 10,000.

    ``prior_bits``: the prior odds to score with; None estimates them from the pairs
    themselves (:mod:`app.matching.calibration`), counting ``known_true`` confirmed pairs that
    ``skip`` keeps out. Pairs are therefore scored in two steps: their bits first, the prior
    from all of them, then the scores.

    ``parameters``: the m and caps a pair is scored with; ``by_source``: those of particular
    sources (a right entity's ``source``). ``learn_sources`` learns them first from the pairs
    themselves, for every source (:mod:`app.matching.learning`, starting from
    ``by_source`` or ``parameters``): parameters first, then the prior from the bits they give.
    ``labels``: reviewers' decisions by (left key, right key), True for confirmed; learning
    counts them as what the reviewer said even where ``skip`` keeps them from being scored.
    """
    index = BlockIndex()
    left_count = 0
    for item in left:
        left_count += 1
        index.add(item if isinstance(item, Features) else prepare(item))
    counting = frequencies is None
    freq = Frequencies() if frequencies is None else frequencies
    pairs: dict[int, tuple[Features, list[Features]]] = {}
    seen = 0
    for item in right:
        features = item if isinstance(item, Features) else prepare(item)
        seen += 1
        if counting:
            freq.add(features)
        hits = list(index.candidates(features))
        if hits:
            pairs[id(features)] = (features, hits)
        if progress and seen % 10000 == 0:
            progress(seen)
    learnt: dict[Hashable, LearntSource] = {}
    if learn_sources:
        learnt = _learn(
            pairs.values(), left_count, freq, skip, parameters, by_source or {}, labels or {}
        )
        by_source = {source: found.parameters for source, found in learnt.items()}
    histogram = BitsHistogram()
    # Pairs that could reach the threshold under the most optimistic prior the estimate can
    # give; the rest only count towards the estimate.
    highest = max_prior_bits(left_count, seen) if prior_bits is None else prior_bits
    floor = _bits_for(threshold) - highest
    kept: list[tuple[Features, Features, float, bool, Parameters]] = []
    compared = 0
    for features, hits in pairs.values():
        params = by_source.get(features.entity.source, parameters) if by_source else parameters
        for other in hits:
            lkey, rkey = other.entity.key, features.entity.key
            if lkey == rkey or (skip is not None and skip(lkey, rkey)):
                continue
            compared += 1
            # Score from the left entity's side: its names are the reference in explanations.
            bits, capped = quick_bits(other, features, freq, params)
            histogram.add(bits, capped)
            if bits >= floor:
                kept.append((other, features, bits, capped, params))
    if prior_bits is None:
        prior = estimate_prior(histogram, left_count, seen, known_true)
    else:
        prior = PriorEstimate(prior_bits, 0.0, left_count * seen, prior_bits, False)
    candidates: dict[Hashable, list[Candidate]] = defaultdict(list)
    for other, features, bits, capped, params in kept:
        score = to_score(bits, prior.bits, capped)
        if score >= threshold:
            lkey, rkey = other.entity.key, features.entity.key
            match = compare(other, features, freq, params, prior.bits) if explain else None
            candidates[lkey].append(Candidate(lkey, rkey, score, match=match))
    for found in candidates.values():
        found.sort(key=lambda c: (-c.score, str(c.right)))
        for rank, candidate in enumerate(found, start=1):
            candidate.rank = rank
    return LinkResult(dict(candidates), compared, seen, freq, prior, learnt)


def _learn(
    pairs: Iterable[tuple[Features, list[Features]]],
    cases: int,
    freq: Frequencies,
    skip: Callable[[Hashable, Hashable], bool] | None,
    parameters: Parameters,
    by_source: Mapping[Hashable, Parameters],
    labels: Mapping[tuple[Hashable, Hashable], bool],
) -> dict[Hashable, LearntSource]:
    """Each right-side source's parameters, learnt from its blocked pairs and reviewers'
    labels among them. The levels are read with the starting parameters (the m change the
    bits, not the levels)."""
    observations = Observations()
    for features, hits in pairs:
        source = features.entity.source
        params = by_source.get(source, parameters)
        for other in hits:
            lkey, rkey = other.entity.key, features.entity.key
            label = labels.get((lkey, rkey))
            if lkey == rkey or (label is None and skip is not None and skip(lkey, rkey)):
                continue
            observations.add(source, lkey, rkey, observe(other, features, freq, params), label)
    return learn(observations, cases, parameters)


def _bits_for(score: float) -> float:
    """The log2 odds of a score (minus infinity for 0: every pair is kept)."""
    if score <= 0:
        return -math.inf
    if score >= 1:
        return math.inf
    return math.log2(score / (1 - score))
