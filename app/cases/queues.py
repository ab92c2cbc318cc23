"""What needs attention: the caseworker's list and the supervisor's queues."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Date, Select, bindparam, case, extract, func, select
from sqlalchemy.orm import joinedload

from app import tallies
from app.alphabet import NAME_COLLATION
from app.auth.models import User
from app.auth.permissions import Role
from app.cases.models import (
    ApprovalState,
    Case,
    CaseStatus,
    ContactLog,
    TransitionRequest,
)
from app.cases.table import Caseworker, paged
from app.database import utcnow
from app.extensions import db
from app.sorting import Fixed, Sort, ordering

# Most urgent first: a column the database computes from the priority (Case.priority_rank).
PRIORITY_RANK = Case.priority_rank
# Statuses in the order of the workflow, as the status filter lists them.
STATUS_RANK = case(
    {status.value: rank for rank, status in enumerate(CaseStatus)}, value=Case.status
)

# The year the Born column shows: the date of birth's, else the one an estimated age gives.
BIRTH_YEAR = func.coalesce(
    Case.dob_year, extract("year", Case.age_estimated_on) - Case.estimated_age
)
BIRTH_DAY = (Case.dob_month, Case.dob_day)


def by_name(column: Any) -> Any:
    """A name column in the alphabet's order (app/alphabet.py), not by code point."""
    return column.collate(NAME_COLLATION)


CASEWORKER_NAME = by_name(select(User.name).where(User.id == Case.assigned_to_id).scalar_subquery())

# The case lists' sortable columns (``sort=name``, ``sort=-name``), each ending in the id so that
# a page boundary never splits equal rows differently between two requests. The case list's
# default (recent activity) reads ix_case_record_last_activity backwards; number is the primary
# key. Name (in the alphabet's order, app/alphabet.py, which no index holds), priority (a CASE
# over the column, ranked as the queues rank it) and the other columns sort the filtered rows:
# at national scale (20,000 cases) a supervisor's unfiltered list sorted so is one sort of
# those rows per page; a caseworker's own cases are a few hundred at most.
CASE_SORTS = {
    "activity": (Case.last_activity_at, Case.id),
    "number": (Case.id,),
    "name": (by_name(Case.family_name), by_name(Case.given_name), Case.id),
    # Unknown dates last both ways, as the next step's date does in My cases.
    "born": (Fixed(case((BIRTH_YEAR.is_(None), 1), else_=0)), BIRTH_YEAR, *BIRTH_DAY, Case.id),
    "place": (by_name(Case.last_known_place), Case.id),
    "status": (STATUS_RANK, Case.id),
    "priority": (PRIORITY_RANK, Case.id),
    "caseworker": (
        Fixed(case((Case.assigned_to_id.is_(None), 1), else_=0)),
        CASEWORKER_NAME,
        Case.id,
    ),
}


def open_cases() -> Select:
    return select(Case).where(Case.is_open)


def next_due_subquery(*among: Any):
    """The earliest open next step of each case (of the cases ``among`` selects, if given)."""
    return (
        select(ContactLog.case_id, func.min(ContactLog.next_step_due).label("due"))
        .where(ContactLog.next_step_done.is_(False), ContactLog.next_step_due.is_not(None), *among)
        .group_by(ContactLog.case_id)
        .subquery()
    )


# My cases sort as the case list does, and by the next step's date (its subquery is built in
# my_cases). A caseworker's cases are few, so sorting them by that date costs little.
MY_CASES_SORTS = ("due", *CASE_SORTS)
DEFAULT_MY_CASES_SORT = "due"


def my_cases(user: User, sort: Sort | None = None) -> Select:
    """Assigned open cases; by default the earliest next step first (so overdue ones lead),
    cases with none last, then by priority."""
    return _my_cases(user.id, sort or Sort(DEFAULT_MY_CASES_SORT))


def _my_cases(user_id: Any, sort: Sort) -> Select:
    # Only this user's cases' steps: joined, the grouped subquery is not narrowed by the join
    # (PostgreSQL grouped every open next step of every case for each page).
    due = next_due_subquery(
        ContactLog.case_id.in_(select(Case.id).where(Case.assigned_to_id == user_id))
    )
    no_step_last = Fixed(case((due.c.due.is_(None), 1), else_=0))
    orderings = {**CASE_SORTS, "due": (no_step_last, due.c.due, PRIORITY_RANK, Case.id)}
    return (
        open_cases()
        .outerjoin(due, due.c.case_id == Case.id)
        .where(Case.assigned_to_id == user_id)
        .order_by(*ordering(orderings, sort))
    )


# The pages of the queues and of My cases, as the lists' rows (app/cases/table.py), each built
# once per order with its values as parameters (``user_id``, ``stale_before``, the page's
# ``limit`` and ``offset``): building a list's statement, and keying it for SQLAlchemy's cache
# of compiled statements, cost more Python than reading its page (the queues show two).


@cache
def my_cases_page(sort: Sort) -> Select:
    """:func:`my_cases` of the user ``user_id``, as :func:`app.cases.table.paged`."""
    return paged(_my_cases(bindparam("user_id"), sort))


def my_cases_total(user: User) -> int:
    return db.read(_my_cases_count(), {"user_id": user.id}).scalar_one()


@cache
def _my_cases_count() -> Select:
    return _counting(_my_cases(bindparam("user_id"), Sort(DEFAULT_MY_CASES_SORT)))


@cache
def unassigned_page(sort: Sort) -> Select:
    """:func:`unassigned_cases`, as :func:`app.cases.table.paged`."""
    return paged(unassigned_cases(sort))


