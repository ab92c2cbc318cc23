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
import zlib
from array import array
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
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
from app.matching.entities import TRIM_EVERY, Features, MatchEntity, prepare, trim_caches
from app.matching.learning import LearntSource, Observations, learn
from app.matching.scoring import (
    DEFAULT_PARAMETERS,
    POSSIBLE,
    Frequencies,
    Match,
    Parameters,
    compare,
    observed_pattern,
    pattern_bits,
    quick_bits,
    to_score,
)

__all__ = [
    "Candidate",
    "LinkResult",
    "Shard",
    "floor_bits",
    "link",
    "prior_of",
    "ranked",
    "sample_bucket",
    "sample_limit",
    "sampled",
]


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
    right: Iterable[MatchEntity | Features] | Callable[[], Iterable[MatchEntity | Features]],
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

    ``right``: the entities, or a function that opens a stream of them (which a run above
    :data:`LEARNING_PAIRS` with ``learn_sources`` opens twice: :meth:`Shard.stream`).
    ``frequencies``: use these instead of counting ``right`` (an incremental run over a few
    new records counts the whole population once, elsewhere). ``skip(left_key, right_key)``
    drops a pair before scoring (rejected pairs, a case against itself). ``progress`` is
    called with the number of ``right`` entities seen, every :data:`PROGRESS_EVERY`; a run
    in two streams calls it in the second one too, counting from 0 again.

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
    reopen = _reopener(right)
    shard = Shard(left, skip=skip, parameters=parameters, labels=labels)
    counting = frequencies is None
    budget = LEARNING_PAIRS if learn_sources and reopen is not None else None
    first = reopen() if reopen is not None else cast(Iterable[MatchEntity | Features], right)
    freq = shard.stream(first, counting, progress, budget)
    if frequencies is not None:
        freq = frequencies
    shard.freq = freq
    learnt: dict[Hashable, LearntSource] = {}
    floor = floor_bits(threshold, shard.left_count, shard.seen, prior_bits)
    twice = False
    if learn_sources:
        limit = sample_limit(shard.sample_counts() if shard.blocked > LEARNING_PAIRS else None)
        twice = limit < SAMPLE_BUCKETS and reopen is not None
        observations = shard.observations(by_source or {}, labels or {}, floor, limit, twice)
        learnt = learn(observations, shard.left_count * limit / SAMPLE_BUCKETS, parameters)
        del observations  # not kept while the shard scores
        by_source = {source: found.parameters for source, found in learnt.items()}
    if twice and reopen is not None:
        histogram, compared = shard.rescore(reopen(), by_source or {}, floor, progress)
    else:
        histogram, compared = shard.bits(by_source or {}, floor)
    prior = prior_of(histogram, shard.left_count, shard.seen, known_true, prior_bits)
    candidates = ranked([shard.candidates(prior.bits, threshold, explain)])
    return LinkResult(candidates, compared, shard.seen, freq, prior, learnt)


def _reopener(
    right: Iterable[MatchEntity | Features] | Callable[[], Iterable[MatchEntity | Features]],
) -> Callable[[], Iterable[MatchEntity | Features]] | None:
    """How to read ``right`` (again): None where it is an iterator, read once."""
    if callable(right):
        return right
    if iter(right) is right:
        return None
    return lambda: right


# Records streamed between two calls of a stream's progress (the run page's bar).
PROGRESS_EVERY = 10_000

# Above this many blocked pairs a run learns from a sample of its records (all the pairs of
# each record sampled, learning's one-to-one step needs them together), about this many
# pairs: the EM holds a dozen numbers a pair, and a national run of 20,000 cases blocks
# tens of millions of pairs. Such a run then keeps no pair while it streams but the sample's
# (and scores every pair in a second pass: Shard.rescore). A run of 500 cases and a million
# records (758,335) learns from every pair, in one pass.
LEARNING_PAIRS = 4_000_000

