"""The engine's explanations in the reader's language.

The engine stores codes, never sentences (:mod:`app.matching.explain`); this module turns them
into text when a page is rendered, through gettext, so a Ukrainian caseworker reads a Ukrainian
explanation and rewording a phrase only changes the catalogue. Whatever it is given, it renders
something: a code it does not know (written by a newer or an older engine) shows as the code with
its values, never as an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import LazyString, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.formats import day_formatter, format_day
from app.i18n import translated
from app.matching.explain import Cap, Code, Flag
from app.matching.labels import level_class
from app.names.given import given_name_row
from app.names.places import place_row

__all__ = ["NoteWriter", "render_capped", "render_date", "render_note", "render_value"]
__all__ += ["shown_notes"]

# One template per code; the parameters are the note's (see app.matching.explain.Code).
REASONS: dict[str, LazyString] = {
    Code.SAME_SPELLING: _l("same spelling"),
    Code.TRANSLITERATION: _l("transliteration"),
    Code.SPELLING_VARIANT: _l("spelling variant"),
    Code.EQUIVALENT_FORM: _l("equivalent form"),
    Code.DIMINUTIVE: _l("diminutive"),
    Code.RUSSIAN_SPELLING_OF_UKRAINIAN: _l("Russian spelling of the Ukrainian name"),
    Code.UKRAINIAN_SPELLING_OF_RUSSIAN: _l("Ukrainian spelling of the Russian name"),
    Code.RUSSIAN_FORM_OF_UKRAINIAN: _l("Russian form of the Ukrainian name"),
    Code.UKRAINIAN_FORM_OF_RUSSIAN: _l("Ukrainian form of the Russian name"),
    Code.SURNAME_GENDER_FORMS: _l("masculine and feminine forms of the surname"),
    Code.DIFFERENT_SURNAMES: _l("different surnames (%(percent)s%% similar)"),
    Code.DIFFERENT_NAMES: _l("different names (%(percent)s%% similar)"),
    Code.SPELLING_MISTAKE: _l(
        "a spelling mistake or a variant not in the table (%(percent)s%% similar)"
    ),
    Code.SAME_FATHER: _l("same father's name (%(father)s)"),
    Code.DIFFERENT_FATHERS: _l("different fathers' names (%(father_left)s / %(father_right)s)"),
    Code.NAMES_SWAPPED: _l("family and given names swapped in the record"),
    Code.SAME_NAME: _l("same name"),
    Code.SAME_NAME_SEVERAL_PLACES: _l("same name (several places have it)"),
    Code.FORMER_NAME: _l("former name of %(place)s"),
    Code.UKRAINIAN_AND_RUSSIAN_PLACE_NAMES: _l("Ukrainian and Russian names of %(place)s"),
    Code.NOT_IN_GAZETTEER: _l("%(place)s is not in the gazetteer"),
    Code.DIFFERENT_GAZETTEER_PLACES: _l("different places (%(place_left)s / %(place_right)s)"),
    Code.SAME_OBLAST: _l("same oblast, different settlements"),
    Code.SIMILAR_UNKNOWN_PLACES: _l("similar place names not in the gazetteer"),
    Code.DIFFERENT_PLACES: _l("different places"),
    Code.SAME_DATE_OF_BIRTH: _l("same date of birth"),
    Code.DAY_MONTH_SWAPPED: _l("day and month swapped"),
    Code.YEAR_OFF_BY_ONE: _l("year off by one"),
    Code.DAY_OR_MONTH_DIFFERS: _l("same year, day or month differs"),
    Code.ONE_DIGIT_DIFFERS: _l("one digit differs"),
    Code.DIFFERENT_DATES_OF_BIRTH: _l("different dates of birth"),
    Code.SAME_YEAR: _l("same year (the rest unknown)"),
    Code.SAME_MONTH_AND_YEAR: _l("same month and year (the day unknown)"),
    Code.AGE_FITS_YEAR: _l("age fits the year of birth"),
    Code.YEARS_A_YEAR_APART: _l("years a year apart"),
    Code.YEARS_FAR_APART: _l("years far apart"),
    Code.SAME_SEX: _l("same sex"),
    Code.DIFFERENT_SEX: _l("different sex"),
    Code.SAME_VALUE: _l("same value"),
    Code.CLOSE_VALUES: _l("one or two characters differ"),
    Code.DIFFERENT_VALUES: _l("different values"),
}

# Endings after the reason: the gender form, the other names (``also``), the alias.
FLAGS: dict[str, LazyString] = {
    Flag.OTHER_GENDER: _l(", other gender form"),
    Flag.ALIAS: _l(" (another name of the case: an alias)"),
}
_ALSO = _l(" (also %(names)s)")

CAPS: dict[str, LazyString] = {
    Cap.SIBLINGS: _l("different given names: siblings or twins share everything else"),
    Cap.NAMESAKES: _l("different dates of birth: namesakes share everything else"),
}

# The words of the notes, translated once per language (app.i18n.translated).
_WORDS = {"reasons": REASONS, "endings": {**FLAGS, "also": _ALSO}}


def render_note(note: Mapping[str, Any] | str | None) -> str:
    """A stored note (``Note.as_dict()``) as one line in the current language: "Лысенко ≈
    Лисенко: Russian spelling of the Ukrainian name". Text is shown as it is."""
    return NoteWriter().note(note)


