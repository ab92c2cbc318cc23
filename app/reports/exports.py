"""CSV and XLSX exports that stream, and that spreadsheets cannot be tricked into executing.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula (OWASP "CSV injection"); partner lists are written by
strangers, so every such text cell is prefixed with an apostrophe by :func:`neutralise`. Numbers
and dates are written as they are.

Use :func:`export_response` in a view, after the permission check and the audit event:

    record(AuditAction.EXPORT, ...)
    db.session.commit()
    return export_response("cases", headers, rows, fmt)

``rows`` may be a generator over a database query: CSV is streamed as it is produced; XLSX
(a zip file) is written with openpyxl's write-only mode into memory first (compressed).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import IO, Any

from flask import Response, stream_with_context

from app.sqlite import long_read

__all__ = [
    "EXPORT_FORMATS",
    "FORMULA_PREFIXES",
    "download_filename",
    "export_response",
    "iter_csv",
    "neutralise",
    "write_xlsx",
]

EXPORT_FORMATS = ("csv", "xlsx")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot hold; openpyxl refuses them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(cell: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; None is ""."""
    if cell is None:
        return ""
    if isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES):
        return "'" + cell
    return cell


def iter_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text in pieces: a UTF-8 byte order mark (so Excel reads Cyrillic), then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([neutralise(h) for h in headers])
    yield "\ufeff" + flush()
    for count, row in enumerate(rows, start=1):
        writer.writerow([neutralise(cell) for cell in row])
        if count % 500 == 0:
            yield flush()
    yield flush()


def _xlsx_cell(cell: Any) -> Any:
    cell = neutralise(cell)
    if isinstance(cell, str):
        return _ILLEGAL_XML.sub("", cell)
    if isinstance(cell, datetime) and cell.tzinfo is not None:
        return cell.astimezone(UTC).replace(tzinfo=None)  # Excel has no time zones
    return cell


def write_xlsx(
    out: IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "Export"
) -> None:
    """Write one sheet in openpyxl's write-only mode: memory does not grow with the rows."""
    from openpyxl import Workbook  # imported here: only exports need it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([_xlsx_cell(h) for h in headers])
    for row in rows:
        sheet.append([_xlsx_cell(cell) for cell in row])
    workbook.save(out)


def download_filename(stem: str, fmt: str) -> str:
    """A safe attachment name: the stem in ASCII, the time of the export, the extension."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-") or "export"
    return f"{safe}-{datetime.now(UTC):%Y%m%d-%H%M}.{fmt}"


def _read_without_locking(rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    # A big export streams for seconds; on SQLite it must not hold the one write lock meanwhile.
    with long_read():
        yield from rows


def export_response(
    filename_stem: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str
) -> Response:
    """A download of ``rows`` as CSV or XLSX. The caller checks permission, audits and commits
    first: the rows are then read in a transaction of their own that holds no write lock."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    filename = download_filename(filename_stem, fmt)
    rows = _read_without_locking(rows)
    if fmt == "csv":
        response = Response(
            # mimetype="text/csv" alone: Werkzeug adds the charset of text types itself (given
            # a charset too, it wrote "charset=utf-8; charset=utf-8").
            stream_with_context(iter_csv(headers, rows)),
            mimetype="text/csv",
        )
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    # The zip must be complete before it is sent; it is compressed, a fraction of the rows.
    buffer = io.BytesIO()
    write_xlsx(buffer, headers, rows, title=filename_stem)
    response = Response(buffer.getvalue(), mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
