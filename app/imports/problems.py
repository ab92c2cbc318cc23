"""An import's problems and failures in the reader's language.

Rows' problems are stored as codes with parameters (:class:`app.imports.rows.ProblemCode`), a
failed batch's reason as a code (:class:`BatchError`, the reader's
:class:`app.imports.readers.ReadError` or a :class:`app.imports.mapping.Refusal`); this module
words them through gettext when a page, a report or the command line shows them, so a
Ukrainian caseworker reads Ukrainian and rewording a phrase only changes the catalogue.
Whatever it is given, it says something: a row or a batch stored before the codes (its English
sentence, no code) and a code it does not know (from another version) show as stored.
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
from app.imports.mapping import ImportRefused, Refusal
from app.imports.models import ImportBatch, ImportProblem
from app.imports.purge import ABANDONED, EXPIRED
from app.imports.readers import ReadError, UnreadableFile
from app.imports.rows import ProblemCode

__all__ = ["BatchError", "batch_error_text", "error_text", "problem_text", "read_error_text"]
__all__ += ["reason_text"]


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


def _unsupported_encoding(params: Mapping[str, Any]) -> str:
    if params.get("looks_like"):
        return _(
            "The file is not in a supported text encoding (it looks like %(encoding)s); save it "
            "as CSV UTF-8 or Windows-1251 (Cyrillic) and upload again.",
            encoding=params["looks_like"],
        )
    return _(
        "The file is not in a supported text encoding; save it as CSV UTF-8 or Windows-1251 "
        "(Cyrillic) and upload again."
    )


# Why a file cannot be read or an import was refused, per code; the parameters are the
# exception's (numbers formatted for the reader).
_READ_ERRORS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    ReadError.UTF16: lambda params: _(
        "The file is saved as UTF-16 (Unicode text); save it as CSV UTF-8 and upload again."
    ),
    ReadError.NUL_BYTES: lambda params: _(
        "This is not a text file (it contains NUL bytes); upload a CSV file."
    ),
    ReadError.CONTROL_CHARACTERS: lambda params: _(
        "This is not a text file (it contains control characters); upload a CSV file."
    ),
    ReadError.NOT_UTF8_AFTER_BOM: lambda params: _(
        "The file starts as UTF-8 but contains bytes that are not UTF-8."
    ),
    ReadError.UNSUPPORTED_ENCODING: _unsupported_encoding,
    ReadError.NOT_VALID_TEXT: lambda params: _(
        "The file is not valid %(encoding)s text near line %(line)s; choose its encoding "
        "explicitly.",
        encoding=params["encoding"],
        line=_number(params, "line"),
    ),
    ReadError.NOT_CSV: lambda params: _(
        "Line %(line)s cannot be read as CSV (%(detail)s).",
        line=_number(params, "line"),
        detail=params["detail"],
    ),
    ReadError.TOO_MANY_COLUMNS: lambda params: ngettext(
        "Line %(line)s has more than %(limit)s column; at most %(limit)s can be imported.",
        "Line %(line)s has more than %(limit)s columns; at most %(limit)s can be imported.",
        params["columns"],
        line=_number(params, "line"),
        limit=_number(params, "columns"),
    ),
    ReadError.LINE_TOO_LONG: lambda params: ngettext(
        "Line %(line)s is longer than %(limit)s character; a row may have at most "
        "%(columns)s cells of %(cell_chars)s characters (check the delimiter and the quotes).",
        "Line %(line)s is longer than %(limit)s characters; a row may have at most "
        "%(columns)s cells of %(cell_chars)s characters (check the delimiter and the quotes).",
        params["row_chars"],
        line=_number(params, "line"),
        limit=_number(params, "row_chars"),
        columns=_number(params, "columns"),
        cell_chars=_number(params, "cell_chars"),
    ),
    ReadError.HEADER_TOO_WIDE: lambda params: ngettext(
        "The header has %(count)s column; at most %(columns)s can be imported.",
        "The header has %(count)s columns; at most %(columns)s can be imported.",
        params["count"],
        count=_number(params, "count"),
        columns=_number(params, "columns"),
    ),
    ReadError.EMPTY: lambda params: _("The file is empty: it has no header row."),
    ReadError.SETTINGS_DO_NOT_FIT: lambda params: _(
        "The chosen encoding or delimiter is not one that can be read."
    ),
    Refusal.MAPPING_LENGTH: lambda params: _("The mapping does not have one entry per column."),
    Refusal.UNKNOWN_FIELD: lambda params: _(
        "Unknown field “%(field)s” for column “%(column)s”.",
        field=params["field"],
        column=params["column"],
    ),
    Refusal.FIELD_TWICE: lambda params: _(
        "Field “%(field)s” is given to two columns: “%(first)s” and “%(second)s”.",
        field=params["field"],
        first=params["first"],
        second=params["second"],
    ),
    Refusal.UNKNOWN_FIELD_IN_FILE: lambda params: _(
        "Unknown field “%(field)s” in the mapping file.", field=params["field"]
    ),
    Refusal.CASES_NEED_SUPERVISOR: lambda params: _("Only supervisors may import cases."),
    Refusal.NOT_AN_IMPORTER: lambda params: _(
        "Only caseworkers and supervisors may run an import."
    ),
    Refusal.CANNOT_RUN_AGAIN: lambda params: _(
        "Only an interrupted import whose file is kept can run again."
    ),
    Refusal.NO_FILE: lambda params: _("This batch has no file."),
    Refusal.HEADERS_CHANGED: lambda params: _(
        "The file's headers differ from the confirmed mapping."
    ),
}


def read_error_text(code: str, params: Mapping[str, Any] | None = None) -> str | None:
    """Why a file cannot be read or an import was refused (a :class:`ReadError` or
    :class:`Refusal` code), in the reader's language; None for a code it does not know."""
    worded = _READ_ERRORS.get(code)
    if worded is None:
        return None
    try:
        return worded(params or {})
    except (KeyError, TypeError, ValueError):  # parameters of another version
        return None


def error_text(error: UnreadableFile | ImportRefused) -> str:
    """An unreadable file's or a refusal's reason in the reader's language."""
    return read_error_text(error.code, error.params) or error.code.value


def batch_error_text(batch: ImportBatch) -> str:
    """Why a batch failed, in the reader's language; a sentence stored by an older version
    (which wrote the reader's English) is shown as written."""
    params = batch.error_params or {}
    if batch.error_code == BatchError.ALL_OR_NOTHING and "rejected" in params:
        return ngettext(
            "%(num)s row rejected; nothing was imported (all or nothing)",
            "%(num)s rows rejected; nothing was imported (all or nothing)",
            params["rejected"],
        )
    if batch.error_code == BatchError.FAILED_ON_OUR_SIDE:
        return _("the import failed on our side; nothing was saved")
    if batch.error_code and (worded := read_error_text(batch.error_code, params)) is not None:
        return worded
    if batch.error in _STORED_ERRORS:
        return str(_STORED_ERRORS[batch.error])
    return batch.error or batch.error_code or ""
