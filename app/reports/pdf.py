"""Printable PDF lists: a title, a few lines about the document, a table, page numbers and a
signature block. Drawn with fpdf2 in DejaVu Sans (vendored in static/fonts/ with its licence),
so Cyrillic and the romanisations' marks (ë, ʼ) print on a machine without the font installed.

Use :func:`write_pdf` in a view after the permission check and the audit event, as the CSV and
XLSX exports; :func:`pdf_response` wraps it in a download. Texts arrive translated: this module
knows no language."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Response

from app.reports.exports import download_filename

__all__ = ["PdfDocument", "Signatory", "pdf_response", "write_pdf"]

FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
FONT = "DejaVu"
PDF_MIMETYPE = "application/pdf"


@dataclass(frozen=True)
class Signatory:
    name: str
    position: str


@dataclass(frozen=True)
class PdfDocument:
    """What is printed. ``page_label`` holds ``{page}`` and ``{pages}`` ("Page {page} of
    {pages}"); ``column_widths`` are relative (None: equal)."""

    title: str
    about: Sequence[str]
    headers: Sequence[str]
    page_label: str
    signature_heading: str = ""
    signatories: Sequence[Signatory] = ()
    date_line: str = ""
    signature_label: str = ""
    column_widths: Sequence[float] | None = None
    empty_text: str = ""


def _text(cell: Any) -> str:
    return "" if cell is None else str(cell)


def write_pdf(
    document: PdfDocument, rows: Iterable[Sequence[Any]], *, compress: bool = True
) -> bytes:
    """The document with ``rows`` as its table, landscape A4; long tables run over pages with
    their header repeated. ``compress=False`` leaves the page streams readable (tests)."""
    from fpdf import FPDF  # imported here: only PDF exports need it

    page_label = document.page_label

    class _Pdf(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FONT, size=8)
            label = page_label.replace("{page}", str(self.page_no())).replace("{pages}", "{nb}")
            self.cell(0, 8, label, align="C")

    pdf = _Pdf(orientation="L", format="A4")
    pdf.set_compression(compress)
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.alias_nb_pages("{nb}")
    pdf.add_page()
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 8, document.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    for line in document.about:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT, size=8)
    widths = tuple(document.column_widths or [1] * len(document.headers))
    any_row = False
    with pdf.table(col_widths=widths, first_row_as_headings=True, line_height=4.5) as table:
        heading = table.row()
        for header in document.headers:
            heading.cell(_text(header))
        for row in rows:
            any_row = True
            cells = table.row()
            for cell in row:
                cells.cell(_text(cell))
    if not any_row and document.empty_text:
        pdf.ln(2)
        pdf.cell(0, 6, document.empty_text, new_x="LMARGIN", new_y="NEXT")
    _signature_block(pdf, document)
    return bytes(pdf.output())


def _signature_block(pdf: Any, document: PdfDocument) -> None:
    if not document.signatories and not document.date_line:
        return
    # The block is not split over two pages: a signature belongs beside the list it signs.
    needed = 14 + 16 * len(document.signatories)
    if pdf.will_page_break(needed):
        pdf.add_page()
    pdf.ln(6)
    pdf.set_font(FONT, "B", 10)
    if document.signature_heading:
        pdf.cell(0, 6, document.signature_heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    if document.date_line:
        pdf.cell(0, 6, document.date_line, new_x="LMARGIN", new_y="NEXT")
    for signatory in document.signatories:
        pdf.ln(4)
        pdf.cell(90, 6, signatory.position)
        pdf.cell(80, 6, signatory.name)
        pdf.cell(
            0, 6, f"{document.signature_label} ____________________", new_x="LMARGIN", new_y="NEXT"
        )


def pdf_response(filename_stem: str, content: bytes) -> Response:
    response = Response(content, mimetype=PDF_MIMETYPE)
    filename = download_filename(filename_stem, "pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
