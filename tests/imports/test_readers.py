import codecs
import csv
import io
import tracemalloc
from pathlib import Path

import pytest

from app.dates import parse_date
from app.imports.readers import (
    SAMPLE_SIZE,
    CsvSource,
    ReadError,
    SourceRow,
    UnreadableFile,
    detect_encoding,
    open_csv,
    preview,
    sniff_delimiter,
)

DATA = Path(__file__).resolve().parent.parent / "data"


def read_all(data: bytes, **options) -> tuple[CsvSource, list[SourceRow]]:
    with open_csv(io.BytesIO(data), **options) as source:
        return source, list(source.rows())


class OneWayStream:
    """A stream that can only be read forwards, like a socket or a pipe."""

    def __init__(self, data: bytes) -> None:
        self._buffer = io.BytesIO(data)
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        return self._buffer.read(size)


# --- the fixture files -------------------------------------------------------------------------

FIXTURES = [
    # name, encoding, delimiter, first header, data rows, first row's first three cells
    ("records_uk_utf8.csv", "utf-8", ";", "№", 20, ["1", "Коваленко", "Марія"]),
    ("records_ru_cp1251.csv", "cp1251", ";", "№", 15, ["1", "Соколова Анна Сергеевна", "жен"]),
    ("records_en_bom.csv", "utf-8-sig", ",", "ID", 15, ["EN-001", "Kovalenko", "Oleksandr"]),
    ("records_tab.tsv", "utf-8", "\t", "No", 12, ["T1", "ШЕВЧУК Тарас Андрійович", "чол"]),
    ("records_quoted_newlines.csv", "utf-8", ",", "ID", 5, ["1", "Бондаренко", "Олена"]),
    ("records_bad_dates.csv", "utf-8", ";", "№", 7, ["1", "Бондаренко", "Олена"]),
    ("cases_339_sample.csv", "utf-8", ",", "external_id", 40, ["339-001"]),
]


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter", "first_header", "count", "first_cells"), FIXTURES
)
def test_fixture_files(name, encoding, delimiter, first_header, count, first_cells):
    with (DATA / name).open("rb") as stream, open_csv(stream) as source:
        rows = list(source.rows())
        assert source.encoding == encoding
        assert source.delimiter == delimiter
        assert source.headers[0] == first_header
    assert len(rows) == count
    assert rows[0].line_number == 2
    assert rows[0].values[: len(first_cells)] == first_cells
    assert all(len(row.values) >= len(source.headers) for row in rows)


@pytest.mark.parametrize(("name", "encoding"), [(row[0], row[1]) for row in FIXTURES])
def test_detect_encoding_of_fixtures(name, encoding):
    assert detect_encoding((DATA / name).read_bytes()[:SAMPLE_SIZE]) == encoding


def test_cp1251_fixture_decodes_cyrillic():
    with (DATA / "records_ru_cp1251.csv").open("rb") as stream, open_csv(stream) as source:
        rows = list(source.rows())
    assert source.headers[1] == "ФИО"
    assert rows[1].values[1] == "Ёлкин Пётр Ильич"


def test_bom_is_not_part_of_the_first_header():
    with (DATA / "records_en_bom.csv").open("rb") as stream:
        assert stream.read(3) == codecs.BOM_UTF8
        stream.seek(0)
        with open_csv(stream, encoding="utf-8") as source:
            assert source.encoding == "utf-8-sig"
            assert source.headers[0] == "ID"


def test_quoted_values_keep_delimiters_and_quotes():
    with (DATA / "records_en_bom.csv").open("rb") as stream, open_csv(stream) as source:
        first = next(source.rows())
    assert first.values[7] == "Izium district, village"
    assert first.values[-1] == "Seen in March, with an aunt"


def test_quoted_newlines_give_physical_line_numbers():
    with (DATA / "records_quoted_newlines.csv").open("rb") as stream, open_csv(stream) as source:
        rows = list(source.rows())
    assert [row.line_number for row in rows] == [2, 3, 5, 8, 10]
    assert rows[1].values[4] == "Перший рядок\nдругий рядок"
    assert rows[2].values[4] == "Три\nрядки\nтут"
    assert rows[3].values[4] == 'Кома, і "лапки"'
    assert rows[4].values == ["5", "Кравченко", "Анна", "2010", ""]