def shown_notes(candidate: Any, n: int = 3) -> list[tuple[str, str]]:
    """The fields of a candidate's explanation that weighed most (for or against), strongest
    first, each as its CSS class and its note in the reader's language."""
    return NoteWriter().shown(candidate, n)


class NoteWriter:
    """Notes in the current language, for one page: the words translated once per language
    (:func:`app.i18n.translated`) and each date of birth worded once for the page.

    A note was parsed into a :class:`Note`, its template translated again through a lazy
    string and its dates worded anew: some fifty calls a note, three notes a row, a sixth of
    the match queue's Python. It reads the stored dict as it is, with the same tolerance of
    missing or malformed parts as :meth:`Note.from_dict`. Nothing is kept past the page (the
    notes name people: their values are what the two sides say)."""

    __slots__ = ("_day", "_days", "_endings", "_reasons")

    def __init__(self) -> None:
        words = translated(_WORDS)
        self._reasons: Mapping[str, str] = words["reasons"]
        self._endings: Mapping[str, str] = words["endings"]
        self._day = day_formatter()
        self._days: dict[str, str] = {}

    def shown(self, candidate: Any, n: int = 3) -> list[tuple[str, str]]:
        """:func:`shown_notes` of ``candidate`` (anything with an ``explanation``)."""
        fields = candidate.explanation.get("fields") or []
        # Strongest first, equals in their stored order (a stable sort by weight, reversed);
        # the weights in a list rather than a key function, called once a field.
        weights = [-abs(field.get("bits") or 0) for field in fields]
        top = sorted(range(len(fields)), key=weights.__getitem__)[:n]
        shown = []
        for i in top:
            field = fields[i]
            level, note = field.get("level", ""), field.get("note")
            shown.append((level_class(level), self.note(note) if note else level))
        return shown

    def note(self, note: Mapping[str, Any] | str | None) -> str:
        """:func:`render_note` of ``note``."""
        if not note:
            return ""
        # A stored note is a dict: the exact type first, before the abstract class's check.
        if type(note) is not dict and not isinstance(note, Mapping):
            return str(note)
        code = str(note.get("code") or "")
        reason = self._reason(code, note.get("params"), note.get("flags"))
        sign = note.get("sign")
        if not sign:
            return reason
        left, right = note.get("left") or "", note.get("right") or ""
        if code in DATE_CODES:
            days, day = self._days, self._day
            if type(left) is str:
                left = days[left] if left in days else days.setdefault(left, day(left))
            else:
                left = render_value(left)
            if type(right) is str:
                right = days[right] if right in days else days.setdefault(right, day(right))
            else:
                right = render_value(right)
        else:
            left = left if type(left) is str else render_value(left)
            right = right if type(right) is str else render_value(right)
        return f"{left} {sign} {right}: {reason}"

    def _reason(self, code: str, raw_params: object, raw_flags: object) -> str:
        params = dict(raw_params) if raw_params and isinstance(raw_params, Mapping) else {}
        if code == Code.TEXT:
            return str(params.get("text", ""))
        also = None
        if params:
            for name, show in _KEY_PARAMS.items():
                if name in params:
                    params[name] = show(params[name])
            also = params.pop("also", None)
        text = _format(self._reasons.get(code), params) or _unknown(code, params)
        if not (also or raw_flags):
            return text
        flags = frozenset(map(str, raw_flags)) if isinstance(raw_flags, list | tuple) else ()
        parts = [text]
        if Flag.OTHER_GENDER in flags:
            parts.append(self._endings[Flag.OTHER_GENDER])
        if also:
            parts.append(_format(self._endings["also"], {"names": also}) or f" ({also})")
        if Flag.ALIAS in flags:
            parts.append(self._endings[Flag.ALIAS])
        parts.extend(f" ({flag})" for flag in sorted(set(flags) - set(FLAGS)))
        return "".join(parts)


