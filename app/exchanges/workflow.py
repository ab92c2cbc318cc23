"""The two state machines of an exchange, each in one table: the exchange's status, and the
state of each person's line in it.

An exchange is proposed, agreed, scheduled and carried out (fully or partly), or fails; a
failure, a partial outcome and a retry say why. A line follows the other side's answers: the
person is listed, the list acknowledged, the person answered for, then handed over alive or
returned as remains, and finally reunified with the family; or the other side refuses, does
not find the person, or reports them deceased. Declaring a person deceased takes two people
(``two_person``): it is never a plain state change.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.exchanges.labels import LINE_STATE_LABELS, STATUS_LABELS
from app.exchanges.models import ExchangeStatus as X
from app.exchanges.models import LineState as L


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    needs_reason: bool = False
    two_person: bool = False


EXCHANGE_MOVES: tuple[Move, ...] = (
    Move(X.PROPOSED, X.AGREED),
    Move(X.AGREED, X.SCHEDULED),
    Move(X.SCHEDULED, X.CARRIED_OUT),
    # Fewer people came across than agreed: which ones, and why, is written down.
    Move(X.SCHEDULED, X.PARTLY_CARRIED_OUT, needs_reason=True),
    *(Move(s, X.FAILED, needs_reason=True) for s in (X.PROPOSED, X.AGREED, X.SCHEDULED)),
    # Talks resume after a failure, or a postponed exchange goes back to agreed.
    Move(X.FAILED, X.PROPOSED, needs_reason=True),
    Move(X.SCHEDULED, X.AGREED, needs_reason=True),
)

_BEFORE_OUTCOME = (L.LISTED, L.ACKNOWLEDGED, L.ANSWERED)

LINE_MOVES: tuple[Move, ...] = (
    Move(L.LISTED, L.ACKNOWLEDGED),
    Move(L.ACKNOWLEDGED, L.ANSWERED),
    Move(L.ANSWERED, L.HANDED_OVER),
    Move(L.ANSWERED, L.RETURNED),
    Move(L.HANDED_OVER, L.REUNIFIED),
    Move(L.RETURNED, L.REUNIFIED),
    # The other side's no, with the reason they gave.
    *(Move(s, L.REFUSED, needs_reason=True) for s in _BEFORE_OUTCOME),
    *(Move(s, L.NOT_FOUND, needs_reason=True) for s in _BEFORE_OUTCOME),
    *(Move(s, L.DECEASED, needs_reason=True, two_person=True) for s in _BEFORE_OUTCOME),
    # A refused or unfound person is listed again in a later round.
    Move(L.REFUSED, L.LISTED, needs_reason=True),
    Move(L.NOT_FOUND, L.LISTED, needs_reason=True),
)

_EXCHANGE_BY_PAIR = {(m.source, m.target): m for m in EXCHANGE_MOVES}
_LINE_BY_PAIR = {(m.source, m.target): m for m in LINE_MOVES}


class ExchangeError(ValueError):
    """A refused change to an exchange or a line; the message is for the user, beside the
    form's field ``field`` where it names one."""

    def __init__(self, message: str = "", field: str | None = None):
        super().__init__(message)
        self.field = field


def exchange_targets(source: str) -> list[Move]:
    return [m for m in EXCHANGE_MOVES if m.source == source]


def line_targets(source: str) -> list[Move]:
    """The states a line may be moved to by hand (the two-person move has its own form)."""
    return [m for m in LINE_MOVES if m.source == source and not m.two_person]


def check_exchange_move(source: str, target: str, reason: str) -> Move:
    """The move, or ExchangeError saying what is wrong."""
    move = _EXCHANGE_BY_PAIR.get((source, target))
    if move is None:
        raise ExchangeError(
            _(
                "An exchange cannot go from “%(source)s” to “%(target)s”.",
                source=STATUS_LABELS.get(source, source),
                target=STATUS_LABELS.get(target, target),
            ),
            field="target",
        )
    if move.needs_reason and not reason.strip():
        raise ExchangeError(_("Write down why the status changes."), field="reason")
    return move


def check_line_move(source: str, target: str, reason: str, *, two_person: bool = False) -> Move:
    """The move, or ExchangeError. A two-person move (deceased) passes only when
    ``two_person`` says the caller is the two-person procedure."""
    move = _LINE_BY_PAIR.get((source, target))
    if move is None:
        raise ExchangeError(
            _(
                "A person cannot go from “%(source)s” to “%(target)s”.",
                source=LINE_STATE_LABELS.get(source, source),
                target=LINE_STATE_LABELS.get(target, target),
            ),
            field="target",
        )
    if move.two_person and not two_person:
        raise ExchangeError(
            _("A death is proposed by one person and confirmed by another."), field="target"
        )
    if move.needs_reason and not reason.strip():
        raise ExchangeError(_("Write down the reason the other side gave."), field="reason")
    return move
