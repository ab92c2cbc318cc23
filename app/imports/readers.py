"""Bytes to rows: encoding and delimiter detection and a streaming CSV reader.

Partner lists come from Excel and LibreOffice in three encodings (UTF-8 with or without a byte
order mark, and Windows-1251) and with ``,``, ``;`` or tab between cells. :func:`open_csv`
reads a sample to detect both, then streams the file row by row, so memory does not grow with
its length. Every row carries the physical line on which it starts, for error reports that an
operator can find in the file.

A hostile or broken file must not take the server with it (a million columns once made the
preview run for minutes and grow past 4 GB). :class:`Limits` bounds what is read: a row longer
than ``row_chars`` characters (line breaks inside quotes included) or a header with more than
``columns`` columns makes the file unreadable as soon as the reader meets it, having held no
more than that row's first ``row_chars`` characters. Rows with more cells, or a cell longer,
than the limits are for the caller to reject (:func:`app.imports.rows.convert_row`).

U+FEFF (a byte order mark) is dropped wherever it appears, not only at the start: a file
concatenated from two exports has one at the start of a later line, and ``\ufeff2`` must not
become another row id than ``2``.

Pure: no Flask, no database.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = [
    "DELIMITERS",
    "ENCODINGS",
    "SAMPLE_SIZE",
    "CsvSource",
    "Limits",
    "Preview",
    "ReadError",
    "SourceRow",
    "UnreadableFile",
    "detect_encoding",
    "open_csv",
    "preview",
    "sniff_delimiter",
]

SAMPLE_SIZE = 64 * 1024
ENCODINGS = ("utf-8-sig", "utf-8", "cp1251")
DELIMITERS = (",", ";", "\t")

# Share of control characters (other than tab and line ends) above which text is binary.
_MAX_CONTROL_SHARE = 0.01
# Share of non-space characters that must be ASCII or Cyrillic for a cp1251 reading.
_MIN_CP1251_SHARE = 0.97
# Typographic characters that Windows-1251 text commonly contains.
_CP1251_PUNCTUATION = frozenset("«»–—№‘’‚“”„…•·€™°±§©®¦µ¶")
_SEP_LINE = re.compile(r"sep=(.)\r?\n?")
_WORD = re.compile(r"\w+")


class ReadError(StrEnum):
    """Why a file cannot be read; stored in ``import_batch.error_code``, so never renamed.
    :func:`app.imports.problems.read_error_text` words each in the reader's language; the
    comments name the parameters."""

    UTF16 = "utf16"
    NUL_BYTES = "nul_bytes"
    CONTROL_CHARACTERS = "control_characters"
    NOT_UTF8_AFTER_BOM = "not_utf8_after_bom"
    UNSUPPORTED_ENCODING = "unsupported_encoding"  # looks_like (optional): a guessed encoding
    NOT_VALID_TEXT = "not_valid_text"  # encoding, line
    NOT_CSV = "not_csv"  # line, detail (the csv module's words)
    TOO_MANY_COLUMNS = "too_many_columns"  # line, columns
    LINE_TOO_LONG = "line_too_long"  # line, row_chars, columns, cell_chars
    HEADER_TOO_WIDE = "header_too_wide"  # count, columns
    EMPTY = "empty"
    SETTINGS_DO_NOT_FIT = "settings_do_not_fit"  # an encoding or delimiter that is not offered


class UnreadableFile(Exception):
    """The upload cannot be read as a CSV file: a :class:`ReadError` and its parameters (plain
    numbers and short texts), worded for people by the caller, not here."""

    def __init__(self, code: ReadError, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        """For logs and tracebacks; people read :func:`app.imports.problems.read_error_text`."""
        params = ", ".join(f"{name}={value!r}" for name, value in self.params.items())
        return f"{self.code.value}({params})"


@dataclass(frozen=True, slots=True)
class Limits:
    """How much of a file is read at most (see the module docstring); settings in config.py."""

    columns: int = 200
    cell_chars: int = 10_000
    row_chars: int = 1_000_000


class _RowTooLong(Exception):
    """A row passed ``Limits.row_chars``; ``line`` is the physical line, ``text`` its start."""

    def __init__(self, line: int, text: str) -> None:
        super().__init__(line)
        self.line = line
        self.text = text


class _BoundedLines:
    """The decoded text, line by line, for ``csv.reader``: which would otherwise read a line
    (or a quoted cell over many lines) of any length. :class:`CsvSource` sets ``row_chars`` to
    0 before each row; a row that passes the limit raises :class:`_RowTooLong` having read no
    more than the limit."""

    def __init__(self, text: io.TextIOWrapper, limit: int) -> None:
        self._text = text
        self._limit = limit
        self.row_chars = 0
        self.lines = 0

    def __iter__(self) -> _BoundedLines:
        return self

    def __next__(self) -> str:
        line = self._text.readline(self._limit - self.row_chars + 1)
        if not line:
            raise StopIteration
        self.lines += 1
        self.row_chars += len(line)
        if self.row_chars > self._limit:
            raise _RowTooLong(self.lines, line)
        return line.replace("\ufeff", "") if "\ufeff" in line else line


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One data row: the physical line where it starts (header is line 1) and its cells."""

    line_number: int
    values: list[str]


