"""On PostgreSQL, the application's cursors (app/postgres.py) describe a result as psycopg's own
do, column for column, only when the description is read; a description read after its cursor
has gone on to another statement still describes its own result."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from app.extensions import db
from app.postgres import Cursor, Description

COLUMNS = "SELECT 1 AS number, 'Коваленко'::text AS name, now() AS at, NULL::numeric(5, 2) AS score"


@pytest.fixture
def cursor(app) -> Iterator[Any]:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("psycopg's cursors: PostgreSQL only")
        # The test's own connection (its transaction is rolled back after it).
        with db.session.connection().connection.dbapi_connection.cursor() as cursor:
            yield cursor


def _psycopgs_own(cursor: Any) -> list[psycopg.Column] | None:
    return psycopg.Cursor.description.fget(cursor)  # type: ignore[attr-defined]


def test_the_applications_cursors_are_ours(cursor):
    assert isinstance(cursor, Cursor)


def test_a_result_is_described_as_psycopg_describes_it(cursor):
    cursor.execute(COLUMNS)
    ours, theirs = cursor.description, _psycopgs_own(cursor)
    assert isinstance(ours, Description) and theirs is not None
    assert len(ours) == len(theirs) == 4
    assert [tuple(column) for column in ours] == [tuple(column) for column in theirs]
    assert [column.name for column in ours] == ["number", "name", "at", "score"]
    assert ours[1].type_code == theirs[1].type_code and ours[-1].precision == 5
    assert [tuple(column) for column in ours[1:3]] == [tuple(column) for column in theirs[1:3]]


def test_a_description_stays_its_results(cursor):
    cursor.execute(COLUMNS)
    first = cursor.description
    cursor.execute("SELECT 2 AS other")
    assert [column.name for column in first] == ["number", "name", "at", "score"]
    assert [column.name for column in cursor.description] == ["other"]


@pytest.mark.parametrize(
    ("statement", "described"),
    [("SELECT", True), ("SET LOCAL statement_timeout = 0", False), ("SELECT 1 WHERE false", True)],
)
def test_whether_there_is_a_description_at_all(cursor, statement, described):
    """None for a statement that returns no rows; a (maybe empty) description otherwise."""
    cursor.execute(statement)
    theirs = _psycopgs_own(cursor)
    assert (cursor.description is not None) is described is (theirs is not None)
    if described:
        assert len(cursor.description) == len(theirs)