# The notes on dates of birth, whose values are ISO partial dates ("2014-03-12", "2014-03").
DATE_CODES = frozenset(
    {
        Code.SAME_DATE_OF_BIRTH,
        Code.DAY_MONTH_SWAPPED,
        Code.YEAR_OFF_BY_ONE,
        Code.DAY_OR_MONTH_DIFFERS,
        Code.ONE_DIGIT_DIFFERS,
        Code.DIFFERENT_DATES_OF_BIRTH,
        Code.SAME_YEAR,
        Code.SAME_MONTH_AND_YEAR,
        Code.AGE_FITS_YEAR,
        Code.YEARS_A_YEAR_APART,
        Code.YEARS_FAR_APART,
    }
)


def _given_name(key: object) -> object:
    """A given-name key of the table ("serhii") as the name it stands for (Сергій): keys are
    for matching, not for people."""
    row = given_name_row(key) if isinstance(key, str) else None
    return row.variants[0] if row is not None and row.variants else key


def _place(key: object) -> object:
    """A gazetteer key ("oleshky") as the place's name in the reader's language."""
    place = place_row(key) if isinstance(key, str) else None
    if place is None:
        return key
    locale = get_locale()
    return place.uk if locale is None or locale.language == "uk" else place.en


# Parameters that hold keys, and how each is shown.
_KEY_PARAMS = {
    "father": _given_name,
    "father_left": _given_name,
    "father_right": _given_name,
    "place_left": _place,
    "place_right": _place,
}


def _format(template: str | None, params: Mapping[str, Any]) -> str | None:
    """The template filled in, or None when there is none or it asks for a missing parameter."""
    if template is None:
        return None
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return None


def _unknown(code: str, params: Mapping[str, Any]) -> str:
    details = ", ".join(f"{name}: {value}" for name, value in params.items())
    return f"{code} ({details})" if details else code


def render_capped(code: object) -> str:
    """Why a pair was capped below the likely band, in the current language (a text that is not
    a known code is shown as it is)."""
    if not code:
        return ""
    template = CAPS.get(code) if isinstance(code, str) else None
    return str(template) if template is not None else str(code)


def render_date(value: object) -> str:
    """A compared date of birth (ISO, partial) or age, in the reader's format."""
    return format_day(value) if isinstance(value, str) else render_value(value)


def render_value(value: object) -> str:
    """A compared value: text as written, an age on a day in the current language."""
    if value is None:
        return ""
    if isinstance(value, Mapping):
        if "age" in value:
            if value.get("on"):
                return _("age %(age)s on %(on)s", age=value["age"], on=format_day(value["on"]))
            return _("age %(age)s", age=value["age"])
        return ", ".join(f"{name}: {part}" for name, part in value.items())
    return str(value)
