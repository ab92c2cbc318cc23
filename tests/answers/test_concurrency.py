"""Two reviewers confirm different answers for one person at once, with real commits on
separate connections: one wins, the other is told, no error (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import threading

from app.answers.models import AnswerPairing, ExchangeAnswer
from app.answers.services import confirm_pairing
from app.auth.models import User
from app.exchanges.models import ExchangeLine
from app.exchanges.services import line_history
from app.exchanges.workflow import ExchangeError
from app.extensions import db
from tests import factories
from tests.conftest import app_on
from tests.exchanges.conftest import line_of, make_exchange
from tests.matching.conftest import explanation, make_record


def test_two_reviewers_confirming_answers_for_one_line_at_once(fresh_database):
    app = app_on(fresh_database(migrated=True))
    with app.test_request_context():
        first, second = factories.make_user("supervisor"), factories.make_user("supervisor")
        case = factories.make_case(first, family_name="Лисенко", given_name="Олександр")
        exchange = make_exchange(first, case)
        line = line_of(exchange, case.id)
        pairing_ids = []
        for word, reason in (("Найден", "В детском доме"), ("Отказ", "Нет согласия")):
            answer = ExchangeAnswer(
                exchange_id=exchange.id,
                record_id=make_record(family_name="Лысенко").id,
                answer_text=word,
                answer="found" if word == "Найден" else "refused",
                reason=reason,
            )
            db.session.add(answer)
            db.session.flush()
            pairing = AnswerPairing(
                answer_id=answer.id, line_id=line.id, score=0.97, explanation=explanation()
            )
            db.session.add(pairing)
            db.session.flush()
            pairing_ids.append(pairing.id)
        db.session.commit()
        line_id, people = line.id, [first.id, second.id]
    barrier = threading.Barrier(2, timeout=60)
    outcomes: dict[int, str] = {}

    def confirm(index: int) -> None:
        with app.test_request_context():
            try:
                barrier.wait()
                actor = db.session.get(User, people[index])
                pairing = db.session.get(AnswerPairing, pairing_ids[index])
                confirm_pairing(pairing, actor)
                db.session.commit()
                outcomes[index] = "saved"
            except ExchangeError:
                db.session.rollback()
                outcomes[index] = "refused"
            except Exception as error:  # reported below
                outcomes[index] = type(error).__name__
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["refused", "saved"], outcomes
    with app.test_request_context():
        saved = db.session.get(ExchangeLine, line_id)
        (winner,) = [index for index, outcome in outcomes.items() if outcome == "saved"]
        assert saved.state == ("answered" if winner == 0 else "refused")
        targets = [e.target for e in line_history(saved)]
        assert targets in (["listed", "acknowledged", "answered"], ["listed", "refused"])
        answers = db.session.query(ExchangeAnswer).filter(ExchangeAnswer.line_id == line_id)
        assert answers.count() == 1
        db.session.remove()
        db.engine.dispose()
