"""The query shapes that make the queues, the search and the case page fast on PostgreSQL at
national scale (issue 9), and that they return what the plain shapes returned.

On PostgreSQL with the national data: the unassigned queue's page sorted all 18,720
unassigned cases (an index on assigned_to_id first cannot give the order after IS NULL), and a
two-word search read every case to join the few it found (the planner guesses an intersection
as large as its smallest part). These run on both databases; the plans are PostgreSQL's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text, union
from sqlalchemy.dialects import postgresql, sqlite

from app.auth.models import User
from app.cases.models import Case, CaseAlias, CaseNameKey, Relative
from app.cases.queues import unassigned_cases
from app.cases.search import CaseFilters, search_cases
from app.extensions import db
from app.name_search import among_ids, ids_with_names
from app.sorting import Sort
from tests import factories
from tests.conftest import sql_statements


def _ids_found(text_: str):
    return union(
        ids_with_names(CaseNameKey.case_id, CaseNameKey.key, text_),
        select(Case.id).where(Case.external_id == text_),
    )


def test_among_ids_is_an_array_lookup_on_postgresql_and_a_plain_in_elsewhere() -> None:
    query = select(Case.id).where(among_ids(Case.id, _ids_found("Oleksandr Kovalenko")))
    on_postgresql = str(query.compile(dialect=postgresql.dialect()))
    on_sqlite = str(query.compile(dialect=sqlite.dialect()))
    assert "case_record.id = ANY(ARRAY(SELECT " in on_postgresql
    assert " IN (" not in on_postgresql.split("ARRAY(")[0]
    assert "case_record.id IN (SELECT " in on_sqlite
    # Not compared to 1, as SQLite's compiler does with a boolean expression it cannot index.
    assert ") = 1" not in on_sqlite


@pytest.fixture
def people(app: Flask, users: dict[str, int]) -> dict[str, int]:
    """Cases whose names meet across scripts, one with a partner list's own number, one
    archived, one held by the caseworker."""
    with app.app_context():
        supervisor = db.session.get_one(User, users["supervisor"])
        worker = db.session.get_one(User, users["caseworker"])
        made = {
            "cyrillic": factories.make_case(
                supervisor, family_name="Коваленко", given_name="Олександр"
            ),
            "russian": factories.make_case(
                supervisor, family_name="Коваленко", given_name="Александр"
            ),
            "other": factories.make_case(
                supervisor, family_name="Шевченко", given_name="Олександр"
            ),
            "numbered": factories.make_case(
                supervisor, family_name="Бондар", given_name="Ірина", external_id="UA-7781"
            ),
            "archived": factories.make_case(
                supervisor, family_name="Коваленко", given_name="Олександр"
            ),
            "held": factories.make_case(
                supervisor, family_name="Коваленко", given_name="Олександр", assigned_to=worker
            ),
        }
        made["archived"].archived = True
        db.session.commit()
        return {name: case.id for name, case in made.items()}


@pytest.mark.parametrize(
    "words", ["Oleksandr Kovalenko", "Коваленко Александр", "kovalenko", "UA-7781", "Nobody Here"]
)
@pytest.mark.parametrize("role", ["supervisor", "caseworker"])
def test_a_search_finds_the_same_cases_as_with_a_plain_in(
    app: Flask, users: dict[str, int], people: dict[str, int], words: str, role: str
) -> None:
    with app.app_context():
        user = db.session.get_one(User, users[role])
        found = search_cases(user, CaseFilters(text=words))
        plain = found.where(Case.id.in_(_ids_found(words)))
        rows = db.session.scalars(found).unique().all()
        assert [case.id for case in rows] == [
            case.id for case in db.session.scalars(plain).unique().all()
        ]
    expected = {
        ("supervisor", "Oleksandr Kovalenko"): {"cyrillic", "russian", "held"},
        ("supervisor", "Коваленко Александр"): {"cyrillic", "russian", "held"},
        ("supervisor", "kovalenko"): {"cyrillic", "russian", "held"},
        ("supervisor", "UA-7781"): {"numbered"},
        ("caseworker", "Oleksandr Kovalenko"): {"held"},
        ("caseworker", "Коваленко Александр"): {"held"},
        ("caseworker", "kovalenko"): {"held"},
    }.get((role, words), set())
    assert {case.id for case in rows} == {people[name] for name in expected}


@contextmanager
def _statements(app: Flask) -> Iterator[list[str]]:
    """The statements of the block, each on one line."""
    with sql_statements(app) as sent:
        seen: list[str] = []
        yield seen
    seen.extend(" ".join(statement.split()) for statement in sent)


def test_the_search_page_reads_the_people_who_hold_cases_once(
    app: Flask, supervisor: FlaskClient, people: dict[str, int]
) -> None:
    """The filter bar and the bulk assignment both list them: one statement, not two."""
    with _statements(app) as statements:
        response = supervisor.get("/cases?q=Oleksandr Kovalenko")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("Test User") >= 2  # both lists show them
    assert len([s for s in statements if "FROM user_account WHERE user_account.active" in s]) == 1


def test_the_case_page_reads_its_list_aliases_and_relatives_with_the_case(
    app: Flask, supervisor: FlaskClient, users: dict[str, int]
) -> None:
    with app.app_context():
        actor = db.session.get_one(User, users["supervisor"])
        case = factories.make_case(actor, external_id="UA-1")
        case.aliases.append(CaseAlias(family_name="Мельник", given_name="Олена"))
        case.relatives.append(Relative(relationship_kind="mother", full_name="Олена Мельник"))
        case.relatives.append(Relative(relationship_kind="father", full_name="Петро Коваленко"))
        list_name = case.source_list.name
        db.session.commit()
        case_id = case.id
    with _statements(app) as statements:
        response = supervisor.get(f"/cases/{case_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for shown in (list_name, "Мельник", "Олена Мельник", "Петро Коваленко"):
        assert shown in html
    alone = [
        s
        for s in statements
        if s.startswith(("SELECT case_alias.", "SELECT relative.", "SELECT source_list."))
    ]
    assert alone == []


@pytest.mark.parametrize("descending", [False, True])
def test_the_unassigned_queue_pages_from_its_partial_index_on_postgresql(
    app: Flask, users: dict[str, int], descending: bool
) -> None:
    """No sort of the unassigned cases: the partial index gives them in the queue's order."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL's plan (test_query_plans.py has SQLite's)")
        actor = db.session.get_one(User, users["supervisor"])
        for priority in ("low", "urgent", "normal", "high"):
            factories.make_case(actor, priority=priority)
        db.session.flush()
        # A test database's few rows favour a table scan and a sort: with both off, a plan
        # still sorts (and says so) unless an index gives the rows in this order.
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        db.session.execute(text("SET LOCAL enable_sort = off"))
        query = unassigned_cases(Sort("priority", descending)).limit(10).offset(0)
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = "\n".join(db.session.scalars(text(f"EXPLAIN {compiled}")))
        assert "ix_case_record_unassigned" in plan, plan
        assert "Sort" not in plan, plan
        # The queue's count is no longer asked for: the database keeps it (app/tallies.py).


def test_a_search_by_a_lists_own_number_reads_its_index(app: Flask) -> None:
    """Any list's number: the unique key leads with the list, so it read that whole index."""
    with app.app_context():
        query = select(Case.id).where(Case.external_id == "UA-7781")
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        if db.engine.dialect.name == "sqlite":
            rows = db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
            plan = " | ".join(row[-1] for row in rows)
        else:
            db.session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(db.session.scalars(text(f"EXPLAIN {compiled}")))
        assert "ix_case_record_external_id" in plan, plan


def test_queue_totals_count_each_queue_as_count_does(app: Flask, users: dict[str, int]) -> None:
    """The queues' three totals, read in one statement built once (the unassigned cases from
    the database's tally), are what counting each queue's own list gives."""
    from app.cases import queues

    with app.app_context():
        actor = db.session.get_one(User, users["supervisor"])
        worker = db.session.get_one(User, users["caseworker"])
        for n in range(3):
            factories.make_case(actor, assigned_to=worker if n == 0 else None)
        db.session.commit()
        listed = [queues.unassigned_cases(), queues.stale_cases(0), queues.pending_transitions()]
        totals = queues.queue_totals(queues.stale_since(0))
        assert totals == tuple(queues.count(query) for query in listed)
        assert totals[:2] == (2, 3)
        assert queues.queue_totals(queues.stale_since(1))[1] == 0  # none untouched for a day


def test_the_queues_count_their_three_lists_in_one_statement(
    app: Flask, supervisor: FlaskClient, users: dict[str, int]
) -> None:
    """Their totals, as the cards and headings show them, and the pager's pages from them:
    the unassigned cases' from the total the database keeps (app/tallies.py), the other two
    counted, in the same statement."""
    with app.app_context():
        actor = db.session.get_one(User, users["supervisor"])
        for _ in range(12):  # two pages of ten
            factories.make_case(actor)
        db.session.commit()
    with _statements(app) as statements:
        html = supervisor.get("/queues").get_data(as_text=True)
    assert 'data-testid="count-unassigned">12<' in html
    assert "unassigned_page=2" in html
    counts = [s for s in statements if s.startswith("SELECT count(*)") and "case_record" in s]
    together = [s for s in statements if s.startswith("SELECT (SELECT")]
    assert counts == [] and len(together) == 1
    assert "FROM tally" in together[0] and together[0].count("count(*)") == 2


def test_the_case_page_asks_for_no_notes_or_contacts_when_its_stream_names_none(
    app: Flask, supervisor: FlaskClient, users: dict[str, int]
) -> None:
    """A new case's stream is its "created" event: no statement with an empty IN."""
    with app.app_context():
        case = factories.make_case(db.session.get_one(User, users["supervisor"]))
        db.session.commit()
        case_id = case.id
    with _statements(app) as statements:
        assert supervisor.get(f"/cases/{case_id}").status_code == 200
    assert not [s for s in statements if "1 != 1" in s]
    # The contacts section reads the case's contacts (one statement); the stream none.
    assert len([s for s in statements if s.startswith("SELECT contact_log.")]) == 1
    assert not [s for s in statements if s.startswith("SELECT case_note.")]


def test_my_cases_group_only_this_users_next_steps_and_order_by_them_as_before(
    app: Flask, users: dict[str, int]
) -> None:
    """My cases join each case's earliest open next step; the steps grouped are only this
    user's cases' (100,000 open steps of other cases made a page 120 ms on PostgreSQL), and the
    order is the one the whole grouping gave."""
    from datetime import date, timedelta

    from app.cases import queues
    from app.cases.services import complete_next_step, log_contact

    with app.app_context():
        worker = db.session.get_one(User, users["caseworker"])
        other = factories.make_user(role="caseworker")
        today = date.today()
        mine = [factories.make_case(worker, assigned_to=worker) for _ in range(4)]
        theirs = [factories.make_case(worker, assigned_to=other) for _ in range(3)]
        for days, case in zip([9, 2, 5], mine, strict=False):  # mine[3] has no step
            log_contact(case, worker, contacted_on=today, channel="phone", next_step="Call",
                        next_step_due=today + timedelta(days=days))  # fmt: skip
        done = log_contact(mine[0], worker, contacted_on=today, channel="phone", next_step="Visit",
                           next_step_due=today - timedelta(days=1))  # fmt: skip
        complete_next_step(done, worker)
        for case in theirs:  # earlier than all of mine: they must change nothing
            log_contact(case, worker, contacted_on=today, channel="phone", next_step="Call",
                        next_step_due=today - timedelta(days=30))  # fmt: skip
        db.session.flush()
        query = queues.my_cases(worker)
        grouped = str(query.compile(db.engine))
        assert "contact_log.case_id IN (SELECT case_record.id" in grouped
        order = [case.id for case in db.session.scalars(query)]
        assert order == [mine[1].id, mine[2].id, mine[0].id, mine[3].id]
        assert queues.next_due_dates(order) == {
            mine[1].id: today + timedelta(days=2),
            mine[2].id: today + timedelta(days=5),
            mine[0].id: today + timedelta(days=9),
        }
