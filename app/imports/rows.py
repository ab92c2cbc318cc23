"""One CSV row to import fields: names, sex, dates, ages, places; with warnings, never drops.

Pure: no Flask, no database. The rules:

- A value that cannot be read (an impossible or unreadable date, an age that is not a number
  of years, a sex value we do not know) is a *warning*: the row is imported with that field
  empty, and the value stays in the raw row. A child's record is never dropped over a typo.
- A single full-name column fills the family name, given name and patronymic by the rule of
  :func:`app.imports.names.split_full_name`, unless the row also has its own family or given name.
- An age is kept with the date it was true on: the row's record date when it has one,
  otherwise the date given by the caller (the list's date).
- A row with more cells than ``max_cells``, or a cell longer than ``max_cell_chars``
  characters, is *rejected* (the reader's limits, :class:`app.imports.readers.Limits`): such a
  row is a broken or hostile line, not a child's record, and the rest of the file imports.
- Rows without a partner row id get a stable one: ``"h:"`` and the first 32 hex digits of the
  SHA-256 of the row's cells (stripped, case-folded, NFKC). Re-importing the same row finds the
  same record; a corrected row without an id becomes a new record, because nothing else
  identifies it.

A problem's reason is a code with parameters (:class:`ProblemCode`), never a sentence: it is
stored and read in the language of whoever reads it (:mod:`app.imports.problems` words it).
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Any, cast

from app.dates import DateWarning
from app.dates import parse_age as _parse_age
from app.dates import parse_date as _parse_date
from app.imports.fields import ANSWER_FIELDS, FIELDS
from app.imports.names import detect_sex_value as _detect_sex_value
from app.imports.names import split_full_name

# Lists repeat the same dates, ages and sex values on many rows; their results are immutable.
parse_date = lru_cache(maxsize=8192)(_parse_date)
parse_age = lru_cache(maxsize=1024)(_parse_age)
detect_sex_value = lru_cache(maxsize=1024)(_detect_sex_value)

__all__ = [
    "CONVERTED_FIELDS",
    "Problem",
    "ProblemCode",
    "RowOutcome",
    "convert_row",
    "field_columns",
    "raw_keys",
    "raw_row",
    "row_fingerprint",
]

# Fields read as plain text; the others are parsed (dates, age, sex), split (full name) or
# identify the row (external id).
TEXT_FIELDS = tuple(
    name
    for name in FIELDS
    if name
    not in {"external_id", "full_name", "sex", "date_of_birth", "age", "record_date", "captured_on"}
    and name not in ANSWER_FIELDS
)
# What convert_row() gives for every row: its id, the text fields, and the parsed values.
CONVERTED_FIELDS = (
    "external_id",
    *TEXT_FIELDS,
    "sex",
    "dob_year",
    "dob_month",
    "dob_day",
    "age",
    "age_on",
    "captured_on",
)


class ProblemCode(StrEnum):
    """Why a row was rejected or warned about; the values are stored, so never rename one.
    The comments name each code's parameters."""

    EXTRA_CELLS = "extra_cells"  # extra: how many cells beyond the header
    TOO_MANY_CELLS = "too_many_cells"  # cells, limit
    CELL_TOO_LONG = "cell_too_long"  # chars, limit
    SEX_NOT_RECOGNISED = "sex_not_recognised"
    DATE_LEFT_EMPTY = "date_left_empty"  # warning: an app.dates.WarningCode, and its parameters
    RECORD_DATE_NOT_FULL = "record_date_not_full"
    DATE_NOT_FULL = "date_not_full"  # a date that must be a day (captured on) gave less
    AGE_NOT_READABLE = "age_not_readable"
    # id: "partner_row_id" or "case_number"; first_line when known.
    DUPLICATE_ID = "duplicate_id"
    TOO_LONG = "too_long"  # limit: a value longer than its column holds
    REFUSED = "refused"  # text: the table owner's own words, for a refusal without a code


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong on one row; ``severity`` is "warning" (imported) or "rejected"."""

    line_number: int
    column: str
    value: str
    code: ProblemCode
    params: dict[str, Any] = field(default_factory=dict)
    severity: str = "warning"

    def as_row(self, batch_id: int) -> dict[str, Any]:
        return {
            "batch_id": batch_id,
            "line_number": self.line_number,
            "column_name": self.column[:200],
            "value": self.value,
            # The code is the reason; the text column holds only what older versions wrote.
            "reason": "",
            "reason_code": self.code.value,
            "reason_params": self.params or None,
            "severity": self.severity,
        }


@dataclass(slots=True)
class RowOutcome:
    """The fields read from a row, the row as received, and what was wrong with it."""

    line_number: int
    fields: dict[str, Any]
    raw: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    # Which column each field came from (for problem reports about that field).
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def external_id(self) -> str:
        return cast(str, self.fields["external_id"])  # always a str, see convert_row

    def reject(
        self, column: str, value: str, code: ProblemCode, params: dict[str, Any] | None = None
    ) -> None:
        self.problems.append(
            Problem(self.line_number, column, value, code, params or {}, "rejected")
        )

    @property
    def rejected(self) -> bool:
        return any(p.severity == "rejected" for p in self.problems)


def raw_keys(headers: list[str]) -> list[str]:
    """Unique keys for the raw row: a repeated header gets " (2)", " (3)"; a blank one a number."""
    keys: list[str] = []
    seen: set[str] = set()
    for index, header in enumerate(headers):
        key = header or f"column {index + 1}"
        candidate, n = key, 1
        while candidate in seen:
            n += 1
            candidate = f"{key} ({n})"
        seen.add(candidate)
        keys.append(candidate)
    return keys


def _normalise_cell(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


def row_fingerprint(cells: list[str]) -> str:
    """The stable id of a row that has no partner row id (see the module docstring)."""
    content = "\x1f".join(_normalise_cell(cell) for cell in cells).rstrip("\x1f")
    return "h:" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]


def raw_row(cells: list[str], keys: list[str]) -> dict[str, str]:
    """The row as received, keyed by :func:`raw_keys` ("column N" beyond the header)."""
    return {
        (keys[index] if index < len(keys) else f"column {index + 1}"): value
        for index, value in enumerate(cells)
    }


def field_columns(headers: list[str], mapping: list[str | None]) -> dict[str, str]:
    """The header of the column each mapped field comes from (for problem reports)."""
    return {
        field_name: headers[index] if index < len(headers) else ""
        for index, field_name in enumerate(mapping)
        if field_name
    }


def convert_row(
    cells: list[str],
    line_number: int,
    headers: list[str],
    mapping: list[str | None],
    *,
    keys: list[str] | None = None,
    list_date: date | None = None,
    max_cells: int | None = None,
    max_cell_chars: int | None = None,
) -> RowOutcome:
    """Read one row. ``mapping[i]`` is the field of column ``i`` (None: raw row only)."""
    oversized = _oversized(cells, line_number, headers, max_cells, max_cell_chars)
    if oversized is not None:
        return oversized
    outcome = RowOutcome(line_number, {}, raw_row(cells, keys or raw_keys(headers)))
    values: dict[str, str] = {}
    for index, field_name in enumerate(mapping):
        if field_name and index < len(cells):
            values[field_name] = cells[index].strip()
            outcome.columns[field_name] = headers[index] if index < len(headers) else ""
    if len(cells) > len(headers):
        extra = len(cells) - len(headers)
        outcome.problems.append(
            Problem(line_number, "", "", ProblemCode.EXTRA_CELLS, {"extra": extra})
        )

    fields: dict[str, Any] = {name: values.get(name, "") for name in TEXT_FIELDS}
    full_name = values.get("full_name", "")
    if full_name and not (fields["family_name"] or fields["given_name"]):
        parts = split_full_name(full_name)
        fields["family_name"] = parts.family_name or ""
        fields["given_name"] = parts.given_name or ""
        if not fields["patronymic"]:
            fields["patronymic"] = parts.patronymic or ""

    fields["sex"] = _read_sex(outcome, values.get("sex", ""))
    _read_birth(outcome, fields, values, list_date)
    fields["captured_on"] = _read_day(outcome, "captured_on", values.get("captured_on", ""))
    fields["external_id"] = values.get("external_id", "") or row_fingerprint(cells)
    outcome.fields = fields
    return outcome


def _oversized(
    cells: list[str],
    line_number: int,
    headers: list[str],
    max_cells: int | None,
    max_cell_chars: int | None,
) -> RowOutcome | None:
    """A rejected outcome for a row beyond the limits (nothing of it is converted or kept;
    the report quotes only the start of a long cell), or None."""
    problems: list[Problem] = []
    if max_cells is not None and len(cells) > max_cells:
        params = {"cells": len(cells), "limit": max_cells}
        problems.append(
            Problem(line_number, "", "", ProblemCode.TOO_MANY_CELLS, params, "rejected")
        )
    elif max_cell_chars is not None and cells and max(map(len, cells)) > max_cell_chars:
        for index, cell in enumerate(cells):
            if len(cell) > max_cell_chars:
                column = headers[index] if index < len(headers) else f"column {index + 1}"
                params = {"chars": len(cell), "limit": max_cell_chars}
                problems.append(
                    Problem(
                        line_number,
                        column,
                        cell[:100] + "…",
                        ProblemCode.CELL_TOO_LONG,
                        params,
                        "rejected",
                    )
                )
    if not problems:
        return None
    return RowOutcome(line_number, {"external_id": ""}, {}, problems)


def _warn(
    outcome: RowOutcome,
    field_name: str,
    value: str,
    code: ProblemCode,
    params: dict[str, Any] | None = None,
) -> None:
    column = outcome.columns.get(field_name, field_name)
    outcome.problems.append(Problem(outcome.line_number, column, value, code, params or {}))


def _date_left_empty(warning: DateWarning) -> dict[str, Any]:
    return {"warning": warning.code.value, **warning.params}


def _read_sex(outcome: RowOutcome, text: str) -> str:
    if not text:
        return "unknown"
    sex = detect_sex_value(text)
    if sex is None:
        _warn(outcome, "sex", text, ProblemCode.SEX_NOT_RECOGNISED)
        return "unknown"
    return sex


def _read_day(outcome: RowOutcome, field_name: str, text: str) -> date | None:
    """A date that is a day or nothing (a prisoner's date of capture): unreadable, impossible
    or given only as a month or a year, it is left empty with a warning."""
    if not text:
        return None
    parsed = parse_date(text)
    if parsed.warning is not None:
        params = _date_left_empty(parsed.warning)
        _warn(outcome, field_name, text, ProblemCode.DATE_LEFT_EMPTY, params)
        return None
    day = parsed.value.to_date() if parsed.value else None
    if day is None:
        _warn(outcome, field_name, text, ProblemCode.DATE_NOT_FULL)
    return day


def _read_birth(
    outcome: RowOutcome,
    fields: dict[str, Any],
    values: dict[str, str],
    list_date: date | None,
) -> None:
    fields["dob_year"] = fields["dob_month"] = fields["dob_day"] = None
    text = values.get("date_of_birth", "")
    parsed = parse_date(text)
    if parsed.value is not None:
        fields["dob_year"] = parsed.value.year
        fields["dob_month"] = parsed.value.month
        fields["dob_day"] = parsed.value.day
    elif parsed.warning:
        params = _date_left_empty(parsed.warning)
        _warn(outcome, "date_of_birth", text, ProblemCode.DATE_LEFT_EMPTY, params)

    record_date: date | None = None
    record_text = values.get("record_date", "")
    if record_text:
        record = parse_date(record_text)
        record_date = record.value.to_date() if record.value else None
        if record.warning is not None:
            params = _date_left_empty(record.warning)
            _warn(outcome, "record_date", record_text, ProblemCode.DATE_LEFT_EMPTY, params)
        elif record_date is None:
            _warn(outcome, "record_date", record_text, ProblemCode.RECORD_DATE_NOT_FULL)

    fields["age"] = fields["age_on"] = None
    age_text = values.get("age", "")
    if age_text:
        age = parse_age(age_text)
        if age is None:
            _warn(outcome, "age", age_text, ProblemCode.AGE_NOT_READABLE)
        else:
            fields["age"] = age
            fields["age_on"] = record_date or list_date
