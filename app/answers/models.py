"""The other side's answers on an exchange, and the pairings the engine proposes for them.

An answer file is imported like any partner list (its rows become partner records of a
source of the exchange's answers); :class:`AnswerBatch` ties the import batch to the
exchange. Each row's answer (the word, its reading, the reason) is an :class:`ExchangeAnswer`
keyed to its record; a person confirms which line it answers (:class:`AnswerPairing`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.answers.words import Answer
from app.database import TZDateTime, created_at, intpk, utcnow
from app.extensions import Model

if TYPE_CHECKING:
    from app.auth.models import User
    from app.exchanges.models import Exchange, ExchangeLine
    from app.imports.models import ImportBatch
    from app.records.models import PartnerRecord


class PairingStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"  # never proposed again


def _sql_in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in enum)})"


class AnswerBatch(Model):
    """An import batch that brought the other side's answers to this exchange."""

    __tablename__ = "exchange_answer_batch"
    __audited__ = False  # the import writes its own audit event

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("import_batch.id", ondelete="CASCADE"), primary_key=True
    )
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("exchange.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[created_at]

    batch: Mapped[ImportBatch] = relationship()
    exchange: Mapped[Exchange] = relationship()


class ExchangeAnswer(Model):
    """One row of an answer file: the person (a partner record), what the other side
    answered, and, once a person confirmed it, the line it answers."""

    __tablename__ = "exchange_answer"
    __table_args__ = (
        UniqueConstraint("exchange_id", "record_id", name="uq_exchange_answer_exchange_record"),
        CheckConstraint(f"answer IS NULL OR {_sql_in('answer', Answer)}", name="answer_known"),
        Index("ix_exchange_answer_line_id", "line_id"),
    )
    __audit_ignore__ = frozenset({"version", "updated_at"})

    id: Mapped[intpk]
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("exchange.id", ondelete="CASCADE"), index=True
    )
    record_id: Mapped[int] = mapped_column(ForeignKey("partner_record.id", ondelete="CASCADE"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id", ondelete="SET NULL"))
    # The word as the other side wrote it, and what it means (None: a word we do not know).
    answer_text: Mapped[str] = mapped_column(String(200), default="")
    answer: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    line_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_line.id", ondelete="SET NULL"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)
    # Two people pairing one answer at once: the later save is refused.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    exchange: Mapped[Exchange] = relationship()
    record: Mapped[PartnerRecord] = relationship()
    line: Mapped[ExchangeLine | None] = relationship()
    confirmed_by: Mapped[User | None] = relationship()
    pairings: Mapped[list[AnswerPairing]] = relationship(
        back_populates="answer", order_by="AnswerPairing.score.desc()", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<ExchangeAnswer {self.id}>"


class AnswerPairing(Model):
    """The engine's proposal that an answer is about one of the exchange's people, with its
    score and explanation (the codes of app.matching.explain), and a person's decision."""

    __tablename__ = "exchange_answer_pairing"
    __table_args__ = (
        UniqueConstraint("answer_id", "line_id", name="uq_exchange_answer_pairing_answer_line"),
        CheckConstraint(_sql_in("status", PairingStatus), name="status_known"),
        CheckConstraint("score >= 0 AND score <= 1", name="score_range"),
        Index("ix_exchange_answer_pairing_line_id", "line_id"),
    )
    __audit_ignore__ = frozenset({"explanation", "score", "likely"})

    id: Mapped[intpk]
    answer_id: Mapped[int] = mapped_column(ForeignKey("exchange_answer.id", ondelete="CASCADE"))
    line_id: Mapped[int] = mapped_column(ForeignKey("exchange_line.id", ondelete="CASCADE"))
    score: Mapped[float]
    likely: Mapped[bool] = mapped_column(default=False)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=PairingStatus.PROPOSED.value)
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    created_at: Mapped[created_at]

    answer: Mapped[ExchangeAnswer] = relationship(back_populates="pairings")
    line: Mapped[ExchangeLine] = relationship()
    decided_by: Mapped[User | None] = relationship()

    @property
    def band(self) -> str:
        return "likely" if self.likely else "possible"

    def __repr__(self) -> str:
        return f"<AnswerPairing {self.id} {self.status}>"
