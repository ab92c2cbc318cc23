"""The unassigned queue reads its page in priority order from an index over a rank the database
computes from each case's priority (Case.priority_rank, issue 9): the order must be the one the
CASE over the priority gave, across page boundaries, and follow a change of priority at once."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from app.cases.models import PRIORITY_RANKS, Case, Priority
from app.extensions import db


def _section(html: str, name: str) -> str:
    return html.split(f'<section id="{name}">', 1)[1].split("</section>", 1)[0]


def _rows(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-case="(\d+)"', html)]


def _unassigned(client, query: str = "") -> list[int]:
    return _rows(_section(client.get(f"/queues{query}").get_data(as_text=True), "unassigned"))


def test_every_priority_has_a_rank_most_urgent_first():
    assert set(PRIORITY_RANKS) == set(Priority)
    assert sorted(PRIORITY_RANKS, key=PRIORITY_RANKS.__getitem__) == [
        Priority.URGENT,
        Priority.HIGH,
        Priority.NORMAL,
        Priority.LOW,
    ]


def test_the_database_computes_the_rank_of_each_priority(app, make_case):
    ids = {priority: make_case(owner=None, priority=priority.value) for priority in Priority}
    with app.app_context():
        ranks = dict(db.session.execute(select(Case.id, Case.priority_rank)).tuples().all())
    assert {priority: ranks[case_id] for priority, case_id in ids.items()} == PRIORITY_RANKS


def test_the_unassigned_queue_pages_by_priority_then_number(supervisor, make_case):
    """Ten to a page: the boundary falls inside a priority, and the second page goes on from
    where the first stopped, with no row shown twice or left out."""
    priorities = ["low", "normal", "urgent", "high"] * 3 + ["normal"]  # 13 cases
    made = [(make_case(owner=None, priority=priority), priority) for priority in priorities]
    order = [
        case_id
        for case_id, _priority in sorted(made, key=lambda m: (PRIORITY_RANKS[Priority(m[1])], m[0]))
    ]
    first, second = _unassigned(supervisor), _unassigned(supervisor, "?unassigned_page=2")
    assert first == order[:10]
    assert second == order[10:]
    # Reversed: least urgent first, the highest numbers first within a priority.
    backwards = _unassigned(supervisor, "?unassigned_sort=-priority") + _unassigned(
        supervisor, "?unassigned_sort=-priority&unassigned_page=2"
    )
    assert backwards == order[::-1]


def test_a_new_priority_moves_the_case_at_once(app, supervisor, make_case):
    """The rank is computed by the database from the stored priority, never kept apart from
    it: a change of priority (here straight in the table, as an import would) reorders the
    queue on the next page view."""
    normal = make_case(owner=None, priority="normal")
    later = make_case(owner=None, priority="normal")
    assert _unassigned(supervisor) == [normal, later]
    with app.app_context():
        db.session.execute(update(Case).where(Case.id == later).values(priority="urgent"))
        db.session.commit()
    assert _unassigned(supervisor) == [later, normal]
    with app.app_context():
        case = db.session.get(Case, later)
        case.priority = "low"
        db.session.commit()
        assert case.priority_rank == PRIORITY_RANKS[Priority.LOW]
    assert _unassigned(supervisor) == [normal, later]
