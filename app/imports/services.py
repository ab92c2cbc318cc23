"""The import pipeline: a stored file, a confirmed mapping, one transaction per batch.

Order of work, the same for the browser, the command line and the benchmark:

1. :func:`create_batch` records the file (name, size, SHA-256) for a target: a partner source
   (records) or a source list (cases). :func:`find_previous_import` tells whether the same
   bytes were imported into that target before.
2. :func:`detect_format` reads the first rows: encoding, delimiter, headers, and a proposed
   mapping (the partner's saved mapping first, then the header aliases).
3. :func:`start_batch` marks it "running"; the caller commits, so the pages can show it.
4. :func:`run_import` streams the file in chunks of :data:`CHUNK_SIZE` rows and writes them with
   Core ``insert()``/``update()`` executemany in ONE transaction, with the problems found, the
   counts, status "done" and one audit event; then commits. On any error it rolls back and
   marks the batch "failed" in a new transaction: a batch is imported whole or not at all.
   A killed process never commits; its batch stays "running" until
   :func:`mark_interrupted_batches` sees that its process is gone.

Idempotency: a record is found again by (target, partner row id); an identical row counts as
unchanged, a different one updates the record. A partner row id seen twice in one file is a
rejected row (the first one wins).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any, BinaryIO

from flask import current_app
from sqlalchemy import String, Table, bindparam, func, insert, select, text, update

from app.audit.models import AuditAction
from app.audit.services import record
from app.cases.models import Case, CaseEvent, CaseEventKind, Relative, SourceList
from app.database import chunks, utcnow
from app.extensions import db
from app.imports.fields import FIELDS, guess_mapping
from app.imports.models import (
    COUNT_FIELDS,
    BatchStatus,
    ImportBatch,
    ImportKind,
    ImportProblem,
    Severity,
)
from app.imports.readers import CsvSource, Preview, UnreadableFile, open_csv, preview
from app.imports.rows import Problem, RowOutcome, content_hash, convert_row, raw_keys
from app.jobs import runner_alive, runner_id
from app.records.models import PartnerRecord, PartnerSource

__all__ = [
    "CHUNK_SIZE",
    "ImportRefused",
    "create_batch",
    "detect_format",
    "file_sha256",
    "find_previous_import",
    "get_or_create_partner_source",
    "get_or_create_source_list",
    "mapping_from_headers",
    "mark_interrupted_batches",
    "run_import",
    "save_source_mapping",
    "start_batch",
    "store_upload",
]

CHUNK_SIZE = 2000
# PostgreSQL: refresh the target table's statistics once this many rows are in (then doubling).
ANALYZE_FROM_ROWS = 10_000
_READ_BLOCK = 1024 * 1024

ProgressCallback = Callable[[int, int, int], None]  # rows read, bytes read, bytes in file


class ImportRefused(Exception):
    """A mapping or request that cannot be imported; ``reason`` is an English sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _AllOrNothingRejected(Exception):
    pass


# -- files ---------------------------------------------------------------------------------------


def upload_folder() -> Path:
    folder = current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads"
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_upload(stream: BinaryIO) -> tuple[str, str, int]:
    """Save an upload under a random name; return (stored name, SHA-256, size in bytes).

    The user's file name never reaches the disk.
    """
    stored_name = secrets.token_hex(16) + ".csv"
    digest = hashlib.sha256()
    size = 0
    with open(upload_folder() / stored_name, "wb") as out:
        while block := stream.read(_READ_BLOCK):
            digest.update(block)
            size += len(block)
            out.write(block)
    return stored_name, digest.hexdigest(), size


