"""Given names and patronymics through the shipped table ``data/given_names.csv``.

``given_name_keys(text)``
    The canonical keys of a given name (Саша -> both Олександр and Олександра, so a *set*); an
    unknown name falls back to ``{to_latin_key(text)}``.
``given_name_sex(key)`` / ``given_name_row(key)``
    ``"m"``/``"f"`` for a canonical key, else None; the row itself.
``is_diminutive(text)``
    Whether a spelling is listed as a diminutive (Саша, Sasha).
``patronymic_key(text)`` / ``patronymic_parts(text)`` / ``looks_like_patronymic(text)``
    The father's canonical given-name key (Сергійович = Сергеевич = Serhiiovych -> ``serhii``),
    with it the sex the patronymic implies, and whether a word ends like a patronymic at all.
``extend_given_names(rows)`` / ``given_names_version()``
    Rows that admins add at run time, and a counter for callers that cache derived keys.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from app.names.tables import DATA_DIR, split_bar
from app.names.text import CACHE_SIZE, collapse_repeats, fold, to_latin_key

__all__ = [
    "GivenName",
    "extend_given_names",
    "given_name_keys",
    "given_name_row",
    "given_name_sex",
    "given_names",
    "given_names_version",
    "is_diminutive",
    "looks_like_patronymic",
    "patronymic_key",
    "patronymic_parts",
]


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
def _given_rows() -> dict[str, GivenName]:
    """The table's rows by canonical key, with the admins' additions: all that looking a row
    up needs (given_name_row, given_name_sex, given_names).

    Kept apart from the spellings' index (:func:`_given_index`), which folds and romanises every
    spelling of every row: the case page names a father in a candidate's notes from his key
    (app.matching.notes), and building the whole index for that cost some 75,000 Python calls
    in the first such page a process showed."""
    rows: dict[str, GivenName] = {}
    with (DATA_DIR / "given_names.csv").open(encoding="utf-8", newline="") as fh:
        for record in csv.DictReader(fh):
            row = GivenName(
                canonical=record["canonical"].strip(),
                sex=record["sex"].strip(),
                variants=split_bar(record["variants"]),
                diminutives=split_bar(record.get("diminutives") or ""),
            )
            if row.canonical in rows:
                raise ValueError(f"given_names.csv: duplicate canonical {row.canonical!r}")
            rows[row.canonical] = row
    for extra in _EXTRA_GIVEN_NAMES:
        row = _merge_extra(rows, extra)
        rows[row.canonical] = row
    return rows


@lru_cache(maxsize=1)
def _given_index() -> _GivenNameIndex:
    rows = _given_rows()
    by_fold: dict[str, set[str]] = {}
    by_latin: dict[str, set[str]] = {}
    full_by_latin: dict[str, set[str]] = {}
    diminutive_folds: set[str] = set()
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
    return tuple(_given_rows().values())


def _lookup_given(text: str) -> frozenset[str]:
    index = _given_index()
    return index.by_fold.get(fold(text)) or index.by_latin.get(to_latin_key(text)) or frozenset()


@lru_cache(maxsize=CACHE_SIZE)
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


def given_name_row(key: str) -> GivenName | None:
    """The table's row of a canonical key (with the admins' additions), or None."""
    return _given_rows().get(key)


def is_diminutive(text: str) -> bool:
    """Whether the table lists this spelling as a diminutive (Саша, Sasha, Женя)."""
    return fold(text) in _given_index().diminutive_folds


def given_name_sex(key: str) -> str | None:
    """Return ``"m"`` or ``"f"`` for a canonical given-name key, None if it is not in the table."""
    row = _given_rows().get(key)
    return row.sex if row else None


# Suffixes on the Latin skeleton, longest first: uk -івна/-ївна, ru -овна/-евна/-ична/-инична,
# uk and ru -ович/-евич/-йович, ru -ич (Ильич, Кузьмич, Лукич).
_PATRONYMIC_SUFFIXES = (
    ("iniqna", "f"), ("iqna", "f"), ("ovna", "f"), ("evna", "f"), ("ivna", "f"),
    ("oviq", "m"), ("eviq", "m"), ("iq", "m"),
)  # fmt: skip
_SHORT_SUFFIX = "iq"
_PATRONYMIC_STEM_SPECIAL = {"lv": "lev"}  # Львович: the stem lost its vowel.


def _father_candidates(stem: str) -> list[str]:
    cands = [_PATRONYMIC_STEM_SPECIAL.get(stem, stem)]
    cands += [stem + "i", stem + "a", stem + "o", stem + "ei", stem + "ia", stem + "ov"]
    if stem.endswith("i"):  # Миколайович -> Микола
        cands += [stem[:-1] + "a", stem[:-1]]
    if stem.endswith("l") and len(stem) > 3:  # Яковлевич -> Яков
        cands.append(stem[:-1])
    return cands


@lru_cache(maxsize=CACHE_SIZE)
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
                candidate = collapse_repeats(candidate)
                found = index.full_by_latin.get(candidate)
                males = sorted(c for c in found or () if index.rows[c].sex == "m")
                if males:
                    return males[0], sex
            return stem, sex
    return key, None


@lru_cache(maxsize=CACHE_SIZE)
def looks_like_patronymic(text: str, *, short: bool = False) -> bool:
    """True when a written word ends like a patronymic in any script (Петрович, Іванівна,
    Petrovych, Ivanovna). ``short`` also accepts the Russian "-ич" (Ильич, Кузьмич), which
    many surnames share, so only where a patronymic is expected."""
    key = to_latin_key(text).replace(" ", "")
    for suffix, _sex in _PATRONYMIC_SUFFIXES:
        if key.endswith(suffix) and (short or suffix != _SHORT_SUFFIX):
            return len(key) > len(suffix) + 1
    return False


def patronymic_key(text: str) -> str:
    """Return the canonical key of the father's given name (see :func:`patronymic_parts`)."""
    return patronymic_parts(text)[0]
