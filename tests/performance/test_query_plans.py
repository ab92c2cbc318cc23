"""The big lists read a page from an index in their order, not by sorting every row first
(issue 9): at national scale such a sort was 130 ms (the case list by name, 20,000 new cases)
and 150-300 ms (the match queue, 33,000 likely proposals) per page, 3-25 ms (the unassigned
queue by priority, 18,700 cases).

SQLite's plan names the index and says "USE TEMP B-TREE" where it sorts; PostgreSQL plans from
statistics (on a small table a sort is cheaper than the index), so these run on SQLite.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from app.cases.queues import CASE_SORTS, open_cases, unassigned_cases
from app.extensions import db
from app.matching.review import _review_queue_ids, queue_sort
from app.sorting import Sort, ordering


def plan(statement, **parameters) -> str:
    """SQLite's plan of the statement, its literal values written in, or run with these
    parameters (a statement built once with bind parameters, as the page runs it)."""
    if not parameters:
        compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
        rows = db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        return " | ".join(row[-1] for row in rows)
    compiled = statement.compile(db.engine)
    values = {**compiled.params, **parameters}
    rows = (
        db.session.connection()
        .exec_driver_sql(
            f"EXPLAIN QUERY PLAN {compiled}", tuple(values[name] for name in compiled.positiontup)
        )
        .all()
    )
    return " | ".join(row[-1] for row in rows)


@pytest.fixture(autouse=True)
def sqlite_only(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's plans; PostgreSQL plans small tables differently")
        yield


@pytest.mark.parametrize("sort", [None, "score", "-score"])
@pytest.mark.parametrize("band", ["likely", "possible"])
def test_the_match_queue_reads_its_page_from_the_queue_index(sort, band):
    # The statement the match queue runs (review_queue_reading's, its status, limit and offset
    # bound), not review_queue's literal twin: the plan of what the page sends.
    query = _review_queue_ids(band, True, None, False, queue_sort(sort))
    shown = plan(query, status="proposed", limit=25, offset=50)
    assert "ix_match_candidate_queue" in shown
    assert "TEMP B-TREE" not in shown


@pytest.mark.parametrize("descending", [False, True])
def test_the_case_list_by_name_reads_its_page_from_the_name_index(descending):
    query = (
        open_cases()
        .where(text("case_record.status = 'new'"))
        .order_by(*ordering(CASE_SORTS, Sort("name", descending)))
        .limit(25)
        .offset(100)
    )
    shown = plan(query)
    assert "ix_case_record_status_name" in shown
    assert "TEMP B-TREE" not in shown


@pytest.mark.parametrize("descending", [False, True])
def test_the_unassigned_queue_reads_its_page_from_the_rank_index(descending):
    query = unassigned_cases(Sort("priority", descending)).limit(10).offset(20)
    shown = plan(query)
    assert "ix_case_record_assigned_rank" in shown
    assert "TEMP B-TREE" not in shown


def test_a_status_filter_is_counted_from_the_index_alone():
    """The case list's total for a status (open cases only): the index holds every column the
    count reads, so no case row is read (20,000 new cases: 1-9 ms against 13-28)."""
    query = select(func.count()).select_from(
        open_cases().where(text("case_record.status = 'new'")).subquery()
    )
    assert "COVERING INDEX ix_case_record_status_assigned" in plan(query)
