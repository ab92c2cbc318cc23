"""Answer files on an exchange: filing each row's answer, pairing it with the exchange's
people through the matching engine, and a person's decision on each pairing.

The rules (README "Exchanges", answer files):

* Whoever may import partner records and read the exchange may import its answer file; its
  rows become partner records of the exchange's answer source, through the one importer.
* Each row's answer is matched only against the exchange's own people who still wait for an
  answer (lines of our cases, listed or acknowledged): blocking and scoring of
  ``app.matching.engine``, the explanation stored as its codes.
* A person who may read the line's case confirms or rejects a pairing. Confirming moves the
  line (``app.exchanges.services.record_answer``) to the answer's own state where the workflow
  allows (refused, not found, handed over), otherwise to "answered"; a reported death is
  proposed for the two-person rule. The other side's reason is copied onto the line.
* One line takes one answer: of two people confirming answers for one line at once, one wins
  and the other is told (the line's version, and a claim on the pairing's status).

Operations flush, never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, BinaryIO, cast

from flask_babel import gettext as _
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.answers.models import AnswerBatch, AnswerPairing, ExchangeAnswer, PairingStatus
from app.answers.words import Answer, read_answer
from app.audit.models import AuditAction
from app.audit.services import record
from app.auth.models import User
from app.auth.permissions import Permission
from app.cases.access import can_read_case
from app.database import utcnow
from app.exchanges.models import Exchange, ExchangeLine, LineState
from app.exchanges.services import (
    can_propose_deceased,
    can_read_exchange,
    propose_deceased,
    record_answer,
)
from app.exchanges.workflow import ExchangeError
from app.extensions import db
from app.imports.access import can_run_kind
from app.imports.batches import create_batch, import_target
from app.imports.models import BatchStatus, ImportBatch, ImportKind
from app.imports.rows import raw_keys
from app.imports.storage import store_upload
from app.matching.engine import link
from app.matching.entities import from_case, from_record
from app.matching.scoring import LIKELY
from app.records.models import PartnerRecord

__all__ = [
    "WAITING_STATES",
    "AnswerError",
    "answer_exchange",
    "answer_moves",
    "can_import_answers",
    "can_review",
    "confirm_pairing",
    "create_answer_batch",
    "exchange_answers",
    "file_answers",
    "propose_pairings",
    "reject_pairing",
]

# Lines still waiting for the other side's word.
WAITING_STATES = (LineState.LISTED.value, LineState.ACKNOWLEDGED.value)


class AnswerError(ExchangeError):
    """A refused decision on an answer; the message is for the user."""


# --- access -----------------------------------------------------------------------------------


def can_import_answers(user: User, exchange: Exchange) -> bool:
    """As for any partner list (app.imports.access), on an exchange the user may read."""
    return can_run_kind(user, ImportKind.RECORDS) and can_read_exchange(user, exchange)


def can_review(user: User, pairing: AnswerPairing) -> bool:
    """Whoever may read the line's case (the lines paired are always our cases')."""
    case = pairing.line.case
    return user.can(Permission.EXCHANGE_READ) and case is not None and can_read_case(user, case)


# --- the file ---------------------------------------------------------------------------------


def answer_source_name(exchange: Exchange) -> str:
    # A name, not a sentence: partner source names are shown as stored, in any language.
    return f"Exchange {exchange.id}: answers"


def create_answer_batch(
    exchange: Exchange, actor: User, stream: BinaryIO, filename: str
) -> ImportBatch:
    """Store the uploaded answer file as a pending import into the exchange's answer source;
    the importer's preview confirms its columns and runs it."""
    source = import_target(
        ImportKind.RECORDS,
        answer_source_name(exchange),
        organisation=exchange.side_b[:200],
        list_name=exchange.title[:200],
        received_on=date.today(),
    )
    stored_name, sha256, size = store_upload(stream)
    batch = create_batch(
        ImportKind.RECORDS,
        source,
        filename,
        sha256,
        size,
        stored_name=stored_name,
        user_id=actor.id,
    )
    db.session.add(AnswerBatch(batch_id=batch.id, exchange_id=exchange.id))
    db.session.flush()
    return batch


def answer_exchange(batch: ImportBatch) -> Exchange | None:
    """The exchange a batch brought answers to, or None for any other import."""
    link_row = db.session.get(AnswerBatch, batch.id)
    return link_row.exchange if link_row is not None else None


