"""SQLite's writers of one process take turns on a lock that wakes the next at once
(app/sqlite.py, _WriteTurn), instead of each polling SQLite's lock with growing sleeps."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError

from app.audit.models import AuditEvent
from app.extensions import db
from tests.conftest import app_on


@pytest.fixture
def sqlite_app(fresh_database):
    url = fresh_database(migrated=True)
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's one writer")
    app = app_on(url, SQLITE_BUSY_TIMEOUT=5)
    yield app
    with app.app_context():
        db.engine.dispose()


@contextmanager
def _another_thread_writing(app, label: str, *, end: str = "rollback") -> Iterator[None]:
    """Inside: another thread of this process holds a write transaction (its turn and SQLite's
    lock); on leaving, it ends it (``end``: "rollback" or "commit")."""
    holding, done = threading.Event(), threading.Event()

    def holder():
        with app.app_context():
            db.session.execute(insert(AuditEvent), {"action": "read", "object_type": label})
            holding.set()
            done.wait(5)
            getattr(db.session, end)()
            db.session.remove()

    thread = threading.Thread(target=holder)
    thread.start()
    holding.wait()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _write(app, label: str) -> None:
    with app.app_context():
        db.session.execute(insert(AuditEvent), {"action": "read", "object_type": label})
        db.session.commit()
        db.session.remove()


def test_a_waiting_writer_starts_as_soon_as_the_last_one_commits(sqlite_app):
    """A writer that waited behind a long transaction begins within milliseconds of its
    commit: SQLite's busy handler, by then sleeping 100 ms between tries, began up to 100 ms
    late."""
    app = sqlite_app
    holding, committed = threading.Event(), []
    started: list[float] = []

    def long_writer():
        with app.app_context():
            db.session.execute(insert(AuditEvent), {"action": "read", "object_type": "first"})
            holding.set()
            time.sleep(0.8)
            db.session.commit()
            committed.append(time.perf_counter())
            db.session.remove()

    def waiting_writer():
        holding.wait()
        with app.app_context():
            db.session.execute(insert(AuditEvent), {"action": "read", "object_type": "second"})
            started.append(time.perf_counter())
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=long_writer), threading.Thread(target=waiting_writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert started and committed
    assert started[0] - committed[0] < 0.03, started[0] - committed[0]
    with app.app_context():
        assert db.session.scalars(select(AuditEvent.object_type)).all() == ["first", "second"]


def test_a_writer_that_waits_past_the_busy_timeout_is_refused_as_by_sqlite(sqlite_app):
    app = sqlite_app
    app.config["SQLITE_BUSY_TIMEOUT"] = 0.3
    with _another_thread_writing(app, "held"), app.app_context():
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"):
            db.session.execute(insert(AuditEvent), {"action": "read", "object_type": "x"})
        assert 0.25 < time.monotonic() - started < 2
        db.session.rollback()
        db.session.remove()
    _write(app, "after")  # the turn was given back by the rollback
    with app.app_context():
        assert db.session.scalars(select(AuditEvent.object_type)).all() == ["after"]


def test_the_turn_of_a_thread_that_ended_in_its_transaction_is_taken_over(sqlite_app):
    """A thread that ended without ending its transaction (its connection dropped, not closed)
    does not stop its process's writers for good."""
    import sqlite3

    from app import sqlite as sqlite_module

    app = sqlite_app
    with app.app_context():
        path = db.engine.url.database
    kept = []

    def ends_in_its_transaction():
        connection = sqlite_module._Connection(path, isolation_level=None)
        connection.take_turn(1)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")  # SQLite's lock given back, the turn not
        kept.append(connection)

    thread = threading.Thread(target=ends_in_its_transaction)
    thread.start()
    thread.join()
    started = time.monotonic()
    _write(app, "later")
    assert time.monotonic() - started < 1
    assert isinstance(kept[0], sqlite3.Connection)
    with app.app_context():
        assert db.session.scalars(select(AuditEvent.object_type)).all() == ["later"]


def test_writers_to_different_files_do_not_wait_for_each_other(fresh_database):
    first, second = fresh_database(migrated=True), fresh_database(migrated=True)
    if not first.startswith("sqlite"):
        pytest.skip("SQLite's one writer")
    app_one, app_two = app_on(first, SQLITE_BUSY_TIMEOUT=0.3), app_on(second)
    with app_one.app_context():
        db.session.execute(insert(AuditEvent), {"action": "read", "object_type": "one"})
        _write(app_two, "two")  # in this thread, while it holds the first file's turn
        db.session.commit()
    with app_two.app_context():
        assert db.session.scalars(select(AuditEvent.object_type)).all() == ["two"]
        db.engine.dispose()
    with app_one.app_context():
        db.engine.dispose()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_forked_process_starts_with_no_turn_taken(sqlite_app):
    from app import sqlite as sqlite_module

    app = sqlite_app
    with app.app_context():
        path = db.engine.url.database
    with _another_thread_writing(app, "parent", end="commit"):
        pid = os.fork()
        if pid == 0:  # the child: the parent's turn is not in it
            turn = sqlite_module._turn_of(os.path.abspath(path))
            os._exit(0 if turn.lock.acquire(timeout=0.5) else 1)
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_two_writers_taking_over_a_dead_holders_turn_both_give_it_back():
    """Writers that find the turn held by a thread that has ended (in its transaction) take it
    over and give it back, and the turn is free after. Two that looked at once may both have
    taken it over: the second giving it back is no error."""
    from app.sqlite import _WriteTurn

    turn = _WriteTurn()
    ended = threading.Thread(target=lambda: turn.take(1))
    ended.start()
    ended.join()
    errors: list[BaseException] = []

    def writer():
        try:
            turn.take(2)
            time.sleep(0.05)
            turn.give_back()
        except BaseException as error:
            errors.append(error)

    writers = [threading.Thread(target=writer) for _ in range(2)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    assert errors == []
    assert turn.lock.acquire(timeout=0.5)
    turn.give_back()
    turn.give_back()  # as the second of two that took a dead holder's turn over together
    assert turn.lock.acquire(timeout=0.5)
