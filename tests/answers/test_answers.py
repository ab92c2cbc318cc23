"""Answer files on an exchange: import, pairing with the exchange's people only, a person's
decision, through the services and through the pages, per role."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from app.answers.models import AnswerPairing, ExchangeAnswer, PairingStatus
from app.answers.services import AnswerError, confirm_pairing, propose_pairings, reject_pairing
from app.audit.models import AuditEvent
from app.auth.models import User
from app.exchanges.models import Exchange, ExchangeLine
from app.exchanges.services import line_history
from app.extensions import db
from app.imports.models import ImportBatch, ImportProblem
from app.records.models import PartnerRecord
from tests import factories
from tests.answers.conftest import ROWS, answer_file, import_answers
from tests.conftest import csrf_token
from tests.exchanges.conftest import line_of, make_exchange

MINE = {"family_name": "Лисенко", "given_name": "Олександр", "patronymic": "Петрович"}
THEIRS = {"family_name": "Коваленко", "given_name": "Марія"}


@pytest.fixture
def world(app, users, uploads):
    """An exchange listing the caseworker's Лисенко and another caseworker's Коваленко; a
    second Лисенко with the same birth date is a case of ours outside the exchange."""
    with app.test_request_context():
        supervisor = db.session.get(User, users["supervisor"])
        caseworker = db.session.get(User, users["caseworker"])
        other = factories.make_user("caseworker")
        born = {"dob_year": 2012, "dob_month": 3, "dob_day": 4}
        mine = factories.make_case(supervisor, assigned_to=caseworker, **MINE, **born)
        theirs = factories.make_case(
            supervisor, assigned_to=other, dob_year=2014, dob_month=5, dob_day=6, **THEIRS
        )
        outside = factories.make_case(supervisor, assigned_to=caseworker, **MINE, **born)
        exchange = make_exchange(supervisor, mine, theirs, kind="list_handover")
        ids = {
            "exchange": exchange.id,
            "mine": mine.id,
            "theirs": theirs.id,
            "outside": outside.id,
            "line": line_of(exchange, mine.id).id,
            "their_line": line_of(exchange, theirs.id).id,
            "other": other.id,
        }
        db.session.commit()
        return ids


def _pairing_for(line_id: int) -> AnswerPairing:
    return db.session.scalars(select(AnswerPairing).where(AnswerPairing.line_id == line_id)).one()


def _imported(app, users, world, *rows: str) -> int:
    """The batch id of the rows imported as an answer file of the world's exchange."""
    with app.test_request_context():
        supervisor = db.session.get(User, users["supervisor"])
        exchange = db.session.get(Exchange, world["exchange"])
        return import_answers(exchange, supervisor, answer_file(*rows)).id


# --- import and pairing ---------------------------------------------------------------------


def test_a_russian_windows_1251_answer_file_is_imported_and_paired(app, users, world):
    batch_id = _imported(app, users, world, *ROWS)
    with app.test_request_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert (batch.status, batch.encoding, batch.delimiter) == ("done", "cp1251", ";")
        assert batch.mapping[1:] == [
            "full_name",
            "date_of_birth",
            "institution",
            "answer",
            "answer_reason",
        ]
        answers = db.session.scalars(
            select(ExchangeAnswer).where(ExchangeAnswer.exchange_id == world["exchange"])
        ).all()
        by_name = {a.record.family_name: a for a in answers}
        assert set(by_name) == {"Лысенко", "Коваленко"}
        lysenko = by_name["Лысенко"]
        assert (lysenko.answer, lysenko.answer_text) == ("found", "Найден")
        assert lysenko.reason == "Находится в детском доме"
        assert lysenko.record.institution == "Детский дом № 3"
        assert by_name["Коваленко"].answer == "refused"
        # Александр Лысенко is our Олександр Лисенко of the exchange, not the same-named case
        # outside it; the explanation says why, as the matching review does.
        (pairing,) = lysenko.pairings
        assert pairing.line_id == world["line"] and pairing.likely
        family = next(f for f in pairing.explanation["fields"] if f["field"] == "family_name")
        assert family["note"]["code"] == "russian_spelling_of_ukrainian"
        lines = {p.line.case_id for a in answers for p in a.pairings}
        assert world["outside"] not in lines
        assert lines == {world["mine"], world["theirs"]}


