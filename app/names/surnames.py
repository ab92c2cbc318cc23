"""Surname keys: one key for every spelling and gendered form of a family name, and a short
phonetic key for blocking. Pure and cached, built on :func:`app.names.text.to_latin_key`."""

from __future__ import annotations

import re
from functools import lru_cache

from app.names.text import CACHE_SIZE, collapse_repeats, to_latin_key

__all__ = ["phonetic_block_key", "surname_key"]

# Applied to each word of a to_latin_key, in order. Each keeps at least two letters of stem.
# uk "-ій-" against ru "-ей-": Олійник/Олейник, Корнійчук/Корнейчук, and at the end: Салій/Салей.
_UK_RU_EI_RE = re.compile(r"(?<=\w)ei(?=[^aeiou]|$)")
_GENDERED_ENDING_RE = re.compile(
    # -ський/-ська/-ская/-ской/-ski/-ska, -цький/-цкая, -зький: one "-sk"/"-ck"/"-zk".
    r"(?<=\w\w)(?:(?P<sk>[scz]k)(?:aia|ia|oi|i|a)"
    # -ов/-ова/-ев/-ева/-ёв/-ьов: one "-ov" (the e/o difference is spelling, not a name).
    r"|(?P<ov>[eo]va?)"
    # -ин/-ина/-ын/-ына.
    r"|(?P<in>ina)"
    # Russian adjectival -ая/-ой (-ый/-ий are already "i"): Белая = Белый, Толстая = Толстой.
    r"|(?P<adj>aia|oi))$"
)
_GENDERED_ENDINGS = ("a", "i", "ov", "ev", "oi")


def _gendered_ending(match: re.Match[str]) -> str:
    if match.group("sk"):
        return match.group("sk")
    if match.group("ov"):
        return "ov"
    if match.group("in"):
        return "in"
    return "i"


@lru_cache(maxsize=CACHE_SIZE)
def surname_key(text: str) -> str:
    """Return one key for every spelling and gendered form of a surname.

    ``to_latin_key`` plus: masculine and feminine endings share one form (‑ов/‑ова/‑ев/‑ева ->
    ``ov``; ‑ин/‑ина -> ``in``; ‑ський/‑ська/‑ская/‑ский -> ``sk``; ‑цький/‑цька -> ``ck``;
    ‑ая/‑ой -> ``i``), and uk ‑ій‑ meets ru ‑ей‑. ‑енко, ‑ук, ‑ич are left alone. The stem is
    kept, so Коваль and Ковальов stay different names.
    """
    words = []
    for word in to_latin_key(text).split():
        if "ei" in word:
            word = _UK_RU_EI_RE.sub("i", word)
        if word.endswith(_GENDERED_ENDINGS):
            word = _GENDERED_ENDING_RE.sub(_gendered_ending, word)
        words.append(word)
    return " ".join(words)


_VOWELS = frozenset("aeiou")
_VOWEL_RE = re.compile(r"[aeiou ]+")


@lru_cache(maxsize=CACHE_SIZE)
def phonetic_block_key(text: str, length: int = 4) -> str:
    """Return a short blocking key: the first letter (any vowel as ``a``) and then consonants.

    Built on the first word of ``surname_key``, so spelling variants and gendered forms of one
    surname fall in one block: Олійник/Олейник/Oliynyk -> ``alnk``.
    """
    words = surname_key(text).split()
    if not words:
        return ""
    word = words[0]
    head = "a" if word[0] in _VOWELS else word[0]
    tail = collapse_repeats(head + _VOWEL_RE.sub("", word[1:]))
    return tail[:length]
