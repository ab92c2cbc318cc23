"""Text folding and the Latin skeleton: the base every name, place and search key is built on.

Records about the same child arrive written in Ukrainian, in Russian and in several Latin
romanisations (the Ukrainian national system of 2010, older Ukrainian passport spellings, Russian
BGN/PCGN and ICAO passport spellings, German and Polish spellings, ISO 9 / Czech diacritics). Every
comparison goes through the functions of :mod:`app.names`, so that "Лысенко", "Лисенко" and
"Lissenko" meet in one space. Everything is pure Python (no Flask, no database) and cached, because
the key functions run over millions of records.

``fold(text)``
    NFKC, case folding, one apostrophe (``'``), one hyphen (``-``), single spaces; Latin/Cyrillic
    look-alike letters inside a mixed-script word are repaired ("Олексiй" with a Latin ``i``).
``repair_mixed_scripts(text)``
    Only that repair, case kept (column headers use it too).
``to_latin_key(text)``
    A reduced phonetic Latin skeleton of any Cyrillic (uk or ru) or Latin spelling (table below).
``script_of(text)`` / ``language_of(text)``
    Which script a spelling is in, and whether its letters tell Ukrainian from Russian.

The Latin skeleton (``to_latin_key``)
-------------------------------------
Both scripts are mapped into one reduced alphabet. Codes are single lowercase letters so that
edit-distance scorers see one phoneme as one character::

    code  Cyrillic             Latin spellings folded into it
    a     а                    a
    b     б                    b
    v     в                    v, w (German, Polish)
    h     г ґ х                h, g, kh, gh             (uk г = h, ru г = g, х = kh/h)
    d     д                    d
    e     е є э; ё/ьо after    e, ë, é; ie/ye/je -> e; io/yo/jo after a consonant -> e
          a consonant
    j     ж                    zh, ž, ż                 (ж; Latin j is *not* this code)
    z     з                    z, ź                     ("zgh" of the national system is з+г)
    i     и і ї ы й            i, y, j, ï, ı            (all i-like letters and the glide)
    k     к                    k, q, ck, c before a/o/u/consonant
    l m n o p r s t u f        same letters, ł ń ś ñ stripped of marks, ph -> f, th -> t
    c     ц, тс                ts, tz, c before e/i/y or at the end, ć
    q     ч                    ch, tsch, cz, č, ç
    w     ш                    sh, sch, sz, š, ş
    wq    щ                    shch, schtsch, szcz, ŝ
    ks    кс                   x
    (none) ь ъ and apostrophes

Then runs of the same code collapse (Анна/Ана, Lissenko/Lisenko, Юлія -> "iulia" = Yuliia),
``ie`` becomes ``e`` (Євген/Yevhen/Evgeniy all start "evhen"), and ``io`` after a consonant becomes
``e`` (Ковальов/Ковалёв/Kovalyov/Kovalev -> "kovalev"). Hyphens and spaces separate words.

Known losses, on purpose: the key is many-to-one (Віолетта's "io" becomes "e"), English ``ch`` wins
over German/Polish ``ch`` = х ("Chomych" is not "Khomych"), German ``z`` = ц and ``s`` = з are not
special-cased ("Kusnezow" stays apart from "Kuznetsov"), and Ukrainian і against Russian о/е in a
root (Горлівка/Горловка, Федір/Фёдор) is left to the given-name table and the gazetteer.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "CACHE_SIZE",
    "collapse_repeats",
    "fold",
    "has_cyrillic",
    "language_of",
    "person_name",
    "repair_mixed_scripts",
    "script_of",
    "to_latin_key",
]

CACHE_SIZE = 1 << 18

_APOSTROPHES = "'\u2019\u2018\u02bc\u02bb\u02b9\u02bd\u0060\u00b4\u2032\uff07"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_FOLD_TABLE = str.maketrans(
    {
        **{ch: "'" for ch in _APOSTROPHES},
        **{ch: "-" for ch in _DASHES},
        **{ch: None for ch in _INVISIBLE},
    }
)
_SPACES_RE = re.compile(r"\s+")
_HYPHENS_RE = re.compile(r"\s*-[\s-]*")
_STRAY_APOSTROPHE_RE = re.compile(r"(?<![^\W\d_])'|'(?![^\W\d_])")
_LATIN_LETTER_RE = re.compile(r"[A-Za-z]")
_CYRILLIC_LETTER_RE = re.compile(r"[\u0400-\u04ff]")
_WORD_RE = re.compile(r"[^\W\d_]+")

# Letters that look the same in both scripts; used only inside words that mix the two.
_LATIN_TO_CYRILLIC = str.maketrans("AaBCcEeHIiKMOoPpTXxYyÏï", "АаВСсЕеНІіКМОоРрТХхУуЇї")
_CYRILLIC_TO_LATIN = str.maketrans("АаВСсЕеНІіКМОоРрТХхУуЇї", "AaBCcEeHIiKMOoPpTXxYyÏï")


def _repair_mixed_word(match: re.Match[str]) -> str:
    word = match.group()
    latin = len(_LATIN_LETTER_RE.findall(word))
    cyrillic = len(_CYRILLIC_LETTER_RE.findall(word))
    if not latin or not cyrillic:
        return word
    if cyrillic >= latin:
        return word.translate(_LATIN_TO_CYRILLIC)
    return word.translate(_CYRILLIC_TO_LATIN)


def person_name(*parts: str | None) -> str:
    """A person's name as lists write it (family name, given name, patronymic), the parts a
    record leaves empty left out: "" when it has none, for the caller's own fallback."""
    # filter, not a generator expression: a queue page writes some fifty names, and each
    # part a generator yields is a Python call.
    return " ".join(filter(None, parts))


