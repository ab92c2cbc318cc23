"""Linking two sets of entities: block, score, keep what is worth a look. Pure, no database.

:func:`link` is what both the service and the benchmarks run. The smaller side is indexed
(cases, a few hundred), the bigger one streams through (a million partner records): each is
prepared once, probed against the index, and only pairs that share a blocking key are scored.
Name and place frequencies (``u`` of the scoring) are counted on the streamed side, the
population, in the same pass; pairs are scored after it, so every pair sees the same
frequencies.
"""

from __future__ import annotations

import gc
import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
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

__all__ = ["Candidate", "LinkResult", "Shard", "floor_bits", "link", "prior_of", "ranked"]


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
    shard = Shard(left, skip=skip, parameters=parameters)
    counting = frequencies is None
    freq = shard.stream(right, counting, progress)
    if frequencies is not None:
        freq = frequencies
    shard.freq = freq
    learnt: dict[Hashable, LearntSource] = {}
    if learn_sources:
        observations = shard.observations(by_source or {}, labels or {})
        learnt = learn(observations, shard.left_count, parameters)
        by_source = {source: found.parameters for source, found in learnt.items()}
    floor = floor_bits(threshold, shard.left_count, shard.seen, prior_bits)
    histogram, compared = shard.bits(by_source or {}, floor)
    prior = prior_of(histogram, shard.left_count, shard.seen, known_true, prior_bits)
    candidates = ranked([shard.candidates(prior.bits, threshold, explain)])
    return LinkResult(candidates, compared, shard.seen, freq, prior, learnt)


def floor_bits(threshold: float, left: int, right: int, prior_bits: float | None) -> float:
    """The bits below which a pair cannot reach ``threshold`` under the most optimistic prior
    the estimate can give; such pairs only count towards the estimate."""
    highest = max_prior_bits(left, right) if prior_bits is None else prior_bits
    return _bits_for(threshold) - highest


def prior_of(
    histogram: BitsHistogram, left: int, right: int, known_true: int, prior_bits: float | None
) -> PriorEstimate:
    """The prior a run scores with: estimated from its pairs' bits, or the one it was given."""
    if prior_bits is None:
        return estimate_prior(histogram, left, right, known_true)
    return PriorEstimate(prior_bits, 0.0, left * right, prior_bits, False)


def ranked(parts: Iterable[dict[Hashable, list[Candidate]]]) -> dict[Hashable, list[Candidate]]:
    """The candidates of one or more shards (in stream order) per left key, best first."""
    candidates: dict[Hashable, list[Candidate]] = defaultdict(list)
    for part in parts:
        for lkey, found in part.items():
            candidates[lkey].extend(found)
    for found in candidates.values():
        found.sort(key=lambda c: (-c.score, str(c.right)))
        for rank, candidate in enumerate(found, start=1):
            candidate.rank = rank
    return dict(candidates)


Kept = tuple[Features, Features, float, bool, Parameters]


