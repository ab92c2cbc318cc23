"""The rows of the case lists (my cases, the queues, the case list, search): written in Python.

``case_table`` in templates/cases/_macros.html draws the table and its headers; its rows come
from :func:`case_rows_html`. They were Jinja: ten expressions a row, each an attribute looked up
through the template's context, escaped and joined, and 25 rows a table (the queues show two
tables) made the rows a third of those pages' Python and a fifth of their time. The
``case_row`` macro beside ``case_table`` stays as the plain definition of a row, and
tests/cases/test_case_table.py holds this function's markup equal to it.

The lists read their cases as :class:`CaseRow` (:func:`case_rows`): the dozen columns a row
shows and the caseworker's name, in one statement, instead of each case's every column as a
mapped object and its caseworker from the session's identity map. Building 25 mapped cases a
page, reading their attributes through SQLAlchemy's descriptors and expiring them at the
reading's end was about a fifth of a list page's Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

import flask_babel
from flask_babel import LazyString, ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import Select, bindparam, func, select

from app.auth.models import User
from app.cases.labels import STATUS_BADGE_CLASSES, label_maps
from app.cases.models import Case, CaseNaming
from app.dates import PartialDate
from app.extensions import db
from app.formats import day_formatter
from app.i18n import translated
from app.sorting import Sort
from app.web import column_header_html, id_url, kept_headers_html

__all__ = [
    "CaseRow",
    "Caseworker",
    "case_headers_html",
    "case_rows",
    "case_rows_html",
    "caseworker_load_rows_html",
    "paged",
    "reading",
]


@dataclass(frozen=True, slots=True)
class Caseworker:
    """Who holds a case, as the lists show them: a link by id, a name."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class CaseRow(CaseNaming):
    """A case as the case lists show it: what :func:`case_rows_html` reads of a
    :class:`~app.cases.models.Case`, by the same names."""

    # record_list_read files what a page showed under its table, as it files a Case.
    __tablename__: ClassVar[str] = Case.__tablename__

    id: int
    family_name: str | None
    given_name: str | None
    patronymic: str | None
    dob_year: int | None
    dob_month: int | None
    dob_day: int | None
    estimated_age: int | None
    last_known_place: str
    status: str
    priority: str
    last_activity_at: datetime
    assigned_to: Caseworker | None

    @property
    def date_of_birth(self) -> PartialDate | None:
        if self.dob_year is None:
            return None
        return PartialDate(self.dob_year, self.dob_month, self.dob_day)


_CASEWORKER_NAME = select(User.name).where(User.id == Case.assigned_to_id).scalar_subquery()
_ROW_COLUMNS = (
    Case.id,
    Case.family_name,
    Case.given_name,
    Case.patronymic,
    Case.dob_year,
    Case.dob_month,
    Case.dob_day,
    Case.estimated_age,
    Case.last_known_place,
    Case.status,
    Case.priority,
    Case.last_activity_at,
    Case.assigned_to_id,
    _CASEWORKER_NAME,
)


def paged(statement: Select) -> Select:
    """``statement`` (a select of :class:`Case`: filtered, ordered) reading the columns of
    :class:`CaseRow`, a page at a time: its limit and offset are the parameters ``limit`` and
    ``offset``, so that a statement built once (the queues, My cases) serves every page and
    every reader without being built and keyed again."""
    return (
        statement.with_only_columns(*_ROW_COLUMNS)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def case_rows(statement: Select, limit: int, offset: int, **params: Any) -> list[CaseRow]:
    """The rows of a :func:`paged` statement built once and kept (the queues, My cases),
    ``limit`` from ``offset``, in its order; its other parameters in ``params``.
    ``partial(case_rows, paged(...))`` is what ``db.paginate(read=...)`` calls."""
    return _case_rows(db.read(statement, {"limit": limit, "offset": offset, **params}).all())


def reading(statement: Select) -> Callable[[int, int], list[CaseRow]]:
    """``read`` for ``db.paginate``: the pages of ``statement`` (a select of :class:`Case`,
    built for this request: the case list's filters) as :class:`CaseRow`."""
    rows_statement = paged(statement)

    def read(limit: int, offset: int) -> list[CaseRow]:
        # The session's execute, not db.read: see there why, for a statement built anew.
        params = {"limit": limit, "offset": offset}
        return _case_rows(db.session.execute(rows_statement, params).all())

    return read


class CountedReading:
    """``read`` and ``total`` for ``db.paginate``: the pages of ``statement`` (as
    :func:`reading`'s) and how many rows it has, counted with the page's rows (a window count)
    rather than by a statement of its own: a round trip and a statement to build fewer for a
    search, whose matches are few. A page past the end has no row to carry the count: then it
    is counted alone. Not for a list of thousands of rows (every one is read to count it)."""

    def __init__(self, statement: Select) -> None:
        self.statement = statement
        self.rows_statement = paged(statement).add_columns(func.count().over())
        self.counted: int | None = None

    def read(self, limit: int, offset: int) -> list[CaseRow]:
        params = {"limit": limit, "offset": offset}
        rows = db.session.execute(self.rows_statement, params).all()
        if rows:
            self.counted = rows[0][-1]
        elif offset == 0:
            self.counted = 0
        return _case_rows([row[:-1] for row in rows])

    def total(self) -> int:
        if self.counted is not None:
            return self.counted
        counting = select(func.count()).select_from(self.statement.order_by(None).subquery())
        return db.session.execute(counting).scalar_one()


def _case_rows(rows: Sequence[Any]) -> list[CaseRow]:
    # Fetched at once (all()), not row by row: a dozen Python calls a row fewer.
    return [
        CaseRow(
            case_id, family, given, patronymic, year, month, day, age, place, status, priority,
            activity, Caseworker(holder_id, holder) if holder_id is not None else None,
        )
        for (
            case_id, family, given, patronymic, year, month, day, age, place, status, priority,
            activity, holder_id, holder,
        ) in rows
    ]  # fmt: skip


# The case lists' columns in the table's order: each one's sort key (app/cases/queues.py
# CASE_SORTS) and header; My cases adds the next step's date.
_COLUMNS: dict[str, LazyString] = {
    "number": _l("Number"),
    "name": _l("Name"),
    "born": _l("Born"),
    "place": _l("Last known place"),
    "status": _l("Status"),
    "priority": _l("Priority"),
    "caseworker": _l("Caseworker"),
    "activity": _l("Last activity"),
}
_DUE_COLUMN: dict[str, LazyString] = {"due": _l("Next step due")}
_HEADER_TABLES = {"columns": _COLUMNS, "due": _DUE_COLUMN}


def case_headers_html(
    sort: Sort | None, param: str = "sort", page_param: str = "page", *, due: bool = False
) -> Markup:
    """The case lists' column headers (``column_header_html``): sort links by ``sort``'s
    query parameter ``param``, dropping ``page_param``; the next step's date last where the
    list shows it (``due``), sorted by ``sort`` and dropping ``page``, as in My cases.

    In Python, the labels translated once per language (app.i18n.translated), and kept for
    the process (app.web.kept_headers_html) with this request's link put in: as a call of
    the column_header macro each, with its label translated anew, the queues page's sixteen
    headers were some 500 Python calls a request, and some 800 written in Python each time."""
    catalogue = flask_babel.get_domain().get_translations()  # the language's words
    return kept_headers_html(
        (case_headers_html, catalogue, sort, due),
        lambda url: _case_headers(sort, param, page_param, due, url),
        param,
        page_param,
    )


def _case_headers(
    sort: Sort | None, param: str, page_param: str, due: bool, url: Callable[[str], str]
) -> str:
    labels = translated(_HEADER_TABLES)
    # Markup, as the templates' _() gives our catalogue's words (an apostrophe stays one).
    headers = [
        column_header_html(Markup(label), key, sort, param, page_param, url)  # noqa: S704 - as _()
        for key, label in labels["columns"].items()
    ]
    if due:  # sorted by the list's own sort parameter (My cases has no other)
        headers += [
            column_header_html(Markup(label), key, sort, url=url)  # noqa: S704 - as _()
            for key, label in labels["due"].items()
        ]
    return "".join(headers)


def case_rows_html(
    cases: Iterable[Case | CaseRow],
    case_url: Callable[[int], str],
    *,
    select: bool = False,
    due_dates: Mapping[int, date] | None = None,
    today: date | None = None,
) -> Markup:
    """The ``<tr>`` of each case, as the ``case_row`` macro writes it: the case's number
    linking to it (``case_url``, an :func:`app.web.id_url`), name, date of birth or age, last
    known place, status badge, priority, caseworker and last activity; a checkbox first where
    the list ``select``s, and the next step's due date (``due_dates`` by case id, overdue
    before ``today``) where it has them."""
    labels = label_maps()  # what the templates' status_labels and priority_labels are
    status_labels, priority_labels = labels["status_labels"], labels["priority_labels"]
    catalogue = flask_babel.get_domain().get_translations()
    select_label = Markup(catalogue.ugettext("Select %(n)s")) if select else None  # noqa: S704 - our catalogue
    overdue = escape(catalogue.ugettext("Overdue")) if due_dates is not None else ""
    format_day = day_formatter()
    rows = []
    for case in cases:
        case_id = case.id
        born: str
        if case.date_of_birth:
            born = escape(format_day(case.date_of_birth))
        elif case.estimated_age is not None:
            born = escape(ngettext("about %(num)d year", "about %(num)d years", case.estimated_age))
        else:
            born = "—"
        status = case.status
        caseworker = case.assigned_to
        cells = [
            f'<tr data-case="{case_id}">',
            (
                f'<td><input type="checkbox" name="case_ids" value="{case_id}"'
                f' aria-label="{select_label % {"n": case.case_number}}"></td>'
                if select_label is not None
                else ""
            ),
            f'<td><a href="{escape(case_url(case_id))}" class="case-number">'
            f"{escape(case.case_number)}</a></td>",
            f"<td>{escape(case.display_name)}</td>",
            f"<td>{born}</td>",
            f"<td>{escape(case.last_known_place)}</td>",
            f'<td><span class="badge {escape(STATUS_BADGE_CLASSES.get(status, ""))}"'
            f' data-status="{escape(status)}">{escape(status_labels[status])}</span></td>',
            f"<td>{escape(priority_labels[case.priority])}</td>",
            f"<td>{escape(caseworker.name) if caseworker else '—'}</td>",
            f"<td>{escape(format_day(case.last_activity_at))}</td>",
        ]
        if due_dates is not None:
            cells.append(_due_cell(due_dates.get(case_id), today, overdue, format_day))
        cells.append("</tr>")
        rows.append("".join(cells))
    return Markup("".join(rows))  # noqa: S704 - every value in it is escaped


def _due_cell(
    next_due: date | None, today: date | None, overdue: str, format_day: Callable[[date], str]
) -> str:
    if not next_due:
        return "<td>—</td>"
    late = today is not None and next_due < today
    badge = "badge badge-danger" if late else "badge "
    title = f' title="{overdue}"' if late else ""
    return f'<td><span class="{badge}"{title}>{escape(format_day(next_due))}</span></td>'


def caseworker_load_rows_html(load: Iterable[tuple[Caseworker, int, int]]) -> Markup:
    """The ``<tr>`` of each caseworker in the queues page's load table
    (:func:`app.cases.queues.caseworker_load`): their name linking to their open cases in the
    case list, their open cases, their overdue next steps.

    In Python for the reason the case rows are: as Jinja, each of a row's nine pieces passed
    through three generators (the block, the page, the layout), and the table's 32 rows at
    national scale were some 1,100 of the page's Python calls."""
    caseworker_url = id_url("cases.index", "caseworker", status="open")
    return Markup(  # noqa: S704 - every value in it is escaped or a number
        "".join(
            f'<tr><td><a href="{escape(caseworker_url(caseworker.id))}">'
            f"{escape(caseworker.name)}</a></td><td>{n_open:d}</td><td>{n_overdue:d}</td></tr>"
            for caseworker, n_open, n_overdue in load
        )
    )
