"""Linking two sets of entities: block, score, keep what is worth a look. Pure, no database.

:func:`link` is what both the service and the benchmarks run. The smaller side is indexed
(cases, a few hundred), the bigger one streams through (a million partner records): each is
prepared once, probed against the index, and only pairs that share a blocking key are scored.
Name and place frequencies (``u`` of the scoring) are counted on the streamed side, the
population, in the same pass; pairs are scored after it, so every pair sees the same
frequencies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

from app.matching.blocking import BlockIndex
from app.matching.entities import Features, MatchEntity, prepare
from app.matching.scoring import (
    POSSIBLE,
    Frequencies,
    Match,
    compare,
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


def link(
    left: Iterable[MatchEntity | Features],
    right: Iterable[MatchEntity | Features],
    *,
    threshold: float = POSSIBLE,
    explain: bool = False,
    frequencies: Frequencies | None = None,
    skip: Callable[[Hashable, Hashable], bool] | None = None,
    progress: Callable[[int], None] | None = None,
    family_rules: bool = True,
) -> LinkResult:
    """Candidates of every ``left`` entity among ``right``, scored, best first.

    ``frequencies``: use these instead of counting ``right`` (an incremental run over a few
    new records counts the whole population once, elsewhere). ``skip(left_key, right_key)``
    drops a pair before scoring (rejected pairs, a case against itself). ``progress`` is
    called with the number of ``right`` entities seen, every 10,000.
    """
    index = BlockIndex()
    for item in left:
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
    candidates: dict[Hashable, list[Candidate]] = defaultdict(list)
    compared = 0
    for features, hits in pairs.values():
        for other in hits:
            lkey, rkey = other.entity.key, features.entity.key
            if lkey == rkey or (skip is not None and skip(lkey, rkey)):
                continue
            compared += 1
            # Score from the left entity's side: its names are the reference in explanations.
            score = to_score(quick_bits(other, features, freq, family_rules))
            if score >= threshold:
                match = compare(other, features, freq, family_rules) if explain else None
                candidates[lkey].append(Candidate(lkey, rkey, score, match=match))
    for found in candidates.values():
        found.sort(key=lambda c: (-c.score, str(c.right)))
        for rank, candidate in enumerate(found, start=1):
            candidate.rank = rank
    return LinkResult(dict(candidates), compared, seen, freq)
