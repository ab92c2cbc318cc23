"""Printable lists (app/reports/pdf.py): page numbers, headers on every page, the signatures."""

from __future__ import annotations

from app.reports.pdf import PdfDocument, Signatory, write_pdf
from tests.exchanges.pdf_text import page_count, pdf_text

DOCUMENT = PdfDocument(
    title="Список осіб",
    about=["Протокол № 12/34"],
    headers=["№", "Прізвище"],
    page_label="Сторінка {page} з {pages}",
    signature_heading="Підписи",
    signatories=[Signatory("Тестова Особа", "інспектор"), Signatory("Друга Особа", "")],
    date_line="Дата: 01.12.2026",
    signature_label="Підпис:",
)


def test_a_long_list_runs_over_numbered_pages_with_its_header_on_each():
    pdf = write_pdf(DOCUMENT, [(n, f"Коваленко-{n}") for n in range(1, 201)], compress=False)
    assert pdf.startswith(b"%PDF")
    pages = page_count(pdf)
    assert pages > 3
    text = pdf_text(pdf)
    assert all(f"Сторінка {n} з {pages}" in text for n in range(1, pages + 1))
    assert text.count("Прізвище") == pages
    assert "Коваленко-1\n" in text and "Коваленко-200" in text
    assert text.index("Коваленко-200") < text.index("Підписи") < text.index("Тестова Особа")
    # Uncompressed, the page streams are plain text operators.
    assert b" Tj" in pdf


def test_compressed_output_is_smaller_and_says_the_same():
    rows = [(n, "Шевчук") for n in range(60)]
    plain, packed = write_pdf(DOCUMENT, rows, compress=False), write_pdf(DOCUMENT, rows)
    assert len(packed) < len(plain)
    assert pdf_text(packed) == pdf_text(plain)


def test_an_empty_list_says_so():
    document = PdfDocument(
        title="T", about=[], headers=["a"], page_label="{page}/{pages}", empty_text="Нікого"
    )
    text = pdf_text(write_pdf(document, []))
    assert "Нікого" in text and "1/1" in text
