"""The import pipeline: a started batch's file, read in chunks and written in ONE transaction.

The chain, the same for the browser, the command line and the benchmark:

1. :func:`app.imports.batches.create_batch` records the file (name, size, SHA-256) for a target,
   a partner source (records) or a source list (cases).
2. :func:`app.imports.mapping.detect_format` reads the first rows: encoding, delimiter,
   headers and a proposed mapping, which a person confirms (browser) or a file gives (CLI).
3. :func:`app.imports.batches.start_batch` marks it "running"; the caller commits.
4. :func:`run_batch` (the job) runs :func:`run_import` and then announces the outcome
   (:data:`app.imports.events.batch_imported`; matching scores what the import brought).

:func:`run_import` streams the file in chunks of :data:`CHUNK_SIZE` rows; each chunk's rows are
converted by the pure :func:`app.imports.rows.convert_row` and written by the table's owner
(:func:`app.records.services.upsert_records`, :func:`app.cases.services.open_cases`), with the
problems found, the counts, status "done" and one audit event, then committed. On any error it
rolls back and marks the batch "failed" in a new transaction: a batch is imported whole or not
at all. A killed process never commits; its batch stays "running" until
:func:`app.imports.batches.mark_interrupted_batches` sees that its process is gone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import delete, insert, select, update

from app.audit.models import AuditAction
from app.audit.services import record
from app.auth.models import User
from app.bulk import RowWritten, StatisticsRefresher, Written
from app.cases.models import Case, CaseNameKey
from app.cases.services import CaseRow, open_cases
from app.database import chunks, utcnow
from app.extensions import db
from app.imports.events import batch_imported
from app.imports.mapping import ImportRefused, Refusal, read_limits
from app.imports.models import (
    COUNT_FIELDS,
    BatchStatus,
    ImportBatch,
    ImportKind,
    ImportProblem,
    ImportRow,
    Severity,
)
from app.imports.problems import BatchError
from app.imports.readers import CsvSource, ReadError, UnreadableFile, open_csv
from app.imports.rows import (
    CONVERTED_FIELDS,
    Problem,
    ProblemCode,
    RowOutcome,
    convert_row,
    field_columns,
    raw_keys,
    raw_row,
)
from app.imports.storage import batch_path, discard_upload
from app.jobs import job, report_progress, runner_id, running
from app.records.models import RECORD_FIELDS, PartnerRecord, PartnerRecordNameKey
from app.records.services import RecordRow, upsert_records
from app.web import current_app_object

__all__ = ["CHUNK_SIZE", "ProgressCallback", "run_batch", "run_import"]

CHUNK_SIZE = 2000
_STAGED = ImportRow.__table__

ProgressCallback = Callable[[int, int, int], None]  # rows read, bytes read, bytes in file


class _AllOrNothingRejected(Exception):
    """Rows were rejected in an all-or-nothing import (``problems``: those of the writing
    phase, which its rollback takes away)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__()
        self.problems = problems


@job
def run_batch_job(batch_id: int) -> None:
    """The queued job of a batch started in the browser (its progress for the page's bar)."""

    def progress(rows: int, done: int, total: int) -> None:
        # No message: a worker has no request, hence no language; the page's poll words it.
        report_progress(f"import:{batch_id}", done, total, items=rows)

    run_batch(batch_id, progress=progress)


def run_batch(
    batch_id: int,
    path: str | Path | None = None,
    *,
    progress: ProgressCallback | None = None,
    background: bool = True,
    follow_up: bool = True,
) -> tuple[ImportBatch, list[Any]]:
    """The job of a started batch: import it, then announce it. Returns the batch and what
    the announcement started (a matching run, unless switched off), for the command line to
    report. ``background=False`` asks that work to finish before this returns;
    ``follow_up=False`` asks for none (``flask records import --no-match``)."""
    batch = run_import(batch_id, path, progress=progress)
    started = batch_imported.send(
        current_app_object(),
        batch=batch,
        background=background,
        follow_up=follow_up,
    )
    return batch, [result for _receiver, result in started if result is not None]