def file_sha256(path: str | Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while block := f.read(_READ_BLOCK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def batch_path(batch: ImportBatch) -> Path | None:
    return upload_folder() / batch.stored_name if batch.stored_name else None


def discard_upload(batch: ImportBatch) -> None:
    """Delete the stored upload: personal data is kept in the database, not in stray files."""
    path = batch_path(batch)
    if path is not None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


# -- targets and batches ---------------------------------------------------------------------------


def get_or_create_partner_source(
    name: str, organisation: str = "", list_name: str = "", received_on: date | None = None
) -> PartnerSource:
    """The partner source called ``name``, created (and flushed) if new."""
    name = name.strip()
    source = db.session.scalar(select(PartnerSource).where(PartnerSource.name == name))
    if source is None:
        source = PartnerSource(
            name=name, organisation=organisation, list_name=list_name, received_on=received_on
        )
        db.session.add(source)
        db.session.flush()
    return source


def get_or_create_source_list(name: str) -> SourceList:
    """The source list called ``name``, created (and flushed) if new."""
    from app.cases.services import get_or_create_source_list as get_or_create

    return get_or_create(name)


def create_batch(
    kind: ImportKind | str,
    target: PartnerSource | SourceList,
    filename: str,
    sha256: str,
    size_bytes: int,
    *,
    stored_name: str | None = None,
    user_id: int | None = None,
    all_or_nothing: bool = False,
) -> ImportBatch:
    """Record a file to import into ``target``; status "pending" until :func:`start_batch`."""
    kind = ImportKind(kind)
    batch = ImportBatch(
        kind=kind.value,
        filename=os.path.basename(filename)[:255] or "upload.csv",
        stored_name=stored_name,
        sha256=sha256,
        size_bytes=size_bytes,
        created_by_id=user_id,
        all_or_nothing=all_or_nothing,
    )
    if kind is ImportKind.RECORDS:
        batch.partner_source = target  # type: ignore[assignment]
    else:
        batch.source_list = target  # type: ignore[assignment]
    db.session.add(batch)
    db.session.flush()
    return batch


def find_previous_import(batch: ImportBatch) -> ImportBatch | None:
    """The latest finished batch of the same bytes into the same target, if any."""
    return db.session.scalar(
        select(ImportBatch)
        .where(
            ImportBatch.id != batch.id,
            ImportBatch.sha256 == batch.sha256,
            ImportBatch.kind == batch.kind,
            ImportBatch.partner_source_id == batch.partner_source_id
            if batch.partner_source_id
            else ImportBatch.source_list_id == batch.source_list_id,
            ImportBatch.status == BatchStatus.DONE.value,
        )
        .order_by(ImportBatch.id.desc())
        .limit(1)
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

    Raises :class:`UnreadableFile` for a file that cannot be read at all.
    """
    result = preview(stream, n=rows, encoding=batch.encoding, delimiter=batch.delimiter)
    headers_changed = batch.headers != result.headers
    batch.encoding = result.encoding
    batch.delimiter = result.delimiter
    batch.headers = result.headers
    if batch.mapping is None or headers_changed or remap:
        saved = batch.partner_source.mapping if batch.partner_source is not None else None
        batch.mapping = mapping_from_headers(result.headers, saved)
    return result


def start_batch(batch: ImportBatch) -> None:
    """Mark the batch running in this process; the caller commits before calling run_import."""
    check_mapping(batch.headers or [], batch.mapping or [])
    batch.status = BatchStatus.RUNNING.value
    batch.started_at = utcnow()
    batch.runner = runner_id()


def _runner_alive(batch: ImportBatch) -> bool:
    return runner_alive(batch.runner, batch.started_at or batch.created_at, batch.job_key)


def mark_interrupted_batches() -> int:
    """Mark running batches whose process is gone as failed ("interrupted"); flushes."""
    count = 0
    for batch in db.session.scalars(
        select(ImportBatch).where(ImportBatch.status == BatchStatus.RUNNING.value)
    ):
        if not _runner_alive(batch):
            batch.status = BatchStatus.FAILED.value
            batch.error = "interrupted: the import stopped before it finished; nothing was saved"
            batch.finished_at = utcnow()
            count += 1
    if count:
        db.session.flush()
    return count


# -- the import ------------------------------------------------------------------------------------


def _string_limits(table: Table) -> dict[str, int]:
    return {
        column.name: column.type.length
        for column in table.columns
        if isinstance(column.type, String) and column.type.length
    }


class _Writer:
    """Writes one chunk of converted rows to the target table and counts what happened."""

    table: Table
    field_columns: dict[str, str]  # import field -> table column

    def __init__(self, batch: ImportBatch, counts: dict[str, int]) -> None:
        self.batch = batch
        self.counts = counts
        self.limits = _string_limits(self.table)
        self.next_analyze = ANALYZE_FROM_ROWS

    def check_lengths(self, outcome: RowOutcome) -> None:
        for field, column in (("external_id", "external_id"), *self.field_columns.items()):
            value = outcome.fields.get(field)
            limit = self.limits.get(column)
            if isinstance(value, str) and limit and len(value) > limit:
                outcome.reject(
                    outcome.columns.get(field, field),
                    value[:1000],
                    f"longer than {limit} characters",
                )

    def write(self, outcomes: list[RowOutcome]) -> None:
        raise NotImplementedError

    def refresh_statistics(self, rows_written: int) -> None:
        """PostgreSQL plans each chunk's lookup by (source, row id) from the table's statistics,
        which know nothing of the rows this import's own transaction added. With a table it
        believes empty it scans every row of the source per chunk: quadratic, minutes for
        200,000 rows. ANALYZE sees the transaction's own rows, so it runs as the table doubles."""
        if rows_written < self.next_analyze or db.session.get_bind().dialect.name != "postgresql":
            return
        db.session.execute(text(f"ANALYZE {self.table.name}"))
        self.next_analyze = rows_written * 2


class _RecordWriter(_Writer):
    table = PartnerRecord.__table__  # type: ignore[assignment]
    field_columns = {
        name: name
        for name in (
            "family_name",
            "given_name",
            "patronymic",
            "place_of_birth",
            "place_of_origin",
            "current_location",
            "institution",
            "region",
            "mother_name",
            "father_name",
        )
    }
    _value_columns = (
        *field_columns,
        "sex",
        "dob_year",
        "dob_month",
        "dob_day",
        "age",
        "age_on",
    )

    def __init__(self, batch: ImportBatch, counts: dict[str, int]) -> None:
        super().__init__(batch, counts)
        self.source_id = batch.partner_source_id
        t = self.table
        values = {name: bindparam(f"v_{name}") for name in self._value_columns}
        values.update(
            raw=bindparam("v_raw"),
            line_number=bindparam("v_line_number"),
            row_hash=bindparam("v_row_hash"),
            batch_id=bindparam("v_batch_id"),
            updated_at=bindparam("v_updated_at"),
        )
        self.update_stmt = update(t).where(t.c.id == bindparam("b_id")).values(values)
        self.touch_stmt = (
            update(t)
            .where(t.c.id == bindparam("b_id"))
            .values(batch_id=bindparam("v_batch_id"), line_number=bindparam("v_line_number"))
        )

    def write(self, outcomes: list[RowOutcome]) -> None:
        t = self.table
        ids = list({o.external_id for o in outcomes if not o.rejected})
        existing = {
            row.external_id: row
            for row in db.session.execute(
                select(t.c.id, t.c.external_id, t.c.row_hash, t.c.batch_id, t.c.line_number).where(
                    t.c.source_id == self.source_id, t.c.external_id.in_(ids)
                )
            )
        }
        now = utcnow()
        inserts, updates, touches = [], [], []
        first_line: dict[str, int] = {}
        for outcome in outcomes:
            if outcome.rejected:
                continue
            external_id = outcome.external_id
            if external_id in first_line:
                self._duplicate(outcome, first_line[external_id])
                continue
            old = existing.get(external_id)
            if old is not None and old.batch_id == self.batch.id:
                self._duplicate(outcome, old.line_number)
                continue
            first_line[external_id] = outcome.line_number
            values = {name: outcome.fields[name] for name in self._value_columns}
            row_hash = content_hash(values, outcome.raw)
            if old is None:
                inserts.append(
                    {
                        **values,
                        "source_id": self.source_id,
                        "external_id": external_id,
                        "raw": outcome.raw,
                        "line_number": outcome.line_number,
                        "row_hash": row_hash,
                        "batch_id": self.batch.id,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            elif old.row_hash == row_hash:
                touches.append(
                    {
                        "b_id": old.id,
                        "v_batch_id": self.batch.id,
                        "v_line_number": outcome.line_number,
                    }
                )
            else:
                update_row = {f"v_{name}": value for name, value in values.items()}
                update_row.update(
                    b_id=old.id,
                    v_raw=outcome.raw,
                    v_line_number=outcome.line_number,
                    v_row_hash=row_hash,
                    v_batch_id=self.batch.id,
                    v_updated_at=now,
                )
                updates.append(update_row)
        if inserts:
            db.session.execute(insert(t), inserts)
        if updates:
            db.session.execute(self.update_stmt, updates)
        if touches:
            db.session.execute(self.touch_stmt, touches)
        self.counts["created"] += len(inserts)
        self.counts["updated"] += len(updates)
        self.counts["unchanged"] += len(touches)

    @staticmethod
    def _duplicate(outcome: RowOutcome, first: int | None) -> None:
        where = f" (first on line {first})" if first else ""
        outcome.reject(
            outcome.columns.get("external_id", "external_id"),
            outcome.external_id,
            f"the same partner row id appears twice in this file{where}",
        )


class _CaseWriter(_Writer):
    """Cases into a source list; parents' names and the phone become relatives."""

    table = Case.__table__  # type: ignore[assignment]
    field_columns = {
        "family_name": "family_name",
        "given_name": "given_name",
        "patronymic": "patronymic",
        "place_of_birth": "place_of_birth",
        "place_of_origin": "last_known_place",
        "region": "region",
        "current_location": "current_location",
        "notes": "circumstances",
    }
    # Fields that are always written together from the converted row.
    _derived = {
        "sex": ("sex",),
        "date_of_birth": ("dob_year", "dob_month", "dob_day"),
        "age": ("estimated_age", "age_estimated_on"),
    }

    def __init__(self, batch: ImportBatch, counts: dict[str, int]) -> None:
        super().__init__(batch, counts)
        self.source_list_id = batch.source_list_id
        mapped = set(batch.mapping or [])
        if "full_name" in mapped:
            mapped |= {"family_name", "given_name", "patronymic"}
        if "institution" in mapped:
            mapped.add("current_location")
        # On update only the columns the file has are written: a short file wipes nothing.
        self.columns: list[str] = [
            column for field, column in self.field_columns.items() if field in mapped
        ]
        for field, columns in self._derived.items():
            if field in mapped:
                self.columns.extend(columns)
        t = self.table
        values = {name: bindparam(f"v_{name}") for name in self.columns}
        values.update(version=t.c.version + 1, updated_at=bindparam("v_updated_at"))
        self.update_stmt = update(t).where(t.c.id == bindparam("b_id")).values(values)
        self.seen: set[str] = set()  # case lists are small; records use the database instead

    def _values(self, outcome: RowOutcome) -> dict[str, Any]:
        f = outcome.fields
        values = {column: f[field] for field, column in self.field_columns.items()}
        if not values["current_location"] and f["institution"]:
            values["current_location"] = f["institution"]
        values.update(
            sex=f["sex"],
            dob_year=f["dob_year"],
            dob_month=f["dob_month"],
            dob_day=f["dob_day"],
            estimated_age=f["age"],
            age_estimated_on=f["age_on"],
        )
        return {column: values[column] for column in self.columns}

    def write(self, outcomes: list[RowOutcome]) -> None:
        t = self.table
        ids = list({o.external_id for o in outcomes if not o.rejected})
        existing = {
            row.external_id: row
            for row in db.session.execute(
                select(t.c.id, t.c.external_id, *(t.c[c] for c in self.columns)).where(
                    t.c.source_list_id == self.source_list_id, t.c.external_id.in_(ids)
                )
            )
        }
        now = utcnow()
        inserts, updates, new_outcomes = [], [], {}
        for outcome in outcomes:
            if outcome.rejected:
                continue
            external_id = outcome.external_id
            if external_id in self.seen:
                outcome.reject(
                    outcome.columns.get("external_id", "external_id"),
                    external_id,
                    "the same case number appears twice in this file",
                )
                continue
            self.seen.add(external_id)
            values = self._values(outcome)
            old = existing.get(external_id)
            if old is None:
                inserts.append(
                    {
                        **values,
                        "source_list_id": self.source_list_id,
                        "external_id": external_id,
                        "created_at": now,
                        "updated_at": now,
                        "last_activity_at": now,
                    }
                )
                new_outcomes[external_id] = outcome
            elif all(getattr(old, column) == value for column, value in values.items()):
                self.counts["unchanged"] += 1
            else:
                update_row = {f"v_{name}": value for name, value in values.items()}
                update_row.update(b_id=old.id, v_updated_at=now)
                updates.append(update_row)
        if inserts:
            db.session.execute(insert(t), inserts)
            self._after_insert(new_outcomes, now)
        if updates:
            db.session.execute(self.update_stmt, updates)
            _refresh_name_keys([row["b_id"] for row in updates])
        self.counts["created"] += len(inserts)
        self.counts["updated"] += len(updates)

    def _after_insert(self, outcomes: dict[str, RowOutcome], now: Any) -> None:
        t = self.table
        new_ids = dict(
            db.session.execute(
                select(t.c.external_id, t.c.id).where(
                    t.c.source_list_id == self.source_list_id,
                    t.c.external_id.in_(list(outcomes)),
                )
            ).all()
        )
        relatives, events = [], []
        for external_id, outcome in outcomes.items():
            case_id = new_ids[external_id]
            relatives.extend(_relatives(case_id, outcome.fields))
            events.append(
                {
                    "case_id": case_id,
                    "at": now,
                    "actor_id": self.batch.created_by_id,
                    "kind": CaseEventKind.IMPORTED.value,
                    "data": {"batch_id": self.batch.id, "line": outcome.line_number},
                    "text": "",
                }
            )
        if relatives:
            db.session.execute(insert(Relative.__table__), relatives)
        db.session.execute(insert(CaseEvent.__table__), events)
        _refresh_name_keys(list(new_ids.values()))


def _relatives(case_id: int, fields: dict[str, Any]) -> list[dict[str, Any]]:
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
    return [{**row, "case_id": case_id} for row in rows]


def _refresh_name_keys(case_ids: list[int]) -> None:
    """Search keys for imported cases; the cases feature owns their normalisation."""
    from app.cases.services import refresh_name_keys_bulk

    if case_ids:
        refresh_name_keys_bulk(case_ids)


def _list_date(batch: ImportBatch) -> date | None:
    if batch.partner_source is not None:
        return batch.partner_source.received_on
    if batch.source_list is not None:
        return batch.source_list.received_on
    return None


def _write_problems(
    batch_id: int, problems: list[Problem], spool: IO[str] | None, counts: dict[str, int]
) -> None:
    for problem in problems:
        counts["warnings" if problem.severity == Severity.WARNING else "rejected_problems"] += 1
    if not problems:
        return
    if spool is not None:
        for problem in problems:
            spool.write(json.dumps(problem.as_row(batch_id), ensure_ascii=False) + "\n")
    db.session.execute(
        insert(ImportProblem.__table__), [problem.as_row(batch_id) for problem in problems]
    )


def run_import(
    batch_id: int,
    path: str | Path | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> ImportBatch:
    """Import a started batch's file in one transaction and commit it (see the module docstring).

    ``path`` defaults to the stored upload. Returns the batch, "done" or "failed". Raises only
    for errors that are not about the file (a database failure, a bug), after marking it failed.
    """
    # The import's transaction writes first, so on SQLite it waits for the one writer instead
    # of being refused at its first chunk because someone committed after it started reading.
    db.session.execute(
        update(ImportBatch).where(ImportBatch.id == batch_id).values(runner=runner_id())
    )
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        raise LookupError(f"no import batch {batch_id}")
    file_path = Path(path) if path is not None else batch_path(batch)
    if file_path is None:
        raise ImportRefused("This batch has no file.")
    counts = dict.fromkeys((*COUNT_FIELDS, "rejected_problems"), 0)
    with contextlib.ExitStack() as stack:
        # All or nothing: the problems are spooled to disk too, to survive the rollback.
        spool = (
            stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8"))
            if batch.all_or_nothing
            else None
        )
        try:
            total_bytes = file_path.stat().st_size
            with (
                open(file_path, "rb") as stream,
                open_csv(stream, encoding=batch.encoding, delimiter=batch.delimiter) as source,
            ):
                _import_rows(batch, source, counts, spool, stream, total_bytes, progress)
            if batch.all_or_nothing and counts["rejected"]:
                raise _AllOrNothingRejected
            _finish(batch, counts, BatchStatus.DONE, "")
            db.session.commit()
        except _AllOrNothingRejected:
            db.session.rollback()
            batch = _fail(
                batch_id,
                counts,
                f"{counts['rejected']} row(s) rejected; nothing was imported (all or nothing)",
                spool=spool,
            )
        except (UnreadableFile, ImportRefused) as error:
            db.session.rollback()
            batch = _fail(batch_id, counts, error.reason)
        except BaseException:
            db.session.rollback()
            _fail(batch_id, counts, "the import failed on our side; nothing was saved")
            raise
    discard_upload(batch)
    return batch


def _import_rows(
    batch: ImportBatch,
    source: CsvSource,
    counts: dict[str, int],
    spool: IO[str] | None,
    stream: BinaryIO,
    total_bytes: int,
    progress: ProgressCallback | None,
) -> None:
    if source.headers != batch.headers:
        raise ImportRefused("The file's headers differ from the confirmed mapping.")
    headers = source.headers
    mapping = list(batch.mapping or [])
    keys = raw_keys(headers)
    list_date = _list_date(batch)
    writer_class = _RecordWriter if batch.kind == ImportKind.RECORDS else _CaseWriter
    writer = writer_class(batch, counts)
    for chunk in chunks(source.rows(), CHUNK_SIZE):
        outcomes = [
            convert_row(
                row.values, row.line_number, headers, mapping, keys=keys, list_date=list_date
            )
            for row in chunk
        ]
        for outcome in outcomes:
            writer.check_lengths(outcome)
        writer.write(outcomes)
        problems = [problem for outcome in outcomes for problem in outcome.problems]
        counts["rows_read"] += len(outcomes)
        writer.refresh_statistics(counts["rows_read"])
        counts["rejected"] += sum(1 for outcome in outcomes if outcome.rejected)
        _write_problems(batch.id, problems, spool, counts)
        if progress is not None:
            progress(counts["rows_read"], stream.tell(), total_bytes)


def _finish(batch: ImportBatch, counts: dict[str, int], status: BatchStatus, error: str) -> None:
    for name in COUNT_FIELDS:
        setattr(batch, name, counts[name])
    batch.status = status.value
    batch.error = error
    batch.finished_at = utcnow()
    record(
        AuditAction.IMPORT,
        batch,
        actor_id=batch.created_by_id,
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
    error: str,
    *,
    spool: IO[str] | None = None,
) -> ImportBatch:
    """After a rollback: mark the batch failed (keeping all-or-nothing problems) and commit."""
    batch = db.session.get(ImportBatch, batch_id)
    assert batch is not None  # noqa: S101 - it was committed before the import began
    # Nothing was written, and the counts say so; rows read and rejected explain why.
    counts = {**counts, "created": 0, "updated": 0, "unchanged": 0}
    if spool is not None:
        spool.seek(0)
        for chunk in chunks(spool, CHUNK_SIZE):
            db.session.execute(
                insert(ImportProblem.__table__), [json.loads(line) for line in chunk]
            )
    else:
        counts["warnings"] = 0  # their rows were rolled back with everything else
    _finish(batch, counts, BatchStatus.FAILED, error)
    db.session.commit()
    return batch


# -- reading results -------------------------------------------------------------------------------


def problem_rows(batch: ImportBatch, severity: str | None = None) -> Iterator[ImportProblem]:
    """The batch's problems in file order, streamed from the database."""
    query = select(ImportProblem).where(ImportProblem.batch_id == batch.id)
    if severity:
        query = query.where(ImportProblem.severity == severity)
    query = query.order_by(ImportProblem.line_number, ImportProblem.id)
    yield from db.session.scalars(query.execution_options(yield_per=1000))


def count_problems(batch: ImportBatch) -> dict[str, int]:
    rows = db.session.execute(
        select(ImportProblem.severity, func.count())
        .where(ImportProblem.batch_id == batch.id)
        .group_by(ImportProblem.severity)
    ).all()
    return {severity: count for severity, count in rows}
