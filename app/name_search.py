"""Name search in SQL: the owners (cases, partner records) of every word of a query, through
their tables of name keys (see :mod:`app.names.keys`): one indexed lookup per word, the
lookups intersected, never a scan of the names themselves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CompoundSelect, Select, and_, intersect, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import NullType

from app.names.keys import WORD, word_keys
from app.names.text import to_latin_key

__all__ = ["MIN_PREFIX", "among_ids", "ids_with_names"]

# A shorter beginning would range over a large part of the index and match names by chance.
MIN_PREFIX = 3


def ids_with_names(
    owner_id: QueryableAttribute[int],
    key: QueryableAttribute[str],
    text: str,
    prefix: bool = False,
) -> Select[Any] | None:
    """The ``owner_id`` values of a key table whose keys hold every word of ``text``.

    A word matches by any of its keys (as a surname, a given name, as spelt); with ``prefix``,
    as the beginning of a key ("Ковал" finds Коваленко). None when nothing can match by name:
    the text has no word, or a word is too short to look up by its beginning.
    """
    per_word = []
    for word in WORD.findall(text):
        if prefix:
            stem = to_latin_key(word)
            if len(stem) < MIN_PREFIX:
                return None
            match = and_(key >= stem, key < stem + "\uffff")
        else:
            match = key.in_(sorted(word_keys(word)))
        per_word.append(select(owner_id).where(match))
    if not per_word:
        return None
    if len(per_word) == 1:
        return per_word[0]
    # SQLite refuses a bare compound inside a compound: callers may union this, so wrap it.
    both = intersect(*per_word).subquery()
    return select(both.c[0])


class among_ids(ColumnElement[Any]):
    """``column IN (ids)``, where ``ids`` is a query of the few owners a name search found.

    On PostgreSQL ``column = ANY(ARRAY(ids))``: the planner cannot know how few rows an
    intersection of key lookups keeps (it guesses the smallest lookup's count, 280 for a
    common surname against 7 found), and for a plain IN it then read every case to join them
    (542 pages at 20,000 cases, 10-15 ms, growing with the cases). An array made first is
    planned as a few primary-key lookups whatever its guess. Elsewhere the plain IN, which
    SQLite already plans from the lookups. Untyped, so that SQLite does not compare it to 1.
    """

    type = NullType()
    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: Any, ids: Select[Any] | CompoundSelect) -> None:
        self.column = column
        self.ids = ids


@compiles(among_ids)
def _in(element: among_ids, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(element.ids), **kw)


@compiles(among_ids, "postgresql")
def _any_array(element: among_ids, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"{column} = ANY(ARRAY{compiler.process(element.ids.scalar_subquery(), **kw)})"
