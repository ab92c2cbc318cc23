"""Import batches: one per file, from upload to "done" or "failed", and their problem reports.

A batch is "pending" while its mapping is confirmed, "running" once started (committed before
the rows are written, so every page can show it), then "done" or "failed". The decisions about
a batch's state live here, for the browser and the command line alike.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date

from sqlalchemy import func, select

from app.auth.models import User
from app.cases.models import SourceList
from app.cases.services import get_or_create_source_list
from app.database import utcnow
from app.extensions import db
from app.imports.access import can_run_kind
from app.imports.mapping import ImportRefused, Refusal, check_mapping
from app.imports.models import COUNT_FIELDS, BatchStatus, ImportBatch, ImportKind, ImportProblem
from app.imports.readers import UnreadableFile
from app.imports.storage import batch_path, discard_upload
from app.jobs import mark_interrupted
from app.records.models import PartnerSource
from app.records.services import get_or_create_partner_source

__all__ = [
    "can_retry",
    "count_problems",
    "create_batch",
    "fail_batch",
    "find_previous_import",
    "forget_format",
    "import_target",
    "mark_interrupted_batches",
    "problem_rows",
    "retry_batch",
    "start_batch",
]

INTERRUPTED = "interrupted: the import stopped before it finished; nothing was saved"


def import_target(
    kind: ImportKind,
    name: str,
    *,
    organisation: str = "",
    list_name: str = "",
    received_on: date | None = None,
) -> PartnerSource | SourceList:
    """The partner source (records) or source list (cases) called ``name``, created if new."""
    if kind is ImportKind.RECORDS:
        return get_or_create_partner_source(
            name, organisation=organisation, list_name=list_name, received_on=received_on
        )
    return get_or_create_source_list(name)


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
    if isinstance(target, PartnerSource):
        batch.partner_source = target
    else:
        batch.source_list = target
    db.session.add(batch)
    db.session.flush()
    return batch


def find_previous_import(batch: ImportBatch) -> ImportBatch | None:
    """The latest finished batch of the same bytes into the same target, if any."""
    same_target = (
        ImportBatch.partner_source_id == batch.partner_source_id
        if batch.partner_source_id
        else ImportBatch.source_list_id == batch.source_list_id
    )
    return db.session.scalar(
        select(ImportBatch)
        .where(
            ImportBatch.id != batch.id,
            ImportBatch.sha256 == batch.sha256,
            ImportBatch.kind == batch.kind,
            same_target,
            ImportBatch.status == BatchStatus.DONE.value,
        )
        .order_by(ImportBatch.id.desc())
        .limit(1)
    )


def start_batch(batch: ImportBatch, started_by_id: int | None = None) -> None:
    """Mark the batch running; the caller commits before the import is queued (or run). Its
    runner is set by the process that picks it up. ``started_by_id`` is who decided to run it
    (None: the command line); the import's audit event and timeline events name them. Raises
    :class:`app.imports.mapping.ImportRefused` for a mapping that cannot be imported, or a
    person who may not import this kind (the routes refuse earlier; this holds for any path)."""
    starter = db.session.get(User, started_by_id) if started_by_id is not None else None
    if started_by_id is not None and (starter is None or not can_run_kind(starter, batch.kind)):
        if batch.kind == ImportKind.CASES:
            raise ImportRefused(Refusal.CASES_NEED_SUPERVISOR)
        raise ImportRefused(Refusal.NOT_AN_IMPORTER)
    check_mapping(batch.headers or [], batch.mapping or [])
    batch.status = BatchStatus.RUNNING.value
    batch.started_at = utcnow()
    batch.started_by_id = started_by_id
    batch.runner = None


def fail_batch(batch: ImportBatch, error: UnreadableFile | ImportRefused | str) -> None:
    """A file that cannot be imported at all: the batch fails with the error's code and
    parameters (worded when shown), or with one of the stored markers (``ABANDONED``), and its
    upload is deleted (nothing of it is kept)."""
    batch.status = BatchStatus.FAILED.value
    if isinstance(error, str):
        batch.error, batch.error_code, batch.error_params = error, None, None
    else:
        batch.error = ""
        batch.error_code, batch.error_params = error.code.value, error.params or None
    batch.finished_at = utcnow()
    discard_upload(batch)


def forget_format(batch: ImportBatch) -> None:
    """Forget the encoding, delimiter and mapping chosen for a pending batch, so that the next
    reading detects them again (other settings give other columns)."""
    batch.encoding = batch.delimiter = None
    batch.mapping = None


def can_retry(batch: ImportBatch) -> bool:
    """A batch whose process died kept its upload (nothing was imported): it can run again."""
    path = batch_path(batch)
    return (
        batch.status == BatchStatus.FAILED
        and batch.error == INTERRUPTED
        and path is not None
        and path.exists()
    )


def retry_batch(batch: ImportBatch, started_by_id: int | None = None) -> None:
    """Start an interrupted batch again (the caller commits and queues it)."""
    if not can_retry(batch):
        raise ImportRefused(Refusal.CANNOT_RUN_AGAIN)
    for name in COUNT_FIELDS:
        setattr(batch, name, 0)
    batch.error, batch.error_code, batch.error_params = "", None, None
    batch.finished_at = None
    start_batch(batch, started_by_id)


def mark_interrupted_batches() -> int:
    """Mark running batches whose process is gone as failed ("interrupted"); flushes."""
    return mark_interrupted(
        ImportBatch, BatchStatus.RUNNING.value, BatchStatus.FAILED.value, INTERRUPTED
    )


def problem_rows(batch: ImportBatch, severity: str | None = None) -> Iterator[ImportProblem]:
    """The batch's problems in file order, streamed from the database."""
    query = select(ImportProblem).where(ImportProblem.batch_id == batch.id)
    if severity:
        query = query.where(ImportProblem.severity == severity)
    query = query.order_by(ImportProblem.line_number, ImportProblem.id)
    with db.session.scalars(query.execution_options(yield_per=1000)) as rows:
        yield from rows


def count_problems(batch: ImportBatch) -> dict[str, int]:
    rows = db.session.execute(
        select(ImportProblem.severity, func.count())
        .where(ImportProblem.batch_id == batch.id)
        .group_by(ImportProblem.severity)
    ).all()
    return {severity: count for severity, count in rows}
