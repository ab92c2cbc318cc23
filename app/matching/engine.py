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
from array import array
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import cast

import numpy as np

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
    pattern_bits,
    quick_bits,
    reading_depends_on_m,
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
    floor = floor_bits(threshold, shard.left_count, shard.seen, prior_bits)
    if learn_sources:
        observations = shard.observations(by_source or {}, labels or {}, floor)
        learnt = learn(observations, shard.left_count, parameters)
        by_source = {source: found.parameters for source, found in learnt.items()}
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


@dataclass
class _Slots:
    """Where the observed pairs of one source came from, in the order of its observations:
    the case and the record (their places in :attr:`Shard.lefts` and :attr:`Shard.records`),
    whether the pair is scored (a labelled pair ``skip`` keeps out is only learnt from) and
    whether its bits need its features (:func:`reading_depends_on_m`)."""

    left: array[int] = field(default_factory=lambda: array("i"))
    right: array[int] = field(default_factory=lambda: array("i"))
    scored: array[int] = field(default_factory=lambda: array("b"))
    exact: array[int] = field(default_factory=lambda: array("b"))


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
        # Once observed (learning): the observations, where each pair came from, and the
        # features still needed (the cases; the records with a pair that may reach the floor).
        self.observed: Observations | None = None
        self.slots: dict[Hashable, _Slots] = {}
        self.lefts: list[Features] = []
        self.records: list[Features | None] = []

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
        floor: float | None = None,
    ) -> Observations:
        """Each pair's levels for learning, read with the starting parameters (the m change
        the bits, not the levels, but for the few pairs of :func:`reading_depends_on_m`).
        ``labels``: reviewers' decisions, counted as what the reviewer said even where
        ``skip`` keeps the pair from being scored.

        The shard keeps them: :meth:`bits` then scores the pairs from them, and the blocked
        pairs' features go, but for the records with a pair that may reach ``floor`` (None:
        every record's stay)."""
        observations = Observations()
        freq, parameters, skip, labels = self.freq, self.parameters, self.skip, labels or {}
        slots, lefts, records = self.slots, self.lefts, self.records
        left_slot: dict[int, int] = {}
        for features, hits in self.pairs:
            source = features.entity.source
            params = by_source.get(source, parameters)
            rkey = features.entity.key
            record = len(records)
            records.append(features)
            where = slots.get(source)
            if where is None:
                where = slots[source] = _Slots()
            for other in hits:
                lkey = other.entity.key
                label = labels.get((lkey, rkey))
                scored = not (lkey == rkey or (skip is not None and skip(lkey, rkey)))
                if not scored and label is None:
                    continue
                observed = observe(other, features, freq, params)
                observations.add(source, lkey, rkey, observed, label)
                case = left_slot.get(id(other))
                if case is None:
                    case = left_slot[id(other)] = len(lefts)
                    lefts.append(other)
                where.left.append(case)
                where.right.append(record)
                where.scored.append(scored)
                where.exact.append(reading_depends_on_m(other, features, observed))
        self.observed, self.pairs = observations, []
        if floor is not None:
            self._forget_records(observations, floor)
        return observations

    def _forget_records(self, observed: Observations, floor: float) -> None:
        """Let go of the records none of whose pairs can reach ``floor`` whatever m are
        learnt: a pair's bits are sum(log2 m) + its offset, and no m exceeds 1, so a pair
        whose offset is below the floor stays below it (a pair of
        :func:`reading_depends_on_m` keeps its record: it is scored from its features)."""
        needed = np.zeros(len(self.records), dtype=bool)
        for source, where in self.slots.items():
            pairs = observed.sources[source]
            offset = np.frombuffer(pairs.offset, dtype=np.float64)
            keep = (offset >= floor) | np.frombuffer(where.exact, dtype=np.int8).astype(bool)
            needed[np.frombuffer(where.right, dtype=np.int32)[keep]] = True
        records = self.records
        for number in np.flatnonzero(~needed).tolist():
            records[number] = None

    def bits(
        self, by_source: Mapping[Hashable, Parameters], floor: float
    ) -> tuple[BitsHistogram, int]:
        """Score every pair's bits: their histogram and how many; keeps those at ``floor``
        or above for :meth:`candidates`."""
        if self.observed is not None:
            return self._observed_bits(self.observed, by_source, floor)
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

    def _observed_bits(
        self, observed: Observations, by_source: Mapping[Hashable, Parameters], floor: float
    ) -> tuple[BitsHistogram, int]:
        """:meth:`bits` from the observations (:func:`pattern_bits`, numpy over all the pairs
        of a source at once) instead of comparing every pair again."""
        histogram = BitsHistogram()
        kept: list[Kept] = []
        compared = 0
        patterns = list(observed.patterns)
        # The records _forget_records let go have no pair that is read below.
        lefts, records, freq = self.lefts, cast(list[Features], self.records), self.freq
        for source, where in self.slots.items():
            pairs = observed.sources[source]
            params = by_source.get(source, self.parameters) if by_source else self.parameters
            bits, capped = pattern_bits(
                patterns,
                np.frombuffer(pairs.pattern, dtype=np.int64),
                np.frombuffer(pairs.offset, dtype=np.float64),
                np.frombuffer(pairs.sibling_sign, dtype=np.int8),
                np.frombuffer(pairs.namesake_sign, dtype=np.int8),
                params,
            )
            left = np.frombuffer(where.left, dtype=np.int32)
            right = np.frombuffer(where.right, dtype=np.int32)
            scored = np.frombuffer(where.scored, dtype=np.int8).astype(bool)
            exact = np.flatnonzero(np.frombuffer(where.exact, dtype=np.int8).astype(bool) & scored)
            for number in exact.tolist():
                # Score from the left entity's side: its names are the reference.
                bits[number], capped[number] = quick_bits(
                    lefts[left[number]], records[right[number]], freq, params
                )
            histogram.add_many(bits[scored], capped[scored])
            compared += int(scored.sum())
            for number in np.flatnonzero(scored & (bits >= floor)).tolist():
                case, record = lefts[left[number]], records[right[number]]
                kept.append((case, record, float(bits[number]), bool(capped[number]), params))
        # Only the kept pairs are read again.
        self.kept, self.observed, self.slots, self.lefts, self.records = kept, None, {}, [], []
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
