"""Totals the database keeps: how many rows of a kind there are, read in constant time.

Some of the pages' figures are exact counts over rows that grow with the data: the supervisor
queues' number of unassigned open cases (18,720 at national scale, read from an index for each
page) and the match queue's status cards (every candidate, grouped by status and band). Triggers
in the database (migration ``tallies``) keep them in the ``tally`` table instead, in the
transaction that changes the rows, whatever changes them (a view, a CLI import, a matching run,
COPY), so a page reads a handful of rows.

A single counter row per total would be a hot row: every reviewer's decision and every run's
batch would update it, each waiting for the other's transaction to end, and two transactions
that update two totals in opposite orders would deadlock. Even a row per connection is no good:
a transaction that changes 20,000 rows one by one (an import's updates, a bulk assignment)
updated the same row 20,000 times, and each update walks the chain of the row's earlier versions
(30 s instead of 1). So a change is a row appended, ``(name, delta)``, which nobody else ever
updates: writers never wait for each other. A total is the sum of its rows. Every 256th row
appended folds the rows before it into one per total, in the transaction that appended it; one
folder at a time, by an advisory lock it only tries (PostgreSQL). A fold deletes committed rows
that nobody else touches, so it waits for nobody and nobody waits for it; rows of transactions
still running are invisible to it and left to the next fold. So a total is read from a few
hundred rows at most.

The triggers count what the pages count: :data:`UNASSIGNED` is ``Case.is_open`` and unassigned;
:data:`CASE_STATUSES` the cases that are not archived, by status (the case list's total when it
is filtered by status alone); a candidate's name is its status and band (:func:`candidate_name`).
Tests compare every total with a count after services, bulk statements and deletes have changed
rows (tests/foundation/test_tallies.py).
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import BigInteger, Select, String, cast, func, select
from sqlalchemy.orm import Mapped, mapped_column

from app.database import intpk
from app.extensions import Model, db

# Open cases nobody is assigned (the supervisor queues' first list).
UNASSIGNED = "cases:unassigned"
# Cases that are not archived, one total per status: "cases:status:<status>".
CASE_STATUSES = "cases:status:"
# Candidates, one total per status and band: "candidates:<status>:<likely|possible>".
CANDIDATES = "candidates:"


def candidate_name(status: str, likely: bool) -> str:
    return f"{CANDIDATES}{status}:{'likely' if likely else 'possible'}"


class Tally(Model):
    __tablename__ = "tally"
    __audited__ = False  # written by triggers, with the rows they count

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(100))
    delta: Mapped[int] = mapped_column(BigInteger)


def summing(name: str) -> Select:
    """SELECT one total (0 when nothing was ever counted under that name), to read it in
    another statement."""
    # PostgreSQL sums bigints as numeric (a Decimal in Python): cast back.
    return select(cast(func.coalesce(func.sum(Tally.delta), 0), BigInteger)).where(
        Tally.name == name
    )


def total(name: str) -> int:
    return db.session.execute(summing(name)).scalar_one()


def totals(prefix: str) -> dict[str, int]:
    """The totals whose names start with ``prefix``, by name (one statement)."""
    rows = db.session.connection().execute(_totals_statement(prefix))
    return {name: int(n) for name, n in rows}


@cache
def _totals_statement(prefix: str) -> Select:
    # Built once per prefix (the module's constants) and executed on the session's connection:
    # building it and the session's ORM execution were most of its ~450 Python calls, and the
    # match queue and the case list read totals on every request.
    return (
        select(Tally.name, func.sum(Tally.delta))
        .where(Tally.name.startswith(prefix, autoescape=True))
        .group_by(Tally.name)
    )


def case_status_totals() -> dict[str, int]:
    """The number of cases that are not archived, by status."""
    return {name.removeprefix(CASE_STATUSES): n for name, n in totals(CASE_STATUSES).items()}


def candidate_totals() -> list[tuple[str, bool, int]]:
    """(status, likely, number of candidates) for each status and band that has any."""
    rows = []
    for name, n in totals(CANDIDATES).items():
        status, band = name.removeprefix(CANDIDATES).split(":")
        if n:
            rows.append((status, band == "likely", n))
    return rows
