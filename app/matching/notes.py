"""The engine's explanation notes in the reader's language.

The engine writes each note once, in English, when it stores a candidate ("ЛЫСЕНКО ≈ Лисенко:
Russian spelling of the Ukrainian name"); the values are names and dates, the reason after
the colon is one of a fixed set of phrases with a few parameters. :func:`translate_note`
recognises those phrases and renders them through gettext at display time, so a Ukrainian
caseworker reads a Ukrainian explanation. A phrase it does not know stays as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _

__all__ = ["translate_note"]

Render = Callable[[re.Match[str]], str]


# (pattern of the whole reason, how to render it); the first that matches wins.
_REASONS: list[tuple[re.Pattern[str], Render]] = [
    (re.compile(r"same spelling"), lambda m: _("same spelling")),
    (re.compile(r"transliteration"), lambda m: _("transliteration")),
    (re.compile(r"spelling variant"), lambda m: _("spelling variant")),
    (re.compile(r"equivalent form"), lambda m: _("equivalent form")),
    (re.compile(r"diminutive"), lambda m: _("diminutive")),
    (
        re.compile(r"Russian spelling of the Ukrainian name"),
        lambda m: _("Russian spelling of the Ukrainian name"),
    ),
    (
        re.compile(r"Ukrainian spelling of the Russian name"),
        lambda m: _("Ukrainian spelling of the Russian name"),
    ),
    (
        re.compile(r"Russian form of the Ukrainian name"),
        lambda m: _("Russian form of the Ukrainian name"),
    ),
    (
        re.compile(r"Ukrainian form of the Russian name"),
        lambda m: _("Ukrainian form of the Russian name"),
    ),
    (
        re.compile(r"masculine and feminine forms of the surname"),
        lambda m: _("masculine and feminine forms of the surname"),
    ),
    (
        re.compile(r"different surnames \((\d+)% similar\)"),
        lambda m: _("different surnames (%(n)s%% similar)", n=m[1]),
    ),
    (
        re.compile(r"different names \((\d+)% similar\)"),
        lambda m: _("different names (%(n)s%% similar)", n=m[1]),
    ),
    (
        re.compile(r"a spelling mistake or a variant not in the table \((\d+)% similar\)"),
        lambda m: _("a spelling mistake or a variant not in the table (%(n)s%% similar)", n=m[1]),
    ),
    (
        re.compile(r"different fathers' names \((.*) / (.*)\)"),
        lambda m: _("different fathers' names (%(a)s / %(b)s)", a=m[1], b=m[2]),
    ),
    (re.compile(r"same father's name \((.*)\)"), lambda m: _("same father's name (%(a)s)", a=m[1])),
    (
        re.compile(r"(.*) is not in the gazetteer"),
        lambda m: _("%(a)s is not in the gazetteer", a=m[1]),
    ),
    (
        re.compile(r"different places \((.*) / (.*)\)"),
        lambda m: _("different places (%(a)s / %(b)s)", a=m[1], b=m[2]),
    ),
    (re.compile(r"former name of (.*)"), lambda m: _("former name of %(a)s", a=m[1])),
    (
        re.compile(r"same name \(several places have it\)"),
        lambda m: _("same name (several places have it)"),
    ),
    (re.compile(r"same name"), lambda m: _("same name")),
    (
        re.compile(r"Ukrainian and Russian names of (.*)"),
        lambda m: _("Ukrainian and Russian names of %(a)s", a=m[1]),
    ),
    (
        re.compile(r"family and given names swapped in the record"),
        lambda m: _("family and given names swapped in the record"),
    ),
    (re.compile(r"same date of birth"), lambda m: _("same date of birth")),
    (re.compile(r"day and month swapped"), lambda m: _("day and month swapped")),
    (re.compile(r"year off by one"), lambda m: _("year off by one")),
    (
        re.compile(r"same year, day or month differs"),
        lambda m: _("same year, day or month differs"),
    ),
    (re.compile(r"one digit differs"), lambda m: _("one digit differs")),
    (re.compile(r"different dates of birth"), lambda m: _("different dates of birth")),
    (re.compile(r"same year \(the rest unknown\)"), lambda m: _("same year (the rest unknown)")),
    (
        re.compile(r"same month and year \(the day unknown\)"),
        lambda m: _("same month and year (the day unknown)"),
    ),
    (re.compile(r"age fits the year of birth"), lambda m: _("age fits the year of birth")),
    (re.compile(r"years a year apart"), lambda m: _("years a year apart")),
    (re.compile(r"years far apart"), lambda m: _("years far apart")),
    (
        re.compile(r"same oblast, different settlements"),
        lambda m: _("same oblast, different settlements"),
    ),
    (
        re.compile(r"similar place names not in the gazetteer"),
        lambda m: _("similar place names not in the gazetteer"),
    ),
    (re.compile(r"same value"), lambda m: _("same value")),
    (re.compile(r"one or two characters differ"), lambda m: _("one or two characters differ")),
    (re.compile(r"different values"), lambda m: _("different values")),
]

# Whole notes without values.
_WHOLE = {"same sex": lambda: _("same sex"), "different sex": lambda: _("different sex")}

# Endings the engine appends to a reason.
_OTHER_GENDER = ", other gender form"
_ALIAS = " (another name of the case: an alias)"
_ALSO = re.compile(r" \(also (.*)\)$")


def _reason(text: str) -> str | None:
    suffix = ""
    if text.endswith(_ALIAS):
        text, suffix = text[: -len(_ALIAS)], _(" (another name of the case: an alias)")
    also = _ALSO.search(text)
    if also:
        text, suffix = text[: also.start()], _(" (also %(names)s)", names=also[1]) + suffix
    if text.endswith(_OTHER_GENDER):
        text, suffix = text[: -len(_OTHER_GENDER)], _(", other gender form") + suffix
    for pattern, render in _REASONS:
        match = pattern.fullmatch(text)
        if match:
            return render(match) + suffix
    return None


def translate_note(note: str) -> str:
    """The note with its reason in the current language (unchanged if not recognised)."""
    if not note:
        return note
    if note in _WHOLE:
        return _WHOLE[note]()
    head, sep, reason = note.partition(": ")
    if not sep:
        return note
    translated = _reason(reason)
    return f"{head}: {translated}" if translated is not None else note