@cache
def stale_page(sort: Sort) -> Select:
    """:func:`stale_cases` of the cases untouched since ``stale_before``
    (:func:`stale_since`), as :func:`app.cases.table.paged`."""
    return paged(_stale(bindparam("stale_before"), sort))


def stale_since(days: int) -> datetime:
    """The moment before which a case's last activity makes it stale, ``days`` on."""
    return utcnow() - timedelta(days=days)


def pending_page(limit: int, offset: int) -> list[TransitionRequest]:
    """A page of :func:`pending_transitions` (``db.paginate(read=...)``)."""
    params = {"limit": limit, "offset": offset}
    return list(db.session.scalars(_pending_page(), params).unique())


@cache
def _pending_page() -> Select:
    return pending_transitions().limit(bindparam("limit")).offset(bindparam("offset"))


def queue_totals(stale_before: datetime) -> tuple[int, int, int]:
    """The queues' three totals in one statement: unassigned (kept by the database,
    app/tallies.py), stale since ``stale_before``, awaiting approval."""
    unassigned, stale, pending = db.read(_queue_totals(), {"stale_before": stale_before}).one()
    return unassigned, stale, pending


@cache
def _queue_totals() -> Select:
    return select(
        tallies.summing(tallies.UNASSIGNED).scalar_subquery(),
        _counting(_stale(bindparam("stale_before"), Sort(DEFAULT_STALE_SORT))).scalar_subquery(),
        _counting(pending_transitions()).scalar_subquery(),
    )


def next_due_dates(case_ids: list[int]) -> dict[int, date]:
    """The earliest open next step of each of these cases (one query for a page)."""
    if not case_ids:
        return {}
    rows = db.read(_next_due_statement(), {"case_ids": case_ids}).tuples()
    return {case_id: due_date for case_id, due_date in rows}


@cache
def _next_due_statement() -> Select:
    # Built once, the cases a parameter: building it (a grouped subquery) cost more Python
    # than running it for a page of My cases.
    due = next_due_subquery(ContactLog.case_id.in_(bindparam("case_ids", expanding=True)))
    return select(due.c.case_id, due.c.due)


# The queues' default orders: the most urgent first; the longest untouched first.
DEFAULT_UNASSIGNED_SORT = "priority"
DEFAULT_STALE_SORT = "activity"


def unassigned_cases(sort: Sort | None = None) -> Select:
    sort = sort or Sort(DEFAULT_UNASSIGNED_SORT)
    return open_cases().where(Case.assigned_to_id.is_(None)).order_by(*ordering(CASE_SORTS, sort))


def stale_cases(days: int, sort: Sort | None = None) -> Select:
    """Open cases nobody has touched for ``days``, each with its caseworker (the one queue
    whose cases are held by different people)."""
    return _stale(stale_since(days), sort or Sort(DEFAULT_STALE_SORT)).options(
        joinedload(Case.assigned_to)
    )


def _stale(before: Any, sort: Sort) -> Select:
    return open_cases().where(Case.last_activity_at < before).order_by(*ordering(CASE_SORTS, sort))


@cache
def pending_transitions() -> Select:
    """Requests waiting for a supervisor, oldest first, with their case and who asked."""
    return (
        select(TransitionRequest)
        .where(TransitionRequest.state == ApprovalState.PENDING.value)
        .options(joinedload(TransitionRequest.case), joinedload(TransitionRequest.requested_by))
        .order_by(TransitionRequest.requested_at.asc())
    )


def caseworker_load() -> list[tuple[Caseworker, int, int]]:
    """(caseworker, open cases, overdue next steps) for everyone who can hold cases."""
    rows = db.read(_caseworker_load_statement(), {"today": date.today()})
    return [
        (Caseworker(user_id, name), n_open, n_overdue) for user_id, name, n_open, n_overdue in rows
    ]


@cache
def _caseworker_load_statement() -> Select:
    # Built once, today a parameter: building it (two grouped subqueries, their joins) was a
    # fifth of the queues page's Python, more than running it; its people are read as two
    # plain columns, not as users with every column of the account.
    # Only assigned cases: at national scale most open cases are unassigned, and counting them
    # here too read every one of them from the index for a row nobody shows.
    open_counts = (
        select(Case.assigned_to_id, func.count().label("n"))
        .where(Case.is_open, Case.assigned_to_id.is_not(None))
        .group_by(Case.assigned_to_id)
        .subquery()
    )
    overdue_counts = (
        select(Case.assigned_to_id, func.count(func.distinct(Case.id)).label("n"))
        .join(ContactLog, ContactLog.case_id == Case.id)
        .where(
            ContactLog.next_step_done.is_(False),
            ContactLog.next_step_due < bindparam("today", type_=Date),
            Case.status != CaseStatus.CLOSED.value,
        )
        .group_by(Case.assigned_to_id)
        .subquery()
    )
    return (
        select(
            User.id,
            User.name,
            func.coalesce(open_counts.c.n, 0),
            func.coalesce(overdue_counts.c.n, 0),
        )
        .outerjoin(open_counts, open_counts.c.assigned_to_id == User.id)
        .outerjoin(overdue_counts, overdue_counts.c.assigned_to_id == User.id)
        .where(User.active.is_(True), User.role.in_([Role.CASEWORKER.value, Role.SUPERVISOR.value]))
        .order_by(func.coalesce(open_counts.c.n, 0).desc(), by_name(User.name))
    )


def _counting(query: Select) -> Select:
    """SELECT count(*) of the rows ``query`` gives (its order dropped: it counts the same)."""
    return select(func.count()).select_from(query.order_by(None).subquery())


def count(query: Select) -> int:
    return db.session.execute(_counting(query)).scalar_one()


def count_statement(query: Select) -> Select:
    """The statement :func:`count` runs, for a caller that builds it once and keeps it."""
    return _counting(query)