class Shard:
    """The steps of :func:`link` over one stream of right entities, in order: :meth:`stream`
    (prepare, count, block), then with the population's frequencies in :attr:`freq`:
    :meth:`observations` (for learning), :meth:`bits` (the histogram of the prior, and the
    pairs that may reach the threshold), :meth:`candidates`.

    :func:`link` runs one shard over the whole stream; :mod:`app.matching.parallel` runs one
    per process over a part of it each, and merges what each step returns. Each step's result
    is small (counts, compact arrays, a histogram, the candidates); the blocked pairs stay in
    the shard.
    """

    def __init__(
        self,
        left: Iterable[MatchEntity | Features],
        *,
        skip: Callable[[Hashable, Hashable], bool] | None = None,
        parameters: Parameters = DEFAULT_PARAMETERS,
    ) -> None:
        self.index, self.left_count = index_of(left)
        self.skip, self.parameters = skip, parameters
        self.pairs: list[tuple[Features, list[Features]]] = []
        self.seen = 0
        self.freq = Frequencies()
        self.kept: list[Kept] = []

    def stream(
        self,
        right: Iterable[MatchEntity | Features],
        counting: bool = True,
        progress: Callable[[int], None] | None = None,
    ) -> Frequencies:
        """Prepare each right entity, count it (``counting``) and keep its blocked pairs;
        returns the counts of this stream."""
        index, freq, pairs = self.index, Frequencies(), self.pairs
        seen = 0
        # No cycle collection while streaming: a million records allocate millions of objects,
        # none of them in a cycle, and each full collection walked every Features kept so far
        # and every object of the app (a fifth of the stream's time at 200,000 records in one
        # process). The switch is process-wide: it is given back as found, and runs take turns.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for item in right:
                features = item if isinstance(item, Features) else prepare(item)
                seen += 1
                if counting:
                    freq.add(features)
                hits = list(index.candidates(features))
                if hits:
                    pairs.append((features, hits))
                if progress and seen % 10000 == 0:
                    progress(seen)
        finally:
            if collecting:
                gc.enable()
        self.seen = seen
        return freq

    def _compared(self) -> Iterator[tuple[Features, Features]]:
        """The blocked pairs to score: (left, right), in stream order."""
        skip = self.skip
        for features, hits in self.pairs:
            rkey = features.entity.key
            for other in hits:
                lkey = other.entity.key
                if lkey == rkey or (skip is not None and skip(lkey, rkey)):
                    continue
                yield other, features

    def observations(
        self,
        by_source: Mapping[Hashable, Parameters],
        labels: Mapping[tuple[Hashable, Hashable], bool] | None = None,
    ) -> Observations:
        """Each pair's levels for learning, read with the starting parameters (the m change
        the bits, not the levels). ``labels``: reviewers' decisions, counted as what the
        reviewer said even where ``skip`` keeps the pair from being scored."""
        observations = Observations()
        freq, parameters, skip, labels = self.freq, self.parameters, self.skip, labels or {}
        for features, hits in self.pairs:
            source = features.entity.source
            params = by_source.get(source, parameters)
            rkey = features.entity.key
            for other in hits:
                lkey = other.entity.key
                label = labels.get((lkey, rkey))
                if lkey == rkey or (label is None and skip is not None and skip(lkey, rkey)):
                    continue
                observed = observe(other, features, freq, params)
                observations.add(source, lkey, rkey, observed, label)
        return observations

    def bits(
        self, by_source: Mapping[Hashable, Parameters], floor: float
    ) -> tuple[BitsHistogram, int]:
        """Score every pair's bits: their histogram and how many; keeps those at ``floor``
        or above for :meth:`candidates`."""
        histogram = BitsHistogram()
        kept: list[Kept] = []
        compared = 0
        freq, parameters = self.freq, self.parameters
        for other, features in self._compared():
            params = by_source.get(features.entity.source, parameters) if by_source else parameters
            compared += 1
            # Score from the left entity's side: its names are the reference in explanations.
            bits, capped = quick_bits(other, features, freq, params)
            histogram.add(bits, capped)
            if bits >= floor:
                kept.append((other, features, bits, capped, params))
        # Only the kept pairs are read again: the blocked ones (a million records' features at
        # national size) can go.
        self.kept, self.pairs = kept, []
        return histogram, compared

    def candidates(
        self, prior_bits: float, threshold: float, explain: bool
    ) -> dict[Hashable, list[Candidate]]:
        """The kept pairs that reach ``threshold`` at ``prior_bits``, per left key (unranked)."""
        candidates: dict[Hashable, list[Candidate]] = defaultdict(list)
        freq = self.freq
        for other, features, bits, capped, params in self.kept:
            score = to_score(bits, prior_bits, capped)
            if score >= threshold:
                lkey, rkey = other.entity.key, features.entity.key
                match = compare(other, features, freq, params, prior_bits) if explain else None
                candidates[lkey].append(Candidate(lkey, rkey, score, match=match))
        return dict(candidates)


def index_of(left: Iterable[MatchEntity | Features]) -> tuple[BlockIndex, int]:
    """The block index of the left entities, and how many there are."""
    index = BlockIndex()
    count = 0
    for item in left:
        count += 1
        index.add(item if isinstance(item, Features) else prepare(item))
    return index, count


def _bits_for(score: float) -> float:
    """The log2 odds of a score (minus infinity for 0: every pair is kept)."""
    if score <= 0:
        return -math.inf
    if score >= 1:
        return math.inf
    return math.log2(score / (1 - score))
