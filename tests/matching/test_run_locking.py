"""A matching run reads for minutes; meanwhile everybody else must be able to write (on SQLite,
where there is one writer, and every page's transaction asks for the write lock first)."""

from __future__ import annotations

import threading

from sqlalchemy import update

from app.auth.models import User
from app.extensions import db
from app.matching import services
from app.matching.models import MatchingRun, RunStatus
from tests import factories
from tests.conftest import app_on


def test_others_can_write_while_a_run_scores(fresh_database, monkeypatch):
    # A short busy timeout: a write lock held by the run fails the other writer in a second.
    app = app_on(fresh_database(migrated=True), SQLITE_BUSY_TIMEOUT=1)
    with app.app_context():
        supervisor = factories.make_user(role="supervisor")
        factories.make_case(supervisor)
        run = services.new_run(full=True, trigger="manual", started_by_id=supervisor.id)
        db.session.commit()
        run_id, user_id = run.id, supervisor.id
    outcomes: list[str] = []
    score = services._score

    def score_while_a_colleague_writes(*args):
        def colleague() -> None:
            with app.app_context():
                try:
                    db.session.execute(
                        update(User).where(User.id == user_id).values(name="Renamed meanwhile")
                    )
                    db.session.commit()
                    outcomes.append("written")
                except Exception as error:  # reported by the assertion below
                    outcomes.append(type(error).__name__)

        thread = threading.Thread(target=colleague)
        thread.start()
        thread.join()
        return score(*args)

    monkeypatch.setattr(services, "_score", score_while_a_colleague_writes)
    with app.app_context():
        finished = services.run_matching(run_id)
        assert finished.status == RunStatus.DONE.value
        assert db.session.get(User, user_id).name == "Renamed meanwhile"
        assert db.session.get(MatchingRun, run_id).status == RunStatus.DONE.value
        db.session.remove()
        db.engine.dispose()
    assert outcomes == ["written"]
