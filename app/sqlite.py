"""SQLite, the embedded default: foreign keys, WAL, savepoints, and the one writer.

SQLite lets one connection write at a time. A transaction that starts by reading and then
writes must upgrade its lock, and SQLite refuses that at once ("database is locked"), whatever
the busy timeout, if another connection wrote in between. Nearly every transaction writes (a
request at least its audit event), so every transaction starts as ``BEGIN IMMEDIATE``: it takes
the write lock first, waiting up to ``SQLITE_BUSY_TIMEOUT`` seconds for it, and is never
refused half-way. Requests are short, so they queue for milliseconds instead of failing.

The exceptions read and write nothing, and take no lock:

- a long read (a matching run scoring a million records, an export streaming to the browser):
  holding the lock for its duration would stop everyone. :func:`long_read` begins the
  transactions inside it as plain ``BEGIN`` (a WAL snapshot that blocks no writer);
- the pages that only read (lists, queues, search: ``@require(..., reads_only=True)``): their
  GET requests read a snapshot too, so they are served side by side instead of one at a time,
  also while an import writes; and pages that record a read first (the case page) once that
  is committed (:func:`reads_only_from_here`), or that read first and then record the read in
  a short transaction of its own (:func:`brief_write`).

Such a transaction must not write: :func:`install` refuses any write statement in a request
of a ``reads_only`` view, on every database, so that a view that starts writing fails its tests
instead of failing on SQLite under load.

Within one process the writers also take turns before SQLite's lock (:class:`_WriteTurn`):
SQLite's busy handler polls, sleeping 1, 2, 5, 10 ms and more between tries, so a thread that
found the lock taken slept on after it was free while others took it; the threads of a process
now wait on a lock that wakes the next one as the last commits, and only one thread a process
meets the others at SQLite's.

PostgreSQL needs none of the locking (those hooks are no-ops there); the refusal of writes in
``reads_only`` requests applies to every database.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from app.alphabet import NAME_COLLATION, compare
from app.extensions import commit_keeping_loaded, db

__all__ = [
    "ReadOnlyViolation",
    "brief_write",
    "install",
    "long_read",
    "reads_only_from_here",
    "waiting_briefly",
]

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")

# On flask.g: this request's transactions read a snapshot and must not write.
_READS_ONLY = "reunite_reads_only"

_long_read: ContextVar[bool] = ContextVar("reunite_sqlite_long_read", default=False)
_brief_wait: ContextVar[bool] = ContextVar("reunite_sqlite_brief_wait", default=False)

# How long a write that has somewhere else to go waits for the lock (waiting_briefly): long
# enough for the writers of the moment (a few inserts and commits, under a millisecond each),
# not for an import's write phase.
BRIEF_WAIT = 0.05


@contextmanager
def long_read() -> Iterator[None]:
    """Transactions begun inside read a snapshot without taking the write lock (SQLite);
    they must not write. Use it around long reads only."""
    token = _long_read.set(True)
    try:
        yield
    finally:
        _long_read.reset(token)


class _WriteTurn:
    """The turn of one process's writers to a SQLite database file: taken before ``BEGIN
    IMMEDIATE``, given back when the transaction ends (:class:`_Connection`)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holder: threading.Thread | None = None

    def take(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        # Woken at once when the turn is given back; every tenth of a second it looks whether
        # its holder still lives (a thread that ended in its transaction gave back SQLite's
        # lock with its connection, but not this turn).
        while not self.lock.acquire(timeout=max(0.0, min(0.1, deadline - time.monotonic()))):
            holder = self.holder
            if holder is not None and not holder.is_alive():
                break  # its turn is over: this writer takes it
            if time.monotonic() >= deadline:
                raise OperationalError(
                    "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
                )
        self.holder = threading.current_thread()

    def give_back(self) -> None:
        self.holder = None
        # Two writers that both found a dead holder took its turn over together: the first to
        # finish gave it back.
        with suppress(RuntimeError):
            self.lock.release()


_turns: dict[str, _WriteTurn] = {}
_turns_guard = threading.Lock()


def _turn_of(database: str) -> _WriteTurn:
    with _turns_guard:
        turn = _turns.get(database)
        if turn is None:
            turn = _turns[database] = _WriteTurn()
        return turn


def _forget_turns() -> None:
    # A forked process starts with no writer (the parent's threads are not in it).
    global _turns_guard
    _turns_guard = threading.Lock()
    _turns.clear()


os.register_at_fork(after_in_child=_forget_turns)


class _Connection(sqlite3.Connection):
    """A SQLite connection that gives its process's write turn back when its transaction
    ends (COMMIT, ROLLBACK, or the connection closed)."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        path = os.fspath(database)
        in_memory = path in ("", ":memory:") or path.startswith("file:") or "mode=memory" in path
        self.turn_key = None if in_memory else os.path.abspath(path)
        self.turn: _WriteTurn | None = None

    def take_turn(self, timeout: float) -> None:
        if self.turn_key is not None and self.turn is None:
            turn = _turn_of(self.turn_key)
            turn.take(timeout)
            self.turn = turn

    def give_turn_back(self) -> None:
        turn, self.turn = self.turn, None
        if turn is not None:
            turn.give_back()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.give_turn_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.give_turn_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_turn_back()


@event.listens_for(Engine, "do_connect")
def _sqlite_connection_class(dialect: Any, record: Any, cargs: Any, cparams: dict) -> None:
    if dialect.name == "sqlite":
        cparams.setdefault("factory", _Connection)


@contextmanager
def waiting_briefly() -> Iterator[None]:
    """Write transactions begun inside wait for SQLite's write lock no longer than
    ``BRIEF_WAIT`` (not the busy timeout), and fail (``OperationalError``) after: for a write
    that has somewhere else to go (a list page's read events, queued as a job instead) while
    an import holds the lock. No-op on other databases."""
    token = _brief_wait.set(True)
    try:
        yield
    finally:
        _brief_wait.reset(token)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Foreign keys and WAL on SQLite; the pysqlite BEGIN fix so SAVEPOINTs work; names in the
    alphabet's order (:mod:`app.alphabet`)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        dbapi_connection.create_collation(NAME_COLLATION, compare)
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


class ReadOnlyViolation(RuntimeError):
    """A view declared ``reads_only`` tried to write."""


def install(app: Flask) -> None:
    """Mark the requests of ``reads_only`` views (GET and HEAD) before anything reads."""

    @app.before_request
    def _mark_reads_only() -> None:
        view = app.view_functions.get(request.endpoint or "")
        if request.method in ("GET", "HEAD") and getattr(view, "reads_only", False):
            reads_only_from_here()

    @app.after_request
    def _end_reading_with_commit(response: Response) -> Response:
        # A request that only read ends its transaction with COMMIT, not ROLLBACK: the same to
        # the database (the refusal below saw to it that nothing was written), but psycopg
        # forgets the statements it prepared on the connection at every rollback
        # (Connection.rollback() clears its cache), and a request's rollback came before any
        # statement's sixth run (prepare_threshold): no page's statements were ever prepared,
        # and PostgreSQL parsed and planned each anew for every request (the queues, the match
        # queue and the case page: 4.5 ms a request of the server's CPU, against 1.7 ms running
        # them). A request that failed is still rolled back (by the 500 handler, or by the
        # session's removal: after_request does not run after an unhandled error).
        if request_reads_only() and db.session().in_transaction():
            db.session.commit()
        return response

    @app.teardown_request
    def _unmark(error: BaseException | None) -> None:
        # A test may share its application context (and so g) with the request.
        g.pop(_READS_ONLY, None)


def reads_only_from_here() -> None:
    """The rest of this request only reads: a page that first records who opened it (one short
    write) and then renders from a snapshot, not holding SQLite's write lock meanwhile."""
    setattr(g, _READS_ONLY, True)


@contextmanager
def brief_write() -> Iterator[None]:
    """Write a little inside the block (a page's record of who opened it), committed at its end
    keeping what the session loaded; the rest of the request only reads.

    In a ``reads_only`` request (the case page, the candidate page), what was loaded before the
    block was read from a snapshot, and on SQLite the snapshot ends before the block, so that
    the write lock is taken for the insert and its commit alone. A page that loaded what it
    shows inside its write transaction held SQLite's one lock through the loading (the
    signed-in user, the case with its relatives, the permission checks: milliseconds of
    Python), and every other writer of every process waited, sleeping in SQLite's busy
    handler: those pages served no more than about 100 requests a second whatever they cost.
    Elsewhere (a refused form's page, PostgreSQL) the block writes in the transaction that is
    open: nothing to gain there from a second one."""
    session = db.session()
    reading = request_reads_only()
    if reading and session.in_transaction() and db.engine.dialect.name == "sqlite":
        commit_keeping_loaded()  # ends the snapshot: nothing was written in it
    g.pop(_READS_ONLY, None)
    try:
        yield
        commit_keeping_loaded()
    except BaseException:
        session.rollback()
        raise
    finally:
        reads_only_from_here()


def request_reads_only() -> bool:
    """Whether this request only reads from here on (``reads_only`` views, and a page after
    ``reads_only_from_here``): nothing it loaded waits to be written."""
    return has_request_context() and g.get(_READS_ONLY, False)


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_writes_when_reading_only(
    connection: Any, cursor: Any, statement: str, *args: Any
) -> None:
    writes = statement.lstrip()[:7].upper().startswith(_WRITES)
    if writes and request_reads_only():
        raise ReadOnlyViolation("a view declared reads_only tried to write")


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Any) -> None:
    if connection.dialect.name == "sqlite":
        if _long_read.get() or request_reads_only():
            connection.exec_driver_sql("BEGIN")
            return
        dbapi_connection = connection.connection.dbapi_connection
        brief = _brief_wait.get()
        timeout = BRIEF_WAIT if brief else _busy_timeout()
        if isinstance(dbapi_connection, _Connection):
            dbapi_connection.take_turn(timeout)
        try:
            if brief:
                dbapi_connection.execute(f"PRAGMA busy_timeout={int(BRIEF_WAIT * 1000)}")
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            finally:
                if brief:
                    dbapi_connection.execute(f"PRAGMA busy_timeout={int(_busy_timeout() * 1000)}")
        except BaseException:
            if isinstance(dbapi_connection, _Connection):
                dbapi_connection.give_turn_back()
            raise
