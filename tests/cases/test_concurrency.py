"""Many people on one case at once, with real commits on separate connections (SQLite and
PostgreSQL alike)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.auth.models import User
from app.cases.models import Case, CaseNote
from app.cases.services import add_note
from app.extensions import db
from tests import factories
from tests.conftest import app_on


def test_notes_added_to_one_case_at_once_all_land(fresh_database):
    """Adding a note touches the case's last activity; on PostgreSQL two people doing it at
    once made the second save fail on the case's version (a 500 under load)."""
    app = app_on(fresh_database(migrated=True))
    with app.app_context():
        supervisor = factories.make_user(role="supervisor")
        case = factories.make_case(supervisor)
        db.session.commit()
        case_id, user_id, version = case.id, supervisor.id, case.version
    people = 8
    # Everyone starts together; a timeout so that a lock held across the barrier fails the
    # test instead of hanging it.
    barrier = threading.Barrier(people, timeout=60)
    failures: list[str] = []

    def write(n: int) -> None:
        with app.test_request_context():
            try:
                barrier.wait()  # before any query: on SQLite a transaction holds the lock
                actor = db.session.get(User, user_id)
                target = db.session.get(Case, case_id)
                add_note(target, actor, f"Call {n}")
                db.session.commit()
            except Exception as error:  # every failure is reported below
                failures.append(type(error).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with app.app_context():
        notes = db.session.scalar(
            select(func.count()).select_from(CaseNote).where(CaseNote.case_id == case_id)
        )
        assert notes == people
        # Activity is not an edit: a colleague's open case form is not made stale by it.
        assert db.session.get(Case, case_id).version == version
        db.session.remove()  # hand its connection back before the pool is closed
        db.engine.dispose()
