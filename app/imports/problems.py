"""An import's problems and failures in the reader's language.

Rows' problems are stored as codes with parameters (:class:`app.imports.rows.ProblemCode`), a
failed batch's reason as a :class:`BatchError` code; this module words them through gettext
when a page, a report or the command line shows them, so a Ukrainian caseworker reads Ukrainian
and rewording a phrase only changes the catalogue. Whatever it is given, it says something:
a row stored before the codes (its English sentence, no code) and a code it does not know (from
another version) show as stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

from flask_babel import LazyString, format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.formats import date_warning_text
from app.imports.batches import INTERRUPTED
from app.imports.models import ImportBatch, ImportProblem
from app.imports.purge import ABANDONED, EXPIRED
from app.imports.rows import ProblemCode

__all__ = ["BatchError", "batch_error_text", "problem_text", "reason_text"]


class BatchError(StrEnum):
    """Why the pipeline failed a batch; stored in ``import_batch.error_code``, never renamed."""

    ALL_OR_NOTHING = "all_or_nothing"  # rejected: how many rows
    FAILED_ON_OUR_SIDE = "failed_on_our_side"


def _number(params: Mapping[str, Any], name: str) -> str:
    return str(format_decimal(params[name]))


def _extra_cells(params: Mapping[str, Any]) -> str:
    return ngettext(
        "%(num)s more cell than the header has columns; kept in the raw row",
        "%(num)s more cells than the header has columns; kept in the raw row",
        params["extra"],
    )


def _duplicate_id(params: Mapping[str, Any]) -> str:
    first_line = params.get("first_line")
    if params.get("id") == "case_number":
        if first_line:
            return _(
                "the same case number appears twice in this file (first on line %(line)s)",
                line=first_line,
            )
        return _("the same case number appears twice in this file")
    if first_line:
        return _(
            "the same partner row id appears twice in this file (first on line %(line)s)",
            line=first_line,
        )
    return _("the same partner row id appears twice in this file")


def _date_left_empty(params: Mapping[str, Any]) -> str:
    warning = date_warning_text(str(params.get("warning", "")), params)
    return _("%(problem)s; date left empty", problem=warning)


# Codes worded by a function: plurals, variants, nested codes, the owner's own words.
_WORDED: dict[str, Callable[[Mapping[str, Any]], str]] = {
    ProblemCode.EXTRA_CELLS: _extra_cells,
    ProblemCode.DUPLICATE_ID: _duplicate_id,
    ProblemCode.DATE_LEFT_EMPTY: _date_left_empty,
    ProblemCode.REFUSED: lambda params: str(params["text"]),
    ProblemCode.TOO_MANY_CELLS: lambda params: ngettext(
        "the row has %(cells)s cell; at most %(limit)s can be imported",
        "the row has %(cells)s cells; at most %(limit)s can be imported",
        params["cells"],
        cells=_number(params, "cells"),
        limit=_number(params, "limit"),
    ),
    ProblemCode.CELL_TOO_LONG: lambda params: ngettext(
        "the cell has %(chars)s character; at most %(limit)s",
        "the cell has %(chars)s characters; at most %(limit)s",
        params["chars"],
        chars=_number(params, "chars"),
        limit=_number(params, "limit"),
    ),
    ProblemCode.TOO_LONG: lambda params: ngettext(
        "longer than %(limit)s character",
        "longer than %(limit)s characters",
        params["limit"],
        limit=_number(params, "limit"),
    ),
}
# Codes worded by a fixed sentence.
_SENTENCES: dict[str, LazyString] = {
    ProblemCode.SEX_NOT_RECOGNISED: _l("sex value not recognised; left empty"),
    ProblemCode.RECORD_DATE_NOT_FULL: _l("record date is not a full date; date left empty"),
    ProblemCode.AGE_NOT_READABLE: _l("age not readable as years; left empty"),
    ProblemCode.DATE_NOT_FULL: _l("not a full date (day, month and year); left empty"),
}


def reason_text(code: str | None, params: Mapping[str, Any] | None, stored: str = "") -> str:
    """A problem's reason in the reader's language; ``stored`` (the English sentence of a row
    written before the codes) when there is no code or the code is not known."""
    if not code:
        return stored
    params = params or {}
    try:
        if code in _WORDED:
            return _WORDED[code](params)
        if code in _SENTENCES:
            return str(_SENTENCES[code])
    except (KeyError, TypeError, ValueError):  # parameters of another version
        pass
    return stored or code


def problem_text(problem: ImportProblem) -> str:
    """Why a row was rejected or warned about, in the reader's language."""
    return reason_text(problem.reason_code, problem.reason_params, problem.reason)


# The sentences older versions (and the interrupted/abandoned/expired markers, which are
# still matched by their text) stored in ``import_batch.error``.
_STORED_ERRORS: dict[str, LazyString] = {
    INTERRUPTED: _l("interrupted: the import stopped before it finished; nothing was saved"),
    ABANDONED: _l("abandoned: the import was never started; its file was deleted"),
    EXPIRED: _l(
        "interrupted: the import stopped before it finished; nothing was saved. Its file was "
        "deleted after the days it is kept, so it can no longer run again: upload it again."
    ),
}


def batch_error_text(batch: ImportBatch) -> str:
    """Why a batch failed, in the reader's language; the reader's own sentence about a file
    that cannot be read is shown as written."""
    params = batch.error_params or {}
    if batch.error_code == BatchError.ALL_OR_NOTHING and "rejected" in params:
        return ngettext(
            "%(num)s row rejected; nothing was imported (all or nothing)",
            "%(num)s rows rejected; nothing was imported (all or nothing)",
            params["rejected"],
        )
    if batch.error_code == BatchError.FAILED_ON_OUR_SIDE:
        return _("the import failed on our side; nothing was saved")
    if batch.error in _STORED_ERRORS:
        return str(_STORED_ERRORS[batch.error])
    return batch.error or batch.error_code or ""
