"""Imports through the queue and a real worker process (`flask jobs worker`), as in
`scripts/serve`: the job runs in another process, and a worker killed mid-import leaves its
batch failed, nothing of it written, and ready to run again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

import config
from app import create_app
from app.extensions import db
from app.imports.batches import (
    can_retry,
    create_batch,
    import_target,
    mark_interrupted_batches,
    retry_batch,
    start_batch,
)
from app.imports.mapping import detect_format
from app.imports.models import ImportBatch, ImportKind
from app.imports.pipeline import run_batch_job
from app.imports.storage import store_upload
from app.jobs import get_progress
from app.matching.models import MatchingRun
from app.records.models import PartnerRecord
from app.sqlite import long_read

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def setup(tmp_path) -> Iterator[tuple[Flask, dict[str, str]]]:
    """A database, a queue and an upload folder that the test and the worker share."""
    env = {
        **os.environ,
        "REUNITE_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.db'}",
        "QUEUE_URL": f"sqlite:///{tmp_path / 'queue.db'}",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
    }
    settings = type(
        "WorkerTestConfig",
        (config.Config,),
        {
            "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
            "QUEUE_URL": env["QUEUE_URL"],
            "UPLOAD_FOLDER": env["UPLOAD_FOLDER"],
        },
    )
    app = create_app(settings)
    with app.app_context():
        upgrade()  # in this process: a `flask db upgrade` process would import everything again
    yield app, env
    with app.app_context():
        db.engine.dispose()


def _worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "jobs", "worker", "--workers", "1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _queue_import(app: Flask, tmp_path: Path, rows: int) -> int:
    path = tmp_path / f"list-{rows}.csv"
    lines = ["№;Прізвище;Ім'я;Дата народження"]
    lines += [f"{n};Коваленко{n % 997};Марія{n % 13};05.03.{2005 + n % 15}" for n in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with app.app_context(), app.test_request_context():
        target = import_target(ImportKind.RECORDS, f"Register {rows}")
        with open(path, "rb") as stream:
            stored, sha256, size = store_upload(stream)
        batch = create_batch(
            ImportKind.RECORDS, target, path.name, sha256, size, stored_name=stored
        )
        with open(path, "rb") as stream:
            detect_format(batch, stream)
        start_batch(batch)
        db.session.commit()
        run_batch_job(batch.id)  # into the queue: no worker runs yet
        assert db.session.get(ImportBatch, batch.id).runner is None
        return batch.id


def _wait(app: Flask, check, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        # A snapshot read, as the list pages read: a poll that queued for the write lock failed
        # after the busy timeout while a loaded machine's worker wrote 60,000 rows.
        with app.app_context(), long_read():
            if check():
                return
        time.sleep(0.2)
    raise AssertionError("timed out")


def _batch(batch_id: int) -> ImportBatch:
    db.session.expire_all()
    batch = db.session.get(ImportBatch, batch_id)
    assert batch is not None
    return batch


def test_a_worker_process_runs_the_import_and_the_matching_after_it(setup, tmp_path):
    app, env = setup
    batch_id = _queue_import(app, tmp_path, 3000)
    worker = _worker(env)
    try:
        _wait(app, lambda: _batch(batch_id).status == "done")
        _wait(app, lambda: db.session.scalar(
            select(func.count()).select_from(MatchingRun).where(MatchingRun.status == "done")
        ) == 1)  # fmt: skip
        with app.app_context():
            batch = _batch(batch_id)
            assert batch.created == 3000 and batch.runner.endswith(f":{worker.pid}")
            # Any web process reads the progress the worker reported.
            state = get_progress(batch.job_key)
            assert state is not None and state.finished
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_a_killed_worker_leaves_nothing_half_written_and_the_batch_runs_again(setup, tmp_path):
    app, env = setup
    batch_id = _queue_import(app, tmp_path, 60_000)
    worker = _worker(env)
    try:
        # Killed in the middle: the worker has the batch and has read some rows.
        _wait(app, lambda: (get_progress(_batch(batch_id).job_key) or _NoProgress).items > 0)
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.wait(timeout=30)
    with app.app_context():
        assert mark_interrupted_batches() == 1
        db.session.commit()
        batch = _batch(batch_id)
        assert batch.status == "failed" and "interrupted" in batch.error
        assert db.session.scalar(select(func.count()).select_from(PartnerRecord)) == 0
        assert can_retry(batch)
        retry_batch(batch)
        db.session.commit()
        run_batch_job(batch_id)
    worker = _worker(env)
    try:
        _wait(app, lambda: _batch(batch_id).status == "done", seconds=180)
        with app.app_context():
            assert _batch(batch_id).created == 60_000
            count = db.session.scalar(select(func.count()).select_from(PartnerRecord))
            assert count == 60_000
    finally:
        worker.terminate()
        worker.wait(timeout=30)


class _NoProgress:
    items = 0
