"""A list's order as one query-string value: ``sort=name`` is by name A to Z, ``sort=-name``
Z to A. Each list names its sortable columns in a table of orderings; a value that is none of
them is the list's default, silently (an old bookmark or a hand-typed URL is no error).

Pure: no Flask, no database; the lists' tables hold the SQL expressions."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DESCENDING = "-"


@dataclass(frozen=True)
class Sort:
    key: str
    descending: bool = False

    @property
    def param(self) -> str:
        """This order as the query string writes it."""
        return f"{DESCENDING}{self.key}" if self.descending else self.key

    def toggled(self, key: str) -> str:
        """The ``sort`` value of a click on ``key``'s header: A to Z first, then the reverse."""
        return Sort(key, descending=key == self.key and not self.descending).param

    def aria(self, key: str) -> str | None:
        """``aria-sort`` for ``key``'s header: only the column the list is sorted by has one."""
        if key != self.key:
            return None
        return "descending" if self.descending else "ascending"


@dataclass(frozen=True)
class Fixed:
    """A column of an ordering that a reversal leaves as it is: "no date last" both ways."""

    column: Any


def parse_sort(value: str | None, keys: Collection[str], default: str) -> Sort:
    """``"-name"`` → Sort("name", descending=True); a key not in ``keys`` → ``default``."""
    for text in (value or "", default):
        key = text.strip().removeprefix(DESCENDING)
        if key in keys:
            return Sort(key, descending=text.strip().startswith(DESCENDING))
    raise ValueError(f"the default sort {default!r} is none of {sorted(keys)}")


def ordering(columns: Mapping[str, Sequence[Any]], sort: Sort) -> list[Any]:
    """The ORDER BY of ``sort``: every column of its key reversed together, the tie-breaker
    too, so that a descending order reads the same index backwards."""
    return [
        column.column
        if isinstance(column, Fixed)
        else column.desc()
        if sort.descending
        else column.asc()
        for column in columns[sort.key]
    ]