def test_bad_dates_file_rows_cells_and_warnings():
    with (DATA / "records_bad_dates.csv").open("rb") as stream, open_csv(stream) as source:
        rows = list(source.rows())
        width = len(source.headers)
    assert [row.line_number for row in rows] == [2, 3, 4, 5, 6, 7, 8]
    too_many = rows[3]
    assert too_many.values == ["4", "Шевченко", "Петро", "2011", "", "зайва", "комірка"]
    assert len(too_many.values) > width
    too_few = rows[5]
    assert too_few.values == ["6", "Лисенко", "Ігор", "", ""]
    warnings = [str(parse_date(row.values[3]).warning) for row in rows]
    assert warnings == [
        "no_such_day_in_month(day=31, month=2)",
        "no_such_month(month=13)",
        "two_digit_year",
        "None",
        "unreadable",
        "None",
        "None",
    ]


def test_binary_fixture_is_refused():
    with (DATA / "binary.csv").open("rb") as stream, pytest.raises(UnreadableFile) as caught:
        open_csv(stream)
    assert caught.value.code is ReadError.NUL_BYTES
    assert str(caught.value) == "nul_bytes()"


def test_cases_sample_has_canonical_headers_and_forty_rows():
    with (DATA / "cases_339_sample.csv").open("rb") as stream, open_csv(stream) as source:
        rows = list(source.rows())
    assert source.headers == [
        "external_id",
        "family_name",
        "given_name",
        "patronymic",
        "sex",
        "date_of_birth",
        "place_of_birth",
        "last_known_place",
        "region",
        "mother_name",
        "father_name",
        "contact_phone",
    ]
    assert len(rows) == 40
    assert len({row.values[0] for row in rows}) == 40
    assert all(parse_date(row.values[5]).value is not None for row in rows)
    assert {row.values[4] for row in rows} == {"male", "female"}


# --- encodings -------------------------------------------------------------------------------

TEXT = "Прізвище;Ім'я;Дата народження\nКоваленко;Марія;05.03.2014\nЄрмак;Ґава;2014\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("cp1251"), "cp1251"),
        ("Фамилия;Имя\nЁлкин;Пётр\n".encode("cp1251"), "cp1251"),
        ("«Заклад» № 5 — ".encode("cp1251"), "cp1251"),
        (b"Surname,Given name\nKovalenko,Oleksandr\n", "utf-8"),
        (b"", "utf-8"),
        # A sample that ends inside a two-byte character is still UTF-8.
        ("Прізвище".encode()[:-1], "utf-8"),
        ("ab€".encode()[:-1], "utf-8"),
    ],
)
def test_detect_encoding(data, encoding):
    assert detect_encoding(data) == encoding


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ReadError.NUL_BYTES),
        (b"name\x00value", ReadError.NUL_BYTES),
        (bytes(range(1, 32)) * 20, ReadError.CONTROL_CHARACTERS),
        (codecs.BOM_UTF16_LE + "Прізвище".encode("utf-16-le"), ReadError.UTF16),
        (codecs.BOM_UTF16_BE + "Прізвище".encode("utf-16-be"), ReadError.UTF16),
        (codecs.BOM_UTF8 + b"name\xff\xfe", ReadError.NOT_UTF8_AFTER_BOM),
        # Latin-1 is not one of ours: read as cp1251 it puts Cyrillic letters in Latin words.
        ("Müller;Café;Straße;Jürgen;Señor\n".encode("latin-1"), ReadError.UNSUPPORTED_ENCODING),
        # 0x98 is the one byte that cp1251 leaves undefined.
        (b"\x98\x98\x98abc", ReadError.UNSUPPORTED_ENCODING),
    ],
)
def test_detect_encoding_refuses(data, code):
    with pytest.raises(UnreadableFile) as caught:
        detect_encoding(data)
    assert caught.value.code is code


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_every_encoding_and_delimiter(encoding, delimiter, newline):
    lines = [
        ["№", "Прізвище", "Ім'я", "Примітка"],
        ["1", "Коваленко", "Марія", "є, ї; ґ"],
        ["2", "Ёлкин", "Пётр", ""],
    ]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(lines)
    source, rows = read_all(buffer.getvalue().encode(encoding))
    assert source.encoding == encoding
    assert source.delimiter == delimiter
    assert source.headers == lines[0]
    assert [row.values for row in rows] == lines[1:]
    assert [row.line_number for row in rows] == [2, 3]


