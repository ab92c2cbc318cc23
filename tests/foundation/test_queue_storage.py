"""The embedded job queue (Huey on a SQLite file) commits as the application's database does."""

from __future__ import annotations

from app.jobs import queue_of
from tests.conftest import app_on


def test_the_sqlite_queue_commits_without_syncing_the_disk_each_time(fresh_database, tmp_path):
    """WAL with synchronous=NORMAL, as the application's own SQLite database: Huey's default
    synced the WAL at every commit, and with each list page queueing its read events the
    web processes and the worker took turns through an fsync each (an enqueue took 24 ms on
    average with two processes of four threads and a worker, against 0.4 ms)."""
    app = app_on(
        fresh_database(migrated=True), JOBS_INLINE=False, QUEUE_URL=f"sqlite:///{tmp_path / 'q.db'}"
    )
    storage = queue_of(app).huey.storage
    assert storage.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert storage.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    storage.enqueue(b"a job")
    assert storage.dequeue() == b"a job"
    assert storage.dequeue() is None
