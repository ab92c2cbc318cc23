"""Which field each column of a file is: detected, proposed, checked, remembered per source."""

from __future__ import annotations

from typing import Any, BinaryIO

from flask import current_app

from app.imports.fields import FIELDS, guess_mapping
from app.imports.models import ImportBatch
from app.imports.readers import Limits, Preview, preview

__all__ = [
    "ImportRefused",
    "check_mapping",
    "detect_format",
    "mapping_from_headers",
    "mapping_from_json",
    "read_limits",
    "save_source_mapping",
]


class ImportRefused(Exception):
    """A mapping or request that cannot be imported; ``reason`` is an English sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
        raise ImportRefused("The mapping does not have one entry per column.")
    seen: dict[str, str] = {}
    for header, field in zip(headers, mapping, strict=True):
        if field is None:
            continue
        if field not in FIELDS:
            raise ImportRefused(f"Unknown field {field!r} for column {header!r}.")
        if field in seen:
            raise ImportRefused(
                f"Field {field!r} is given to two columns: {seen[field]!r} and {header!r}."
            )
        seen[field] = header


def mapping_from_json(headers: list[str], data: dict[str, Any]) -> list[str | None]:
    """A {header: field} mapping file applied to the headers; other headers are guessed."""
    for field in data.values():
        if field and field not in FIELDS:
            raise ImportRefused(f"Unknown field {field!r} in the mapping file.")
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