def test_explicit_encoding_and_delimiter_override_detection():
    data = "a;b\nц,ч;ш\n".encode("cp1251")
    source, rows = read_all(data, encoding="cp1251", delimiter=",")
    assert (source.encoding, source.delimiter) == ("cp1251", ",")
    assert source.headers == ["a;b"]
    assert rows[0].values == ["ц", "ч;ш"]


@pytest.mark.parametrize(
    ("options", "error"),
    [({"encoding": "no-such-codec"}, "unknown encoding"), ({"delimiter": "|"}, "delimiter")],
)
def test_bad_options(options, error):
    with pytest.raises(ValueError, match=error):
        open_csv(io.BytesIO(b"a,b\n1,2\n"), **options)


def test_invalid_utf8_after_the_sample_is_reported_with_a_line():
    ascii_part = b"name,note\n" + b"ok,plain ascii\n" * (SAMPLE_SIZE // 15 + 100)
    data = ascii_part + "Коваленко,ні\n".encode("cp1251")
    with open_csv(io.BytesIO(data)) as source:
        assert source.encoding == "utf-8"
        with pytest.raises(UnreadableFile) as caught:
            for _row in source.rows():
                pass
    assert caught.value.code is ReadError.NOT_VALID_TEXT
    assert caught.value.params["encoding"] == "utf-8"
    assert caught.value.params["line"] > SAMPLE_SIZE // 15


# --- delimiters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "delimiter"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2;3\n", ";"),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        # Delimiters inside quotes do not count.
        ('a;b;c\n"x, y, z";2;3\n"p, q";5;6\n', ";"),
        ('a,b,c\n"x; y; z",2,3\n"p; q",5,6\n', ","),
        ('ПІБ;Примітка\n"Коваленко, Марія";"a, b, c, d"\n', ";"),
        # Commas in unquoted text do not make rows as wide as the header.
        ("ПІБ;Дата\nКоваленко, Марія;2014\nШевчук, Ярина;2013\n", ";"),
        ("Name\tNote\nKovalenko, Mariia\tseen, well\n", "\t"),
        # Excel's "sep=" line decides.
        ("sep=;\na,b;c\n1,2;3\n", ";"),
        ("sep=\t\na\tb\n", "\t"),
        # One column: nothing to go by, "," is as good as any.
        ("name\nKovalenko\n", ","),
        ("", ","),
        # A last line cut off by the sample end is ignored.
        ("a;b;c\n1;2;3\n4;5", ";"),
    ],
)
def test_sniff_delimiter(sample, delimiter):
    assert sniff_delimiter(sample) == delimiter


# --- rows --------------------------------------------------------------------------------------


def test_blank_and_empty_cell_rows_are_skipped_but_counted():
    data = b"a;b\n\n1;2\n;;\n  ;  \n\r\n3;4\n"
    _, rows = read_all(data)
    assert rows == [SourceRow(3, ["1", "2"]), SourceRow(7, ["3", "4"])]


def test_leading_blank_lines_before_the_header():
    _, rows = read_all(b"\n\na,b\n1,2\n")
    assert rows == [SourceRow(4, ["1", "2"])]


def test_excel_sep_line_is_skipped():
    source, rows = read_all(b"sep=;\r\na;b\r\n1;2\r\n")
    assert source.delimiter == ";"
    assert source.headers == ["a", "b"]
    assert rows == [SourceRow(3, ["1", "2"])]


