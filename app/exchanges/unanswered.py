"""The lines waiting for the other side's answer, oldest first, and since when they wait.

A line of one of our cases is *handed over* once the other side has it: the list was
acknowledged (the line's state), or the exchange was carried out with the person still only
listed. From then on it waits for an answer (any later state); it waits since the
acknowledgement, or since the exchange was carried out (its last status change: carried out is
final). Partner records' lines are the other side's people: they are not waiting for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select, type_coerce
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.auth.permissions import Permission
from app.cases.access import can_read_all, visible_cases
from app.cases.models import Case
from app.database import TZDateTime, utcnow
from app.exchanges.models import (
    Exchange,
    ExchangeEvent,
    ExchangeEventKind,
    ExchangeLine,
    ExchangeStatus,
    LineState,
)
from app.extensions import db

__all__ = ["WaitingLine", "unanswered_count", "unanswered_query", "waiting"]

CARRIED_OUT = (ExchangeStatus.CARRIED_OUT.value, ExchangeStatus.PARTLY_CARRIED_OUT.value)


def _carried_out_at() -> ColumnElement[datetime]:
    return (
        select(func.max(ExchangeEvent.at))
        .where(
            ExchangeEvent.exchange_id == ExchangeLine.exchange_id,
            ExchangeEvent.kind == ExchangeEventKind.STATUS_CHANGED.value,
        )
        .correlate(ExchangeLine)
        .scalar_subquery()
    )


def _since() -> ColumnElement[datetime]:
    """When the line was handed over (see the module docstring)."""
    expression = case(
        (ExchangeLine.state == LineState.ACKNOWLEDGED.value, ExchangeLine.state_changed_at),
        else_=_carried_out_at(),
    )
    return type_coerce(expression, TZDateTime)


def _waiting() -> ColumnElement[bool]:
    return and_(
        ExchangeLine.case_id.is_not(None),
        or_(
            ExchangeLine.state == LineState.ACKNOWLEDGED.value,
            and_(ExchangeLine.state == LineState.LISTED.value, Exchange.status.in_(CARRIED_OUT)),
        ),
    )


def _readable(query: Select, user: User) -> Select:
    if not user.can(Permission.EXCHANGE_READ):
        return query.where(false())
    if user.can(Permission.EXCHANGE_MANAGE) or can_read_all(user):
        return query
    return query.where(ExchangeLine.case_id.in_(visible_cases(user).with_only_columns(Case.id)))


def unanswered_query(user: User, exchange_id: int | None = None) -> Select:
    """The unanswered lines this user may read, oldest handover first."""
    query = (
        select(ExchangeLine)
        .join(Exchange, Exchange.id == ExchangeLine.exchange_id)
        .where(_waiting())
        .options(joinedload(ExchangeLine.case), joinedload(ExchangeLine.exchange))
        .order_by(_since(), ExchangeLine.id)
    )
    if exchange_id is not None:
        query = query.where(ExchangeLine.exchange_id == exchange_id)
    return _readable(query, user)


def unanswered_count(user: User, exchange_id: int | None = None) -> int:
    kept = _unanswered_count_statement()
    query = _readable(kept, user)
    if exchange_id is not None:
        query = query.where(ExchangeLine.exchange_id == exchange_id)
    # db.read for the statement built once (the queues page's count, for a reader of every
    # line); one built for this request costs less through the session (see db.read).
    result = db.read(query) if query is kept else db.session.execute(query)
    return result.scalar() or 0


@cache
def _unanswered_count_statement() -> Select:
    # Built once: the queues page counts these on every request, and SQLAlchemy keys a
    # statement for its cache of compiled SQL on every execution unless it is the same object
    # (for a reader who reads every line, _readable gives this one back as it is).
    return (
        select(func.count(ExchangeLine.id))
        .join(Exchange, Exchange.id == ExchangeLine.exchange_id)
        .where(_waiting())
    )


@dataclass(frozen=True)
class WaitingLine:
    line: ExchangeLine
    since: datetime | None

    @property
    def days(self) -> int | None:
        """Whole days since the handover (None: the exchange's date is not known)."""
        return (utcnow() - self.since).days if self.since is not None else None


def waiting(lines: Sequence[ExchangeLine]) -> list[WaitingLine]:
    """Each line with the moment it was handed over (one query for the page's exchanges)."""
    exchange_ids = {line.exchange_id for line in lines if line.state == LineState.LISTED}
    carried_out: dict[int, datetime] = {}
    if exchange_ids:
        carried_out = {
            exchange_id: at
            for exchange_id, at in db.session.execute(
                select(ExchangeEvent.exchange_id, func.max(ExchangeEvent.at))
                .where(
                    ExchangeEvent.exchange_id.in_(exchange_ids),
                    ExchangeEvent.kind == ExchangeEventKind.STATUS_CHANGED.value,
                )
                .group_by(ExchangeEvent.exchange_id)
            )
        }
    return [
        WaitingLine(
            line,
            line.state_changed_at
            if line.state == LineState.ACKNOWLEDGED
            else carried_out.get(line.exchange_id),
        )
        for line in lines
    ]
