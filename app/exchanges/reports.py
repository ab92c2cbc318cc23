"""Reports on exchanges: how many people are in each state and category, and how long the
other side took, per exchange and per source list (over every exchange its cases were in).

The times come from each line's history (ExchangeLineEvent), not from its current state:

- *listing to answer*: from the first time the person was listed to the first answer after it,
  whichever it was (answered, refused, not found, deceased): the other side's reply time;
- *answer to hand-over*: from the first "answered" to the first hand-over or return of remains
  after it.

A line that has not reached the second point is left out of that measure (not counted as zero).
Each measure gives the number of lines, the median, the quartiles and the extremes in days.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, select

from app.auth.models import User
from app.cases.access import visible_cases
from app.cases.models import Case, SourceList
from app.exchanges.models import Exchange, ExchangeCategory, ExchangeLine, ExchangeLineEvent
from app.exchanges.models import LineState as L
from app.extensions import db

__all__ = [
    "ANSWER_STATES",
    "BUCKETS",
    "HANDOVER_STATES",
    "ExchangeReport",
    "Spread",
    "bucket_counts",
    "exchange_report",
    "line_durations",
    "source_list_report",
    "spread",
]

ANSWER_STATES = frozenset({L.ANSWERED, L.REFUSED, L.NOT_FOUND, L.DECEASED})
HANDOVER_STATES = frozenset({L.HANDED_OVER, L.RETURNED})
# Bars of the waiting times: (key, upper bound in days, inclusive; None: no bound).
BUCKETS: tuple[tuple[str, float | None], ...] = (
    ("week", 7),
    ("month", 30),
    ("quarter", 90),
    ("longer", None),
)
_DAY = 86400.0


@dataclass(frozen=True)
class Spread:
    """Days: how many lines, the median, the quartiles and the extremes (None without lines)."""

    count: int
    median: float | None = None
    lower_quartile: float | None = None
    upper_quartile: float | None = None
    shortest: float | None = None
    longest: float | None = None


def _quantile(ordered: Sequence[float], q: float) -> float:
    # Linear interpolation between the closest ranks (what spreadsheets call PERCENTILE.INC).
    position = (len(ordered) - 1) * q
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def spread(days: Iterable[float]) -> Spread:
    """The spread of waiting times, rounded to a tenth of a day."""
    ordered = sorted(days)
    if not ordered:
        return Spread(0)
    return Spread(
        count=len(ordered),
        median=round(_quantile(ordered, 0.5), 1),
        lower_quartile=round(_quantile(ordered, 0.25), 1),
        upper_quartile=round(_quantile(ordered, 0.75), 1),
        shortest=round(ordered[0], 1),
        longest=round(ordered[-1], 1),
    )


def line_durations(history: Iterable[tuple[str, datetime]]) -> tuple[float | None, float | None]:
    """(days from listing to answer, days from answer to hand-over) of one line's history of
    (state reached, when), in time order; None where the line did not get that far."""
    listed = answered = None
    to_answer = to_handover = None
    for target, at in history:
        if target == L.LISTED and listed is None:
            listed = at
        elif listed is not None and to_answer is None and target in ANSWER_STATES:
            to_answer = (at - listed).total_seconds() / _DAY
        if target == L.ANSWERED and answered is None:
            answered = at
        elif answered is not None and to_handover is None and target in HANDOVER_STATES:
            to_handover = (at - answered).total_seconds() / _DAY
    return to_answer, to_handover


def bucket_counts(days: Iterable[float]) -> dict[str, int]:
    """How many waiting times fall in each of :data:`BUCKETS`."""
    counts: Counter[str] = Counter()
    for value in days:
        for key, bound in BUCKETS:
            if bound is None or value <= bound:
                counts[key] += 1
                break
    return dict(counts)


@dataclass(frozen=True)
class ExchangeReport:
    total: int
    states: dict[str, int]
    # (category name, lines) in the exchanges' order; "" for lines without a category.
    categories: list[tuple[str, int]]
    to_answer: Spread
    to_handover: Spread
    to_answer_buckets: dict[str, int] = field(default_factory=dict)
    to_handover_buckets: dict[str, int] = field(default_factory=dict)


def _report(lines: Select) -> ExchangeReport:
    """The report over the lines that ``lines`` (a select of ExchangeLine.id) names."""
    rows = db.session.execute(
        select(ExchangeLine.id, ExchangeLine.state, ExchangeCategory.name)
        .outerjoin(ExchangeCategory, ExchangeCategory.id == ExchangeLine.category_id)
        .where(ExchangeLine.id.in_(lines))
        .order_by(ExchangeLine.exchange_id, ExchangeCategory.id)
    ).all()
    states = Counter(state for _id, state, _name in rows)
    categories = Counter(name or "" for _id, _state, name in rows)
    history: dict[int, list[tuple[str, datetime]]] = {}
    for line_id, target, at in db.session.execute(
        select(ExchangeLineEvent.line_id, ExchangeLineEvent.target, ExchangeLineEvent.at)
        .where(ExchangeLineEvent.line_id.in_(lines))
        .order_by(ExchangeLineEvent.line_id, ExchangeLineEvent.at, ExchangeLineEvent.id)
    ):
        history.setdefault(line_id, []).append((target, at))
    to_answer, to_handover = [], []
    for events in history.values():
        answer_days, handover_days = line_durations(events)
        if answer_days is not None:
            to_answer.append(answer_days)
        if handover_days is not None:
            to_handover.append(handover_days)
    return ExchangeReport(
        total=len(rows),
        states=dict(states),
        categories=list(categories.items()),
        to_answer=spread(to_answer),
        to_handover=spread(to_handover),
        to_answer_buckets=bucket_counts(to_answer),
        to_handover_buckets=bucket_counts(to_handover),
    )


def exchange_report(exchange: Exchange) -> ExchangeReport:
    """Every line of the exchange: numbers only, which every reader of the exchange sees."""
    return _report(select(ExchangeLine.id).where(ExchangeLine.exchange_id == exchange.id))


def source_list_report(user: User, source_list: SourceList) -> ExchangeReport:
    """Every exchange line of the list's cases that this user may read."""
    cases = (
        visible_cases(user).where(Case.source_list_id == source_list.id).with_only_columns(Case.id)
    )
    return _report(select(ExchangeLine.id).where(ExchangeLine.case_id.in_(cases)))