def test_short_rows_padded_long_rows_kept():
    _, rows = read_all(b"a,b,c\n1\n1,2,3,4,5\n")
    assert rows[0].values == ["1", "", ""]
    assert rows[1].values == ["1", "2", "3", "4", "5"]


def test_headers_are_stripped_values_are_not():
    source, rows = read_all(b" a , b \n 1 , 2 \n")
    assert source.headers == ["a", "b"]
    assert rows[0].values == [" 1 ", " 2 "]


def test_old_mac_line_endings():
    _, rows = read_all(b"a,b\r1,2\r3,4\r")
    assert rows == [SourceRow(2, ["1", "2"]), SourceRow(3, ["3", "4"])]


def test_no_trailing_newline():
    _, rows = read_all("a;b\n1;Ґ".encode())
    assert rows == [SourceRow(2, ["1", "Ґ"])]


@pytest.mark.parametrize("data", [b"", b"\n\n", b"\r\n  \r\n", codecs.BOM_UTF8])
def test_empty_file(data):
    with pytest.raises(UnreadableFile) as caught:
        open_csv(io.BytesIO(data))
    assert caught.value.code is ReadError.EMPTY


def test_rows_can_be_read_once():
    with open_csv(io.BytesIO(b"a,b\n1,2\n")) as source:
        assert len(list(source.rows())) == 1
        with pytest.raises(RuntimeError):
            list(source.rows())


def test_text_stream_is_refused():
    with pytest.raises(TypeError):
        open_csv(io.StringIO("a,b\n"))  # type: ignore[arg-type]


def test_non_seekable_stream_and_caller_stream_stays_open():
    data = "ПІБ;Стать\n".encode() + "Коваленко Марія;ж\n".encode() * 10_000
    stream = OneWayStream(data)
    with open_csv(stream) as source:  # type: ignore[arg-type]
        rows = list(source.rows())
    assert len(rows) == 10_000
    assert rows[-1] == SourceRow(10_001, ["Коваленко Марія", "ж"])

    seekable = io.BytesIO(data)
    with open_csv(seekable) as source:
        next(source.rows())
    assert not seekable.closed


# --- preview -----------------------------------------------------------------------------------


def test_preview_first_rows():
    with (DATA / "records_quoted_newlines.csv").open("rb") as stream:
        result = preview(stream, n=3)
    assert result.encoding == "utf-8"
    assert result.delimiter == ","
    assert result.headers == ["ID", "Family name", "Given name", "Date of birth", "Notes"]
    assert [row.line_number for row in result.rows] == [2, 3, 5]


@pytest.mark.parametrize(("n", "count"), [(0, 0), (1, 1), (10, 7), (100, 7)])
def test_preview_row_counts(n, count):
    with (DATA / "records_bad_dates.csv").open("rb") as stream:
        assert len(preview(stream, n=n).rows) == count


def test_preview_with_chosen_encoding():
    with (DATA / "records_ru_cp1251.csv").open("rb") as stream:
        result = preview(stream, n=1, encoding="cp1251", delimiter=";")
    assert result.headers[:3] == ["№", "ФИО", "Пол"]


# --- streaming ---------------------------------------------------------------------------------


def test_streams_200000_rows_in_bounded_memory(tmp_path):
    path = tmp_path / "big.csv"
    person = "Коваленко;Марія;Іванівна;ж;05.03.2014;м. Умовне"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("№;Прізвище;Ім'я;По батькові;Стать;Дата народження;Місце;Примітка\n")
        for number in range(200_000):
            note = '"Синтетичний\nзапис"' if number % 1000 == 0 else "Синтетичний запис"
            out.write(f"{number};{person};{note}\n")
    assert path.stat().st_size > 15_000_000

    tracemalloc.start()
    try:
        with path.open("rb") as stream, open_csv(stream) as source:
            count = 0
            last = None
            for last in source.rows():
                count += 1
                assert len(last.values) == 8
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert last is not None
    # Rows with a quoted newline (every 1000th) push later rows one line down.
    assert last.line_number == 200_001 + 200
    assert peak < 20 * 1024 * 1024
