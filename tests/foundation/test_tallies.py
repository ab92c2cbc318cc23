"""The totals the database keeps (app/tallies.py) are the counts they stand for, whatever
changes the rows: services, bulk statements, row-by-row updates, deletes, rolled-back work; and
the rows they are kept in are folded, so that reading them stays cheap."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, insert, select, text, update

from app import tallies
from app.auth.models import User
from app.cases.models import Case
from app.cases.services import archive_case, assign_cases
from app.extensions import db
from app.matching.models import MatchCandidate
from app.tallies import Tally
from tests import factories
from tests.conftest import sql_statements
from tests.matching.conftest import explanation, make_candidate, make_record

TRIGGERS = {
    "case_record_tally_insert",
    "case_record_tally_delete",
    "case_record_tally_update",
    "match_candidate_tally_insert",
    "match_candidate_tally_delete",
    "match_candidate_tally_update",
}


def _counted() -> tuple[int, dict[str, int], list[tuple[str, bool, int]]]:
    """The totals counted from the rows themselves, as the pages counted them before."""
    unassigned = db.session.scalar(
        select(func.count()).where(Case.is_open, Case.assigned_to_id.is_(None))
    )
    by_status = dict(
        db.session.execute(
            select(Case.status, func.count()).where(Case.archived.is_(False)).group_by(Case.status)
        ).all()
    )
    by_band = db.session.execute(
        select(MatchCandidate.status, MatchCandidate.likely, func.count()).group_by(
            MatchCandidate.status, MatchCandidate.likely
        )
    ).all()
    return unassigned, by_status, sorted((status, bool(likely), n) for status, likely, n in by_band)


def _kept() -> tuple[int, dict[str, int], list[tuple[str, bool, int]]]:
    by_status = {status: n for status, n in tallies.case_status_totals().items() if n}
    return tallies.total(tallies.UNASSIGNED), by_status, sorted(tallies.candidate_totals())


def test_the_triggers_exist_after_the_migrations(app):
    """A later migration that rebuilds case_record or match_candidate in SQLite's batch mode
    drops their triggers with the old table: it must create them again."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            names = db.session.scalars(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            ).all()
        else:
            names = db.session.scalars(
                text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            ).all()
        assert set(names) >= TRIGGERS


def test_the_totals_follow_cases_through_the_services(app, users):
    with app.app_context():
        actor = db.session.get_one(User, users["supervisor"])
        worker = db.session.get_one(User, users["caseworker"])
        before = _kept()[0]
        cases = [factories.make_case(actor) for _ in range(4)]
        factories.make_case(actor, assigned_to=worker)
        factories.make_case(actor, status="closed", closure_reason="reunified")
        db.session.flush()
        assert _kept()[0] == before + 4 and _kept() == _counted()
        assign_cases([cases[0].id, cases[1].id], worker, actor)
        archive_case(cases[2], actor, "Entered twice.")
        db.session.flush()
        assert _kept()[0] == before + 1 and _kept() == _counted()
        assign_cases([cases[0].id], None, actor)
        cases[3].status = "closed"
        cases[3].closure_reason = "reunified"
        db.session.flush()
        assert _kept()[0] == before + 1 and _kept() == _counted()


def test_the_totals_follow_bulk_statements_and_deletes(app, users):
    """What an import or a matching run does: many rows in one statement, updates by primary
    key (executemany), deletes."""
    with app.app_context():
        actor = db.session.get_one(User, users["supervisor"])
        cases = [factories.make_case(actor) for _ in range(3)]
        records = [make_record() for _ in range(6)]
        db.session.execute(
            insert(MatchCandidate),
            [
                {
                    "case_id": cases[n % 3].id,
                    "record_id": record.id,
                    "score": 0.95 if n % 2 else 0.5,
                    "likely": bool(n % 2),
                    "explanation": explanation(0.9),
                    "status": "proposed",
                }
                for n, record in enumerate(records)
            ],
        )
        assert _kept() == _counted()
        ids = db.session.scalars(select(MatchCandidate.id).order_by(MatchCandidate.id)).all()
        db.session.execute(
            update(MatchCandidate),
            [
                {"id": ids[0], "status": "rejected"},
                {"id": ids[1], "likely": False},
                {"id": ids[2], "rank": 7},  # no counted column
            ],
        )
        assert _kept() == _counted()
        db.session.execute(delete(MatchCandidate).where(MatchCandidate.id.in_(ids[3:])))
        db.session.execute(update(Case).where(Case.id == cases[0].id).values(archived=True))
        db.session.execute(delete(MatchCandidate).where(MatchCandidate.case_id == cases[1].id))
        db.session.execute(delete(Case).where(Case.id == cases[1].id))
        assert _kept() == _counted()


def test_rolled_back_work_leaves_the_totals(app, users):
    with app.app_context():
        actor = db.session.get_one(User, users["supervisor"])
        before = _kept()
        nested = db.session.begin_nested()
        case = factories.make_case(actor)
        make_candidate(case.id, make_record().id, status="awaiting_approval")
        assert _kept() != before
        nested.rollback()
        assert _kept() == before == _counted()


def test_the_pages_show_the_kept_totals(app, supervisor, make_case):
    for _ in range(3):
        make_case(owner=None)
    make_case()
    with app.app_context():
        n = tallies.total(tallies.UNASSIGNED)
    assert n == 3
    html = supervisor.get("/queues").get_data(as_text=True)
    assert f'data-testid="count-unassigned">{n}<' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [("", 4), ("?status=new", 3), ("?status=closed", 1), ("?status=open", 3)],
)
def test_the_case_list_shows_the_kept_totals_when_filtered_by_status_alone(
    app, supervisor, make_case, query, expected
):
    for _ in range(3):
        make_case(owner=None)
    make_case(status="closed", closure_reason="reunified")
    archived = make_case()
    with app.app_context():
        case = db.session.get_one(Case, archived)
        archive_case(case, db.session.get_one(User, case.assigned_to_id), "Entered twice.")
        db.session.commit()
    with sql_statements(app) as statements:
        html = supervisor.get(f"/cases{query}").get_data(as_text=True)
    assert f'data-total="{expected}"' in html
    assert not [s for s in statements if s.startswith("SELECT count(*)")]
    # Narrowed by anything else: the list counts its rows.
    with sql_statements(app) as statements:
        html = supervisor.get("/cases?status=new&caseworker=none").get_data(as_text=True)
    assert [s for s in statements if s.startswith("SELECT count(*)")]
    assert 'data-total="3"' in html


def test_a_caseworkers_case_list_counts_their_own_cases(app, caseworker, make_case):
    make_case(owner=None)
    make_case()
    html = caseworker.get("/cases?status=new").get_data(as_text=True)
    assert 'data-total="1"' in html


def test_every_256th_row_folds_the_rows_before_it(app, users):
    """So that a total is read from a few hundred rows at most, whatever has changed."""
    with app.app_context():
        actor = db.session.get_one(User, users["supervisor"])
        before = _kept()
        cases = [factories.make_case(actor) for _ in range(3)]
        db.session.flush()
        ids = [case.id for case in cases]
        # Row by row, as the ORM and executemany send them: 600 changes.
        for n in range(100):
            for case_id in ids:
                db.session.execute(
                    update(Case).where(Case.id == case_id).values(archived=n % 2 == 0)
                )
        assert db.session.scalar(select(func.count()).select_from(Tally)) < 300
        assert _kept() == _counted()
        assert _kept()[0] == before[0] + 3  # the last flip (n = 99) left them not archived
