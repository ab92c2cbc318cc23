"""SQLite, the embedded default: foreign keys, WAL, savepoints, and the one writer.

SQLite lets one connection write at a time. A transaction that starts by reading and then
writes must upgrade its lock, and SQLite refuses that at once ("database is locked"), whatever
the busy timeout, if another connection wrote in between. Nearly every transaction writes (a
request at least its audit event), so every transaction starts as ``BEGIN IMMEDIATE``: it takes
the write lock first, waiting up to ``SQLITE_BUSY_TIMEOUT`` seconds for it, and is never
refused half-way. Requests are short, so they queue for milliseconds instead of failing.

The exception is a long read that writes nothing (a matching run scoring a million records, an
export streaming to the browser): holding the lock for its duration would stop everyone.
:func:`long_read` begins the transactions inside it as plain ``BEGIN`` (a WAL snapshot that
blocks no writer); such a transaction must not write.

PostgreSQL needs none of this; every hook here is a no-op there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

__all__ = ["long_read"]

_long_read: ContextVar[bool] = ContextVar("reunite_sqlite_long_read", default=False)


@contextmanager
def long_read() -> Iterator[None]:
    """Transactions begun inside read a snapshot without taking the write lock (SQLite);
    they must not write. Use it around long reads only."""
    token = _long_read.set(True)
    try:
        yield
    finally:
        _long_read.reset(token)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Foreign keys and WAL on SQLite; the pysqlite BEGIN fix so SAVEPOINTs work."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # WAL with synchronous=NORMAL is durable against a crash of the application and keeps
        # commits fast; only a power cut can lose the last commits.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(_busy_timeout() * 1000)}")
        cursor.close()


def _busy_timeout() -> float:
    # Connections are opened inside the application's context, which holds the setting.
    return float(current_app.config["SQLITE_BUSY_TIMEOUT"]) if has_app_context() else 30.0


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Any) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN" if _long_read.get() else "BEGIN IMMEDIATE")