def _decode_utf8(sample: bytes) -> str | None:
    """Strict UTF-8, forgiving only a multibyte character cut off at the end of the sample."""
    try:
        return sample.decode("utf-8")
    except UnicodeDecodeError as err:
        cut_at_end = err.end == len(sample) and len(sample) - err.start < 4
        if err.reason == "unexpected end of data" and cut_at_end:
            try:
                return sample[: err.start].decode("utf-8")
            except UnicodeDecodeError:
                return None
        return None


def _check_not_binary(text: str) -> None:
    controls = sum(
        1 for char in text if char not in "\t\n\r\f\v" and unicodedata.category(char) == "Cc"
    )
    if text and controls > _MAX_CONTROL_SHARE * len(text):
        raise UnreadableFile(ReadError.CONTROL_CHARACTERS)


def _looks_like_cp1251(text: str) -> bool:
    visible = [char for char in text if not char.isspace()]
    if not visible:
        return True
    fitting = sum(
        1
        for char in visible
        if char.isascii() or "\u0400" <= char <= "\u04ff" or char in _CP1251_PUNCTUATION
    )
    if fitting < _MIN_CP1251_SHARE * len(visible):
        return False
    # Latin-1 text read as cp1251 turns "Müller" into "Mьller": Cyrillic letters inside Latin
    # words. Real Cyrillic text has whole Cyrillic words.
    cyrillic_words = mixed_words = 0
    for word in _WORD.findall(text):
        has_cyrillic = any("\u0400" <= char <= "\u04ff" for char in word)
        if has_cyrillic:
            cyrillic_words += 1
            if any("a" <= char.lower() <= "z" for char in word):
                mixed_words += 1
    return mixed_words <= 0.2 * cyrillic_words


def _encoding_hint(sample: bytes) -> str | None:
    from charset_normalizer import from_bytes  # only needed on the failure path

    best = from_bytes(sample).best()
    return best.encoding if best is not None else None


