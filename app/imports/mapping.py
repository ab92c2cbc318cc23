"""Which field each column of a file is: detected, proposed, checked, remembered per source."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, BinaryIO

from flask import current_app

from app.imports.fields import FIELDS, guess_mapping
from app.imports.models import ImportBatch
from app.imports.readers import Limits, Preview, preview

__all__ = [
    "ImportRefused",
    "Refusal",
    "check_mapping",
    "detect_format",
    "mapping_from_headers",
    "mapping_from_json",
    "read_limits",
    "save_source_mapping",
]


class Refusal(StrEnum):
    """Why an import was refused; stored in ``import_batch.error_code``, so never renamed.
    :func:`app.imports.problems.read_error_text` words each; the comments name the
    parameters."""

    MAPPING_LENGTH = "mapping_length"
    UNKNOWN_FIELD = "unknown_field"  # field, column
    FIELD_TWICE = "field_twice"  # field, first, second (the two columns)
    UNKNOWN_FIELD_IN_FILE = "unknown_field_in_mapping_file"  # field
    CASES_NEED_SUPERVISOR = "cases_need_supervisor"
    NOT_AN_IMPORTER = "not_an_importer"
    CANNOT_RUN_AGAIN = "cannot_run_again"
    NO_FILE = "no_file"
    HEADERS_CHANGED = "headers_changed"


class ImportRefused(Exception):
    """A mapping or request that cannot be imported: a :class:`Refusal` and its parameters,
    worded for people by the caller (:func:`app.imports.problems.read_error_text`)."""

    def __init__(self, code: Refusal, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        """For logs and tracebacks only."""
        params = ", ".join(f"{name}={value!r}" for name, value in self.params.items())
        return f"{self.code.value}({params})"


def read_limits() -> Limits:
    """The reader's limits from the settings (IMPORT_MAX_COLUMNS, IMPORT_MAX_CELL_CHARS,
    IMPORT_MAX_ROW_CHARS), the same for the preview and the import."""
    config = current_app.config
    return Limits(
        columns=config["IMPORT_MAX_COLUMNS"],
        cell_chars=config["IMPORT_MAX_CELL_CHARS"],
        row_chars=config["IMPORT_MAX_ROW_CHARS"],
    )


def mapping_from_headers(headers: list[str], saved: dict[str, Any] | None) -> list[str | None]:
    """Proposed field per column: the saved {header: field} first, then the header aliases."""
    guessed = guess_mapping(headers)
    mapping: list[str | None] = []
    used: set[str] = set()
    for index, header in enumerate(headers):
        field: str | None
        if saved is not None and header in saved:
            field = saved[header] or None
            if field not in FIELDS:
                field = None
        else:
            field = guessed.get(index)
        if field in used:
            field = None
        if field:
            used.add(field)
        mapping.append(field)
    return mapping


def check_mapping(headers: list[str], mapping: list[str | None]) -> None:
    """Refuse unknown fields and fields given to two columns."""
    if len(mapping) != len(headers):
        raise ImportRefused(Refusal.MAPPING_LENGTH)
    seen: dict[str, str] = {}
    for header, field in zip(headers, mapping, strict=True):
        if field is None:
            continue
        if field not in FIELDS:
            raise ImportRefused(Refusal.UNKNOWN_FIELD, field=field, column=header)
        if field in seen:
            raise ImportRefused(Refusal.FIELD_TWICE, field=field, first=seen[field], second=header)
        seen[field] = header


def mapping_from_json(headers: list[str], data: dict[str, Any]) -> list[str | None]:
    """A {header: field} mapping file applied to the headers; other headers are guessed."""
    for field in data.values():
        if field and field not in FIELDS:
            raise ImportRefused(Refusal.UNKNOWN_FIELD_IN_FILE, field=str(field))
    mapping = mapping_from_headers(headers, data)
    check_mapping(headers, mapping)
    return mapping


def save_source_mapping(batch: ImportBatch) -> None:
    """Remember this batch's mapping as the partner source's mapping for next time."""
    if batch.partner_source is None or batch.headers is None or batch.mapping is None:
        return
    batch.partner_source.mapping = dict(zip(batch.headers, batch.mapping, strict=True))


def detect_format(
    batch: ImportBatch, stream: BinaryIO, rows: int = 10, *, remap: bool = False
) -> Preview:
    """Read the first rows; fill in encoding, delimiter, headers and (if unset) the mapping.

    Raises :class:`app.imports.readers.UnreadableFile` for a file that cannot be read at all.
    """
    result = preview(
        stream,
        n=rows,
        encoding=batch.encoding,
        delimiter=batch.delimiter,
        limits=read_limits(),
    )
    headers_changed = batch.headers != result.headers
    batch.encoding = result.encoding
    batch.delimiter = result.delimiter
    batch.headers = result.headers
    if batch.mapping is None or headers_changed or remap:
        saved = batch.partner_source.mapping if batch.partner_source is not None else None
        batch.mapping = mapping_from_headers(result.headers, saved)
    return result
