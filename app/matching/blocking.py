"""Blocking: which pairs are worth scoring at all.

Comparing 500 cases with a million records pair by pair is 500 million comparisons; blocking
keeps only pairs that share at least one *blocking key*. One key alone loses true pairs (a
surname changed at adoption, a wrong year, names in the wrong columns), so there are several,
each a conjunction that is rare among strangers but survives one kind of noise:

``sy``  surname key + birth year (as written) survives script, romanisation, gender form, a
                                               wrong given name, a day/month error
``sg``  phonetic surname block + given name   survives any date error or a missing date
``syb`` phonetic block of the names read       survives names in the wrong columns with a
        across + birth year                    typo (only the read-across side files it)
``gd``  given name + full date of birth       survives a changed or badly misspelt surname
``gym`` given name + year and month of birth  survives a changed surname and a wrong day
``pgy`` patronymic + given name + birth year  survives a changed surname with a partial date
``pgi`` patronymic + given name + initial      survives a wrong date and a typo in the surname
``sp``  surname key + settlement              survives wrong or missing dates and given names
``gyi`` given name + surname initial + year   survives a typo inside the surname
``gyp`` given name + settlement + year        survives a new surname after adoption
``d``   full date of birth                     survives any name noise (a day's births are few)
``x``   any further field's value              only where nearly unique (an identity number)

One side is *generous* and the other *exact*, which keeps the relation symmetric while only
one side pays for the generosity. The index (the small side: cases) files each entity under
generous keys: the birth year ±1 (except in ``sy``), day and month swapped, and family and
given names read across (a record that put the surname in the given-name column). The streamed
side (a million partner records) looks up only its exact keys, a dozen look-ups a record.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator

from app.matching.entities import UNKNOWN_PLACE, Features

__all__ = ["BlockIndex", "index_keys", "probe_keys"]

BlockKey = tuple[Hashable, ...]

YEAR_SLACK = 1  # generous years lo-1 .. hi+1: "a year off by one"
# Year slots beside real years: an indexed (generous) entity that knows no year is filed
# under ANY_YEAR, which every streamed entity looks up; an indexed entity with a year is also
# filed under NO_YEAR, which a streamed entity that knows no year looks up. So a missing year on
# either side never hides a pair.
ANY_YEAR = "*"
NO_YEAR = "?"
# A further field blocks only where its values are nearly unique (an identity number, a
# postcode): a state or a house number would put thousands of strangers in one block.
MAX_EXTRA_BLOCK = 20


def _years(features: Features, generous: bool) -> list[Hashable]:
    if features.years is None:
        return [ANY_YEAR, NO_YEAR]
    lo, hi = features.years
    if generous:
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


def _keys(
    features: Features,
    blocks: Iterable[str],
    surnames: Iterable[str],
    given: Iterable[str],
    generous: bool,
    across: bool = False,
) -> set[BlockKey]:
    keys: set[BlockKey] = set()
    given = list(given)
    years = _years(features, generous)
    dated = [y for y in years if isinstance(y, int)]
    initials = {s[0] for s in surnames if s}
    dobs = _dobs(features, swap=generous)
    month = features.entity.dob_month if features.entity.dob_year is not None else None
    # The surname + year block is the biggest (a common surname, a year's births); it takes
    # the year as written, and the other keys cover a year off by one.
    sy_years = years
    if generous and features.years is not None:
        sy_years = [*range(features.years[0], features.years[1] + 1), NO_YEAR]
    for surname in surnames:
        keys.update(("sy", surname, year) for year in sy_years)
    for block in blocks:
        keys.update(("sg", block, g) for g in given)
        if across or not generous:
            keys.update(("syb", block, year) for year in years)
    for g in given:
        keys.update(("gd", g, *dob) for dob in dobs)
        if month is not None:
            keys.update(("gym", g, year, month) for year in dated)
        # A misspelt surname still starts with the same letter; a new one keeps the place.
        keys.update(("gyi", g, i, year) for i in initials for year in years)
        keys.update(("gyp", g, p, year) for p in features.place_keys for year in years)
        if features.patronymic:
            keys.update(("pgy", features.patronymic, g, year) for year in years)
            keys.update(("pgi", features.patronymic, g, i) for i in initials)
    keys.update(("sp", s, p) for s in surnames for p in features.place_keys)
    keys.update(("d", *dob) for dob in dobs)
    keys.update(("x", name, value) for name, value in features.extra.items())
    keys.update(("x", "place", p) for p in features.place_keys if p.startswith(UNKNOWN_PLACE))
    return keys


def index_keys(features: Features) -> set[BlockKey]:
    """The keys an entity is filed under in the index (generous): its own with year ±1 and
    day/month swapped, and the same with family and given names read across."""
    keys = _keys(features, features.surname_blocks, features.surnames, features.given, True)
    if features.surnames_from_given or features.given_from_family:
        keys |= _keys(
            features,
            features.blocks_from_given,
            features.surnames_from_given,
            features.given_from_family,
            True,
            across=True,
        )
    return keys


def probe_keys(features: Features, any_year: bool = True) -> list[BlockKey]:
    """The keys a streamed entity looks up (exact; may repeat a key).

    The same keys as ``_keys(..., generous=False)`` (a test holds them equal), written out for
    speed: this runs once for each of a million records. ``any_year=False`` leaves out the
    keys of a known year's ``ANY_YEAR`` slot, for an index where no entity was filed there
    (every case knows its year or age): they would only miss."""
    e = features.entity
    given = features.given
    place_keys = features.place_keys
    patronymic = features.patronymic
    if features.years is None:
        years: tuple[Hashable, ...] = (ANY_YEAR, NO_YEAR)
        dated: tuple[int, ...] = ()
    else:
        lo, hi = features.years
        dated = (lo,) if lo == hi else tuple(range(lo, hi + 1))
        years = (*dated, ANY_YEAR) if any_year else dated
    full = e.dob_year is not None and e.dob_month is not None and e.dob_day is not None
    month = e.dob_month if e.dob_year is not None else None
    initials = {s[0] for s in features.surnames if s}
    keys: list[BlockKey] = []
    add = keys.append
    for surname in features.surnames:
        for year in years:
            add(("sy", surname, year))
    for block in features.surname_blocks:
        for g in given:
            add(("sg", block, g))
        for year in years:
            add(("syb", block, year))
    for g in given:
        if full:
            add(("gd", g, e.dob_year, e.dob_month, e.dob_day))
        if month is not None:
            for year in dated:
                add(("gym", g, year, month))
        for year in years:
            for i in initials:
                add(("gyi", g, i, year))
            for p in place_keys:
                add(("gyp", g, p, year))
            if patronymic:
                add(("pgy", patronymic, g, year))
        if patronymic:
            for i in initials:
                add(("pgi", patronymic, g, i))
    for surname in features.surnames:
        for p in place_keys:
            add(("sp", surname, p))
    if full:
        add(("d", e.dob_year, e.dob_month, e.dob_day))
    for name, value in features.extra.items():
        add(("x", name, value))
    # A place the gazetteer does not know (a foreign suburb, a hamlet) is a further field of
    # sorts: a block of its own where nearly unique, for pairs whose names and date both slipped.
    for p in place_keys:
        if p.startswith(UNKNOWN_PLACE):
            add(("x", "place", p))
    return keys


class BlockIndex:
    """Entities filed by :func:`index_keys`; :meth:`candidates` probes with :func:`probe_keys`.

    A block that grows beyond ``max_block`` (``MAX_EXTRA_BLOCK`` for further fields) is
    dropped as a whole, never cut to its first members: the other keys still cover its pairs
    (the pair-completeness test holds that), and the dropped keys are kept in ``oversized`` so
    that a benchmark can report them.

    Compact, as each record process of a national run builds its own (issue 12): 20,000 cases
    file 547,119 keys, 80 % of them holding one case, and a list and a key tuple per key were
    most of the 114 MB the plain dict of lists took. A block is filed under its key's
    ``hash()`` (an int, not the tuple) and holds its one entity bare, a list only from its
    second (49 MB). The hashes are this interpreter's (strings hash with a per-process seed):
    the index is built and probed in the same process, never pickled. Two keys with the same
    64-bit hash would share a block: a probe would meet, besides its own, the cases of another
    key, extra pairs scored like any other (blocking only chooses what to score); at a
    national run's few million distinct keys that is about one run in ten million.
    """

    def __init__(self, max_block: int = 5000) -> None:
        # hash(key) -> the one entity filed under it, or the list of them (in filing order).
        self._blocks: dict[int, Features | list[Features]] = {}
        self.max_block = max_block
        self.oversized: set[BlockKey] = set()
        # Whether an entity was filed under a key of the ANY_YEAR slot (one that knows no
        # year): where none was, a probe leaves those keys out (a third of its look-ups).
        self.any_year = False

    def add(self, features: Features) -> None:
        blocks, oversized = self._blocks, self.oversized
        for key in index_keys(features):
            if oversized and key in oversized:
                continue
            if not self.any_year and ANY_YEAR in key:
                self.any_year = True
            code = hash(key)
            block = blocks.get(code)
            if block is None:
                blocks[code] = block = features
                size = 1
            else:
                if not isinstance(block, list):
                    blocks[code] = block = [block]
                block.append(features)
                size = len(block)
            if size > (MAX_EXTRA_BLOCK if key[0] == "x" else self.max_block):
                oversized.add(key)
                del blocks[code]

    def add_all(self, items: Iterable[Features]) -> BlockIndex:
        for features in items:
            self.add(features)
        return self

    def __len__(self) -> int:
        return len(self._blocks)

    def candidates(self, features: Features) -> Iterator[Features]:
        """Each indexed entity sharing a key with ``features``, once, itself excluded."""
        blocks = self._blocks
        found: dict[int, Features] = {}
        for key in probe_keys(features, self.any_year):
            block = blocks.get(hash(key))
            if block is None:
                continue
            if isinstance(block, list):
                for other in block:
                    found[id(other)] = other
            else:
                found[id(block)] = block
        found.pop(id(features), None)
        return iter(found.values())
