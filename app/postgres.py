"""PostgreSQL's connections (psycopg): cursors whose ``description`` is made when it is read.

psycopg's ``cursor.description`` builds a :class:`psycopg.Column` for every column of the result
each time it is asked (the name decoded, the type looked up in the connection's adapters: some
ten Python calls a column), and SQLAlchemy asks for it after every statement. Of a statement it
has run before, though, SQLAlchemy keeps the columns with the compiled SQL and only looks whether
there is a description at all. The case page's nine statements read some 230 columns: their
descriptions were about 1,900 Python calls a page, a tenth of it, for nothing.

:class:`Cursor` answers with a :class:`Description` instead: the same sequence of columns (its
length, its items, its iteration), made from the result it describes when first read, even after
the cursor has gone on to another statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import psycopg
from psycopg import pq
from sqlalchemy import event
from sqlalchemy.engine import Engine

__all__ = ["Cursor", "Description"]

# A result with these has columns to describe, as psycopg decides it (BaseCursor.description).
_WITH_ROWS = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.SINGLE_TUPLE, pq.ExecStatus.TUPLES_CHUNK)


class _Described:
    """What a :class:`psycopg.Column` reads of its cursor, held for one result: the columns
    of a result the cursor has moved on from are still that result's."""

    __slots__ = ("_encoding", "adapters", "pgresult")

    def __init__(self, cursor: psycopg.Cursor[Any], result: pq.abc.PGresult) -> None:
        self.pgresult = result
        self._encoding = cursor._encoding
        self.adapters = cursor.adapters


class Description(Sequence[psycopg.Column]):
    """``cursor.description`` of one result, its columns made when first read."""

    __slots__ = ("_columns", "_cursor", "_result")

    def __init__(self, cursor: psycopg.Cursor[Any], result: pq.abc.PGresult) -> None:
        self._cursor = cursor
        self._result = result
        self._columns: list[psycopg.Column] | None = None

    def _made(self) -> list[psycopg.Column]:
        if self._columns is None:
            # psycopg's own columns, of this result (a Column reads what _Described holds).
            described: Any = _Described(self._cursor, self._result)
            self._columns = [psycopg.Column(described, i) for i in range(self._result.nfields)]
        return self._columns

    def __len__(self) -> int:
        return self._result.nfields

    @overload
    def __getitem__(self, index: int) -> psycopg.Column: ...
    @overload
    def __getitem__(self, index: slice) -> list[psycopg.Column]: ...
    def __getitem__(self, index: int | slice) -> psycopg.Column | list[psycopg.Column]:
        return self._made()[index]

    def __repr__(self) -> str:
        return repr(self._made())


class Cursor(psycopg.Cursor[Any]):
    """psycopg's cursor, whose ``description`` is a :class:`Description`."""

    @property
    def description(self) -> Description | None:  # type: ignore[override]  # a sequence of them
        result = self.pgresult
        if result and (result.nfields or result.status in _WITH_ROWS):
            return Description(self, result)
        return None


@event.listens_for(Engine, "connect")
def _psycopg_cursors(dbapi_connection: Any, connection_record: Any) -> None:
    if isinstance(dbapi_connection, psycopg.Connection):
        dbapi_connection.cursor_factory = Cursor