def detect_encoding(sample: bytes) -> str:
    """Return "utf-8-sig", "utf-8" or "cp1251" for the first bytes of a file.

    Strict decoding in a fixed order is more reliable than statistics for these three:
    a UTF-8 byte order mark, then strict UTF-8, then Windows-1251 if the text is mostly
    Cyrillic and ASCII. Raises :class:`UnreadableFile` for binary data and other encodings.
    """
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile(ReadError.UTF16)
    if b"\x00" in sample:
        raise UnreadableFile(ReadError.NUL_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        text = _decode_utf8(sample[len(codecs.BOM_UTF8) :])
        if text is None:
            raise UnreadableFile(ReadError.NOT_UTF8_AFTER_BOM)
        _check_not_binary(text)
        return "utf-8-sig"
    text = _decode_utf8(sample)
    if text is not None:
        _check_not_binary(text)
        return "utf-8"
    try:
        text = sample.decode("cp1251")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        _check_not_binary(text)
        if _looks_like_cp1251(text):
            return "cp1251"
    hint = _encoding_hint(sample)
    if hint:
        raise UnreadableFile(ReadError.UNSUPPORTED_ENCODING, looks_like=hint)
    raise UnreadableFile(ReadError.UNSUPPORTED_ENCODING)


def _complete_lines(sample: str) -> str:
    """Drop a last line cut off by the end of the sample."""
    if sample.endswith(("\n", "\r")):
        return sample
    cut = max(sample.rfind("\n"), sample.rfind("\r"))
    return sample[: cut + 1] if cut > 0 else sample


def _consistency(sample: str, delimiter: str) -> tuple[int, float, int]:
    """Score a delimiter: (header has 2+ cells, share of rows as wide as the header, width)."""
    rows = []
    try:
        for row in csv.reader(io.StringIO(sample), delimiter=delimiter):
            if any(cell.strip() for cell in row):
                rows.append(len(row))
            if len(rows) >= 50:
                break
    except csv.Error:
        return (0, 0.0, 0)
    if not rows or rows[0] < 2:
        return (0, 0.0, 0)
    width = rows[0]
    return (1, sum(1 for count in rows if count == width) / len(rows), width)


def sniff_delimiter(sample: str) -> str:
    """Return ",", ";" or "\\t" for a text sample (header first).

    An Excel ``sep=;`` first line decides. Otherwise each delimiter is scored by parsing the
    sample with it (quoted parts are therefore ignored): the header must split into 2+ cells
    and most rows must be as wide as the header. ``csv.Sniffer``'s guess, restricted to the
    three delimiters, is kept when it scores as well as the best; ties go to ",".
    """
    if (match := _SEP_LINE.match(sample)) and match[1] in DELIMITERS:
        return match[1]
    sample = _complete_lines(sample)
    sniffed: str | None
    try:
        sniffed = csv.Sniffer().sniff(sample[:8192], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    scores = {delimiter: _consistency(sample, delimiter) for delimiter in DELIMITERS}
    best = max(scores.values())
    if sniffed in scores and scores[sniffed] == best:
        return sniffed
    return max(DELIMITERS, key=lambda delimiter: scores[delimiter])


class _PrefixedStream(io.RawIOBase):
    """The already-read sample followed by the rest of the stream, without seeking.

    Closing it leaves the caller's stream open.
    """

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        super().__init__()
        self._prefix = prefix
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer)  # io passes a memoryview already; this types it as one
        if self._prefix:
            count = min(len(view), len(self._prefix))
            view[:count] = self._prefix[:count]
            self._prefix = self._prefix[count:]
            return count
        data = self._stream.read(len(view))
        count = len(data)
        view[:count] = data
        return count


class CsvSource:
    """An open CSV file: detected encoding and delimiter, headers, and a one-pass row stream."""

    def __init__(
        self,
        text: io.TextIOWrapper,
        encoding: str,
        delimiter: str,
        limits: Limits | None = None,
    ) -> None:
        self.encoding = encoding
        self.delimiter = delimiter
        self.limits = limits or Limits()
        self._text = text
        self._lines = _BoundedLines(text, self.limits.row_chars)
        self._reader = csv.reader(self._lines, delimiter=delimiter)
        self._consumed = False
        self.headers: list[str] = self._read_headers()

    def _next(self) -> list[str] | None:
        start = self._reader.line_num + 1
        self._lines.row_chars = 0
        try:
            return next(self._reader)
        except StopIteration:
            return None
        except _RowTooLong as err:
            raise self._too_long(start, err) from None
        except UnicodeDecodeError as err:
            raise UnreadableFile(
                ReadError.NOT_VALID_TEXT, encoding=self.encoding, line=start
            ) from err
        except csv.Error as err:
            raise UnreadableFile(ReadError.NOT_CSV, line=start, detail=str(err)) from err

    def _too_long(self, start: int, err: _RowTooLong) -> UnreadableFile:
        """Why: too many columns if the part read says so (delimiters, quotes aside), else
        too long; ``start`` is where the row starts (a quoted cell may span lines)."""
        columns = self.limits.columns
        if err.text.count(self.delimiter) >= columns:
            return UnreadableFile(ReadError.TOO_MANY_COLUMNS, line=start, columns=columns)
        return UnreadableFile(
            ReadError.LINE_TOO_LONG,
            line=start,
            row_chars=self.limits.row_chars,
            columns=columns,
            cell_chars=self.limits.cell_chars,
        )

    def _read_headers(self) -> list[str]:
        while (row := self._next()) is not None:
            if self._reader.line_num == 1 and _SEP_LINE.fullmatch(self.delimiter.join(row)):
                continue  # Excel's "sep=;" line
            if any(cell.strip() for cell in row):
                if len(row) > self.limits.columns:
                    raise UnreadableFile(
                        ReadError.HEADER_TOO_WIDE, count=len(row), columns=self.limits.columns
                    )
                return [cell.strip() for cell in row]
        raise UnreadableFile(ReadError.EMPTY)

    def rows(self) -> Iterator[SourceRow]:
        """Yield data rows in order, skipping rows whose cells are all blank.

        Rows shorter than the header are padded with ""; longer rows keep their extra cells
        (the caller reports them). Can be iterated once.
        """
        if self._consumed:
            raise RuntimeError("CsvSource.rows() can be iterated only once")
        self._consumed = True
        width = len(self.headers)
        while True:
            start = self._reader.line_num + 1
            values = self._next()
            if values is None:
                return
            if not any(cell.strip() for cell in values):
                continue
            if len(values) < width:
                values.extend([""] * (width - len(values)))
            yield SourceRow(start, values)

    def close(self) -> None:
        """Release the decoder; the caller's binary stream stays open."""
        self._text.close()

    def __enter__(self) -> CsvSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _check_encoding(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError as err:
        raise ValueError(f"unknown encoding {encoding!r}") from err
    return name


def open_csv(
    stream: BinaryIO,
    encoding: str | None = None,
    delimiter: str | None = None,
    *,
    limits: Limits | None = None,
) -> CsvSource:
    """Open a binary stream as CSV, detecting what is not given.

    Reads :data:`SAMPLE_SIZE` bytes for detection and streams the rest; the stream need not be
    seekable. Raises :class:`UnreadableFile` for binary or undecodable files, and (when the
    reader meets it) for a row or header beyond ``limits``.
    """
    limits = limits or Limits()
    # csv's own cap on a cell (131,072 by default) would refuse the whole file over one long
    # cell; rows are bounded by _BoundedLines instead, and long cells rejected one row at a
    # time. The setting is per process: it is only ever raised, to the largest row limit.
    if csv.field_size_limit() < limits.row_chars:
        csv.field_size_limit(limits.row_chars)
    sample = stream.read(SAMPLE_SIZE)
    if not isinstance(sample, bytes):
        raise TypeError("open_csv needs a binary stream")
    if encoding is None:
        encoding = detect_encoding(sample)
    elif _check_encoding(encoding) == "utf-8" and sample.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    if delimiter is None:
        delimiter = sniff_delimiter(sample.decode(encoding, errors="ignore"))
    elif delimiter not in DELIMITERS:
        raise ValueError(f"delimiter must be one of {DELIMITERS!r}")
    buffered = io.BufferedReader(_PrefixedStream(sample, stream))
    text = io.TextIOWrapper(buffered, encoding=encoding, errors="strict", newline="")
    return CsvSource(text, encoding, delimiter, limits)


@dataclass(frozen=True, slots=True)
class Preview:
    """What the browser shows before an import: detection results, headers, first rows."""

    encoding: str
    delimiter: str
    headers: list[str]
    rows: list[SourceRow] = field(default_factory=list)


def preview(
    stream: BinaryIO,
    n: int = 10,
    encoding: str | None = None,
    delimiter: str | None = None,
    *,
    limits: Limits | None = None,
) -> Preview:
    """Headers and the first ``n`` rows of a CSV stream, with the detected encoding/delimiter.
    The rows are for showing: their cells are cut at ``limits.cell_chars`` and beyond
    ``limits.columns``."""
    with open_csv(stream, encoding=encoding, delimiter=delimiter, limits=limits) as source:
        most, longest = source.limits.columns, source.limits.cell_chars
        rows: list[SourceRow] = []
        for row in source.rows():
            if len(rows) >= n:
                break
            cells = [cell[:longest] for cell in row.values[:most]]
            rows.append(SourceRow(row.line_number, cells))
        return Preview(source.encoding, source.delimiter, source.headers, rows)