def test_a_broken_row_is_reported_with_its_line_number_and_loses_nothing_else(app, users, world):
    batch_id = _imported(
        app,
        users,
        world,
        ROWS[0],
        "1;Петренко Іван;01.01.2013;;Найден;",  # the row id of line 2 again
        "3;Коваленко Мария;31.02.2014;Интернат № 7;Отказ;Нет согласия опекуна",
    )
    with app.test_request_context():
        problems = db.session.scalars(
            select(ImportProblem).where(ImportProblem.batch_id == batch_id)
        ).all()
        found = {(p.line_number, p.severity, p.reason_code) for p in problems}
        assert (3, "rejected", "duplicate_id") in found
        assert (4, "warning", "date_left_empty") in found  # 31 February: imported, date empty
        names = set(
            db.session.scalars(
                select(PartnerRecord.family_name).where(PartnerRecord.batch_id == batch_id)
            )
        )
        assert names == {"Лысенко", "Коваленко"}
        assert db.session.get(ImportBatch, batch_id).rejected == 1


def test_a_rejected_pairing_is_never_proposed_again(app, users, world):
    _imported(app, users, world, *ROWS)
    with app.test_request_context():
        supervisor = db.session.get(User, users["supervisor"])
        pairing = _pairing_for(world["line"])
        reject_pairing(pairing, supervisor, "Другой ребёнок")
        db.session.commit()
        propose_pairings(db.session.get(Exchange, world["exchange"]))
        assert [p.status for p in db.session.scalars(select(AnswerPairing).where(
            AnswerPairing.line_id == world["line"]))] == [PairingStatus.REJECTED]  # fmt: skip


# --- confirming -----------------------------------------------------------------------------


def test_confirming_records_the_answer_on_the_line(app, users, world):
    _imported(app, users, world, *ROWS)
    with app.test_request_context():
        caseworker = db.session.get(User, users["caseworker"])
        pairing = _pairing_for(world["line"])
        confirm_pairing(pairing, caseworker, "Сверено по дате рождения")
        db.session.commit()
        line = db.session.get(ExchangeLine, world["line"])
        assert line.state == "answered"
        assert line.other_side_reason == "Находится в детском доме"
        answer = pairing.answer
        assert answer.line_id == line.id and answer.confirmed_by_id == caseworker.id
        history = line_history(line)
        assert [e.target for e in history] == ["listed", "acknowledged", "answered"]
        assert history[-1].reason == "Сверено по дате рождения"
        assert db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.object_type == "exchange_answer", AuditEvent.object_id == answer.id
            )
        )
        with pytest.raises(AnswerError):
            confirm_pairing(pairing, caseworker)  # decided already


def test_a_refusal_moves_the_line_to_refused_with_their_reason(app, users, world):
    _imported(app, users, world, *ROWS)
    with app.test_request_context():
        supervisor = db.session.get(User, users["supervisor"])
        confirm_pairing(_pairing_for(world["their_line"]), supervisor)
        line = db.session.get(ExchangeLine, world["their_line"])
        assert (line.state, line.other_side_reason) == ("refused", "Нет согласия опекуна")


def test_a_reported_death_is_proposed_for_the_second_person(app, users, world):
    row = "1;Лысенко Александр Петрович;04.03.2012;;Умер;Справка № 12"
    _imported(app, users, world, row)
    with app.test_request_context():
        caseworker = db.session.get(User, users["caseworker"])
        confirm_pairing(_pairing_for(world["line"]), caseworker)
        line = db.session.get(ExchangeLine, world["line"])
        assert line.state == "answered"
        assert line.deceased_proposed_by_id == caseworker.id
        assert line.deceased_proposal_reason == "Справка № 12"


def test_a_caseworker_may_not_confirm_for_a_case_they_may_not_read(app, users, world):
    _imported(app, users, world, *ROWS)
    with app.test_request_context():
        caseworker = db.session.get(User, users["caseworker"])
        with pytest.raises(AnswerError):
            confirm_pairing(_pairing_for(world["their_line"]), caseworker)


def test_a_line_takes_one_answer(app, users, world):
    """Two rows answer for one person: once one is confirmed, the other is refused."""
    twice = ROWS[0].replace("1;", "9;", 1)
    _imported(app, users, world, ROWS[0], twice)
    with app.test_request_context():
        supervisor = db.session.get(User, users["supervisor"])
        first, second = db.session.scalars(
            select(AnswerPairing).where(AnswerPairing.line_id == world["line"])
        ).all()
        confirm_pairing(first, supervisor)
        db.session.commit()
        with pytest.raises(AnswerError, match="already has an answer"):
            confirm_pairing(second, supervisor)
        db.session.rollback()
        # The next pairing run drops the proposals of a line no longer waiting.
        propose_pairings(db.session.get(Exchange, world["exchange"]))
        assert db.session.get(AnswerPairing, second.id) is None


