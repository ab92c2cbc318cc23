"""Blocking: which pairs are worth scoring at all.

Comparing 500 cases with a million records pair by pair is 500 million comparisons; blocking
keeps only pairs that share at least one *blocking key*. One key alone loses true pairs (a
surname changed at adoption, a wrong year, names in the wrong columns), so there are several,
each a conjunction that is rare among strangers but survives one kind of noise:

``sy``  phonetic surname block + birth year   survives spelling, script, gender form, a wrong
                                               given name, a day/month error
``sg``  phonetic surname block + given name   survives any date error or a missing date
``gd``  given name + full date of birth       survives a changed or badly misspelt surname
``pgy`` patronymic + given name + birth year  survives a changed surname with a partial date
``sp``  surname key + settlement              survives wrong or missing dates and given names
``gyi`` given name + surname initial + year   survives a typo inside the surname
``gyp`` given name + settlement + year        survives a new surname after adoption
``d``   full date of birth                     survives any name noise (a day's births are few)
``x``   any further field's value              (benchmarks: a postcode, an identity number)

The index side files an entity under its exact keys; the probe side looks up generous keys:
the birth year ±1, day and month swapped, and family and given names read across (a record that
put the surname in the given-name column). One side is enough for that generosity, so the
relation stays symmetric in practice: index whichever side is smaller in memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator

from app.matching.entities import Features

__all__ = ["BlockIndex", "index_keys", "probe_keys"]

BlockKey = tuple[Hashable, ...]

YEAR_SLACK = 1  # probe years lo-1 .. hi+1: "a year off by one"
# Year slots beside real years: every indexed entity is also filed under ANY_YEAR, looked up
# only by a probe that knows no year; an indexed entity that knows no year is filed under
# NO_YEAR, which every probe looks up. So a missing date on either side never hides a pair.
ANY_YEAR = "*"
NO_YEAR = "?"


def _years(features: Features, probe: bool) -> list[Hashable]:
    if features.years is None:
        return [ANY_YEAR, NO_YEAR] if probe else [ANY_YEAR, NO_YEAR]
    lo, hi = features.years
    if probe:
        return [*range(lo - YEAR_SLACK, hi + YEAR_SLACK + 1), NO_YEAR]
    return [*range(lo, hi + 1), ANY_YEAR]


def _dobs(features: Features, swap: bool) -> set[tuple[int, int, int]]:
    e = features.entity
    if e.dob_year is None or e.dob_month is None or e.dob_day is None:
        return set()
    dobs = {(e.dob_year, e.dob_month, e.dob_day)}
    if swap and e.dob_day <= 12:
        dobs.add((e.dob_year, e.dob_day, e.dob_month))
    return dobs


def _initials(texts: Iterable[str]) -> set[str]:
    return {t[0] for t in texts if t}


def _keys(
    features: Features,
    blocks: Iterable[str],
    surnames: Iterable[str],
    given: Iterable[str],
    probe: bool,
) -> set[BlockKey]:
    keys: set[BlockKey] = set()
    blocks, surnames, given = list(blocks), list(surnames), list(given)
    years = _years(features, probe)
    dated = [y for y in years if isinstance(y, int)]
    for block in blocks:
        keys.update(("sy", block, year) for year in years)
        keys.update(("sg", block, g) for g in given)
    for dob in _dobs(features, swap=probe):
        keys.update(("gd", g, *dob) for g in given)
    for g in given:
        # A misspelt surname still starts with the same letter; a new one keeps the place.
        for initial in _initials(surnames):
            keys.update(("gyi", g, initial, year) for year in dated)
        for place in features.place_keys:
            keys.update(("gyp", g, place, year) for year in dated)
    if features.patronymic:
        for g in given:
            keys.update(("pgy", features.patronymic, g, year) for year in years)
    for surname in surnames:
        keys.update(("sp", surname, place) for place in features.place_keys)
    keys.update(("d", *dob) for dob in _dobs(features, swap=probe))
    keys.update(("x", name, value) for name, value in features.extra.items())
    return keys


def index_keys(features: Features) -> set[BlockKey]:
    """The keys an entity is filed under (exact)."""
    return _keys(
        features, features.surname_blocks, features.surnames, features.given, probe=False
    )


def probe_keys(features: Features) -> set[BlockKey]:
    """The keys an entity looks up: its own with year ±1 and day/month swapped, and the same
    with family and given names read across."""
    keys = _keys(
        features, features.surname_blocks, features.surnames, features.given, probe=True
    )
    if features.surnames_from_given or features.given_from_family:
        keys |= _keys(
            features,
            features.blocks_from_given,
            features.surnames_from_given,
            features.given_from_family,
            probe=True,
        )
    return keys


class BlockIndex:
    """Entities filed by :func:`index_keys`; :meth:`candidates` probes with :func:`probe_keys`.

    ``max_block`` drops a key whose block grows beyond it (a surname block of a very common
    name in a huge list): the other keys still cover such pairs, and the count of dropped
    blocks is kept in ``oversized`` so that a benchmark can report it.
    """

    def __init__(self, max_block: int = 5000) -> None:
        self._blocks: dict[BlockKey, list[Features]] = defaultdict(list)
        self.max_block = max_block
        self.oversized: set[BlockKey] = set()

    def add(self, features: Features) -> None:
        for key in index_keys(features):
            block = self._blocks[key]
            if len(block) < self.max_block:
                block.append(features)
            else:
                self.oversized.add(key)

    def add_all(self, items: Iterable[Features]) -> BlockIndex:
        for features in items:
            self.add(features)
        return self

    def __len__(self) -> int:
        return len(self._blocks)

    def candidates(self, features: Features) -> Iterator[Features]:
        """Each indexed entity sharing a key with ``features``, once, itself excluded."""
        seen: set[int] = set()
        own = id(features)
        blocks = self._blocks
        for key in probe_keys(features):
            block = blocks.get(key)
            if not block:
                continue
            for other in block:
                marker = id(other)
                if marker not in seen and marker != own:
                    seen.add(marker)
                    yield other