def _column_keys(batch: ImportBatch) -> dict[str, str]:
    """Field -> the raw row's key of its column (answers stay in the raw row)."""
    keys = raw_keys(batch.headers or [])
    return {
        field: keys[index]
        for index, field in enumerate(batch.mapping or [])
        if field and index < len(keys)
    }


def file_answers(batch: ImportBatch) -> int:
    """File each record a finished answer batch wrote as an answer of its exchange (an answer
    already confirmed keeps what it said then). Returns the number of answers filed."""
    link_row = db.session.get(AnswerBatch, batch.id)
    if link_row is None or batch.status != BatchStatus.DONE:
        return 0
    columns = _column_keys(batch)
    existing = {
        answer.record_id: answer
        for answer in db.session.scalars(
            select(ExchangeAnswer).where(ExchangeAnswer.exchange_id == link_row.exchange_id)
        )
    }
    filed = 0
    for partner_record in db.session.scalars(
        select(PartnerRecord).where(PartnerRecord.batch_id == batch.id).order_by(PartnerRecord.id)
    ):
        raw = partner_record.raw or {}
        text = str(raw.get(columns.get("answer", ""), "")).strip()
        reason = (
            str(raw.get(columns.get("answer_reason", ""), "") or "").strip()
            or str(raw.get(columns.get("notes", ""), "")).strip()
        )
        read = read_answer(text)
        values: dict[str, Any] = {
            "answer_text": text[:200],
            "answer": read.value if read else None,
            "reason": reason,
            "batch_id": batch.id,
        }
        answer = existing.get(partner_record.id)
        if answer is None:
            db.session.add(
                ExchangeAnswer(
                    exchange_id=link_row.exchange_id, record_id=partner_record.id, **values
                )
            )
        elif answer.line_id is None:
            for name, value in values.items():
                setattr(answer, name, value)
        filed += 1
    db.session.flush()
    return filed


# --- pairing ----------------------------------------------------------------------------------


def propose_pairings(exchange: Exchange) -> int:
    """Match the exchange's unpaired answers with its people still waiting for one (and only
    those), storing the proposals with their explanations; pairs a person rejected are never
    proposed again, proposals no longer found go. Returns the number of proposals."""
    lines = db.session.scalars(
        select(ExchangeLine)
        .where(
            ExchangeLine.exchange_id == exchange.id,
            ExchangeLine.case_id.is_not(None),
            ExchangeLine.state.in_(WAITING_STATES),
        )
        .options(selectinload(ExchangeLine.case))
    ).all()
    answers = db.session.scalars(
        select(ExchangeAnswer)
        .where(ExchangeAnswer.exchange_id == exchange.id, ExchangeAnswer.line_id.is_(None))
        .options(selectinload(ExchangeAnswer.record))
    ).all()
    stored = {
        (p.answer_id, p.line_id): p
        for p in db.session.scalars(
            select(AnswerPairing)
            .join(ExchangeAnswer)
            .where(ExchangeAnswer.exchange_id == exchange.id)
        )
    }
    decided = {pair for pair, p in stored.items() if p.status != PairingStatus.PROPOSED}
    result = link(
        [from_case(line.case, key=("line", line.id)) for line in lines],
        [from_record(answer.record, key=("answer", answer.id)) for answer in answers],
        explain=True,
        skip=lambda left, right: (right[1], left[1]) in decided,  # type: ignore[index]
    )
    found: set[tuple[int, int]] = set()
    for candidates in result.candidates.values():
        for candidate in candidates:
            pair = (candidate.right[1], candidate.left[1])  # type: ignore[index]
            found.add(pair)
            values = {
                "score": round(min(max(candidate.score, 0.0), 1.0), 6),
                "likely": candidate.score >= LIKELY,
                "explanation": candidate.match.explanation() if candidate.match else {},
            }
            pairing = stored.get(pair)
            if pairing is None:
                db.session.add(AnswerPairing(answer_id=pair[0], line_id=pair[1], **values))
            else:
                for name, value in values.items():
                    setattr(pairing, name, value)
    for pair, pairing in stored.items():
        if pairing.status == PairingStatus.PROPOSED and pair not in found:
            db.session.delete(pairing)
    db.session.flush()
    return len(found)


