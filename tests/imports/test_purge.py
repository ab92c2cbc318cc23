"""Old uploads are deleted: abandoned batches, interrupted batches' kept files, stray files."""

from __future__ import annotations

import io
import os
from datetime import datetime, timedelta

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.database import utcnow
from app.extensions import db
from app.imports.batches import INTERRUPTED, can_retry
from app.imports.models import ImportBatch
from app.imports.purge import ABANDONED, EXPIRED, Purged, purge_job, purge_uploads
from app.imports.storage import batch_path, store_upload
from app.jobs import queue_of
from app.records.services import get_or_create_partner_source

WEEK = timedelta(days=7)


def _batch(age: timedelta, status: str = "pending", **fields) -> ImportBatch:
    """A browser batch with a stored upload, ``age`` old."""
    stored_name, sha256, size = store_upload(io.BytesIO(b"id,name\n1,Ann\n"))
    when = utcnow() - age
    batch = ImportBatch(
        kind="records",
        partner_source=get_or_create_partner_source("Purged register"),
        filename="list.csv",
        stored_name=stored_name,
        sha256=sha256,
        size_bytes=size,
        status=status,
        created_at=when,
        **fields,
    )
    if status == "failed":
        batch.error, batch.finished_at, batch.runner = INTERRUPTED, when, "gone-host:1"
    db.session.add(batch)
    db.session.flush()
    return batch


def _stray(uploads, name: str, age: timedelta):
    path = uploads / name
    path.write_bytes(b"id\n1\n")
    stamp = (datetime.now() - age).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def _situation(uploads):
    """One of each: old and new pending, old and new interrupted, a done batch, stray files."""
    days = timedelta(days=8)
    batches = {
        "old pending": _batch(days),
        "new pending": _batch(timedelta(days=1)),
        "old interrupted": _batch(days, "failed"),
        "new interrupted": _batch(timedelta(days=1), "failed"),
    }
    files = {
        "old stray": _stray(uploads, "a" * 32 + ".csv", days),
        "new stray": _stray(uploads, "b" * 32 + ".csv", timedelta(hours=1)),
        "not ours": _stray(uploads, "notes.txt", days),
    }
    db.session.commit()
    return batches, files


def test_old_uploads_go_and_new_ones_stay(app, uploads):
    with app.app_context():
        batches, files = _situation(uploads)
        paths = {name: batch_path(batch) for name, batch in batches.items()}
        purged = purge_uploads(WEEK)
        db.session.commit()
        assert purged == Purged(abandoned=1, expired=1, orphans=1)

        abandoned = batches["old pending"]
        assert (abandoned.status, abandoned.error) == ("failed", ABANDONED)
        expired = batches["old interrupted"]
        assert expired.error == EXPIRED and not can_retry(expired)
        assert batches["new pending"].status == "pending"
        assert can_retry(batches["new interrupted"])
        assert not paths["old pending"].exists() and not paths["old interrupted"].exists()
        assert paths["new pending"].exists() and paths["new interrupted"].exists()
        assert not files["old stray"].exists()
        assert files["new stray"].exists() and files["not ours"].exists()

        (event,) = db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "import_upload")
        ).all()
        assert event.detail == {"abandoned": 1, "expired": 1, "orphans": 1, "older_than_days": 7}
        # Again: nothing more to do, and no event for nothing.
        assert purge_uploads(WEEK) == Purged()


def test_an_expired_batch_says_it_cannot_run_again(supervisor, app, uploads):
    with app.app_context():
        batch = _batch(timedelta(days=8), "failed")
        db.session.commit()
        purge_uploads(WEEK)
        db.session.commit()
        batch_id = batch.id
    page = supervisor.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert "can no longer run again" in page
    assert 'data-testid="retry-form"' not in page


def test_flask_imports_purge(app, runner, uploads):
    with app.app_context():
        batches, _files = _situation(uploads)
        ids = {name: batch.id for name, batch in batches.items()}
    result = runner.invoke(args=["imports", "purge"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "Older than 7 day(s): 1 abandoned upload(s), 1 interrupted import file(s) "
        "and 1 stray file(s) deleted."
    )
    result = runner.invoke(args=["imports", "purge", "--days", "0"])
    assert result.exit_code == 0
    assert "1 abandoned upload(s), 1 interrupted import file(s)" in result.output
    with app.app_context():
        assert db.session.get(ImportBatch, ids["new pending"]).error == ABANDONED
    assert runner.invoke(args=["imports", "purge", "--days", "-1"]).exit_code == 2


def test_the_workers_purge_every_hour(app, uploads):
    with app.app_context():
        huey = queue_of(app).huey
        due = {task.name for task in huey.read_periodic(datetime(2026, 12, 1, 3, 17))}
        assert purge_job.name in due
        assert purge_job.name not in {
            task.name for task in huey.read_periodic(datetime(2026, 12, 1, 3, 18))
        }
        batches, _files = _situation(uploads)
        old_id = batches["old pending"].id
        purge_job()  # queued; tests run jobs at once
        db.session.expire_all()
        assert db.session.get(ImportBatch, old_id).error == ABANDONED
