"""Hostile CSV files against the pure reader and the row conversion.

Whatever bytes arrive, the reader either refuses the file with a reason (``UnreadableFile``)
or gives rows, each with the physical line it starts on; converting a row never raises, and
each problem it reports names its line and says why. A file that Python's own ``csv`` module
wrote reads back cell for cell, on the lines where it was written.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from app.imports.fields import FIELDS
from app.imports.readers import SAMPLE_SIZE, UnreadableFile, open_csv, preview
from app.imports.rows import CONVERTED_FIELDS, ProblemCode, convert_row, raw_keys
from tests.security.conftest import counted
from tests.security.strategies import hostile_text

# Pieces a hostile or broken file is made of: separators, quotes, line ends, NULs, byte order
# marks (UTF-8 and UTF-16, at the start or anywhere), Excel's "sep=" line, Cyrillic in UTF-8
# and in Windows-1251, bytes that are neither, and control characters.
_FRAGMENTS = st.sampled_from(
    [
        b",",
        b";",
        b"\t",
        b'"',
        b'""',
        b"\n",
        b"\r",
        b"\r\n",
        b"\x00",
        codecs.BOM_UTF8,
        codecs.BOM_UTF16_LE,
        codecs.BOM_UTF16_BE,
        b"sep=;\n",
        b"sep=|\r\n",
        "Коваленко".encode(),
        "Коваленко".encode("cp1251"),
        "Ім'я;Прізвище".encode(),
        b"05.03.2014",
        b"\xff\xfe\xfd",
        b"\xd0",  # the first half of a two-byte UTF-8 letter
        b"\x1b[31m",
        b"=cmd|' /C calc'!A0",
        b" ",
        b"a",
        b"1",
    ]
)


@st.composite
def hostile_files(draw: st.DrawFn) -> bytes:
    """Bytes made of the pieces above, random bytes, and now and then a line long enough to
    cross the reader's detection sample (the rest of the file is streamed)."""
    parts = draw(
        st.lists(
            st.one_of(_FRAGMENTS, st.binary(max_size=40), hostile_text(max_size=40).map(_utf8)),
            max_size=60,
        )
    )
    if draw(st.integers(0, 9)) == 0:
        piece = draw(st.sampled_from([b"a", b",", b'"', "ж".encode(), b"\xd0"]))
        at = draw(st.integers(0, len(parts)))
        parts.insert(at, piece * draw(st.integers(SAMPLE_SIZE // 2, SAMPLE_SIZE + 4096)))
    return b"".join(parts)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogatepass")


def _read_all(data: bytes, **options: str) -> tuple[list[str], list]:
    with open_csv(io.BytesIO(data), **options) as source:
        return source.headers, list(source.rows())


def _check_rows(headers: list[str], rows: list) -> None:
    assert headers and all(isinstance(header, str) for header in headers)
    lines = [row.line_number for row in rows]
    assert all(line >= 2 for line in lines)
    assert lines == sorted(set(lines)), "rows start on distinct lines, in file order"
    for row in rows:
        assert len(row.values) >= len(headers)  # short rows padded
        assert all(isinstance(cell, str) for cell in row.values)


@given(data=st.one_of(st.binary(max_size=2048), hostile_files()))
@counted
def test_any_bytes_give_rows_or_a_reason(data: bytes) -> None:
    try:
        headers, rows = _read_all(data)
    except UnreadableFile as refusal:
        assert refusal.code
        return
    _check_rows(headers, rows)


@given(
    data=hostile_files(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251"]),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
@counted
def test_any_bytes_read_as_the_chosen_format_give_rows_or_a_reason(
    data: bytes, encoding: str, delimiter: str
) -> None:
    """The preview page lets a person choose the encoding and the delimiter."""
    try:
        headers, rows = _read_all(data, encoding=encoding, delimiter=delimiter)
    except UnreadableFile as refusal:
        assert refusal.code
        return
    _check_rows(headers, rows)


@given(data=hostile_files(), n=st.integers(0, 12))
@counted
def test_preview_gives_at_most_n_rows_or_a_reason(data: bytes, n: int) -> None:
    try:
        result = preview(io.BytesIO(data), n=n)
    except UnreadableFile as refusal:
        assert refusal.code
        return
    assert len(result.rows) <= n
    assert result.encoding in ("utf-8", "utf-8-sig", "cp1251")
    assert result.delimiter in (",", ";", "\t")


# --- files written by Python's csv module read back as written -----------------------------

# Letters, digits and the characters that make CSV hard (every delimiter, quotes, line ends
# inside cells, spaces), in both alphabets. No control characters (a file with many is
# refused as binary, on purpose) and no byte order marks inside cells (the reader's business
# with those is tested above and in tests/imports).
_CELL_ALPHABET = "abcXYZ019 ,;\t\"'\r\nЖжЄєІіЇїҐґЁёЩщЬь№«»–—’.-/()"
_CELL = st.text(alphabet=_CELL_ALPHABET, max_size=30)


@st.composite
def written_files(draw: st.DrawFn) -> tuple[list[list[str]], list[int], str, str, str]:
    """A table written by ``csv.writer``: its rows, the line each row starts on, the
    delimiter, the encoding and the text."""
    width = draw(st.integers(1, 8))
    header = draw(
        st.lists(_CELL, min_size=width, max_size=width).filter(
            lambda cells: (
                any(cell.strip() for cell in cells)
                and not "".join(cells).lstrip().startswith("sep=")
            )
        )
    )
    rows = draw(st.lists(st.lists(_CELL, max_size=width + 2), max_size=15))
    # Repeated, the rows may cross the end of the detection sample.
    rows = rows * draw(st.sampled_from([1, 1, 1, 40, 400]))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    terminator = draw(st.sampled_from(["\r\n", "\n"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    if any("\r" in cell for cells in [header, *rows] for cell in cells):
        quoting = csv.QUOTE_ALL  # csv.writer leaves a cell with a lone "\r" unquoted
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1251"]))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=terminator, quoting=quoting)
    writer.writerow(header)
    # A row starts one line after every line end written before it.
    starts, lines, counted_to = [], 1, 0
    for cells in rows:
        text = buffer.getvalue()
        lines += len(_LINE_END.findall(text, counted_to))
        counted_to = len(text)
        starts.append(lines)
        writer.writerow(cells)
    return [header, *rows], starts, delimiter, encoding, buffer.getvalue()


_LINE_END = re.compile(r"\r\n|\r|\n")


@given(written=written_files())
@counted
def test_files_written_by_csv_read_back_cell_for_cell_on_their_lines(written) -> None:
    (header, *rows), starts, delimiter, encoding, text = written
    # UTF-8 is detected; Windows-1251 is chosen by the person (a short Windows-1251 text can
    # be valid UTF-8 too, which no detection can tell apart).
    options = {"delimiter": delimiter}
    if encoding == "cp1251":
        options["encoding"] = "cp1251"
    headers, read = _read_all(text.encode(encoding), **options)
    assert headers == [cell.strip() for cell in header]
    expected = [
        (line, cells + [""] * (len(header) - len(cells)))
        for line, cells in zip(starts, rows, strict=True)
        if any(cell.strip() for cell in cells)
    ]
    assert [(row.line_number, row.values) for row in read] == expected


# --- converting rows -------------------------------------------------------------------------

_MAPPINGS = st.lists(st.sampled_from([None, *FIELDS]), max_size=12).map(
    lambda fields: [f if f is None or fields.index(f) == i else None for i, f in enumerate(fields)]
)


@given(
    cells=st.lists(hostile_text(max_size=60), max_size=14),
    headers=st.lists(hostile_text(max_size=20), max_size=12),
    mapping=_MAPPINGS,
    line=st.integers(2, 10**7),
    list_date=st.none() | st.dates(),
)
@counted
def test_converting_any_row_gives_fields_and_problems_with_line_and_reason(
    cells: list[str], headers: list[str], mapping: list[str | None], line: int, list_date: date
) -> None:
    outcome = convert_row(
        cells, line, headers, mapping, keys=raw_keys(headers), list_date=list_date
    )
    assert set(CONVERTED_FIELDS) <= set(outcome.fields)
    assert isinstance(outcome.external_id, str) and outcome.external_id
    assert outcome.fields["sex"] in ("male", "female", "unknown")
    for name in ("dob_year", "dob_month", "dob_day", "age"):
        assert outcome.fields[name] is None or isinstance(outcome.fields[name], int)
    for problem in outcome.problems:
        assert problem.line_number == line
        assert problem.code in set(ProblemCode)
        assert problem.severity in ("warning", "rejected")
        row = problem.as_row(batch_id=1)
        assert len(row["column_name"]) <= 200 and len(row["reason_code"]) <= 40
    assert len(outcome.raw) == len(cells)  # every cell kept, under a unique key
