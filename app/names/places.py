"""The gazetteer: settlements of the affected regions through ``data/places.csv``.

``place_key(text)`` / ``place_candidates(text)`` / ``place_region(key)`` / ``oblast_key(text)``
    Settlements (current and former names, any script) from free text such as "Алешки
    Херсонская обл." or "г. Артемовск", and the oblast they are in.
``place_row(key)`` / ``place_words(text)``
    A row of the gazetteer; the words of an address that may name a settlement.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from app.names.tables import DATA_DIR, split_bar
from app.names.text import CACHE_SIZE, fold, to_latin_key

__all__ = [
    "Place",
    "oblast_key",
    "place_candidates",
    "place_key",
    "place_region",
    "place_row",
    "place_words",
    "places",
]


@dataclass(frozen=True, slots=True)
class Place:
    """One row of ``data/places.csv`` (Sevastopol is filed under ``crimea``)."""

    key: str
    oblast: str
    uk: str
    ru: str
    en: str
    former: tuple[str, ...]


# Oblast keys and the Latin skeletons of their names; an adjective form is a stem plus "sk...".
_OBLAST_STEMS = {
    "donetsk": ("doneck",),
    "luhansk": ("luhansk",),
    "zaporizhzhia": ("zaporiz", "zaporoj", "zaporij"),
    "kherson": ("herson",),
    "kharkiv": ("harkiv", "harkov"),
    "mykolaiv": ("mikolaiv", "nikolaev"),
    "crimea": ("krim",),
}
_OBLAST_WORDS = {
    "днр": "donetsk",
    "лнр": "luhansk",
    "dnr": "donetsk",
    "lnr": "luhansk",
    "крим": "crimea",
    "крым": "crimea",
    "crimea": "crimea",
    "krym": "crimea",
    "криму": "crimea",
    "крыма": "crimea",
    "арк": "crimea",
}
_OBLAST_MARKERS = frozenset((
    "обл", "область", "області", "области", "oblast", "oblasti", "obl", "region", "регион",
    "регіон",
))  # fmt: skip
_RAION_MARKERS = frozenset(("р-н", "рн", "район", "району", "района", "raion", "rayon", "district"))
_SETTLEMENT_TYPES = frozenset((
    "м", "г", "с", "п", "х", "смт", "пгт", "с-ще", "сел", "село", "селище", "селищі", "город",
    "місто", "містечко", "поселок", "посёлок", "пос", "хутор", "village", "town", "city",
    "settlement", "vil", "urban-type", "smt", "pgt",
))  # fmt: skip
_STOP_WORDS = frozenset((
    "україна", "украина", "ukraine", "ар", "автономна", "автономная", "autonomous", "республіка",
    "республика", "republic", "of", "the", "in", "near", "біля", "возле",
))  # fmt: skip
_PLACE_PUNCT_RE = re.compile(r"[.,;:()\[\]{}/\\\"«»„“”№#!?]+")


@dataclass(frozen=True, slots=True)
class _PlaceIndex:
    rows: dict[str, Place]
    # Latin skeleton -> [(rank, file order, key)], rank 0 current names, 1 former names.
    by_latin: dict[str, tuple[tuple[int, int, str], ...]]
    # The most words a skeleton has: no longer run of words can name a place.
    most_words: int


@lru_cache(maxsize=1)
def _place_index() -> _PlaceIndex:
    rows: dict[str, Place] = {}
    by_latin: dict[str, list[tuple[int, int, str]]] = {}
    with (DATA_DIR / "places.csv").open(encoding="utf-8", newline="") as fh:
        for order, record in enumerate(csv.DictReader(fh)):
            place = Place(
                key=record["key"].strip(),
                oblast=record["oblast"].strip(),
                uk=record["uk"].strip(),
                ru=record["ru"].strip(),
                en=record["en"].strip(),
                former=split_bar(record["former"] or ""),
            )
            if place.key in rows:
                raise ValueError(f"places.csv: duplicate key {place.key!r}")
            rows[place.key] = place
            names = [(0, place.uk), (0, place.ru), (0, place.en), (0, place.key)]
            names += [(1, name) for name in place.former]
            for rank, name in names:
                entries = by_latin.setdefault(to_latin_key(name), [])
                if not any(key == place.key for _, _, key in entries):
                    entries.append((rank, order, place.key))
                else:
                    entries[:] = [
                        (min(r, rank), o, k) if k == place.key else (r, o, k) for r, o, k in entries
                    ]
    return _PlaceIndex(
        rows=rows,
        by_latin={k: tuple(sorted(v)) for k, v in by_latin.items()},
        most_words=max(len(k.split()) for k in by_latin),
    )


def places() -> tuple[Place, ...]:
    """All rows of the gazetteer, in file order."""
    return tuple(_place_index().rows.values())


def _oblast_of_token(token: str, *, marked: bool) -> str | None:
    """The oblast a token names: an adjective ("херсонська") always, a bare name only if marked."""
    if token in _OBLAST_WORDS:
        return _OBLAST_WORDS[token]
    key = to_latin_key(token).replace(" ", "")
    for oblast, stems in _OBLAST_STEMS.items():
        for stem in stems:
            if key.startswith(stem):
                rest = key[len(stem) :]
                if marked or rest.startswith(("sk", "k")) or (oblast == "crimea" and not rest):
                    return oblast
    return None


def _place_tokens(text: str) -> tuple[list[str], str | None]:
    """Split free text into candidate tokens and the oblast it mentions, if any."""
    tokens = _PLACE_PUNCT_RE.sub(" ", fold(text)).split()
    kept: list[str] = []
    oblast: str | None = None
    for token in tokens:
        if token in _OBLAST_MARKERS:
            if kept:
                found = _oblast_of_token(kept[-1], marked=True)
                if found:
                    oblast = oblast or found
                    kept.pop()
            continue
        if token in _RAION_MARKERS:
            if kept:
                kept.pop()
            continue
        if token in _SETTLEMENT_TYPES or token in _STOP_WORDS or token.isdigit():
            continue
        kept.append(token)
    if oblast is None:
        for token in kept:
            oblast = _oblast_of_token(token, marked=False)
            if oblast:
                break
    return kept, oblast


@lru_cache(maxsize=CACHE_SIZE)
def _place_entries(text: str) -> tuple[tuple[int, int, str], ...]:
    tokens, oblast = _place_tokens(text)
    # Only runs of as many words as a gazetteer name can match: trying every run of a long
    # text took minutes (1,500 words: every one of a million runs spelt out). A token without
    # a letter of the skeleton (a lone soft sign, an emoji) adds no word to a run's skeleton.
    tokens = [token for token in tokens if to_latin_key(token)]
    index = _place_index()
    for size in range(min(len(tokens), index.most_words), 0, -1):
        for start in range(len(tokens) - size + 1):
            entries = index.by_latin.get(to_latin_key(" ".join(tokens[start : start + size])))
            if not entries:
                continue
            if oblast:
                in_oblast = tuple(e for e in entries if index.rows[e[2]].oblast == oblast)
                entries = in_oblast or entries
            return entries
    return ()


def place_candidates(text: str) -> tuple[str, ...]:
    """Return the gazetteer keys free text may name, best first (see :func:`place_key`)."""
    return tuple(key for _, _, key in _place_entries(text))


def place_key(text: str) -> str | None:
    """Return the gazetteer key of the settlement named in free text, or None.

    Handles any script and the common romanisations, former names (Артемовск -> ``bakhmut``),
    settlement-type prefixes (м., г., с., смт, пгт, село, город, місто ...), oblast and raion
    phrases ("Херсонская обл.", "Khersonska oblast", "Скадовський р-н"), punctuation and
    country words. The longest, then leftmost, run of words that names a place wins. A current
    name beats a former one. When a name is current in two oblasts (Первомайськ) the oblast in
    the text decides; without one the result is None rather than a guess.
    """
    entries = _place_entries(text)
    if not entries:
        return None
    if len(entries) > 1 and entries[0][0] == entries[1][0]:
        return None
    return entries[0][2]


def place_region(key: str) -> str | None:
    """Return the oblast key (``donetsk``, ``crimea`` ...) of a gazetteer key, else None."""
    place = _place_index().rows.get(key)
    return place.oblast if place else None


@lru_cache(maxsize=CACHE_SIZE)
def oblast_key(text: str) -> str | None:
    """Return the oblast key an address mentions ("Херсонская обл." -> ``kherson``), else None.

    Falls back to the oblast of the settlement it names.
    """
    _, oblast = _place_tokens(text)
    if oblast:
        return oblast
    key = place_key(text)
    return place_region(key) if key else None


def place_row(key: str) -> Place | None:
    """The gazetteer row of a key, or None."""
    return _place_index().rows.get(key)


def place_words(text: str) -> str:
    """The words of ``text`` that may name a settlement (without types, oblast and raion)."""
    return " ".join(_place_tokens(text)[0])
