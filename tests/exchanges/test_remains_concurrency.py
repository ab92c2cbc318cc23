"""Two supervisors approve one proposed link at once, with real commits on separate connections:
exactly one approval wins, the other is told, the case is closed once (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.auth.models import User
from app.cases.models import Case, CaseEvent, ContactLog
from app.exchanges.models import ExchangeRemains
from app.exchanges.remains import decide_link, propose_link
from app.exchanges.workflow import ExchangeError
from app.extensions import db
from tests import factories
from tests.conftest import app_on
from tests.exchanges.conftest import make_remains, make_repatriation


def test_two_supervisors_approving_one_link_at_once(fresh_database):
    app = app_on(fresh_database(migrated=True))
    with app.test_request_context():
        first, second = factories.make_user("supervisor"), factories.make_user("supervisor")
        caseworker = factories.make_user("caseworker")
        case = factories.make_case(first, assigned_to=caseworker)
        remains = make_remains(make_repatriation(first), first)
        propose_link(remains, caseworker, case, "Жетон з прізвищем")
        db.session.commit()
        remains_id, case_id, seen = remains.id, case.id, remains.version
        people = [first.id, second.id]
    barrier = threading.Barrier(2, timeout=60)
    outcomes: dict[int, str] = {}

    def approve(user_id: int) -> None:
        with app.test_request_context():
            try:
                barrier.wait()
                actor = db.session.get(User, user_id)
                target = db.session.get(ExchangeRemains, remains_id)
                decide_link(
                    target,
                    actor,
                    True,
                    f"ДНК збігається ({user_id})",
                    family_step="Відвідати родину",
                    expected_version=seen,
                )
                db.session.commit()
                outcomes[user_id] = "saved"
            except ExchangeError:
                db.session.rollback()
                outcomes[user_id] = "refused"
            except Exception as error:  # reported below
                outcomes[user_id] = type(error).__name__
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(user_id,)) for user_id in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["refused", "saved"], outcomes
    with app.test_request_context():
        (winner,) = [user_id for user_id, outcome in outcomes.items() if outcome == "saved"]
        saved = db.session.get(ExchangeRemains, remains_id)
        assert saved.line.case_id == case_id and saved.link_approved_by_id == winner
        assert saved.version == seen + 1
        case = db.session.get(Case, case_id)
        assert (case.status, case.closure_reason) == ("closed", "found_deceased")
        closures = db.session.scalar(
            select(func.count())
            .select_from(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.kind == "status_changed")
        )
        contacts = db.session.scalar(
            select(func.count()).select_from(ContactLog).where(ContactLog.case_id == case_id)
        )
        assert (closures, contacts) == (1, 1)
        db.session.remove()
        db.engine.dispose()
