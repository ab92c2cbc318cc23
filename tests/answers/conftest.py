"""Answer files for the tests: synthetic people, written as the other side writes them."""

from __future__ import annotations

import io
from typing import Any

import pytest

from app.answers.models import AnswerPairing, ExchangeAnswer
from app.answers.services import create_answer_batch
from app.auth.models import User
from app.exchanges.models import Exchange
from app.extensions import db
from app.imports.batches import start_batch
from app.imports.mapping import detect_format
from app.imports.models import ImportBatch
from app.imports.pipeline import run_batch
from app.imports.storage import batch_path
from tests.matching.conftest import explanation, make_record

HEADER = "№;ФИО;Дата рождения;Учреждение;Ответ;Причина"
# The other side's answers to our list, in Russian spelling (our cases are in Ukrainian).
ROWS = [
    "1;Лысенко Александр Петрович;04.03.2012;Детский дом № 3;Найден;Находится в детском доме",
    "2;Коваленко Мария;06.05.2014;Интернат № 7;Отказ;Нет согласия опекуна",
]


def answer_file(*rows: str, header: str = HEADER, encoding: str = "cp1251") -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    return folder


def import_answers(exchange: Exchange, actor: User, data: bytes) -> ImportBatch:
    """The answer file through the importer, as the pages do it (the guessed mapping)."""
    batch = create_answer_batch(exchange, actor, io.BytesIO(data), "answers.csv")
    path = batch_path(batch)
    assert path is not None
    with open(path, "rb") as stream:
        detect_format(batch, stream)
    start_batch(batch, actor.id)
    db.session.commit()
    batch, _started = run_batch(batch.id, background=False, follow_up=False)
    return batch


def answer_ids(exchange_id: int, line_id: int) -> dict[str, Any]:
    """For the route matrix and the hostile forms: an answer of the exchange proposed for the
    line (of the owner's case)."""
    partner_record = make_record(family_name="ВІДПОВІДЕНКО", given_name="Запис")
    answer = ExchangeAnswer(
        exchange_id=exchange_id, record_id=partner_record.id, answer="found", answer_text="Найден"
    )
    db.session.add(answer)
    db.session.flush()
    pairing = AnswerPairing(
        answer_id=answer.id, line_id=line_id, score=0.97, likely=True, explanation=explanation()
    )
    db.session.add(pairing)
    db.session.flush()
    return {"pairing_id": pairing.id}


__all__ = ["HEADER", "ROWS", "answer_file", "answer_ids", "import_answers"]
