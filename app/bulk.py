"""Bulk writes of list rows (imports): what happened to each row, and the table limits.

A feature that owns a table writes many rows at once through Core statements (records:
:func:`app.records.services.upsert_records`; cases: :func:`app.cases.services.open_cases`) and
answers, per row, with a :class:`RowWritten`. The caller (the import pipeline) turns refusals
into problem reports with the line and the column of the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import String, Table, text
from sqlalchemy.orm import Session, scoped_session

__all__ = [
    "RowWritten",
    "StatisticsRefresher",
    "Written",
    "insert_rows",
    "string_limits",
    "too_long",
]


class Written(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"  # the same row id earlier in this file; the first one wins
    REFUSED = "refused"  # a value breaks a rule of the table's owner; nothing of the row is written


@dataclass(frozen=True, slots=True)
class RowWritten:
    """The outcome of one row. ``field`` and ``reason`` say why a row was refused: a code of
    :class:`app.imports.rows.ProblemCode` with its ``params``, or a sentence of the table's
    owner; ``first_line`` where a duplicate's row id was first seen (None when not known)."""

    outcome: Written
    field: str = ""
    reason: str = ""
    first_line: int | None = None
    params: dict[str, Any] | None = None


UNCHANGED = RowWritten(Written.UNCHANGED)
CREATED = RowWritten(Written.CREATED)
UPDATED = RowWritten(Written.UPDATED)


def string_limits(table: Table, columns: Iterable[str]) -> dict[str, int]:
    """The length limit of each of ``columns`` of ``table`` that is a bounded string."""
    wanted = set(columns)
    return {
        column.name: column.type.length
        for column in table.columns
        if column.name in wanted and isinstance(column.type, String) and column.type.length
    }


def too_long(external_id: str, values: dict[str, Any], limits: dict[str, int]) -> RowWritten | None:
    """A refusal for the row id or the first text value longer than its column holds, else
    None. ``limits`` comes from :func:`string_limits` (it runs once per row of an import)."""
    for column, limit in limits.items():
        value = external_id if column == "external_id" else values.get(column)
        if value and len(value) > limit:
            return RowWritten(Written.REFUSED, column, "too_long", params={"limit": limit})
    return None


# PostgreSQL: refresh the target table's statistics once this many rows are in (then doubling).
ANALYZE_FROM_ROWS = 10_000


class StatisticsRefresher:
    """PostgreSQL plans each chunk's lookup by (source, row id) from the table's statistics,
    which know nothing of the rows this import's own transaction added. With a table it
    believes empty it scans every row of the source per chunk: quadratic, minutes for 200,000
    rows. ANALYZE sees the transaction's own rows, so it runs as the table doubles."""

    def __init__(self, session: Session | scoped_session[Any], *table_names: str) -> None:
        # The target table and those written with it (its rows' name keys: a chunk of updates
        # deletes their old keys by record id, planned from the same statistics).
        self.session = session
        self.table_names = table_names
        self.next_analyze = ANALYZE_FROM_ROWS

    def rows_written(self, count: int) -> None:
        if count < self.next_analyze or self.session.get_bind().dialect.name != "postgresql":
            return
        for table_name in self.table_names:
            self.session.execute(text(f"ANALYZE {table_name}"))
        self.next_analyze = count * 2


def insert_rows(
    session: Session | scoped_session[Any], table: Table, rows: list[dict[str, Any]]
) -> None:
    """Insert many plain rows (no defaults to fill, nothing returned) in the session's
    transaction: PostgreSQL's COPY, which takes a million rows in seconds where psycopg's
    executemany sends them one statement each; elsewhere one executemany."""
    if not rows:
        return
    columns = list(rows[0])
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    names = ", ".join(f'"{name}"' for name in columns)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[name] for name in columns])