# The sample is the records whose key hashes into the lowest buckets (sample_bucket), as many
# buckets as hold at most LEARNING_PAIRS blocked pairs: known from the pairs' counts per
# bucket alone, so the same in one process or several, in any order.
SAMPLE_BUCKETS = 1 << 16


def sample_bucket(key: Hashable) -> int:
    """A record's bucket for the sample: the same in any process and any run."""
    return zlib.crc32(repr(key).encode()) >> 16


def sample_limit(counts: np.ndarray | None, budget: int | None = None) -> int:
    """The buckets in a run's sample (those below the limit): the most of the lowest buckets
    whose blocked pairs (``counts``, per bucket) add up to at most ``budget``
    (:data:`LEARNING_PAIRS`); all of them where ``counts`` is None (the run is not above it)."""
    if counts is None:
        return SAMPLE_BUCKETS
    budget = LEARNING_PAIRS if budget is None else budget
    return int(np.searchsorted(np.cumsum(counts), budget, side="right"))


def sampled(key: Hashable, limit: int) -> bool:
    """Whether a record is in a run's sample for learning (all its pairs are, or none)."""
    return limit >= SAMPLE_BUCKETS or sample_bucket(key) < limit


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


class _Kept:
    """The pairs a shard keeps for :meth:`Shard.candidates` (those at the floor or above), as
    numbers: the case and the record (their places in :attr:`cases` and :attr:`records`), the
    bits, whether capped, the parameters (their place in :attr:`params`).

    A record is kept as its :class:`Features` or, from a second stream (:meth:`Shard.rescore`),
    as its :class:`MatchEntity` only, prepared again for the few pairs that turn out to be
    candidates (:func:`prepare` gives the features :func:`prepare_row` gave, field for field).
    At national size a part keeps about 250,000 pairs of 200,000 records, of which a tenth are
    candidates: each as a tuple with the record's features, about 115 MB of each record process
    at the end of its stream (estimated from what one pair and one record hold), where 18 bytes
    a pair and the entity are about half."""

    __slots__ = (
        "_numbers",
        "_slots",
        "bits",
        "capped",
        "case",
        "cases",
        "parameters",
        "params",
        "record",
        "records",
    )

    def __init__(self) -> None:
        self.case, self.record = array("i"), array("i")
        self.bits, self.capped, self.parameters = array("d"), array("b"), array("b")
        self.cases: list[Features] = []
        self.records: list[Features | MatchEntity] = []
        self.params: list[Parameters] = []
        self._slots: dict[int, int] = {}  # id of a case's Features -> its place in cases
        self._numbers: dict[int, int] = {}  # id of Parameters -> its place in params

    def __len__(self) -> int:
        return len(self.bits)

    def add_record(self, record: Features | MatchEntity) -> int:
        """Keep a record (once, before its pairs); its place."""
        self.records.append(record)
        return len(self.records) - 1

    def add(
        self, case: Features, record: int, bits: float, capped: bool, params: Parameters
    ) -> None:
        """Keep a pair of ``case`` and the kept record at place ``record``."""
        slot = self._slots.get(id(case))
        if slot is None:  # the cases are the index's: they live as long as the shard
            slot = self._slots[id(case)] = len(self.cases)
            self.cases.append(case)
        number = self._numbers.get(id(params))
        if number is None:
            number = self._numbers[id(params)] = len(self.params)
            self.params.append(params)
        self.case.append(slot)
        self.record.append(record)
        self.bits.append(bits)
        self.capped.append(capped)
        self.parameters.append(number)

    def features(self, record: int) -> Features:
        """The features of the kept record at place ``record``."""
        kept = self.records[record]
        return kept if isinstance(kept, Features) else prepare(kept)

    def key(self, record: int) -> Hashable:
        kept = self.records[record]
        return kept.entity.key if isinstance(kept, Features) else kept.key

    def __iter__(self) -> Iterator[Kept]:
        """Each kept pair: (case, record's features, bits, capped, parameters)."""
        for number in range(len(self.bits)):
            yield self.pair(number)

    def pair(self, number: int) -> Kept:
        return (
            self.cases[self.case[number]],
            self.features(self.record[number]),
            self.bits[number],
            bool(self.capped[number]),
            self.params[self.parameters[number]],
        )