def exchange_answers(exchange: Exchange) -> Sequence[ExchangeAnswer]:
    """The exchange's answers, unpaired first, each with its record and pairings."""
    return db.session.scalars(
        select(ExchangeAnswer)
        .where(ExchangeAnswer.exchange_id == exchange.id)
        .options(
            selectinload(ExchangeAnswer.record).selectinload(PartnerRecord.source),
            selectinload(ExchangeAnswer.pairings)
            .selectinload(AnswerPairing.line)
            .selectinload(ExchangeLine.case),
            selectinload(ExchangeAnswer.line).selectinload(ExchangeLine.case),
        )
        .order_by(ExchangeAnswer.line_id.is_not(None), ExchangeAnswer.id)
    ).all()


# --- decisions --------------------------------------------------------------------------------


def answer_moves(state: str, answer: str | None) -> list[str]:
    """The line's moves for an answer: its own state where the workflow has one (refused,
    not found, handed over), otherwise answered; a listed line is acknowledged first."""
    if answer in (Answer.REFUSED, Answer.NOT_FOUND):
        return [str(answer)]
    moves = [LineState.ACKNOWLEDGED.value] if state == LineState.LISTED else []
    moves.append(LineState.ANSWERED.value)
    if answer == Answer.HANDED_OVER:
        moves.append(LineState.HANDED_OVER.value)
    return moves


def _claim(pairing: AnswerPairing, status: PairingStatus) -> None:
    """Decide the pairing only if it is still proposed: of two people deciding it at once,
    the later finds it decided (the update locks the row, or waits for SQLite's one writer)."""
    claimed = db.session.execute(
        update(AnswerPairing)
        .where(AnswerPairing.id == pairing.id, AnswerPairing.status == PairingStatus.PROPOSED)
        .values(status=status.value)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], claimed).rowcount != 1:
        raise AnswerError(_("Someone else decided this pairing meanwhile; reload the page."))


def _decided(pairing: AnswerPairing, actor: User, status: PairingStatus, note: str) -> None:
    pairing.status = status.value
    pairing.note = note.strip()
    pairing.decided_by_id = actor.id
    pairing.decided_at = utcnow()


def confirm_pairing(pairing: AnswerPairing, actor: User, note: str = "") -> None:
    """This answer is about this person: the line records it (see the module docstring)."""
    if not can_review(actor, pairing):
        raise AnswerError(_("You may not review this answer."))
    answer, line = pairing.answer, pairing.line
    if pairing.status != PairingStatus.PROPOSED:
        raise AnswerError(_("This pairing has already been decided."))
    if answer.line_id is not None:
        raise AnswerError(_("This answer is already paired with a person."))
    if line.state not in WAITING_STATES:
        raise AnswerError(_("This person already has an answer; reload the page."))
    try:
        _claim(pairing, PairingStatus.CONFIRMED)
        record_answer(
            line, actor, answer_moves(line.state, answer.answer), answer.reason, note=note
        )
        _decided(pairing, actor, PairingStatus.CONFIRMED, note)
        answer.line_id = line.id
        answer.confirmed_by_id = actor.id
        answer.confirmed_at = utcnow()
        db.session.flush()
        if answer.answer == Answer.DECEASED and can_propose_deceased(actor, line):
            propose_deceased(line, actor, answer.reason or answer.answer_text or answer.answer)
        record(
            AuditAction.APPROVE,
            answer,
            detail={"pairing_id": pairing.id, "line_id": line.id, "exchange_id": line.exchange_id},
        )
        db.session.flush()
    except StaleDataError as error:
        raise AnswerError(_("Someone else changed this meanwhile; reload the page.")) from error


def reject_pairing(pairing: AnswerPairing, actor: User, note: str = "") -> None:
    """Not this person: the pair is kept as rejected and never proposed again."""
    if not can_review(actor, pairing):
        raise AnswerError(_("You may not review this answer."))
    if pairing.status != PairingStatus.PROPOSED:
        raise AnswerError(_("This pairing has already been decided."))
    _claim(pairing, PairingStatus.REJECTED)
    _decided(pairing, actor, PairingStatus.REJECTED, note)
    record(
        AuditAction.REJECT,
        pairing,
        detail={"answer_id": pairing.answer_id, "line_id": pairing.line_id},
    )
    db.session.flush()
