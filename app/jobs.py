"""A tiny background runner with an in-process progress registry.

Long work (an import of a 200,000-row list) must not run on the request thread: the browser
would time out. :func:`start_job` runs a function in a daemon thread with its own application
context (hence its own database session), and the function reports progress through
:func:`report_progress`; the browser polls it as JSON.

Limitation, on purpose: the registry lives in this process's memory. It is correct with one
application process (several threads are fine), which is how Reunite is deployed. With several
worker processes, a progress request may reach a process that does not know the job; the page
then shows the batch as running until it is finished in the database. A killed process loses its
jobs: their database transaction is never committed, and the import pages show such a batch as
interrupted (see ``app.imports.services.mark_interrupted_batches``).

With ``JOBS_INLINE`` set (tests), the function runs at once in the caller's context.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from app.database import utcnow
from app.extensions import db

__all__ = [
    "Progress",
    "get_progress",
    "is_live",
    "mark_interrupted",
    "report_progress",
    "runner_alive",
    "runner_id",
    "start_job",
]


@dataclass(slots=True)
class Progress:
    done: int = 0
    total: int = 0
    finished: bool = False
    message: str = ""
    items: int = 0  # rows (or other units) processed, for a message in the reader's language

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_lock = threading.Lock()
_progress: dict[str, Progress] = {}
_live: set[str] = set()


def report_progress(
    key: str, done: int, total: int, message: str = "", *, items: int = 0, finished: bool = False
) -> None:
    """Record how far job ``key`` got (thread-safe; cheap enough to call per chunk)."""
    with _lock:
        _progress[key] = Progress(done, total, finished, message, items)


def get_progress(key: str) -> Progress | None:
    with _lock:
        state = _progress.get(key)
        if state is None:
            return None
        return Progress(state.done, state.total, state.finished, state.message, state.items)


def is_live(key: str) -> bool:
    """True while a job with this key runs in this process."""
    with _lock:
        return key in _live


def _run(app: Flask, key: str, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        with app.app_context():
            fn(*args)
    except Exception:  # the job records its own failure; this keeps the thread from dying loud
        app.logger.exception("background job %s failed", key)
    finally:
        _finished(key)


def start_job(app: Flask, fn: Callable[..., Any], *args: Any, key: str) -> None:
    """Run ``fn(*args)`` in a daemon thread with its own app context (inline when testing)."""
    with _lock:
        _live.add(key)
        _progress[key] = Progress(message="")
    if app.config.get("JOBS_INLINE"):
        _run_inline(key, fn, args)
        return
    thread = threading.Thread(
        target=_run, args=(app, key, fn, args), name=f"job-{key}", daemon=True
    )
    thread.start()


def _run_inline(key: str, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        fn(*args)
    finally:
        _finished(key)


def _finished(key: str) -> None:
    with _lock:
        _live.discard(key)
        state = _progress.get(key)
        if state is not None:
            state.finished = True


def runner_id() -> str:
    """Who runs a job: this host and process, stored on the job's row."""
    return f"{socket.gethostname()}:{os.getpid()}"


def runner_alive(runner: str | None, started: datetime, key: str) -> bool:
    """Is the process that runs job ``key`` (or a command-line run) still there?

    In this process, the job registry knows; another process on this host is asked with
    signal 0; another host cannot be seen, so its job is trusted for a day.
    """
    host, _, pid_text = (runner or "").rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return utcnow() - started < timedelta(days=1)
    pid = int(pid_text)
    if pid == os.getpid():
        return is_live(key)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_interrupted(
    model: Any, running: str, failed: str, error: str, *, grace: timedelta = timedelta(hours=1)
) -> int:
    """Mark the rows of ``model`` (an import batch, a matching run) that are still ``running``
    but whose process is gone as ``failed`` with ``error``; flushes, returns how many.

    The rows carry ``status``, ``runner``, ``started_at``, ``job_key``, ``error`` and
    ``finished_at``. A row that no process has picked up yet (no runner) is given ``grace``."""
    count = 0
    for row in db.session.scalars(select(model).where(model.status == running)):
        started = row.started_at or row.created_at
        if runner_alive(row.runner, started, row.job_key):
            continue
        if row.runner is None and utcnow() - started < grace:
            continue
        row.status = failed
        row.error = error
        row.finished_at = utcnow()
        count += 1
    if count:
        db.session.flush()
    return count