# The flags of an observed pair in a shard's store.
_SIBLING, _NAMESAKE, _SCORED, _EXACT = 1, 2, 4, 8


@dataclass
class _Pairs:
    """A shard's observed pairs of one source, in stream order, as numbers: the pattern of
    levels (numbered in :attr:`Shard.patterns`), the offset (swap bits - sum log2 u), the case
    and the record (their places in :attr:`Shard.lefts` and :attr:`Shard.records`) and the
    flags: the family signs, whether the pair is scored (a labelled pair ``skip`` keeps out is
    only learnt from) and whether its bits need its features (:func:`reading_depends_on_m`).
    21 bytes a pair, where the pair lists of the stream hold a Features for each record."""

    pattern: array[int] = field(default_factory=lambda: array("i"))
    offset: array[float] = field(default_factory=lambda: array("d"))
    left: array[int] = field(default_factory=lambda: array("i"))
    right: array[int] = field(default_factory=lambda: array("i"))
    flags: array[int] = field(default_factory=lambda: array("b"))

    def flag(self, which: int) -> np.ndarray:
        return (np.frombuffer(self.flags, dtype=np.int8) & which).astype(bool)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """No cycle collection while a stream runs: a million records allocate millions of
    objects, none of them in a cycle, and each full collection walked every Features kept so
    far and every object of the app (a fifth of the stream's time at 200,000 records in one
    process). The switch is process-wide: it is given back as found, and runs take turns."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class Shard:
    """The steps of :func:`link` over one stream of right entities, in order: :meth:`stream`
    (prepare, count, block), then with the population's frequencies in :attr:`freq`:
    :meth:`observations` (for learning), :meth:`bits` (the histogram of the prior, and the
    pairs that may reach the threshold) or, above the learning size, :meth:`rescore` (the same
    from a second stream), :meth:`candidates`.

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
        labels: Mapping[tuple[Hashable, Hashable], bool] | None = None,
        indexed: bool = True,
    ) -> None:
        """``indexed``: build the index of ``left`` now; otherwise :meth:`build_index` builds
        it (in a forked process: see :mod:`app.matching.parallel`)."""
        self.unindexed: list[Features] = []
        if indexed:
            self.index, self.left_count = index_of(left)
        else:
            self.unindexed = [i if isinstance(i, Features) else prepare(i) for i in left]
            self.index, self.left_count = BlockIndex(), len(self.unindexed)
        self.skip, self.parameters = skip, parameters
        # The records a reviewer labelled a pair of: learnt from whether sampled or not.
        self.labelled = {right for _left, right in labels or {}}
        self.pairs: list[tuple[Features, list[Features]]] = []
        self.seen = 0
        self.freq = Frequencies()
        self.kept = _Kept()
        self.blocked = 0  # blocked pairs streamed
        # Blocked pairs per sample bucket, once counted (sample_counts), and the buckets whose
        # records the stream kept (all but where it passed its budget).
        self.counts: np.ndarray | None = None
        self.limit = SAMPLE_BUCKETS
        # Once observed (learning): the scored pairs as numbers, per source, and the features
        # still needed (the cases; the records with a pair that may reach the floor).
        self.observed = False
        self.store: dict[Hashable, _Pairs] = {}
        self.patterns: dict[tuple[tuple[str, str], ...], int] = {}
        self.lefts: list[Features] = []
        self.records: list[Features | None] = []

    def build_index(self) -> None:
        """The index of the left entities, where the shard was made without it."""
        if self.unindexed:
            self.index, _count = index_of(self.unindexed)
            self.unindexed = []

    def stream(
        self,
        right: Iterable[MatchEntity | Features],
        counting: bool = True,
        progress: Callable[[int], None] | None = None,
        budget: int | None = None,
    ) -> Frequencies:
        """Prepare each right entity, count it (``counting``) and keep its blocked pairs;
        returns the counts of this stream.

        ``budget``: keep at most about this many pairs, those of the records in the lowest
        sample buckets (:func:`sample_limit` of the pairs streamed so far) and of the labelled
        records: a run above the learning size keeps only what it may learn from, and scores
        in a second stream. Every bucket the run's sample can need is kept whatever the
        order: the run's limit (over all its parts) is never above this part's."""
        index, freq, pairs, labelled = self.index, Frequencies(), self.pairs, self.labelled
        seen = blocked = kept = 0
        limit = SAMPLE_BUCKETS
        counts: np.ndarray | None = None
        # Some slack over the budget, so that the kept pairs are filtered a score of times in a
        # national stream, not once per record (each time, an eighth of the budget: what the
        # process holds at its peak, the end of the stream, is the budget and up to its slack).
        slack = None if budget is None else budget + budget // 8
        counted: list[Features] = []  # counted a batch at a time (Frequencies.add_many)
        every = PROGRESS_EVERY
        with _no_cycle_collection():
            for item in right:
                features = item if isinstance(item, Features) else prepare(item)
                seen += 1
                if counting:
                    counted.append(features)
                    if len(counted) >= _COUNTED:
                        freq.add_many(counted)
                        counted.clear()
                hits = list(index.candidates(features))
                if hits:
                    blocked += len(hits)
                    if counts is None:
                        pairs.append((features, hits))
                        kept += len(hits)
                    else:
                        key = features.entity.key
                        bucket = sample_bucket(key)
                        counts[bucket] += len(hits)
                        if bucket < limit or key in labelled:
                            pairs.append((features, hits))
                            kept += len(hits)
                    if slack is not None and kept > slack:
                        # Counted from here on; what was kept so far is every pair streamed.
                        counts = _counted(pairs) if counts is None else counts
                        limit = sample_limit(counts, budget)
                        pairs[:] = [p for p in pairs if _in_sample(p[0], limit, labelled)]
                        kept = sum(len(found) for _features, found in pairs)
                if progress and seen % every == 0:
                    progress(seen)
                if counts is not None and seen % TRIM_EVERY == 0:
                    trim_caches()  # a national run's stream: see trim_caches
            freq.add_many(counted)
        self.seen, self.blocked, self.counts, self.limit = seen, blocked, counts, limit
        return freq

    def sample_counts(self) -> np.ndarray:
        """The blocked pairs of the stream per sample bucket (:func:`sample_limit`)."""
        if self.counts is None:  # all kept: counted from what is kept
            self.counts = _counted(self.pairs)
        return self.counts

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
        limit: int = SAMPLE_BUCKETS,
        sample_only: bool = False,
    ) -> Observations:
        """Each pair's levels for learning, read with the starting parameters (the m change
        the bits, not the levels, but for the few pairs of :func:`reading_depends_on_m`).
        ``labels``: reviewers' decisions, counted as what the reviewer said even where
        ``skip`` keeps the pair from being scored. ``limit``: learn from the pairs of the records
        in the sample only (:func:`sampled`; labelled pairs are always learnt from).

        The shard keeps every pair as numbers (:class:`_Pairs`), from which :meth:`bits`
        scores them, and lets the blocked pairs' features go as it observes them, but for the
        records with a pair that may reach ``floor`` (None: every record's stay).
        ``sample_only``: observe the sample and keep nothing (:meth:`rescore` scores)."""
        observations = Observations()
        freq, parameters, skip, labels = self.freq, self.parameters, self.skip, labels or {}
        store, patterns, lefts, records = self.store, self.patterns, self.lefts, self.records
        left_slot: dict[int, int] = {}
        # Consumed from the end of a reversed list: each record's pairs go once observed.
        pending, self.pairs = self.pairs, []
        pending.reverse()
        while pending:
            features, hits = pending.pop()
            source = features.entity.source
            params = by_source.get(source, parameters)
            rkey = features.entity.key
            learning = sampled(rkey, limit)
            if sample_only:
                self._observe_only(observations, features, hits, learning, params, labels)
                continue
            pairs = store.get(source)
            if pairs is None:
                pairs = store[source] = _Pairs()
            needed = floor is None
            for other in hits:
                lkey = other.entity.key
                label = labels.get((lkey, rkey)) if labels else None
                scored = not (lkey == rkey or (skip is not None and skip(lkey, rkey)))
                if not scored and label is None:
                    continue
                pattern, offset, sibling, namesake, exact = observed_pattern(
                    other, features, freq, params
                )
                if learning or label is not None:
                    observations.add_pattern(
                        source, lkey, rkey, pattern, offset, sibling, namesake, label
                    )
                if not scored:
                    continue
                number = patterns.get(pattern)
                if number is None:
                    number = patterns[pattern] = len(patterns)
                case = left_slot.get(id(other))
                if case is None:
                    case = left_slot[id(other)] = len(lefts)
                    lefts.append(other)
                # No m exceeds 1: a pair whose offset is below the floor stays below it.
                needed = needed or exact or (floor is not None and offset >= floor)
                pairs.pattern.append(number)
                pairs.offset.append(offset)
                pairs.left.append(case)
                pairs.right.append(len(records))
                pairs.flags.append(
                    _SCORED
                    | (_SIBLING if sibling else 0)
                    | (_NAMESAKE if namesake else 0)
                    | (_EXACT if exact else 0)
                )
            records.append(features if needed else None)
        self.observed = not sample_only
        return observations

    def resample(
        self,
        right: Iterable[MatchEntity | Features],
        by_source: Mapping[Hashable, Parameters],
        labels: Mapping[tuple[Hashable, Hashable], bool],
        limit: int,
    ) -> Observations:
        """:meth:`observations` of the sample (``sample_only``) from a second stream: for a part
        of a run whose own budget kept fewer buckets than the run's sample (a part with more
        of the run's pairs than its share). Only the sampled records are blocked."""
        observations = Observations()
        self.pairs, labelled, index = [], self.labelled, self.index
        with _no_cycle_collection():
            for item in right:
                features = item if isinstance(item, Features) else prepare(item)
                learning = sampled(features.entity.key, limit)
                if not learning and features.entity.key not in labelled:
                    continue
                hits = list(index.candidates(features))
                params = by_source.get(features.entity.source, self.parameters)
                self._observe_only(observations, features, hits, learning, params, labels)
        return observations

    def _observe_only(
        self,
        observations: Observations,
        features: Features,
        hits: list[Features],
        learning: bool,
        params: Parameters,
        labels: Mapping[tuple[Hashable, Hashable], bool],
    ) -> None:
        """:meth:`observations` of one record's pairs, for learning only."""
        rkey, skip, source = features.entity.key, self.skip, features.entity.source
        for other in hits:
            lkey = other.entity.key
            label = labels.get((lkey, rkey))
            if not learning and label is None:
                continue
            if label is None and (lkey == rkey or (skip is not None and skip(lkey, rkey))):
                continue
            pattern, offset, sibling, namesake, _exact = observed_pattern(
                other, features, self.freq, params
            )
            observations.add_pattern(source, lkey, rkey, pattern, offset, sibling, namesake, label)

    def bits(
        self, by_source: Mapping[Hashable, Parameters], floor: float
    ) -> tuple[BitsHistogram, int]:
        """Score every pair's bits: their histogram and how many; keeps those at ``floor``
        or above for :meth:`candidates`."""
        if self.observed:
            return self._observed_bits(by_source, floor)
        histogram = BitsHistogram()
        kept = _Kept()
        compared = 0
        freq, parameters = self.freq, self.parameters
        slot, last = -1, None
        for other, features in self._compared():
            params = by_source.get(features.entity.source, parameters) if by_source else parameters
            compared += 1
            # Score from the left entity's side: its names are the reference in explanations.
            bits, capped = quick_bits(other, features, freq, params)
            histogram.add(bits, capped)
            if bits >= floor:
                if features is not last:
                    slot, last = kept.add_record(features), features
                kept.add(other, slot, bits, capped, params)
        # Only the kept pairs are read again: the blocked ones (a million records' features at
        # national size) can go.
        self.kept, self.pairs = kept, []
        return histogram, compared

    def rescore(
        self,
        right: Iterable[MatchEntity | Features],
        by_source: Mapping[Hashable, Parameters],
        floor: float,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[BitsHistogram, int]:
        """:meth:`bits` of the pairs of a second stream of the same entities, each scored as
        it is blocked (:func:`quick_bits` with the learnt m): nothing is kept of a pair but
        its bin in the histogram, or the pair itself where it reaches ``floor``. ``progress``:
        called with the entities streamed, as :meth:`stream` calls it."""
        index, skip, freq, parameters = self.index, self.skip, self.freq, self.parameters
        histogram = BitsHistogram()
        kept = _Kept()
        compared = 0
        bits_of, capped_of = array("d"), array("b")
        self.pairs = []
        seen, every = 0, PROGRESS_EVERY
        with _no_cycle_collection():
            for item in right:
                features = item if isinstance(item, Features) else prepare(item)
                seen += 1
                if progress and seen % every == 0:
                    progress(seen)
                if seen % TRIM_EVERY == 0:
                    trim_caches()  # a national run's second stream: see trim_caches
                rkey = features.entity.key
                params = by_source.get(features.entity.source, parameters)
                slot = -1  # the record's place in kept, once it has a pair there
                for other in index.candidates(features):
                    lkey = other.entity.key
                    if lkey == rkey or (skip is not None and skip(lkey, rkey)):
                        continue
                    # Score from the left entity's side: its names are the reference.
                    bits, capped = quick_bits(other, features, freq, params)
                    bits_of.append(bits)
                    capped_of.append(capped)
                    if bits >= floor:
                        if slot < 0:
                            # The entity only: most kept pairs never reach the threshold.
                            slot = kept.add_record(features.entity)
                        kept.add(other, slot, bits, capped, params)
                if len(bits_of) >= _BATCH:
                    compared += _binned(histogram, bits_of, capped_of)
                    bits_of, capped_of = array("d"), array("b")
            compared += _binned(histogram, bits_of, capped_of)
        self.kept, self.counts = kept, None
        return histogram, compared

    def _observed_bits(
        self, by_source: Mapping[Hashable, Parameters], floor: float
    ) -> tuple[BitsHistogram, int]:
        """:meth:`bits` from the observed pairs (:func:`pattern_bits`, numpy over all the pairs
        of a source at once) instead of comparing every pair again."""
        histogram = BitsHistogram()
        kept = _Kept()
        compared = 0
        patterns = list(self.patterns)
        # The records observations() let go have no pair that is read below.
        lefts, records, freq = self.lefts, cast(list[Features], self.records), self.freq
        for source, pairs in self.store.items():
            params = by_source.get(source, self.parameters) if by_source else self.parameters
            bits, capped = pattern_bits(
                patterns,
                np.frombuffer(pairs.pattern, dtype=np.int32),
                np.frombuffer(pairs.offset, dtype=np.float64),
                pairs.flag(_SIBLING),
                pairs.flag(_NAMESAKE),
                params,
            )
            left = np.frombuffer(pairs.left, dtype=np.int32)
            right = np.frombuffer(pairs.right, dtype=np.int32)
            for number in np.flatnonzero(pairs.flag(_EXACT)).tolist():
                # Score from the left entity's side: its names are the reference.
                bits[number], capped[number] = quick_bits(
                    lefts[left[number]], records[right[number]], freq, params
                )
            histogram.add_many(bits, capped)
            compared += len(bits)
            slot, last = -1, -1
            for number in np.flatnonzero(bits >= floor).tolist():
                if right[number] != last:  # a record's pairs are together, in stream order
                    last = int(right[number])
                    slot = kept.add_record(records[last])
                kept.add(
                    lefts[left[number]], slot, float(bits[number]), bool(capped[number]), params
                )
        # Only the kept pairs are read again.
        self.kept, self.store, self.lefts, self.records = kept, {}, [], []
        self.observed = False
        return histogram, compared

    def candidates(
        self, prior_bits: float, threshold: float, explain: bool
    ) -> dict[Hashable, list[Candidate]]:
        """The kept pairs that reach ``threshold`` at ``prior_bits``, per left key (unranked)."""
        candidates: dict[Hashable, list[Candidate]] = {}
        for piece in self.candidate_pieces(prior_bits, threshold, explain):
            candidates.update(piece)
        return candidates

    def candidate_pieces(
        self, prior_bits: float, threshold: float, explain: bool, size: int | None = None
    ) -> Iterator[dict[Hashable, list[Candidate]]]:
        """:meth:`candidates`, ``size`` left keys at a time (None: all at once), each piece
        explained as it is asked for: a national run's part has tens of thousands of
        candidates, and their explanations all made at once were a fifth of its memory."""
        found: dict[Hashable, list[tuple[Candidate, int]]] = defaultdict(list)
        kept = self.kept
        cases, bits_of, capped_of, case_of, record_of = (
            kept.cases,
            kept.bits,
            kept.capped,
            kept.case,
            kept.record,
        )
        for number in range(len(bits_of)):
            score = to_score(bits_of[number], prior_bits, bool(capped_of[number]))
            if score >= threshold:
                lkey = cases[case_of[number]].entity.key
                rkey = kept.key(record_of[number])
                found[lkey].append((Candidate(lkey, rkey, score), number))
        keys = list(found)
        step = size or max(len(keys), 1)
        for start in range(0, len(keys), step):
            piece: dict[Hashable, list[Candidate]] = {}
            for lkey in keys[start : start + step]:
                pairs = found.pop(lkey)
                if explain:
                    for candidate, number in pairs:
                        other, features, _bits, _capped, params = kept.pair(number)
                        candidate.match = compare(other, features, self.freq, params, prior_bits)
                piece[lkey] = [candidate for candidate, _number in pairs]
            yield piece


# Records counted at a time by Shard.stream (Frequencies.add_many): the records with no pair
# are let go a batch later than one by one, a few MB.
_COUNTED = 10_000

# Pairs binned at a time by Shard.rescore (numpy over a batch; about 1 MB of bits).
_BATCH = 100_000


def _binned(histogram: BitsHistogram, bits: array[float], capped: array[int]) -> int:
    """Add a batch of pairs' bits to ``histogram``; how many."""
    histogram.add_many(
        np.frombuffer(bits, dtype=np.float64), np.frombuffer(capped, dtype=np.int8).astype(bool)
    )
    return len(bits)


def _counted(pairs: Iterable[tuple[Features, list[Features]]]) -> np.ndarray:
    """The blocked pairs of these records per sample bucket."""
    counts = np.zeros(SAMPLE_BUCKETS, dtype=np.int64)
    for features, hits in pairs:
        counts[sample_bucket(features.entity.key)] += len(hits)
    return counts


def _in_sample(features: Features, limit: int, labelled: set[Hashable]) -> bool:
    key = features.entity.key
    return sampled(key, limit) or key in labelled


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
