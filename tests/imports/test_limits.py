"""Hostile uploads: limits on columns, cells and rows, and byte order marks anywhere.

A 13 MB file with a million columns once made the preview run for minutes and grow past 4 GB.
These tests prove the reader stops at the limit (how much it read, not how long it took) and
says why, and that a row with one oversized cell is rejected while the rest imports.
"""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.imports.models import ImportBatch, ImportProblem
from app.imports.readers import Limits, ReadError, UnreadableFile, open_csv, preview
from app.imports.rows import convert_row
from app.records.models import PartnerRecord
from tests.conftest import csrf_token
from tests.imports.conftest import import_file


class CountingStream(io.BytesIO):
    """Counts the bytes the reader asked for: the proof that it stopped early."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        block = super().read(size)
        self.bytes_read += len(block)
        return block

    def readinto(self, buffer) -> int:  # type: ignore[override]
        count = super().readinto(buffer)
        self.bytes_read += count
        return count


def _million_columns() -> bytes:
    """About 13 MB: a header of a million columns, then one data row."""
    header = ",".join(f"column{n}" for n in range(1_000_000))
    return (header + "\n" + "1,2\n").encode()


def test_a_million_columns_is_refused_at_the_first_line_having_read_little_of_it():
    data = _million_columns()
    assert len(data) > 12_000_000
    stream = CountingStream(data)
    with pytest.raises(UnreadableFile) as refused:
        preview(stream)
    assert (refused.value.code, refused.value.params) == (
        ReadError.TOO_MANY_COLUMNS,
        {"line": 1, "columns": 200},
    )
    # The row limit (a million characters) plus the detection sample and a read buffer.
    assert stream.bytes_read < 1_200_000


def test_a_five_megabyte_cell_is_refused_at_its_line_having_read_little_of_it():
    data = b"id,name\n1,Ann\n2," + b"x" * 5_000_000 + b"\n3,Bob\n"
    stream = CountingStream(data)
    with pytest.raises(UnreadableFile) as refused, open_csv(stream) as source:
        list(source.rows())
    assert refused.value.code is ReadError.LINE_TOO_LONG
    assert refused.value.params["line"] == 3
    assert refused.value.params["row_chars"] == 1_000_000
    assert stream.bytes_read < 1_200_000


def test_a_quoted_cell_over_many_lines_counts_as_one_row():
    """Line breaks inside quotes do not reset the count: the row, not the line, is bounded."""
    cell = ("x" * 99 + "\n") * 30
    data = f'id,name\n1,"{cell}"\n2,Bob\n'.encode()
    with (
        pytest.raises(UnreadableFile) as refused,
        open_csv(io.BytesIO(data), limits=Limits(row_chars=2_000)) as source,
    ):
        list(source.rows())
    assert refused.value.code is ReadError.LINE_TOO_LONG
    assert refused.value.params["line"] == 2
    assert refused.value.params["row_chars"] == 2_000


def test_a_header_wider_than_the_limit_is_refused():
    data = (",".join(f"c{n}" for n in range(201)) + "\n").encode()
    with pytest.raises(UnreadableFile) as refused:
        preview(io.BytesIO(data))
    assert (refused.value.code, refused.value.params) == (
        ReadError.HEADER_TOO_WIDE,
        {"count": 201, "columns": 200},
    )
    assert preview(io.BytesIO(data), limits=Limits(columns=201)).headers[-1] == "c200"


def test_a_cell_longer_than_csvs_own_limit_does_not_stop_the_file():
    """csv refuses a cell over 131,072 characters by default; ours are rejected row by row."""
    data = b"id,name\n1," + b"y" * 200_000 + b"\n2,Bob\n"
    with open_csv(io.BytesIO(data)) as source:
        rows = list(source.rows())
    assert [row.values[0] for row in rows] == ["1", "2"]


def test_convert_row_rejects_an_oversized_cell_with_its_line_and_column():
    headers, mapping = ["id", "name"], ["external_id", "family_name"]
    outcome = convert_row(["7", "z" * 10_001], 7, headers, mapping, max_cell_chars=10_000)
    (problem,) = outcome.problems
    assert outcome.rejected
    assert (problem.line_number, problem.column) == (7, "name")
    assert (problem.code, problem.params) == ("cell_too_long", {"chars": 10_001, "limit": 10_000})
    assert problem.value == "z" * 100 + "…"  # the report quotes the start only
    fine = convert_row(["8", "z" * 10_000], 8, headers, mapping, max_cell_chars=10_000)
    assert not fine.rejected and fine.fields["family_name"] == "z" * 10_000


def test_convert_row_rejects_a_row_with_more_cells_than_the_limit():
    outcome = convert_row(["1"] * 5, 3, ["id"], ["external_id"], max_cells=4)
    assert outcome.rejected
    assert (outcome.problems[0].code, outcome.problems[0].params) == (
        "too_many_cells",
        {"cells": 5, "limit": 4},
    )


def test_an_oversized_cell_rejects_its_row_and_the_rest_imports(app, tmp_path):
    path = tmp_path / "long.csv"
    long_cell = "Ш" * 20_000
    path.write_text(f"id,family_name\n1,Коваленко\n2,{long_cell}\n3,Мельник\n", encoding="utf-8")
    with app.app_context():
        batch = import_file(path, "Long register")
        assert (batch.status, batch.created, batch.rejected) == ("done", 2, 1)
        (problem,) = db.session.scalars(
            select(ImportProblem).where(ImportProblem.batch_id == batch.id)
        ).all()
        assert (problem.line_number, problem.column_name, problem.severity) == (
            3,
            "family_name",
            "rejected",
        )
        assert (problem.reason_code, problem.reason_params) == (
            "cell_too_long",
            {"chars": 20_000, "limit": 10_000},
        )
        assert len(problem.value) == 101


def test_the_limits_are_settings(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_MAX_COLUMNS", 2)
    monkeypatch.setitem(app.config, "IMPORT_MAX_CELL_CHARS", 3)
    path = tmp_path / "narrow.csv"
    path.write_text("id,name\n1,Ann\n2,Anna\n3,Bob,extra\n", encoding="utf-8")
    with app.app_context():
        batch = import_file(path, "Narrow register")
        assert (batch.created, batch.rejected) == (1, 2)
        reasons = db.session.execute(
            select(ImportProblem.reason_code, ImportProblem.reason_params)
            .where(ImportProblem.batch_id == batch.id)
            .order_by(ImportProblem.line_number)
        ).all()
        assert [tuple(reason) for reason in reasons] == [
            ("cell_too_long", {"chars": 4, "limit": 3}),
            ("too_many_cells", {"cells": 3, "limit": 2}),
        ]
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with app.app_context(), pytest.raises(UnreadableFile) as refused:
        import_file(path, "Narrow register")
    assert refused.value.params == {"count": 3, "columns": 2}


def test_a_hostile_upload_fails_its_batch_with_the_reason_and_is_deleted(
    caseworker, app, uploads, monkeypatch
):
    # Under 500 KB, which the test client keeps in memory (a bigger body is a temporary file
    # that it leaves open); the row limit lowered to match.
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROW_CHARS", 100_000)
    wide = (",".join(["c"] * 200_000) + "\n1,2\n").encode()
    token = csrf_token(caseworker, "/imports/new")
    response = caseworker.post(
        "/imports/new",
        data={
            "csrf_token": token,
            "kind": "records",
            "target": "Hostile register",
            "file": (io.BytesIO(wide), "wide.csv"),
        },
        content_type="multipart/form-data",
    )
    batch_id = int(re.search(r"/imports/(\d+)", response.headers["Location"])[1])
    page = caseworker.get(f"/imports/{batch_id}/preview", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Line 1 has more than 200 columns" in html
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status == "failed"
        assert (batch.error_code, batch.error_params) == (
            "too_many_columns",
            {"line": 1, "columns": 200},
        )
        assert batch.headers is None  # nothing of the file was kept
        assert db.session.scalar(select(PartnerRecord.id)) is None
    assert not list(uploads.iterdir())


# --- a byte order mark anywhere ---------------------------------------------------------------


def test_a_byte_order_mark_in_the_middle_of_a_file_is_dropped():
    """Two exports concatenated: the second one's BOM starts line 3; one in a cell too."""
    data = '\ufeffid,name\n1,Ann\n\ufeff2,Bob\n3,"Bo\ufeffb"\n'.encode()
    with open_csv(io.BytesIO(data)) as source:
        rows = [row.values for row in source.rows()]
    assert source.headers == ["id", "name"]
    assert rows == [["1", "Ann"], ["2", "Bob"], ["3", "Bob"]]


def test_an_import_of_concatenated_exports_finds_row_2(app, tmp_path):
    path = tmp_path / "joined.csv"
    path.write_bytes("id,family_name\n1,Коваленко\n\ufeff2,Мельник\n".encode())
    with app.app_context():
        import_file(path, "Joined register")
        path.write_bytes("id,family_name\n2,Мельник\n".encode())
        again = import_file(path, "Joined register")
        assert (again.created, again.unchanged) == (0, 1)
        ids = db.session.scalars(select(PartnerRecord.external_id)).all()
        assert sorted(ids) == ["1", "2"]
