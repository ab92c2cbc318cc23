"""The rows of the match queues (the review queue, the approvals page): written in Python.

``candidate_table`` in templates/matching/_macros.html draws the table and its headers; its
rows come from :func:`candidate_rows_html`. As Jinja each row was some two hundred calls (a
dozen expressions looked up through the template's context, escaped and joined, the notes
through three filters), and its 25 rows were a fifth of the match queue's Python. The
``candidate_row`` macro beside ``candidate_table`` stays as the plain definition of a row, and
tests/matching/test_candidate_table.py holds this function's markup equal to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import flask_babel
from markupsafe import Markup

from app.formats import format_moment
from app.matching.labels import label_maps
from app.matching.notes import NoteWriter

__all__ = ["candidate_rows_html"]

# What markupsafe.escape replaces, with what, as one str.translate: escape() is four Python
# calls a value (its own, Markup's constructor, ...), and a row escapes twenty values.
_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})


def _text(value: object) -> str:
    """``value`` as markupsafe.escape writes it (None as "None", as a template shows it).
    The rows translate the text of a :class:`~app.matching.review.QueueRow` themselves
    (``text.translate(_HTML)``): their values are text by their type, and the call each was
    a tenth of the rows' Python."""
    return str(value).translate(_HTML)


def candidate_rows_html(
    items: Iterable[Any],
    case_url: Callable[[int], str],
    candidate_url: Callable[[int], str],
    *,
    decision_form: Any = None,
    decide_url: Callable[[int], str] | None = None,
    next_url: str | None = None,
) -> Markup:
    """The ``<tr>`` of each candidate (:class:`app.matching.review.QueueRow`), as the
    ``candidate_row`` macro writes it: score and band, the case linking to it (``case_url``,
    an :func:`app.web.id_url`), the record or the other case linking to the candidate
    (``candidate_url``), the notes that weighed most, the status with who confirmed it and
    why; with a ``decision_form`` (a :class:`~app.matching.forms.MatchDecisionForm`), a form a
    row posting to ``decide_url`` that comes back to ``next_url``."""
    labels = label_maps()
    band_labels, status_labels = labels["match_band_labels"], labels["match_status_labels"]
    catalogue = flask_babel.get_domain().get_translations()
    # Our catalogue's words are markup, as the templates' _() makes them (app/extensions.py).
    case_n = Markup(catalogue.ugettext("Case %(n)s"))  # noqa: S704 - our catalogue
    possible_duplicate = catalogue.ugettext("possible duplicate")
    notes = NoteWriter()
    decision = _decision_parts(decision_form, next_url, catalogue) if decision_form else None
    rows = []
    for c in items:
        candidate_id = c.id
        band = c.band
        record = c.record
        if record is not None:
            other = (
                f"{record.display_name.translate(_HTML)}"
                f' <span class="muted small">({record.source.name.translate(_HTML)})</span>'
            )
        else:
            other = (
                f"{case_n % {'n': c.other_case.case_number}}"
                f' <span class="muted small">({possible_duplicate})</span>'
            )
        status = c.status.translate(_HTML)
        reviewed = reason = ""
        if c.reviewed_by:
            reviewed = (
                f'<br><span class="small muted">{c.reviewed_by.name.translate(_HTML)} · '
                f"{format_moment(c.reviewed_at).translate(_HTML)}</span>"
            )
        if c.review_reason:
            reason = f'<div class="small prewrap">{c.review_reason.translate(_HTML)}</div>'
        # (the classes are app.matching.labels.level_class's own words; a list, not a
        # generator, whose every item would be a call)
        shown = "".join(
            [
                f'<li class="{css_class}">{note.translate(_HTML)}</li>'
                for css_class, note in notes.shown(c)
            ]
        )
        cells = [
            f'<tr data-candidate="{candidate_id}"><td><span class="match-score"'
            f' data-testid="match-score">{round(c.score * 100):d}%</span>'
            f' <span class="badge {"badge-ok" if c.likely else "badge-warn"}"'
            f' data-band="{band.translate(_HTML)}">'
            f"{band_labels[band].translate(_HTML)}</span></td>",
            f'<td><a href="{case_url(c.case_id).translate(_HTML)}" class="case-number">'
            f"{c.case.case_number.translate(_HTML)}</a>"
            f" {c.case.display_name.translate(_HTML)}</td>",
            f'<td><a href="{candidate_url(candidate_id).translate(_HTML)}">{other}</a></td>',
            f'<td><ul class="match-notes small">{shown}</ul></td>',
            f'<td><span class="badge match-status-{status}" data-match-status="{status}">'
            f"{status_labels.get(c.status, c.status).translate(_HTML)}</span>"
            f"{reviewed}{reason}</td>",
        ]
        if decision is not None and decide_url is not None:
            before, after = decision
            cells.append(
                f'<td><form method="post" action="{_text(decide_url(candidate_id))}"'
                f' class="actions">{before}{candidate_id}{after}</form></td>'
            )
        cells.append("</tr>")
        rows.append("".join(cells))
    return Markup("".join(rows))  # noqa: S704 - every value in it is escaped


def _decision_parts(form: Any, next_url: str | None, catalogue: Any) -> tuple[str, str]:
    """A row's decision form around its candidate's id (the note's element id): the same
    token, buttons and way back in every row, so rendered once for the table."""
    note = catalogue.ugettext("Note")
    before = (
        f"{form.csrf_token(id=False)}"
        f'<input type="hidden" name="next" value="{_text(next_url)}">'
        f'<input name="decision-note" maxlength="1000" id="decision-note-'
    )
    after = (
        f'" aria-label="{note}" placeholder="{note}">'
        f"{form.approve(class_='small', id=False)}"
        f" {form.send_back(class_='small secondary', id=False)}"
    )
    return before, after
