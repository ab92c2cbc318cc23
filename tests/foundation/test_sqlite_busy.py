"""A request refused by SQLite's one writer runs again, unless it had committed something."""

import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.sqlite import run_again_if_sqlite_was_busy


def _busy() -> OperationalError:
    return OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))


def test_a_busy_view_that_committed_nothing_runs_again(app):
    calls = []

    def view():
        calls.append(1)
        if len(calls) == 1:
            raise _busy()
        return "done"

    with app.test_request_context():
        assert run_again_if_sqlite_was_busy(view) == "done"
    assert len(calls) == 2


def test_a_view_that_committed_before_the_refusal_is_not_repeated(app):
    calls = []

    def view():
        calls.append(1)
        db.session.commit()  # e.g. the case was saved; a retry would save it twice
        raise _busy()

    with app.test_request_context(), pytest.raises(OperationalError):
        run_again_if_sqlite_was_busy(view)
    assert len(calls) == 1


def test_other_errors_and_lasting_refusals_are_raised(app):
    calls = []

    def always_busy():
        calls.append(1)
        raise _busy()

    with app.test_request_context():
        with pytest.raises(OperationalError):
            run_again_if_sqlite_was_busy(always_busy)
        assert len(calls) == 3
        with pytest.raises(ValueError):
            run_again_if_sqlite_was_busy(lambda: int("x"))
