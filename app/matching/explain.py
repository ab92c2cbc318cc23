"""Why two values are (or are not) the same, as codes that are translated when shown.

Explanations are stored with each match candidate and read in the reader's language, so they
are never stored as sentences: a :class:`Note` is a stable code (:class:`Code`) with the two
values it compares, a sign and a few parameters; :mod:`app.matching.notes` renders it through
gettext. Rewording a phrase is then a change of the catalogue, not of stored data.

Best effort: the reasons are for people, the keys of :mod:`app.names` are what matching uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, TypedDict

from rapidfuzz import fuzz

from app.names.given import (
    given_name_keys,
    given_name_row,
    is_diminutive,
    patronymic_parts,
)
from app.names.places import place_key, place_row, place_words
from app.names.surnames import surname_key
from app.names.text import fold, language_of, script_of, to_latin_key

__all__ = [
    "AgeValue",
    "Cap",
    "Code",
    "Flag",
    "Note",
    "Value",
    "age_value",
    "explain_name_pair",
    "swap_sides",
]


class Code(StrEnum):
    """Every reason the engine gives; the values are stored, so never rename one."""

    # Names (family, given, patronymic).
    SAME_SPELLING = "same_spelling"
    TRANSLITERATION = "transliteration"
    SPELLING_VARIANT = "spelling_variant"
    EQUIVALENT_FORM = "equivalent_form"
    DIMINUTIVE = "diminutive"
    RUSSIAN_SPELLING_OF_UKRAINIAN = "russian_spelling_of_ukrainian"
    UKRAINIAN_SPELLING_OF_RUSSIAN = "ukrainian_spelling_of_russian"
    RUSSIAN_FORM_OF_UKRAINIAN = "russian_form_of_ukrainian"
    UKRAINIAN_FORM_OF_RUSSIAN = "ukrainian_form_of_russian"
    SURNAME_GENDER_FORMS = "surname_gender_forms"
    DIFFERENT_SURNAMES = "different_surnames"  # percent
    DIFFERENT_NAMES = "different_names"  # percent
    SPELLING_MISTAKE = "spelling_mistake"  # percent
    SAME_FATHER = "same_father"  # father (the father's key)
    DIFFERENT_FATHERS = "different_fathers"  # father_left, father_right
    NAMES_SWAPPED = "names_swapped"
    # Places.
    SAME_NAME = "same_name"
    SAME_NAME_SEVERAL_PLACES = "same_name_several_places"
    FORMER_NAME = "former_name"  # place
    UKRAINIAN_AND_RUSSIAN_PLACE_NAMES = "ukrainian_and_russian_place_names"  # place
    NOT_IN_GAZETTEER = "not_in_gazetteer"  # place
    DIFFERENT_GAZETTEER_PLACES = "different_gazetteer_places"  # place_left, place_right
    SAME_OBLAST = "same_oblast"
    SIMILAR_UNKNOWN_PLACES = "similar_unknown_places"
    DIFFERENT_PLACES = "different_places"
    # Dates of birth, one per level of the scoring.
    SAME_DATE_OF_BIRTH = "same_date_of_birth"
    DAY_MONTH_SWAPPED = "day_month_swapped"
    YEAR_OFF_BY_ONE = "year_off_by_one"
    DAY_OR_MONTH_DIFFERS = "day_or_month_differs"
    ONE_DIGIT_DIFFERS = "one_digit_differs"
    DIFFERENT_DATES_OF_BIRTH = "different_dates_of_birth"
    SAME_YEAR = "same_year"
    SAME_MONTH_AND_YEAR = "same_month_and_year"
    AGE_FITS_YEAR = "age_fits_year"
    YEARS_A_YEAR_APART = "years_a_year_apart"
    YEARS_FAR_APART = "years_far_apart"
    # Sex.
    SAME_SEX = "same_sex"
    DIFFERENT_SEX = "different_sex"
    # Further fields compared as strings.
    SAME_VALUE = "same_value"
    CLOSE_VALUES = "close_values"
    DIFFERENT_VALUES = "different_values"
    # A sentence from before notes were codes that the data migration kept as written (text).
    TEXT = "text"


class Flag(StrEnum):
    """Qualifiers added to a reason."""

    OTHER_GENDER = "other_gender"  # the two spellings are the two gender forms
    ALIAS = "alias"  # the case's value is one of its other names


class Cap(StrEnum):
    """Why a pair was capped below the likely band (``Match.capped``; "" when it was not)."""

    SIBLINGS = "siblings"  # different given names: siblings and twins share everything else
    NAMESAKES = "namesakes"  # different dates of birth: namesakes share everything else


class AgeValue(TypedDict):
    """A date of birth known only as an age on a day (``on`` is ISO, None when unknown)."""

    age: int
    on: str | None


# A compared value as stored: text as written, or a structured value rendered per language.
Value = str | AgeValue
Param = str | int


def age_value(age: int, on: str | None) -> AgeValue:
    return {"age": age, "on": on}


@dataclass(frozen=True, slots=True)
class Note:
    """One field's reason: ``left sign right: code(params), flags``.

    ``left`` and ``right`` are the compared values in the order the note names them (the
    engine names the other side's first: a field's ``b``, then its ``a``); a note without a
    ``sign`` (the sex) names no values. Parameters whose names end in ``_left`` / ``_right``
    belong to one side and follow it in :meth:`swapped`. Frozen, but ``params`` is a plain
    mapping (it is stored as JSON), so a note is not hashable.
    """

    code: str
    left: Value = ""
    right: Value = ""
    sign: str = ""
    params: Mapping[str, Param] = field(default_factory=dict)
    flags: frozenset[str] = frozenset()

    def as_dict(self) -> dict[str, Any]:
        """The JSON stored in an explanation; empty parts are left out."""
        data: dict[str, Any] = {"code": str(self.code)}
        if self.sign or self.left or self.right:
            data.update(left=self.left, right=self.right, sign=self.sign)
        if self.params:
            data["params"] = dict(self.params)
        if self.flags:
            data["flags"] = sorted(str(flag) for flag in self.flags)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Note:
        """The inverse of :meth:`as_dict`, tolerant of missing or malformed parts (stored data
        outlives the code that wrote it)."""
        params = data.get("params")
        flags = data.get("flags")
        return cls(
            code=str(data.get("code") or ""),
            left=data.get("left") or "",
            right=data.get("right") or "",
            sign=str(data.get("sign") or ""),
            params=dict(params) if isinstance(params, Mapping) else {},
            flags=frozenset(map(str, flags)) if isinstance(flags, list | tuple) else frozenset(),
        )

    def with_flag(self, flag: Flag) -> Note:
        return replace(self, flags=self.flags | {flag})

    def swapped(self) -> Note:
        """The same note read from the other side."""
        params = {_other_side(name): value for name, value in self.params.items()}
        return replace(self, left=self.right, right=self.left, params=params)


def _other_side(name: str) -> str:
    if name.endswith("_left"):
        return name.removesuffix("_left") + "_right"
    if name.endswith("_right"):
        return name.removesuffix("_right") + "_left"
    return name


def swap_sides(explanation: Mapping[str, Any]) -> dict[str, Any]:
    """The explanation with the two sides exchanged: each field's values and its note's.

    A pair of cases is stored older case first whichever side the engine scored from."""
    return {**explanation, "fields": [_swap_field(f) for f in explanation.get("fields", [])]}


def _swap_field(item: Mapping[str, Any]) -> dict[str, Any]:
    swapped = {**item, "a": item.get("b", ""), "b": item.get("a", "")}
    note = item.get("note")
    if isinstance(note, Mapping):
        swapped["note"] = Note.from_dict(note).swapped().as_dict()
    return swapped


def _language_pair(a: str, b: str) -> tuple[str | None, str | None]:
    la, lb = language_of(a), language_of(b)
    if la and not lb:
        lb = "ru" if la == "uk" else "uk"
    elif lb and not la:
        la = "ru" if lb == "uk" else "uk"
    return la, lb


# (language of the spelling, language of the name it spells) -> the code saying so.
_SPELLING_ACROSS = {
    ("ru", "uk"): Code.RUSSIAN_SPELLING_OF_UKRAINIAN,
    ("uk", "ru"): Code.UKRAINIAN_SPELLING_OF_RUSSIAN,
}


def _spelling_reason(a: str, b: str) -> Code:
    if fold(a) == fold(b):
        return Code.SAME_SPELLING
    if (script_of(a) == "latin") != (script_of(b) == "latin"):
        return Code.TRANSLITERATION
    if script_of(a) == "cyrillic" and script_of(b) == "cyrillic":
        la, lb = _language_pair(a, b)
        if la and lb and la != lb:
            return _SPELLING_ACROSS[la, lb]
    return Code.SPELLING_VARIANT


def _similarity(a: str, b: str) -> int:
    return round(fuzz.ratio(to_latin_key(a), to_latin_key(b)))


def _explain_surname(a: str, b: str) -> Note:
    if surname_key(a) != surname_key(b):
        return Note(Code.DIFFERENT_SURNAMES, a, b, "≠", {"percent": _similarity(a, b)})
    if fold(a) == fold(b):
        return Note(Code.SAME_SPELLING, a, b, "=")
    reason = _spelling_reason(a, b)
    flags: frozenset[str] = frozenset()
    if to_latin_key(a) != to_latin_key(b) and reason in (
        Code.SPELLING_VARIANT,
        Code.SAME_SPELLING,
    ):
        reason = Code.SURNAME_GENDER_FORMS
    elif to_latin_key(a) != to_latin_key(b) and _forms_differ_by_ending(a, b):
        flags = frozenset({Flag.OTHER_GENDER})
    sign = "=" if reason == Code.TRANSLITERATION and not flags else "≈"
    return Note(reason, a, b, sign, flags=flags)


def _forms_differ_by_ending(a: str, b: str) -> bool:
    ka, kb = to_latin_key(a), to_latin_key(b)
    return ka[-1:] != kb[-1:] and (ka.endswith("a") or kb.endswith("a"))


def _explain_given(a: str, b: str) -> Note:
    keys_a, keys_b = given_name_keys(a), given_name_keys(b)
    shared = keys_a & keys_b
    if not shared:
        return Note(Code.DIFFERENT_NAMES, a, b, "≠", {"percent": _similarity(a, b)})
    if fold(a) == fold(b):
        return Note(Code.SAME_SPELLING, a, b, "=")
    rows = [row for row in map(given_name_row, sorted(shared)) if row is not None]
    also: dict[str, Param] = {}
    if len(keys_a | keys_b) > 1 and rows:
        others = sorted((keys_a | keys_b) - {rows[0].canonical})
        names = [row.variants[0] for row in map(given_name_row, others) if row is not None]
        if names:
            also["also"] = ", ".join(names)
    if is_diminutive(a) or is_diminutive(b):
        return Note(Code.DIMINUTIVE, a, b, "=", also)
    if not rows:
        return Note(_spelling_reason(a, b), a, b, "=")
    reason = _spelling_reason(a, b)
    if reason == Code.SPELLING_VARIANT:
        reason = Code.EQUIVALENT_FORM
    uk_form = fold(rows[0].variants[0])
    if script_of(a) == script_of(b) == "cyrillic" and uk_form in (fold(a), fold(b)):
        other = b if fold(a) == uk_form else a
        if language_of(other) != "uk":
            reason = (
                Code.RUSSIAN_FORM_OF_UKRAINIAN if other == a else Code.UKRAINIAN_FORM_OF_RUSSIAN
            )
    return Note(reason, a, b, "=", also)


def _explain_patronymic(a: str, b: str) -> Note:
    (fa, sa), (fb, sb) = patronymic_parts(a), patronymic_parts(b)
    if fa != fb:
        return Note(Code.DIFFERENT_FATHERS, a, b, "≠", {"father_left": fa, "father_right": fb})
    flags = frozenset() if sa == sb or not sa or not sb else frozenset({Flag.OTHER_GENDER})
    return Note(Code.SAME_FATHER, a, b, "=", {"father": fa}, flags)


def _explain_place(a: str, b: str) -> Note:
    ka, kb = place_key(a), place_key(b)
    if ka is None or kb is None:
        return Note(Code.NOT_IN_GAZETTEER, a, b, "?", {"place": a if ka is None else b})
    if ka != kb:
        return Note(
            Code.DIFFERENT_GAZETTEER_PLACES, a, b, "≠", {"place_left": ka, "place_right": kb}
        )
    place = place_row(ka)
    assert place is not None  # noqa: S101 - place_key returns keys of the gazetteer
    former = {to_latin_key(name) for name in place.former}
    current = {to_latin_key(place.uk), to_latin_key(place.ru), to_latin_key(place.en)}
    tokens_a = place_words(a)
    tokens_b = place_words(b)
    la, lb = to_latin_key(tokens_a), to_latin_key(tokens_b)
    if (la in former and la not in current) or (lb in former and lb not in current):
        return Note(Code.FORMER_NAME, a, b, "=", {"place": place.uk})
    if la == lb:
        same = fold(tokens_a) == fold(tokens_b)
        return Note(Code.SAME_NAME if same else Code.TRANSLITERATION, a, b, "=")
    return Note(Code.UKRAINIAN_AND_RUSSIAN_PLACE_NAMES, a, b, "=", {"place": place.uk})


_EXPLAINERS = {
    "surname": _explain_surname,
    "given": _explain_given,
    "patronymic": _explain_patronymic,
    "place": _explain_place,
}


def explain_name_pair(a: str, b: str, kind: str) -> Note:
    """How two spellings relate, as a :class:`Note` naming ``a`` first.

    ``kind`` is ``"surname"``, ``"given"``, ``"patronymic"`` or ``"place"``. Examples (as
    rendered in English): "Лысенко ≈ Лисенко: Russian spelling of the Ukrainian name",
    "Саша = Олександр: diminutive (also Олександра)", "Oleksandr = Олександр: transliteration".
    """
    try:
        explainer = _EXPLAINERS[kind]
    except KeyError:
        raise ValueError(f"unknown kind {kind!r}; expected one of {sorted(_EXPLAINERS)}") from None
    return explainer(a.strip(), b.strip())