# --- pages ------------------------------------------------------------------------------------


def _upload(client, exchange_id: int, data: bytes):
    token = csrf_token(client, f"/exchanges/{exchange_id}/answers/upload")
    return client.post(
        f"/exchanges/{exchange_id}/answers/upload",
        data={"csrf_token": token, "file": (io.BytesIO(data), "ответы.csv")},
        content_type="multipart/form-data",
    )


def test_the_journey_through_the_pages(caseworker, supervisor, app, world):
    """Upload, the importer's preview, the job, the review: a caseworker confirms the answer
    for their own case and sees the other caseworker's only as a count."""
    exchange_id = world["exchange"]
    page = caseworker.get(f"/exchanges/{exchange_id}").get_data(as_text=True)
    assert f"/exchanges/{exchange_id}/answers/upload" in page
    response = _upload(caseworker, exchange_id, answer_file(*ROWS))
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    assert "/imports/" in preview_url and preview_url.endswith("/preview")
    html = caseworker.get(preview_url).get_data(as_text=True)
    assert "Лысенко" in html
    data = {
        m[1]: (re.search(r'<option selected value="([^"]*)"', m[2]) or [None, ""])[1]
        for m in re.finditer(
            r'<select[^>]*name="(col_\d+|encoding|delimiter)"[^>]*>(.*?)</select>', html, re.S
        )
    }
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1]
    assert data["col_4"] == "answer" and data["col_5"] == "answer_reason"
    response = caseworker.post(preview_url, data={**data, "csrf_token": token, "submit": "1"})
    assert response.status_code == 302

    page = caseworker.get(f"/exchanges/{exchange_id}/answers").get_data(as_text=True)
    assert "Лысенко" in page and "Лисенко" in page
    # The other side's row is a partner record, which every caseworker reads; our case it may
    # be about is another caseworker's, and is not named.
    assert "Коваленко Мария" in page and THEIRS["given_name"] not in page
    assert "Лысенко ≈ Лисенко: Russian spelling of the Ukrainian name" in page
    with app.app_context():
        pairing_id = _pairing_for(world["line"]).id
        their_pairing = _pairing_for(world["their_line"]).id
    path = f"/exchanges/{exchange_id}/answers/pairings"
    side_by_side = caseworker.get(f"{path}/{pairing_id}").get_data(as_text=True)
    assert 'data-testid="match-fields"' in side_by_side and "Лысенко" in side_by_side
    assert caseworker.get(f"{path}/{their_pairing}").status_code == 403
    token = csrf_token(caseworker, f"/exchanges/{exchange_id}/answers")
    refused = caseworker.post(
        f"{path}/{their_pairing}/decide", data={"csrf_token": token, "confirm": "1"}
    )
    assert refused.status_code == 403
    response = caseworker.post(
        f"{path}/{pairing_id}/decide",
        data={"csrf_token": token, "confirm": "1", "note": "Сверено"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(ExchangeLine, world["line"]).state == "answered"
    # The second click on a stale page is told, not a server error.
    again = caseworker.post(
        f"{path}/{pairing_id}/decide",
        data={"csrf_token": token, "confirm": "1"},
        follow_redirects=True,
    )
    assert again.status_code == 200 and "already been decided" in again.get_data(as_text=True)
    # The supervisor sees both children and the answer recorded.
    page = supervisor.get(f"/exchanges/{exchange_id}/answers").get_data(as_text=True)
    assert THEIRS["given_name"] in page and 'data-testid="answer-paired"' in page


def test_who_may_upload_an_answer_file(caseworker, admin, login, app, world):
    path = f"/exchanges/{world['exchange']}/answers/upload"
    assert caseworker.get(path).status_code == 200
    assert admin.get(path).status_code == 403
    with app.app_context():
        stranger = factories.make_user("caseworker")
        db.session.commit()
        stranger_id = stranger.id
    # A caseworker with no case in the exchange does not read it, so may not answer it.
    assert login(stranger_id).get(path).status_code == 403
    assert login(stranger_id).get(f"/exchanges/{world['exchange']}/answers").status_code == 403