def has_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC_LETTER_RE.search(text))


def repair_mixed_scripts(text: str) -> str:
    """Inside each word that mixes Latin and Cyrillic letters, write the look-alike letters of
    the minority script in the majority's ("ПIБ" with a Latin I becomes "ПІБ"); case is kept."""
    if text.isascii() or not (_LATIN_LETTER_RE.search(text) and _CYRILLIC_LETTER_RE.search(text)):
        return text
    return _WORD_RE.sub(_repair_mixed_word, text)


@lru_cache(maxsize=CACHE_SIZE)
def fold(text: str) -> str:
    """Fold ``text`` for comparison: NFKC, casefold, one apostrophe and hyphen, single spaces.

    Apostrophe variants (``’ ʼ ` ʻ ′``) become ``'`` and are dropped at word edges (quotes); dashes
    become ``-`` without spaces around; invisible characters go; Latin look-alikes inside a mostly
    Cyrillic word are made Cyrillic (and the other way round).

    Folding a folded text changes nothing, so a folded value that is stored is found again by
    folding it. Hence the order: case folding can write new letters (``İ`` is ``i`` and a
    combining dot), and removing an invisible character or a stray apostrophe can join two
    words, so the look-alike repair runs again after all three, and spaces are collapsed last.
    A removed character can also bring a letter next to a mark that NFKC then composes with
    it, which the rare text that needs it gets from a second pass.
    """
    folded = _fold_once(text)
    for _ in range(3):  # one more pass has always been enough; three bound it
        if unicodedata.is_normalized("NFKC", folded):
            break
        folded = _fold_once(folded)
    return folded


def _fold_once(text: str) -> str:
    if not text:
        return ""
    # Look-alikes are told apart by case (a Latin "K" is a Cyrillic "К", a "k" is not): repaired
    # before case folding, and again after it for the letters that case folding writes.
    s = repair_mixed_scripts(unicodedata.normalize("NFKC", text))
    s = unicodedata.normalize("NFKC", s.casefold())
    s = s.translate(_FOLD_TABLE)
    if "'" in s:
        s = _STRAY_APOSTROPHE_RE.sub("", s)
    repaired = repair_mixed_scripts(s)
    if repaired != s:  # a Latin "a" composes with a following grave accent, a Cyrillic "а" not
        s = unicodedata.normalize("NFKC", repaired)
    s = _SPACES_RE.sub(" ", s).strip()
    if "-" in s:
        s = _HYPHENS_RE.sub("-", s).strip("-").strip()
    return s


# Step 1: Cyrillic letters and Latin letters with diacritics -> UPPERCASE codes. Uppercase never
# survives casefolding, so the Latin digraph rules in step 2 cannot touch these codes.
_CODE_TABLE = str.maketrans(
    {
        "а": "A", "б": "B", "в": "V", "г": "H", "ґ": "H", "д": "D", "е": "E", "є": "IE",
        "ё": "IO", "ж": "J", "з": "Z", "и": "I", "і": "I", "ї": "I", "й": "I", "к": "K",
        "л": "L", "м": "M", "н": "N", "о": "O", "п": "P", "р": "R", "с": "S", "т": "T",
        "у": "U", "ф": "F", "х": "H", "ц": "C", "ч": "Q", "ш": "W", "щ": "WQ", "ъ": "",
        "ы": "I", "ь": "", "э": "E", "ю": "IU", "я": "IA", "ў": "U",
        "š": "W", "č": "Q", "ž": "J", "ż": "J", "ź": "Z", "ć": "C", "ś": "S", "ł": "L",
        "ŝ": "WQ", "ë": "IO", "ş": "W", "ç": "Q", "ğ": "H", "ı": "I", "ǵ": "H", "ĳ": "II",
    }
)  # fmt: skip
# Cyrillic sequences that need context: uk "ьо" is ru "ё"; "тс" sounds (and is romanised) as ц.
_CYRILLIC_PAIRS = (("ьо", "IO"), ("тс", "C"))

