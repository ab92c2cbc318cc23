"""SQLite, the embedded default: foreign keys, WAL, savepoints, and the one writer.

PostgreSQL needs none of this; every function here is a no-op there.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.extensions import db


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Foreign keys and WAL on SQLite; the pysqlite BEGIN fix so SAVEPOINTs work."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Any) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")


# --- SQLite: one writer ---------------------------------------------------------------------
#
# A request reads, then writes (at least its audit event). On SQLite a transaction that has
# read cannot start writing if another connection committed in between (a background import
# or matching run): SQLite refuses at once with "database is locked", whatever the busy
# timeout. Nothing of the request's transaction is kept then, so a request that has not
# committed yet can safely run again from the start; PostgreSQL never needs this.

_BUSY_RETRIES = 3


def _is_sqlite_busy(error: Exception) -> bool:
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


@event.listens_for(Session, "after_commit")
def _count_request_commits(session: Session) -> None:
    if has_request_context():
        g.reunite_commits = g.get("reunite_commits", 0) + 1


def run_again_if_sqlite_was_busy(call: Callable[[], Any]) -> Any:
    """Run a view; if SQLite refused its first write because of another writer, and the view
    had committed nothing yet, roll back and run it again (a few times, briefly apart)."""
    for attempt in range(1, _BUSY_RETRIES + 1):
        commits = g.get("reunite_commits", 0)
        try:
            return call()
        except Exception as error:
            if attempt == _BUSY_RETRIES or not _is_sqlite_busy(error):
                raise
            if g.get("reunite_commits", 0) != commits:
                raise  # part of the request is committed: running it again could repeat it
            db.session.rollback()
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover
