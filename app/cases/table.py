"""The rows of the case lists (my cases, the queues, the case list, search): written in Python.

``case_table`` in templates/cases/_macros.html draws the table and its headers; its rows come
from :func:`case_rows_html`. They were Jinja: ten expressions a row, each an attribute looked up
through the template's context, escaped and joined, and 25 rows a table (the queues show two
tables) made the rows a third of those pages' Python and a fifth of their time. The
``case_row`` macro beside ``case_table`` stays as the plain definition of a row, and
tests/cases/test_case_table.py holds this function's markup equal to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date

import flask_babel
from flask_babel import ngettext
from markupsafe import Markup, escape

from app.cases.labels import STATUS_BADGE_CLASSES, label_maps
from app.cases.models import Case
from app.formats import format_day

__all__ = ["case_rows_html"]


def case_rows_html(
    cases: Iterable[Case],
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
            cells.append(_due_cell(due_dates.get(case_id), today, overdue))
        cells.append("</tr>")
        rows.append("".join(cells))
    return Markup("".join(rows))  # noqa: S704 - every value in it is escaped


def _due_cell(next_due: date | None, today: date | None, overdue: str) -> str:
    if not next_due:
        return "<td>—</td>"
    late = today is not None and next_due < today
    badge = "badge badge-danger" if late else "badge "
    title = f' title="{overdue}"' if late else ""
    return f'<td><span class="{badge}"{title}>{escape(format_day(next_due))}</span></td>'
