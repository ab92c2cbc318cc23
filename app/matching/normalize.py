"""The one name and place normaliser of Reunite.

Records about the same child arrive written in Ukrainian, in Russian and in several Latin
romanisations (the Ukrainian national system of 2010, older Ukrainian passport spellings, Russian
BGN/PCGN and ICAO passport spellings, German and Polish spellings, ISO 9 / Czech diacritics). Every
comparison in matching goes through the functions here, so that "Лысенко", "Лисенко" and
"Lissenko" meet in one space. Everything is pure Python (no Flask, no database) and cached, because
the key functions run over millions of records.

Public API
----------
``fold(text)``
    NFKC, case folding, one apostrophe (``'``), one hyphen (``-``), single spaces; Latin/Cyrillic
    look-alike letters inside a mixed-script word are repaired ("Олексiй" with a Latin ``i``).
``to_latin_key(text)``
    A reduced phonetic Latin skeleton of any Cyrillic (uk or ru) or Latin spelling (table below).
``surname_key(text)``
    ``to_latin_key`` plus one form for gendered surname endings (Ковальов = Ковальова = Kovaleva).
``given_name_keys(text)``
    The canonical keys of a given name through ``data/given_names.csv`` (Саша -> both Олександр and
    Олександра, so a *set*); an unknown name falls back to ``{to_latin_key(text)}``.
``given_name_sex(key)``
    ``"m"``/``"f"`` for a canonical given-name key, else None.
``patronymic_key(text)`` / ``patronymic_parts(text)``
    The father's canonical given-name key (Сергійович = Сергеевич = Serhiiovych -> ``serhii``), and
    with it the sex the patronymic implies.
``phonetic_block_key(text)``
    A short blocking key built from ``surname_key``: transliteration variants share a block.
``place_key(text)`` / ``place_candidates(text)`` / ``place_region(key)`` / ``oblast_key(text)``
    Settlements of the affected regions through ``data/places.csv``, from free text such as
    "Алешки Херсонская обл." or "г. Артемовск".
``explain_name_pair(a, b, kind)``
    A short English explanation of why two spellings are (or are not) the same name or place.

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

Given names
-----------
``data/given_names.csv`` has columns ``canonical,sex,variants,diminutives`` (``|``-separated). The
canonical key is the lowercase national romanisation of the Ukrainian form; the first variant is
that Ukrainian Cyrillic form, the Russian form(s) follow, then Latin spellings (national 2010,
older passport style, BGN/PCGN, ICAO, English). Diminutives have their own column (a superset of
the ``canonical,sex,variants`` layout) so that explanations can say "diminutive" and patronymics
are built from full forms only.
A spelling listed in several rows (Саша, Женя, Валя, Слава, Вітя, ...) maps to all of them: that
ambiguity is reported by returning a set, never resolved by guessing.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz

__all__ = [
    "GivenName",
    "Place",
    "explain_name_pair",
    "fold",
    "given_name_keys",
    "given_name_sex",
    "given_names",
    "given_names_version",
    "oblast_key",
    "patronymic_key",
    "patronymic_parts",
    "phonetic_block_key",
    "place_candidates",
    "place_key",
    "place_region",
    "places",
    "surname_key",
    "to_latin_key",
]

DATA_DIR = Path(__file__).with_name("data")
_CACHE_SIZE = 1 << 18

# --------------------------------------------------------------------------------------------
# fold
# --------------------------------------------------------------------------------------------

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


@lru_cache(maxsize=_CACHE_SIZE)
def fold(text: str) -> str:
    """Fold ``text`` for comparison: NFKC, casefold, one apostrophe and hyphen, single spaces.

    Apostrophe variants (``’ ʼ ` ʻ ′``) become ``'`` and are dropped at word edges (quotes); dashes
    become ``-`` without spaces around; invisible characters go; Latin look-alikes inside a mostly
    Cyrillic word are made Cyrillic (and the other way round).
    """
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text)
    if not s.isascii() and _LATIN_LETTER_RE.search(s) and _CYRILLIC_LETTER_RE.search(s):
        s = _WORD_RE.sub(_repair_mixed_word, s)
    s = s.translate(_FOLD_TABLE).casefold()
    s = _SPACES_RE.sub(" ", s).strip()
    if "-" in s:
        s = _HYPHENS_RE.sub("-", s).strip("-").strip()
    if "'" in s:
        s = _STRAY_APOSTROPHE_RE.sub("", s)
    return s


# --------------------------------------------------------------------------------------------
# to_latin_key
# --------------------------------------------------------------------------------------------

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


def _collapse(s: str) -> str:
    """Collapse runs of one letter ("ll" -> "l"); a search first, as most names have none."""
    return _REPEAT_RE.sub(_first_group, s) if _REPEAT_RE.search(s) else s


def _strip_marks(s: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFD", s) if not unicodedata.combining(ch))


@lru_cache(maxsize=_CACHE_SIZE)
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
    s = _collapse(s)
    if "ie" in s:
        s = s.replace("ie", "e")
    if "io" in s:
        s = _CONSONANT_IO_RE.sub("e", s)
    return _collapse(s).strip()


# --------------------------------------------------------------------------------------------
# surnames
# --------------------------------------------------------------------------------------------

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


@lru_cache(maxsize=_CACHE_SIZE)
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


@lru_cache(maxsize=_CACHE_SIZE)
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
    tail = _collapse(head + _VOWEL_RE.sub("", word[1:]))
    return tail[:length]


# --------------------------------------------------------------------------------------------
# given names and patronymics
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GivenName:
    """One row of ``data/given_names.csv``."""

    canonical: str
    sex: str
    variants: tuple[str, ...]
    diminutives: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _GivenNameIndex:
    rows: dict[str, GivenName]
    by_fold: dict[str, frozenset[str]]
    by_latin: dict[str, frozenset[str]]
    # Full forms only (no diminutives): what a patronymic is built from.
    full_by_latin: dict[str, frozenset[str]]
    diminutive_folds: frozenset[str]


def _split_bar(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split("|") if part.strip())


# Rows added by admins (app.matching.services.load_given_names), on top of the shipped table.
_EXTRA_GIVEN_NAMES: list[GivenName] = []


def _merge_extra(rows: dict[str, GivenName], extra: GivenName) -> GivenName:
    """An admin's row joins the shipped row it names (by canonical key or any spelling of the
    same sex), else it is a row of its own."""
    target = rows.get(extra.canonical)
    if target is None:
        spellings = (extra.canonical, *extra.variants)
        for row in rows.values():
            known = {fold(x) for x in (row.canonical, *row.variants)}
            if row.sex == extra.sex and any(fold(x) in known for x in spellings):
                target = row
                break
    if target is None:
        return extra
    return GivenName(
        canonical=target.canonical,
        sex=target.sex,
        variants=tuple(dict.fromkeys((*target.variants, *extra.variants))),
        diminutives=tuple(dict.fromkeys((*target.diminutives, *extra.diminutives))),
    )


def extend_given_names(rows: Iterable[tuple[str, str, Sequence[str], Sequence[str]]]) -> None:
    """Add (canonical, sex, variants, diminutives) rows to the table and forget every cached
    key, so the next comparison sees them."""
    for canonical, sex, variants, diminutives in rows:
        extra = GivenName(fold(canonical), sex, tuple(variants), tuple(diminutives))
        if extra not in _EXTRA_GIVEN_NAMES:
            _EXTRA_GIVEN_NAMES.append(extra)
    for value in list(globals().values()):
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()
    global _GIVEN_NAMES_VERSION
    _GIVEN_NAMES_VERSION += 1


_GIVEN_NAMES_VERSION = 0


def given_names_version() -> int:
    """A number that changes whenever :func:`extend_given_names` changes the table, so that
    callers caching keys derived from given names (``app.matching.entities``) know when to
    forget them."""
    return _GIVEN_NAMES_VERSION


@lru_cache(maxsize=1)
def _given_index() -> _GivenNameIndex:
    rows: dict[str, GivenName] = {}
    by_fold: dict[str, set[str]] = {}
    by_latin: dict[str, set[str]] = {}
    full_by_latin: dict[str, set[str]] = {}
    diminutive_folds: set[str] = set()
    with (DATA_DIR / "given_names.csv").open(encoding="utf-8", newline="") as fh:
        for record in csv.DictReader(fh):
            row = GivenName(
                canonical=record["canonical"].strip(),
                sex=record["sex"].strip(),
                variants=_split_bar(record["variants"]),
                diminutives=_split_bar(record.get("diminutives") or ""),
            )
            if row.canonical in rows:
                raise ValueError(f"given_names.csv: duplicate canonical {row.canonical!r}")
            rows[row.canonical] = row
    for extra in _EXTRA_GIVEN_NAMES:
        row = _merge_extra(rows, extra)
        rows[row.canonical] = row
    for row in rows.values():
        for spelling in (row.canonical, *row.variants, *row.diminutives):
            by_fold.setdefault(fold(spelling), set()).add(row.canonical)
            by_latin.setdefault(to_latin_key(spelling), set()).add(row.canonical)
        for spelling in (row.canonical, *row.variants):
            full_by_latin.setdefault(to_latin_key(spelling), set()).add(row.canonical)
        diminutive_folds.update(fold(d) for d in row.diminutives)
    return _GivenNameIndex(
        rows=rows,
        by_fold={k: frozenset(v) for k, v in by_fold.items()},
        by_latin={k: frozenset(v) for k, v in by_latin.items()},
        full_by_latin={k: frozenset(v) for k, v in full_by_latin.items()},
        diminutive_folds=frozenset(diminutive_folds),
    )


def given_names() -> tuple[GivenName, ...]:
    """All rows of the given-name table, in file order."""
    return tuple(_given_index().rows.values())


def _lookup_given(text: str) -> frozenset[str]:
    index = _given_index()
    return index.by_fold.get(fold(text)) or index.by_latin.get(to_latin_key(text)) or frozenset()


@lru_cache(maxsize=_CACHE_SIZE)
def given_name_keys(text: str) -> frozenset[str]:
    """Return the canonical keys a given name may stand for.

    Exact spellings (after ``fold``) are looked up first, then the Latin skeleton, so unlisted
    romanisations still find their row. A spelling shared by several rows returns all of them:
    ``given_name_keys("Саша") == {"oleksandr", "oleksandra"}``. A compound name ("Анна-Марія")
    not in the table gives the union of its parts. An unknown name gives ``{to_latin_key(text)}``
    (empty set for empty text).
    """
    found = _lookup_given(text)
    if found:
        return found
    parts = fold(text).replace("-", " ").split()
    if len(parts) > 1:
        keys = frozenset().union(*(_lookup_given(part) for part in parts))
        if keys:
            return keys
    key = to_latin_key(text)
    return frozenset({key}) if key else frozenset()


def given_name_sex(key: str) -> str | None:
    """Return ``"m"`` or ``"f"`` for a canonical given-name key, None if it is not in the table."""
    row = _given_index().rows.get(key)
    return row.sex if row else None


# Suffixes on the Latin skeleton, longest first: uk -івна/-ївна, ru -овна/-евна/-ична/-инична,
# uk and ru -ович/-евич/-йович, ru -ич (Ильич, Кузьмич, Лукич).
_PATRONYMIC_SUFFIXES = (
    ("iniqna", "f"), ("iqna", "f"), ("ovna", "f"), ("evna", "f"), ("ivna", "f"),
    ("oviq", "m"), ("eviq", "m"), ("iq", "m"),
)  # fmt: skip
_PATRONYMIC_STEM_SPECIAL = {"lv": "lev"}  # Львович: the stem lost its vowel.


def _father_candidates(stem: str) -> list[str]:
    cands = [_PATRONYMIC_STEM_SPECIAL.get(stem, stem)]
    cands += [stem + "i", stem + "a", stem + "o", stem + "ei", stem + "ia", stem + "ov"]
    if stem.endswith("i"):  # Миколайович -> Микола
        cands += [stem[:-1] + "a", stem[:-1]]
    if stem.endswith("l") and len(stem) > 3:  # Яковлевич -> Яков
        cands.append(stem[:-1])
    return cands


@lru_cache(maxsize=_CACHE_SIZE)
def patronymic_parts(text: str) -> tuple[str, str | None]:
    """Return ``(father's canonical key, sex)`` for a patronymic; sex is ``"m"``, ``"f"`` or None.

    Сергійович, Сергеевич, Serhiiovych, Sergeevich -> ``("serhii", "m")``; Миколаївна and
    Николаевна -> ``("mykola", "f")``. When the father's name is not in the table the stem's
    Latin skeleton is returned; text that is not a patronymic gives its skeleton and None.
    """
    key = to_latin_key(text).replace(" ", "")
    index = _given_index()
    for suffix, sex in _PATRONYMIC_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            stem = key[: -len(suffix)]
            for candidate in _father_candidates(stem):
                candidate = _collapse(candidate)
                found = index.full_by_latin.get(candidate)
                males = sorted(c for c in found or () if index.rows[c].sex == "m")
                if males:
                    return males[0], sex
            return stem, sex
    return key, None


def patronymic_key(text: str) -> str:
    """Return the canonical key of the father's given name (see :func:`patronymic_parts`)."""
    return patronymic_parts(text)[0]


# --------------------------------------------------------------------------------------------
# places
# --------------------------------------------------------------------------------------------


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
                former=_split_bar(record["former"] or ""),
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
    return _PlaceIndex(rows=rows, by_latin={k: tuple(sorted(v)) for k, v in by_latin.items()})


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


@lru_cache(maxsize=_CACHE_SIZE)
def _place_entries(text: str) -> tuple[tuple[int, int, str], ...]:
    tokens, oblast = _place_tokens(text)
    index = _place_index()
    for size in range(len(tokens), 0, -1):
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


@lru_cache(maxsize=_CACHE_SIZE)
def oblast_key(text: str) -> str | None:
    """Return the oblast key an address mentions ("Херсонская обл." -> ``kherson``), else None.

    Falls back to the oblast of the settlement it names.
    """
    _, oblast = _place_tokens(text)
    if oblast:
        return oblast
    key = place_key(text)
    return place_region(key) if key else None


# --------------------------------------------------------------------------------------------
# explanations
# --------------------------------------------------------------------------------------------

_UK_ONLY = frozenset("іїєґ'")
_RU_ONLY = frozenset("ыэъё")


def _script(text: str) -> str:
    s = fold(text)
    if _CYRILLIC_LETTER_RE.search(s):
        return "latin+cyrillic" if _LATIN_LETTER_RE.search(s) else "cyrillic"
    return "latin"


def _language(text: str) -> str | None:
    letters = set(fold(text))
    if letters & _RU_ONLY:
        return "ru"
    if letters & _UK_ONLY:
        return "uk"
    return None


def _language_pair(a: str, b: str) -> tuple[str | None, str | None]:
    la, lb = _language(a), _language(b)
    if la and not lb:
        lb = "ru" if la == "uk" else "uk"
    elif lb and not la:
        la = "ru" if lb == "uk" else "uk"
    return la, lb


_LANGUAGE_NAMES = {"uk": "Ukrainian", "ru": "Russian"}


def _spelling_reason(a: str, b: str, what: str) -> str:
    if fold(a) == fold(b):
        return "same spelling"
    if (_script(a) == "latin") != (_script(b) == "latin"):
        return "transliteration"
    if _script(a) == "cyrillic" and _script(b) == "cyrillic":
        la, lb = _language_pair(a, b)
        if la and lb and la != lb:
            return f"{_LANGUAGE_NAMES[la]} spelling of the {_LANGUAGE_NAMES[lb]} {what}"
    return "spelling variant"


def _similarity(a: str, b: str) -> int:
    return round(fuzz.ratio(to_latin_key(a), to_latin_key(b)))


def _explain_surname(a: str, b: str) -> str:
    if surname_key(a) != surname_key(b):
        return f"{a} ≠ {b}: different surnames ({_similarity(a, b)}% similar)"
    if fold(a) == fold(b):
        return f"{a} = {b}: same spelling"
    reason = _spelling_reason(a, b, "name")
    if to_latin_key(a) != to_latin_key(b) and reason in ("spelling variant", "same spelling"):
        reason = "masculine and feminine forms of the surname"
    elif to_latin_key(a) != to_latin_key(b) and _forms_differ_by_ending(a, b):
        reason += ", other gender form"
    sign = "=" if reason == "transliteration" else "≈"
    return f"{a} {sign} {b}: {reason}"


def _forms_differ_by_ending(a: str, b: str) -> bool:
    ka, kb = to_latin_key(a), to_latin_key(b)
    return ka[-1:] != kb[-1:] and (ka.endswith("a") or kb.endswith("a"))


def _explain_given(a: str, b: str) -> str:
    keys_a, keys_b = given_name_keys(a), given_name_keys(b)
    shared = keys_a & keys_b
    if not shared:
        return f"{a} ≠ {b}: different names ({_similarity(a, b)}% similar)"
    if fold(a) == fold(b):
        return f"{a} = {b}: same spelling"
    index = _given_index()
    rows = [index.rows[k] for k in sorted(shared) if k in index.rows]
    also = ""
    if len(keys_a | keys_b) > 1 and rows:
        others = sorted((keys_a | keys_b) - {rows[0].canonical})
        names = [index.rows[k].variants[0] for k in others if k in index.rows]
        if names:
            also = f" (also {', '.join(names)})"
    dims = index.diminutive_folds
    if fold(a) in dims or fold(b) in dims:
        return f"{a} = {b}: diminutive{also}"
    if not rows:
        return f"{a} = {b}: {_spelling_reason(a, b, 'name')}"
    reason = _spelling_reason(a, b, "name")
    if reason == "spelling variant":
        reason = "equivalent form"
    uk_form = fold(rows[0].variants[0])
    if _script(a) == _script(b) == "cyrillic" and uk_form in (fold(a), fold(b)):
        other = b if fold(a) == uk_form else a
        lang = _language(other)
        if lang != "uk":
            reason = (
                "Russian form of the Ukrainian name"
                if other == a
                else ("Ukrainian form of the Russian name")
            )
    return f"{a} = {b}: {reason}{also}"


def _explain_patronymic(a: str, b: str) -> str:
    (fa, sa), (fb, sb) = patronymic_parts(a), patronymic_parts(b)
    if fa != fb:
        return f"{a} ≠ {b}: different fathers' names ({fa} / {fb})"
    sex = "" if sa == sb or not sa or not sb else ", other gender form"
    return f"{a} = {b}: same father's name ({fa}){sex}"


def _explain_place(a: str, b: str) -> str:
    ka, kb = place_key(a), place_key(b)
    if ka is None or kb is None:
        unknown = a if ka is None else b
        return f"{a} ? {b}: {unknown} is not in the gazetteer"
    if ka != kb:
        return f"{a} ≠ {b}: different places ({ka} / {kb})"
    place = _place_index().rows[ka]
    former = {to_latin_key(name) for name in place.former}
    current = {to_latin_key(place.uk), to_latin_key(place.ru), to_latin_key(place.en)}
    tokens_a = " ".join(_place_tokens(a)[0])
    tokens_b = " ".join(_place_tokens(b)[0])
    la, lb = to_latin_key(tokens_a), to_latin_key(tokens_b)
    if (la in former and la not in current) or (lb in former and lb not in current):
        return f"{a} = {b}: former name of {place.uk}"
    if la == lb:
        reason = "same name" if fold(tokens_a) == fold(tokens_b) else "transliteration"
        return f"{a} = {b}: {reason}"
    return f"{a} = {b}: Ukrainian and Russian names of {place.uk}"


_EXPLAINERS = {
    "surname": _explain_surname,
    "given": _explain_given,
    "patronymic": _explain_patronymic,
    "place": _explain_place,
}


def explain_name_pair(a: str, b: str, kind: str) -> str:
    """Explain in one short English line how two spellings relate.

    ``kind`` is ``"surname"``, ``"given"``, ``"patronymic"`` or ``"place"``. Examples:
    "Лысенко ≈ Лисенко: Russian spelling of the Ukrainian name", "Саша = Олександр: diminutive
    (also Олександра)", "Oleksandr = Олександр: transliteration". Best effort: the wording is for
    reviewers, the keys are what matching uses.
    """
    try:
        explainer = _EXPLAINERS[kind]
    except KeyError:
        raise ValueError(f"unknown kind {kind!r}; expected one of {sorted(_EXPLAINERS)}") from None
    return explainer(a.strip(), b.strip())
