"""Two supervisors hand over one exchange's list at once, with real commits on separate
connections: the numbers stay unique, and nobody gets a server error (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.exchanges.models import Exchange, ExchangeListVersion
from app.exchanges.versions import make_version, version_rows
from app.exchanges.workflow import ExchangeError
from app.extensions import db
from tests import factories
from tests.conftest import app_on
from tests.exchanges.conftest import make_exchange


@pytest.mark.parametrize(
    ("seen", "expected"),
    [
        # Both pages showed no version: the second is told one was made meanwhile.
        (0, ["refused", "saved"]),
        # No number seen (a script, an old form): both are made, one after the other.
        (None, ["saved", "saved"]),
    ],
)
def test_two_supervisors_handing_over_at_once(fresh_database, seen, expected):
    app = app_on(fresh_database(migrated=True))
    with app.test_request_context():
        first, second = factories.make_user("supervisor"), factories.make_user("supervisor")
        cases = [factories.make_case(first, family_name=f"Одночасна-{n}") for n in range(3)]
        exchange = make_exchange(first, *cases)
        db.session.commit()
        exchange_id, people = exchange.id, [first.id, second.id]
    barrier = threading.Barrier(2, timeout=60)
    outcomes: dict[int, str] = {}

    def hand_over(user_id: int) -> None:
        with app.test_request_context():
            try:
                barrier.wait()
                actor = db.session.get(User, user_id)
                target = db.session.get(Exchange, exchange_id)
                make_version(target, actor, note=f"by {user_id}", expected_latest=seen)
                db.session.commit()
                outcomes[user_id] = "saved"
            except ExchangeError:
                db.session.rollback()
                outcomes[user_id] = "refused"
            except Exception as error:  # reported below
                outcomes[user_id] = type(error).__name__
            finally:
                db.session.remove()

    threads = [threading.Thread(target=hand_over, args=(user_id,)) for user_id in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == expected, outcomes
    with app.test_request_context():
        made = db.session.scalars(
            select(ExchangeListVersion).order_by(ExchangeListVersion.number)
        ).all()
        assert [v.number for v in made] == list(range(1, len(made) + 1))
        assert all(len(list(version_rows(v))) == 3 for v in made)
        db.session.remove()
        db.engine.dispose()
