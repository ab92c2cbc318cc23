"""match explanations are stored as codes, not English sentences

Revision ID: 5c0d3e7a1b2c
Revises: 87e3a4059470
Create Date: 2026-11-30 10:00:00.000000

Until this revision the engine stored each field's note as an English sentence ("ЛЫСЕНКО ≈
Лисенко: Russian spelling of the Ukrainian name"), the cap as a sentence and an age as
"age 7 on 2014-03-05"; the pages translated them back with regular expressions. They are now a
code with parameters (app.matching.explain.Note), rendered through gettext. This revision
rewrites what is stored, with a frozen copy of the phrases the engine wrote until now: it
must not import the application, whose codes may change after it.

A note it cannot read keeps its sentence as code "text" (shown as written). Rows already in the
new form are left alone, so running it twice changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5c0d3e7a1b2c"
down_revision = "87e3a4059470"
branch_labels = None
depends_on = None

BATCH = 500

# --- the engine's sentences until this revision (frozen) --------------------------------------

# (the whole reason, its code, the names of its groups as parameters); the first match wins.
_REASONS: list[tuple[re.Pattern[str], str, tuple[str, ...]]] = [
    (re.compile(r"same spelling"), "same_spelling", ()),
    (re.compile(r"transliteration"), "transliteration", ()),
    (re.compile(r"spelling variant"), "spelling_variant", ()),
    (re.compile(r"equivalent form"), "equivalent_form", ()),
    (re.compile(r"diminutive"), "diminutive", ()),
    (
        re.compile(r"Russian spelling of the Ukrainian name"),
        "russian_spelling_of_ukrainian",
        (),
    ),
    (
        re.compile(r"Ukrainian spelling of the Russian name"),
        "ukrainian_spelling_of_russian",
        (),
    ),
    (re.compile(r"Russian form of the Ukrainian name"), "russian_form_of_ukrainian", ()),
    (re.compile(r"Ukrainian form of the Russian name"), "ukrainian_form_of_russian", ()),
    (
        re.compile(r"masculine and feminine forms of the surname"),
        "surname_gender_forms",
        (),
    ),
    (re.compile(r"different surnames \((\d+)% similar\)"), "different_surnames", ("percent",)),
    (re.compile(r"different names \((\d+)% similar\)"), "different_names", ("percent",)),
    (
        re.compile(r"a spelling mistake or a variant not in the table \((\d+)% similar\)"),
        "spelling_mistake",
        ("percent",),
    ),
    (
        re.compile(r"different fathers' names \((.*) / (.*)\)"),
        "different_fathers",
        ("father_left", "father_right"),
    ),
    (re.compile(r"same father's name \((.*)\)"), "same_father", ("father",)),
    (re.compile(r"(.*) is not in the gazetteer"), "not_in_gazetteer", ("place",)),
    (
        re.compile(r"different places \((.*) / (.*)\)"),
        "different_gazetteer_places",
        ("place_left", "place_right"),
    ),
    (re.compile(r"former name of (.*)"), "former_name", ("place",)),
    (re.compile(r"same name \(several places have it\)"), "same_name_several_places", ()),
    (re.compile(r"same name"), "same_name", ()),
    (
        re.compile(r"Ukrainian and Russian names of (.*)"),
        "ukrainian_and_russian_place_names",
        ("place",),
    ),
    (re.compile(r"family and given names swapped in the record"), "names_swapped", ()),
    (re.compile(r"same date of birth"), "same_date_of_birth", ()),
    (re.compile(r"day and month swapped"), "day_month_swapped", ()),
    (re.compile(r"year off by one"), "year_off_by_one", ()),
    (re.compile(r"same year, day or month differs"), "day_or_month_differs", ()),
    (re.compile(r"one digit differs"), "one_digit_differs", ()),
    (re.compile(r"different dates of birth"), "different_dates_of_birth", ()),
    (re.compile(r"same year \(the rest unknown\)"), "same_year", ()),
    (re.compile(r"same month and year \(the day unknown\)"), "same_month_and_year", ()),
    (re.compile(r"age fits the year of birth"), "age_fits_year", ()),
    (re.compile(r"years a year apart"), "years_a_year_apart", ()),
    (re.compile(r"years far apart"), "years_far_apart", ()),
    (re.compile(r"same oblast, different settlements"), "same_oblast", ()),
    (re.compile(r"similar place names not in the gazetteer"), "similar_unknown_places", ()),
    # Written for places with nothing in common; the old pages never translated it.
    (re.compile(r"different places"), "different_places", ()),
    (re.compile(r"same value"), "same_value", ()),
    (re.compile(r"one or two characters differ"), "close_values", ()),
    (re.compile(r"different values"), "different_values", ()),
]
_WHOLE = {"same sex": "same_sex", "different sex": "different_sex"}
_SIGNS = ("=", "≈", "≠", "?", "/")
_OTHER_GENDER = ", other gender form"
_ALIAS = " (another name of the case: an alias)"
_ALSO = re.compile(r" \(also (.*)\)$")
_HEAD = re.compile(r"(.*?) ([=≈≠?/]) (.*?): (.*)", re.DOTALL)
_AGE = re.compile(r"age (\d+) on (\S+)")
# The cap sentences began with the conflict that caused them.
_CAPS = (("different given names", "siblings"), ("different dates of birth", "namesakes"))


def convert_explanation(explanation: Any) -> Any:
    """One stored explanation in the new form (unchanged when there is nothing to convert)."""
    if not isinstance(explanation, dict):
        return explanation
    converted = dict(explanation)
    capped = explanation.get("capped")
    if isinstance(capped, str):
        converted["capped"] = _cap(capped)
    fields = explanation.get("fields")
    if isinstance(fields, list):
        converted["fields"] = [_field(f) if isinstance(f, dict) else f for f in fields]
    return converted


def _cap(text: str) -> str:
    for start, code in _CAPS:
        if text.startswith(start):
            return code
    return text  # "" (no cap), already a code, or a sentence shown as written


def _field(item: dict[str, Any]) -> dict[str, Any]:
    converted = dict(item)
    value: Callable[[Any], Any] = _value if item.get("field") == "date_of_birth" else _same
    for side in ("a", "b"):
        if side in item:
            converted[side] = value(item[side])
    note = item.get("note")
    if isinstance(note, str) and note:
        converted["note"] = _note(note, item, value)
    return converted


def _same(value: Any) -> Any:
    return value


def _value(value: Any) -> Any:
    """ "age 7 on 2014-03-05" as {"age": 7, "on": "2014-03-05"} ("?": the day unknown)."""
    match = _AGE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return value
    return {"age": int(match[1]), "on": None if match[2] == "?" else match[2]}


def _note(note: str, item: dict[str, Any], value: Callable[[Any], Any]) -> dict[str, Any]:
    if note in _WHOLE:
        return {"code": _WHOLE[note]}
    head = _split(note, item)
    parsed = _reason(head[3]) if head else None
    if head is None or parsed is None:
        return {"code": "text", "params": {"text": note}}
    left, sign, right, _reason_text = head
    code, params, flags = parsed
    converted: dict[str, Any] = {
        "code": code,
        "left": value(left),
        "right": value(right),
        "sign": sign,
    }
    if params:
        converted["params"] = params
    if flags:
        converted["flags"] = sorted(flags)
    return converted


def _split(note: str, item: dict[str, Any]) -> tuple[str, str, str, str] | None:
    """(left, sign, right, reason): by the field's own values where they fit (a value may hold
    a sign or a colon), else at the first sign and the first colon after it."""
    a, b = item.get("a"), item.get("b")
    if isinstance(a, str) and isinstance(b, str):
        for left, right in ((b, a), (a, b), (b.strip(), a.strip()), (a.strip(), b.strip())):
            for sign in _SIGNS:
                start = f"{left} {sign} {right}: "
                if note.startswith(start):
                    return left, sign, right, note[len(start) :]
    match = _HEAD.fullmatch(note)
    return (match[1], match[2], match[3], match[4]) if match else None


def _reason(text: str) -> tuple[str, dict[str, Any], set[str]] | None:
    params: dict[str, Any] = {}
    flags: set[str] = set()
    if text.endswith(_ALIAS):
        text = text[: -len(_ALIAS)]
        flags.add("alias")
    also = _ALSO.search(text)
    if also:
        text = text[: also.start()]
        params["also"] = also[1]
    if text.endswith(_OTHER_GENDER):
        text = text[: -len(_OTHER_GENDER)]
        flags.add("other_gender")
    for pattern, code, names in _REASONS:
        match = pattern.fullmatch(text)
        if match:
            for name, group in zip(names, match.groups(), strict=True):
                params[name] = int(group) if name == "percent" else group
            return code, params, flags
    return None


# --- the rows -------------------------------------------------------------------------------

_candidates = sa.table(
    "match_candidate",
    sa.column("id", sa.Integer),
    sa.column("explanation", sa.JSON),
)


def convert_all(connection: sa.Connection, batch: int = BATCH) -> int:
    """Convert every stored explanation, ``batch`` rows at a time; returns how many changed."""
    changed = 0
    last_id = 0
    update = (
        _candidates.update()
        .where(_candidates.c.id == sa.bindparam("row_id"))
        .values(explanation=sa.bindparam("new_explanation"))
    )
    while True:
        rows = connection.execute(
            sa.select(_candidates.c.id, _candidates.c.explanation)
            .where(_candidates.c.id > last_id)
            .order_by(_candidates.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return changed
        updates = []
        for row_id, explanation in rows:
            converted = convert_explanation(explanation)
            if converted != explanation:
                updates.append({"row_id": row_id, "new_explanation": converted})
        if updates:
            connection.execute(update, updates)
            changed += len(updates)
        last_id = rows[-1][0]


def upgrade():
    convert_all(op.get_bind())


def downgrade():
    # Nothing to undo in the schema; the English sentences are not written back (the code that
    # read them is gone with this revision, and the codes render in English anyway).
    pass
