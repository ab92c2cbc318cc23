"""What changed between two versions of a list handed over: pure, over plain rows.

A version is a sequence of rows (mappings), one per person, each with a ``key`` that names the
person across versions (``case:12``, ``record:7``) and the fields of :data:`COMPARED_FIELDS`.
The rules:

- a key only in the newer version is an addition, only in the older a removal;
- a key in both whose compared fields differ is a correction, with each field's old → new;
- the order of the rows means nothing (a list re-sorted is the same list);
- values are compared as text, NFC-normalised and stripped, with None as "" (a name typed with
  a trailing space, or with a composed "й" instead of "и" + breve, reads the same on paper);
  letter case counts (a surname set right from capitals is a correction);
- the date of birth is compared as its ISO partial form (``2014``, ``2014-03``,
  ``2014-03-05``): a year made precise to the day is a correction.

A key twice in one version raises ValueError: an exchange lists each person once.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "COMPARED_FIELDS",
    "Correction",
    "FieldChange",
    "ListDiff",
    "diff_versions",
    "field_changes",
]

Row = Mapping[str, Any]

# The identity as handed over: every field a correction of the list may touch.
COMPARED_FIELDS = (
    "family_name",
    "given_name",
    "patronymic",
    "family_name_latin",
    "given_name_latin",
    "date_of_birth",
    "sex",
    "place_of_birth",
    "last_known_place",
    "region",
    "document_number",
    "category",
)


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class Correction:
    """A person in both versions whose identity as handed over changed."""

    key: str
    old: Row
    new: Row
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class ListDiff:
    """Added and removed rows in their versions' order, corrections in the newer's order."""

    added: tuple[Row, ...]
    removed: tuple[Row, ...]
    corrected: tuple[Correction, ...]
    unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.corrected)

    def only(self, keys: set[str]) -> ListDiff:
        """The same diff narrowed to these people (what one reader may see of it)."""
        return ListDiff(
            added=tuple(row for row in self.added if row["key"] in keys),
            removed=tuple(row for row in self.removed if row["key"] in keys),
            corrected=tuple(c for c in self.corrected if c.key in keys),
            unchanged=self.unchanged,
        )


def _text(value: Any) -> str:
    return unicodedata.normalize("NFC", "" if value is None else str(value)).strip()


def _by_key(rows: Iterable[Row]) -> dict[str, Row]:
    keyed: dict[str, Row] = {}
    for row in rows:
        key = row["key"]
        if key in keyed:
            raise ValueError(f"{key} is listed twice in one version")
        keyed[key] = row
    return keyed


def field_changes(old: Row, new: Row) -> tuple[FieldChange, ...]:
    """The compared fields that differ between two rows of one person, old → new."""
    changes = []
    for name in COMPARED_FIELDS:
        before, after = _text(old.get(name)), _text(new.get(name))
        if before != after:
            changes.append(FieldChange(name, before, after))
    return tuple(changes)


def diff_versions(old: Iterable[Row], new: Iterable[Row]) -> ListDiff:
    """What changed from ``old`` to ``new`` (two versions' rows), by the rules above."""
    before, after = _by_key(old), _by_key(new)
    corrected = []
    unchanged = 0
    for key, row in after.items():
        if key not in before:
            continue
        changes = field_changes(before[key], row)
        if changes:
            corrected.append(Correction(key, before[key], row, changes))
        else:
            unchanged += 1
    return ListDiff(
        added=tuple(row for key, row in after.items() if key not in before),
        removed=tuple(row for key, row in before.items() if key not in after),
        corrected=tuple(corrected),
        unchanged=unchanged,
    )
