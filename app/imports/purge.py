"""Uploads do not stay on disk forever: abandoned and expired files are deleted.

An upload holds children's names and families' phones; it is meant to live only until its batch
is imported (then :func:`app.imports.batches.fail_batch` or the pipeline deletes it). Three
kinds outlived that, and go once they are ``IMPORT_PURGE_AFTER_DAYS`` old:

- a *pending* batch that was never started: it fails as "abandoned" and its file goes;
- an *interrupted* batch keeps its file so that it can run again: after that age the file goes
  and the batch says it can no longer be retried;
- a file in the upload folder that no live batch names (a crash between storing and
  committing, a failed deletion): it goes.

:func:`purge_uploads` is run hourly by the job workers (:data:`purge_job`) and by
``flask imports purge``; running it twice does nothing more.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select

from app.audit.models import AuditAction
from app.audit.services import record
from app.database import utcnow
from app.extensions import db
from app.imports.batches import INTERRUPTED, fail_batch, mark_interrupted_batches
from app.imports.models import BatchStatus, ImportBatch
from app.imports.storage import discard_upload, upload_folder
from app.jobs import periodic

__all__ = ["ABANDONED", "EXPIRED", "Purged", "purge_after", "purge_job", "purge_uploads"]

ABANDONED = "abandoned: the import was never started; its file was deleted"
EXPIRED = (
    "interrupted: the import stopped before it finished; nothing was saved. Its file was "
    "deleted after the days it is kept, so it can no longer run again: upload it again."
)
# The names store_upload gives; nothing else in the folder is ours to delete.
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.csv")


@dataclass(frozen=True, slots=True)
class Purged:
    abandoned: int = 0  # pending batches failed and their files deleted
    expired: int = 0  # interrupted batches whose kept file was deleted
    orphans: int = 0  # files no batch needed

    def summary(self) -> str:
        return (
            f"{self.abandoned} abandoned upload(s), {self.expired} interrupted import file(s) "
            f"and {self.orphans} stray file(s) deleted"
        )


def purge_after() -> timedelta:
    """How long an upload waits before it is purged (IMPORT_PURGE_AFTER_DAYS)."""
    return timedelta(days=current_app.config["IMPORT_PURGE_AFTER_DAYS"])


def purge_uploads(older_than: timedelta, now: datetime | None = None) -> Purged:
    """Delete the uploads described in the module docstring that are older than
    ``older_than``; flushes, with one audit event (counts only) when anything went."""
    cutoff = (now or utcnow()) - older_than
    mark_interrupted_batches()  # a dead "running" batch is interrupted from now on
    abandoned = db.session.scalars(
        select(ImportBatch).where(
            ImportBatch.status == BatchStatus.PENDING.value, ImportBatch.created_at < cutoff
        )
    ).all()
    for batch in abandoned:
        fail_batch(batch, ABANDONED)
    expired = db.session.scalars(
        select(ImportBatch).where(
            ImportBatch.status == BatchStatus.FAILED.value,
            ImportBatch.error == INTERRUPTED,
            ImportBatch.finished_at < cutoff,
        )
    ).all()
    for batch in expired:
        discard_upload(batch)
        batch.error = EXPIRED
    db.session.flush()
    purged = Purged(len(abandoned), len(expired), _delete_orphans(cutoff))
    if purged != Purged():
        record(
            AuditAction.DELETE,
            object_type="import_upload",
            detail={
                "abandoned": purged.abandoned,
                "expired": purged.expired,
                "orphans": purged.orphans,
                "older_than_days": older_than.days,
            },
        )
    return purged


def _delete_orphans(cutoff: datetime) -> int:
    """Stored files older than ``cutoff`` that no pending, running or retryable batch names."""
    needed = set(
        db.session.scalars(
            select(ImportBatch.stored_name).where(
                ImportBatch.stored_name.is_not(None),
                or_(
                    ImportBatch.status.in_((BatchStatus.PENDING.value, BatchStatus.RUNNING.value)),
                    ImportBatch.error == INTERRUPTED,
                ),
            )
        )
    )
    deleted = 0
    for path in upload_folder().iterdir():
        if not _STORED_NAME.fullmatch(path.name) or path.name in needed:
            continue
        with contextlib.suppress(FileNotFoundError):
            if datetime.fromtimestamp(path.stat().st_mtime, UTC) < cutoff:
                path.unlink()
                deleted += 1
    return deleted


@periodic(minute="17")
def purge_job() -> None:
    """Hourly, in every worker: purge old uploads and commit (twice in an hour is harmless)."""
    purged = purge_uploads(purge_after())
    db.session.commit()
    if purged != Purged():
        current_app.logger.info("imports purge: %s", purged.summary())