def run_import(
    batch_id: int,
    path: str | Path | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> ImportBatch:
    """Import a started batch's file (see the module docstring) and commit the outcome.

    Two phases. Reading: the file is converted chunk by chunk into staged rows
    (``import_row``) and problem reports, each chunk committed in a short transaction, so a
    big file never holds the database's write lock while it is read. Writing: the staged rows
    go to their table's owner in ONE transaction with the counts, status "done" and the audit
    event; on any error nothing of it is kept and the batch is "failed". ``path`` defaults to
    the stored upload. Raises only for errors that are not about the file (a database failure,
    a bug), after marking the batch failed.
    """
    # Picked up: who runs it is committed at once, so that a killed process is seen as gone;
    # what an earlier, interrupted attempt staged and reported goes.
    db.session.execute(
        update(ImportBatch).where(ImportBatch.id == batch_id).values(runner=runner_id())
    )
    _discard_staged(batch_id)
    db.session.execute(delete(ImportProblem).where(ImportProblem.batch_id == batch_id))
    db.session.commit()
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        raise LookupError(f"no import batch {batch_id}")
    file_path = Path(path) if path is not None else batch_path(batch)
    if file_path is None:
        raise ImportRefused(Refusal.NO_FILE)
    counts = dict.fromkeys((*COUNT_FIELDS, "rejected_problems"), 0)
    with running(batch.job_key):
        try:
            total_bytes = file_path.stat().st_size
            with (
                open(file_path, "rb") as stream,
                open_csv(
                    stream,
                    encoding=batch.encoding,
                    delimiter=batch.delimiter,
                    limits=read_limits(),
                ) as source,
            ):
                _stage_rows(batch, source, counts, stream, total_bytes, progress)
            if batch.all_or_nothing and counts["rejected"]:
                raise _AllOrNothingRejected([])
            refused = _write_staged(batch, counts)
            if batch.all_or_nothing and refused:
                raise _AllOrNothingRejected(refused)
            _finish(batch, counts, BatchStatus.DONE)
            db.session.commit()
        except _AllOrNothingRejected as rejected:
            db.session.rollback()
            batch = _fail(
                batch_id,
                counts,
                (BatchError.ALL_OR_NOTHING, {"rejected": counts["rejected"]}),
                keep_problems=rejected.problems,
            )
        except (UnreadableFile, ImportRefused) as error:
            db.session.rollback()
            batch = _fail(batch_id, counts, (error.code, error.params))
        except BaseException:
            db.session.rollback()
            _fail(batch_id, counts, (BatchError.FAILED_ON_OUR_SIDE, {}))
            raise
    discard_upload(batch)
    return batch


class _RecordTarget:
    """Rows of a partner list become partner records."""

    # The tables an import of this kind grows, whose statistics it keeps fresh (PostgreSQL).
    table_names = (PartnerRecord.__tablename__, PartnerRecordNameKey.__tablename__)
    row_id = "partner_row_id"  # what a duplicate's problem calls the row id

    def __init__(self, batch: ImportBatch) -> None:
        self.batch = batch

    def write(self, outcomes: list[RowOutcome]) -> list[RowWritten]:
        rows = [
            RecordRow(o.line_number, o.external_id, {n: o.fields[n] for n in RECORD_FIELDS}, o.raw)
            for o in outcomes
        ]
        assert self.batch.partner_source_id is not None  # noqa: S101 - a records batch has one
        return upsert_records(self.batch.partner_source_id, self.batch.id, rows)

    @staticmethod
    def field_of(column: str) -> str:
        return column


class _CaseTarget:
    """Rows of a case list become cases of a source list; the parents' names and the contact
    phone become relatives. Only the fields the file has are written to existing cases."""

    table_names = (Case.__tablename__, CaseNameKey.__tablename__)
    row_id = "case_number"
    # Import field -> case column, for the text fields.
    COLUMNS = {
        "family_name": "family_name",
        "given_name": "given_name",
        "patronymic": "patronymic",
        "place_of_birth": "place_of_birth",
        "place_of_origin": "last_known_place",
        "region": "region",
        "document_number": "document_number",
        "street_address": "street_address",
        "postcode": "postcode",
        "current_location": "current_location",
        "notes": "circumstances",
        "service_number": "service_number",
        "rank": "rank",
        "unit": "unit",
        "place_of_capture": "place_of_capture",
    }
    # Import fields that fill several case columns from the converted row.
    DERIVED = {
        "sex": ("sex",),
        "date_of_birth": ("dob_year", "dob_month", "dob_day"),
        "age": ("estimated_age", "age_estimated_on"),
        "captured_on": ("captured_on",),
    }

    def __init__(self, batch: ImportBatch) -> None:
        self.batch = batch
        assert batch.source_list is not None  # noqa: S101 - a cases batch has one
        self.source_list = batch.source_list
        # Whoever started the import writes the cases (the uploader may not be the one).
        actor_id = batch.started_by_id or batch.created_by_id
        self.actor = db.session.get(User, actor_id) if actor_id else None
        mapped = set(batch.mapping or [])
        if "full_name" in mapped:
            mapped |= {"family_name", "given_name", "patronymic"}
        if "institution" in mapped:
            mapped.add("current_location")
        self.columns = [column for field, column in self.COLUMNS.items() if field in mapped]
        for field, columns in self.DERIVED.items():
            if field in mapped:
                self.columns.extend(columns)
        self.seen: dict[str, int] = {}  # case lists are small; records use the database

    def _values(self, fields: dict[str, Any]) -> dict[str, Any]:
        values = {column: fields[field] for field, column in self.COLUMNS.items()}
        if not values["current_location"] and fields["institution"]:
            values["current_location"] = fields["institution"]
        values.update(
            sex=fields["sex"],
            dob_year=fields["dob_year"],
            dob_month=fields["dob_month"],
            dob_day=fields["dob_day"],
            estimated_age=fields["age"],
            age_estimated_on=fields["age_on"],
            captured_on=fields["captured_on"],
        )
        return {column: values[column] for column in self.columns}

    def write(self, outcomes: list[RowOutcome]) -> list[RowWritten]:
        rows = [
            CaseRow(o.line_number, o.external_id, self._values(o.fields), _relatives(o.fields))
            for o in outcomes
        ]
        return open_cases(
            self.source_list, self.actor, rows, batch_id=self.batch.id, seen=self.seen
        )

    @classmethod
    def field_of(cls, column: str) -> str:
        """The import field a case column was filled from (for a problem report)."""
        for field, target in cls.COLUMNS.items():
            if target == column:
                return field
        for field, columns in cls.DERIVED.items():
            if column in columns:
                return field
        return column


_Target = _RecordTarget | _CaseTarget


def _relatives(fields: dict[str, Any]) -> list[dict[str, str]]:
    """Mother and father from their names; the contact phone goes to the first of them."""
    phone = fields.get("contact_phone", "")[:50]
    rows = []
    for kind, name in (("mother", fields["mother_name"]), ("father", fields["father_name"])):
        if name:
            rows.append({"relationship_kind": kind, "full_name": name[:300], "phone": ""})
    if phone:
        if rows:
            rows[0]["phone"] = phone
        else:
            rows.append({"relationship_kind": "contact", "full_name": "", "phone": phone})
    return rows


def _list_date(batch: ImportBatch) -> date | None:
    if batch.partner_source is not None:
        return batch.partner_source.received_on
    if batch.source_list is not None:
        return batch.source_list.received_on
    return None


def _record_outcome(
    outcome: RowOutcome, written: RowWritten, target: _Target, counts: dict[str, int]
) -> None:
    """Count what the owner did with a row; a refused or duplicate row becomes a rejection."""
    if written.outcome in (Written.CREATED, Written.UPDATED, Written.UNCHANGED):
        counts[written.outcome.value] += 1
        return
    field = target.field_of(written.field)
    column = outcome.columns.get(field, field)
    if written.outcome is Written.DUPLICATE:
        params: dict[str, Any] = {"id": target.row_id}
        if written.first_line:
            params["first_line"] = written.first_line
        outcome.reject(column, outcome.external_id, ProblemCode.DUPLICATE_ID, params)
        return
    value = str(outcome.fields.get(field, ""))[:1000]
    if written.reason in set(ProblemCode):
        outcome.reject(column, value, ProblemCode(written.reason), written.params)
    else:  # the owner's own words (a rule of the table's owner that has no code)
        outcome.reject(column, value, ProblemCode.REFUSED, {"text": written.reason[:300]})


def _target(batch: ImportBatch) -> _Target:
    return _RecordTarget(batch) if batch.kind == ImportKind.RECORDS else _CaseTarget(batch)


def _stage_rows(
    batch: ImportBatch,
    source: CsvSource,
    counts: dict[str, int],
    stream: BinaryIO,
    total_bytes: int,
    progress: ProgressCallback | None,
) -> None:
    """Phase one: read and convert the file; stage the readable rows and report the problems,
    one short transaction per chunk."""
    if source.headers != batch.headers:
        raise ImportRefused(Refusal.HEADERS_CHANGED)
    headers = source.headers
    mapping = list(batch.mapping or [])
    keys = raw_keys(headers)
    list_date = _list_date(batch)
    limits = source.limits
    for chunk in chunks(source.rows(), CHUNK_SIZE):
        outcomes = [
            convert_row(
                row.values,
                row.line_number,
                headers,
                mapping,
                keys=keys,
                list_date=list_date,
                max_cells=limits.columns,
                max_cell_chars=limits.cell_chars,
            )
            for row in chunk
        ]
        staged = [
            {
                "batch_id": batch.id,
                "line_number": outcome.line_number,
                "cells": json.dumps(row.values, ensure_ascii=False, separators=(",", ":")),
                **{name: outcome.fields[name] for name in CONVERTED_FIELDS},
            }
            for row, outcome in zip(chunk, outcomes, strict=True)
            if not outcome.rejected
        ]
        if staged:
            db.session.execute(insert(_STAGED), staged)
        counts["rows_read"] += len(outcomes)
        counts["rejected"] += sum(1 for outcome in outcomes if outcome.rejected)
        _write_problems(batch.id, [p for outcome in outcomes for p in outcome.problems], counts)
        db.session.commit()
        if progress is not None:
            progress(counts["rows_read"], stream.tell(), total_bytes)


def _write_staged(batch: ImportBatch, counts: dict[str, int]) -> list[Problem]:
    """Phase two, one transaction: the staged rows go to their table's owner in file order.
    Returns the problems of the rows the owner refused (duplicates, values too long)."""
    target = _target(batch)
    statistics = StatisticsRefresher(db.session, *target.table_names)
    keys = raw_keys(batch.headers or [])
    columns = field_columns(batch.headers or [], list(batch.mapping or []))
    t = _STAGED
    staged = db.session.execute(
        select(t.c.line_number, t.c.cells, *(t.c[name] for name in CONVERTED_FIELDS))
        .where(t.c.batch_id == batch.id)
        .order_by(t.c.line_number)
        .execution_options(yield_per=CHUNK_SIZE)
    )
    refused: list[Problem] = []
    written_rows = 0
    # A failed write must close the streaming cursor at once: PostgreSQL holds it open
    # (a server-side cursor) until it is closed, and the caller rolls back next.
    with staged:
        for chunk in chunks(staged, CHUNK_SIZE):
            outcomes = [
                RowOutcome(
                    line,
                    dict(zip(CONVERTED_FIELDS, values, strict=True)),
                    raw_row(json.loads(cells), keys),
                    columns=columns,
                )
                for line, cells, *values in chunk
            ]
            for outcome, written in zip(outcomes, target.write(outcomes), strict=True):
                _record_outcome(outcome, written, target, counts)
            problems = [p for outcome in outcomes for p in outcome.problems]
            counts["rejected"] += sum(1 for outcome in outcomes if outcome.rejected)
            _write_problems(batch.id, problems, counts)
            refused.extend(problems)
            written_rows += len(outcomes)
            statistics.rows_written(written_rows)
    _discard_staged(batch.id)
    return refused


def _discard_staged(batch_id: int) -> None:
    db.session.execute(delete(_STAGED).where(_STAGED.c.batch_id == batch_id))


def _write_problems(batch_id: int, problems: list[Problem], counts: dict[str, int]) -> None:
    for problem in problems:
        counts["warnings" if problem.severity == Severity.WARNING else "rejected_problems"] += 1
    if problems:
        db.session.execute(
            insert(ImportProblem.__table__), [problem.as_row(batch_id) for problem in problems]
        )


# Why a batch failed: a code (ours, the reader's or a refusal) with parameters; "" for none.
Failure = tuple[BatchError | ReadError | Refusal, dict[str, Any]] | str


def _finish(
    batch: ImportBatch, counts: dict[str, int], status: BatchStatus, error: Failure = ""
) -> None:
    for name in COUNT_FIELDS:
        setattr(batch, name, counts[name])
    batch.status = status.value
    if isinstance(error, str):
        batch.error, batch.error_code, batch.error_params = error, None, None
    else:
        batch.error = ""
        batch.error_code, batch.error_params = error[0].value, error[1] or None
    batch.finished_at = utcnow()
    record(
        AuditAction.IMPORT,
        batch,
        actor_id=batch.started_by_id or batch.created_by_id,
        detail={
            "kind": batch.kind,
            "status": status.value,
            "target_id": batch.partner_source_id or batch.source_list_id,
            **{name: counts[name] for name in COUNT_FIELDS},
        },
    )


def _fail(
    batch_id: int,
    counts: dict[str, int],
    error: Failure,
    *,
    keep_problems: list[Problem] | None = None,
) -> ImportBatch:
    """After a rollback: mark the batch failed and commit. Its staged rows go. All or
    nothing keeps every problem found (those of the rolled-back writing phase are written
    again); any other failure keeps none, since nothing of the file was imported."""
    batch = db.session.get(ImportBatch, batch_id)
    assert batch is not None  # noqa: S101 - it was committed before the import began
    _discard_staged(batch_id)
    # Nothing was written, and the counts say so; rows read and rejected explain why.
    counts = {**counts, "created": 0, "updated": 0, "unchanged": 0}
    if keep_problems is None:
        db.session.execute(delete(ImportProblem).where(ImportProblem.batch_id == batch_id))
        counts["warnings"] = 0
    elif keep_problems:
        db.session.execute(
            insert(ImportProblem.__table__), [p.as_row(batch_id) for p in keep_problems]
        )
    _finish(batch, counts, BatchStatus.FAILED, error)
    db.session.commit()
    return batch
