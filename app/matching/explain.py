"""Why two spellings are (or are not) the same name or place, in one short line for reviewers.

Best effort: the wording is for people, the keys of :mod:`app.names` are what matching uses.
"""

from __future__ import annotations

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

__all__ = ["explain_name_pair"]


def _language_pair(a: str, b: str) -> tuple[str | None, str | None]:
    la, lb = language_of(a), language_of(b)
    if la and not lb:
        lb = "ru" if la == "uk" else "uk"
    elif lb and not la:
        la = "ru" if lb == "uk" else "uk"
    return la, lb


_LANGUAGE_NAMES = {"uk": "Ukrainian", "ru": "Russian"}


def _spelling_reason(a: str, b: str, what: str) -> str:
    if fold(a) == fold(b):
        return "same spelling"
    if (script_of(a) == "latin") != (script_of(b) == "latin"):
        return "transliteration"
    if script_of(a) == "cyrillic" and script_of(b) == "cyrillic":
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
    rows = [row for row in map(given_name_row, sorted(shared)) if row is not None]
    also = ""
    if len(keys_a | keys_b) > 1 and rows:
        others = sorted((keys_a | keys_b) - {rows[0].canonical})
        names = [row.variants[0] for row in map(given_name_row, others) if row is not None]
        if names:
            also = f" (also {', '.join(names)})"
    if is_diminutive(a) or is_diminutive(b):
        return f"{a} = {b}: diminutive{also}"
    if not rows:
        return f"{a} = {b}: {_spelling_reason(a, b, 'name')}"
    reason = _spelling_reason(a, b, "name")
    if reason == "spelling variant":
        reason = "equivalent form"
    uk_form = fold(rows[0].variants[0])
    if script_of(a) == script_of(b) == "cyrillic" and uk_form in (fold(a), fold(b)):
        other = b if fold(a) == uk_form else a
        lang = language_of(other)
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
    place = place_row(ka)
    assert place is not None  # noqa: S101 - place_key returns keys of the gazetteer
    former = {to_latin_key(name) for name in place.former}
    current = {to_latin_key(place.uk), to_latin_key(place.ru), to_latin_key(place.en)}
    tokens_a = place_words(a)
    tokens_b = place_words(b)
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