# Step 2: Latin digraphs, longest first (German schtsch/tsch/sch, Polish szcz/cz/sz, English).
_LATIN_DIGRAPHS = (
    ("schtsch", "WQ"), ("szcz", "WQ"), ("shch", "WQ"), ("tsch", "Q"), ("sch", "W"),
    ("zgh", "ZH"), ("zh", "J"), ("sh", "W"), ("ch", "Q"), ("kh", "H"), ("ts", "C"),
    ("tz", "C"), ("cz", "Q"), ("sz", "W"), ("ck", "K"), ("ph", "F"), ("th", "T"), ("x", "KS"),
)  # fmt: skip
_DIGRAPH_CODES = dict(_LATIN_DIGRAPHS)
_LATIN_DIGRAPH_RE = re.compile("|".join(digraph for digraph, _ in _LATIN_DIGRAPHS))
_LATIN_HARD_C_RE = re.compile(r"c(?=[abdf-hj-xzA-Z])")

# Step 3: remaining single Latin letters and the uppercase codes -> final lowercase codes.
_FINAL_TABLE = str.maketrans(
    {
        "g": "h", "j": "i", "y": "i", "w": "v", "q": "k",
        "A": "a", "B": "b", "C": "c", "D": "d", "E": "e", "F": "f", "H": "h", "I": "i",
        "J": "j", "K": "k", "L": "l", "M": "m", "N": "n", "O": "o", "P": "p", "Q": "q",
        "R": "r", "S": "s", "T": "t", "U": "u", "V": "v", "W": "w", "Z": "z",
        "-": " ", "'": None,
    }
)  # fmt: skip
_NOT_KEY_RE = re.compile(r"[^a-z ]+")
_REPEAT_RE = re.compile(r"(.)\1+")
_CONSONANT_IO_RE = re.compile(r"(?<=[bcdfhjklmnpqrstvwz])io")


def _digraph_code(match: re.Match[str]) -> str:
    return _DIGRAPH_CODES[match.group()]


def _first_group(match: re.Match[str]) -> str:
    return match.group(1)


def collapse_repeats(s: str) -> str:
    """Collapse runs of one letter ("ll" -> "l"); a search first, as most names have none."""
    return _REPEAT_RE.sub(_first_group, s) if _REPEAT_RE.search(s) else s


def _strip_marks(s: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", s) if not unicodedata.combining(ch))


@lru_cache(maxsize=CACHE_SIZE)
def to_latin_key(text: str) -> str:
    """Return the Latin phonetic skeleton of a name in any script (mapping in the module doc).

    >>> to_latin_key("Шевченко") == to_latin_key("Schewtschenko") == "wevqenko"
    True
    """
    s = fold(text)
    if not s:
        return ""
    if not s.isascii():
        for pair, code in _CYRILLIC_PAIRS:
            if pair in s:
                s = s.replace(pair, code)
        s = s.translate(_CODE_TABLE)
        if not s.isascii():
            s = _strip_marks(s)
    if not s.isupper():  # Latin letters are left (Cyrillic is all uppercase codes by now)
        s = _LATIN_DIGRAPH_RE.sub(_digraph_code, s)
        if "c" in s:
            s = _LATIN_HARD_C_RE.sub("K", s).replace("c", "C")
    s = s.translate(_FINAL_TABLE)
    if not s.isalpha():
        s = _NOT_KEY_RE.sub(" ", s)
    s = collapse_repeats(s)
    if "ie" in s:
        s = s.replace("ie", "e")
    if "io" in s:
        s = _CONSONANT_IO_RE.sub("e", s)
    return collapse_repeats(s).strip()


_UK_ONLY = frozenset("іїєґ'")
_RU_ONLY = frozenset("ыэъё")


def script_of(text: str) -> str:
    """``"latin"``, ``"cyrillic"`` or ``"latin+cyrillic"`` (digits and signs count as Latin)."""
    s = fold(text)
    if _CYRILLIC_LETTER_RE.search(s):
        return "latin+cyrillic" if _LATIN_LETTER_RE.search(s) else "cyrillic"
    return "latin"


def language_of(text: str) -> str | None:
    """``"uk"`` or ``"ru"`` when a letter only one of the two alphabets has tells, else None."""
    letters = set(fold(text))
    if letters & _RU_ONLY:
        return "ru"
    if letters & _UK_ONLY:
        return "uk"
    return None
