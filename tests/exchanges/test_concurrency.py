"""Two supervisors change one line at once, with real commits on separate connections: one
wins, the other is told, nothing is lost silently (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import threading

from app.auth.models import User
from app.exchanges.models import ExchangeLine
from app.exchanges.services import change_line_state, line_history
from app.exchanges.workflow import ExchangeError
from app.extensions import db
from tests import factories
from tests.conftest import app_on
from tests.exchanges.conftest import line_of, make_exchange


def test_two_supervisors_changing_one_line_at_once(fresh_database):
    app = app_on(fresh_database(migrated=True))
    with app.test_request_context():
        first, second = factories.make_user("supervisor"), factories.make_user("supervisor")
        case = factories.make_case(first)
        exchange = make_exchange(first, case)
        line = line_of(exchange, case.id)
        db.session.commit()
        line_id, seen, people = line.id, line.version, [first.id, second.id]
    barrier = threading.Barrier(2, timeout=60)
    outcomes: dict[str, str] = {}
    targets = {people[0]: "acknowledged", people[1]: "refused"}

    def change(user_id: int) -> None:
        with app.test_request_context():
            try:
                barrier.wait()
                actor = db.session.get(User, user_id)
                target = db.session.get(ExchangeLine, line_id)
                change_line_state(
                    target,
                    actor,
                    targets[user_id],
                    other_side_reason="Not on their lists",
                    expected_version=seen,
                )
                db.session.commit()
                outcomes[targets[user_id]] = "saved"
            except ExchangeError:
                db.session.rollback()
                outcomes[targets[user_id]] = "refused"
            except Exception as error:  # reported below
                outcomes[targets[user_id]] = type(error).__name__
            finally:
                db.session.remove()

    threads = [threading.Thread(target=change, args=(user_id,)) for user_id in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["refused", "saved"], outcomes
    with app.test_request_context():
        saved = db.session.get(ExchangeLine, line_id)
        (winner,) = [state for state, outcome in outcomes.items() if outcome == "saved"]
        assert saved.state == winner and saved.version == seen + 1
        assert [e.target for e in line_history(saved)] == ["listed", winner]
        db.session.remove()
        db.engine.dispose()
