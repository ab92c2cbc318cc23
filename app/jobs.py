"""Background jobs on a Huey queue: imports and matching runs, off the request thread.

Why Huey: it is maintained, small (no dependencies), and its storage is pluggable. The
two-command setup needs no server: the queue is a SQLite file next to the database
(``QUEUE_URL=sqlite:///...``, the default). In production it is Redis (``redis://...``), shared by
every web process and every worker. Tests run jobs at once in the caller's context
(``JOBS_INLINE``: Huey's immediate mode, in memory).

A worker is ``flask jobs worker`` (:func:`run_worker`): it builds the application once and runs
each job in its application context, with its own database session. Jobs are plain functions
registered with :func:`job`; calling the returned task enqueues it. A job registered with
:func:`periodic` is also queued on a schedule by every worker (house-keeping such as
``imports.purge``); it must therefore be harmless to run twice.

Where things live:

- a job's **state** (status, counts, error, who runs it) in its database row (the import
  batch, the matching run), so that any web process shows it;
- its **progress** (how far it got) in the queue's store (:func:`report_progress`), which every
  process shares too, and which a running import can write without touching the database its
  transaction holds;
- a job whose process died is marked failed by :func:`mark_interrupted` when someone looks:
  its transaction was never committed, so nothing of it is half-written.

:func:`exclusive` lets one job of a kind run at a time across every process (matching runs).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask, has_app_context
from flask.cli import AppGroup
from huey import Huey, crontab
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import select

from app.database import utcnow
from app.extensions import db
from app.web import current_app_object

__all__ = [
    "Job",
    "JobFailed",
    "Progress",
    "configure_queue",
    "exclusive",
    "get_progress",
    "is_live",
    "job",
    "jobs_cli",
    "mark_interrupted",
    "periodic",
    "queue_of",
    "report_progress",
    "run_worker",
    "runner_alive",
    "runner_id",
    "running",
]

# Every job, by name, registered at import; each application's queue knows them all (a worker
# must know a job before it dequeues one).
_JOBS: dict[str, Callable[..., Any]] = {}
# The schedules of the periodic jobs, by name: Huey crontab arguments (minute, hour, ...).
_SCHEDULES: dict[str, dict[str, str]] = {}
_EXTENSION = "reunite.queue"


class Job:
    """A registered job: calling it enqueues it on the current application's queue."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: Any) -> None:
        queue_of(current_app_object()).tasks[self.name](*args)

    def run_here(self, *args: Any) -> Any:
        """Run the job now, in this process and application context, without the queue (its
        errors are the caller's)."""
        return _JOBS[self.name](*args)


@dataclass(frozen=True, slots=True)
class _Retry:
    times: int
    delay: int  # seconds


# How the jobs registered with retries are tried again, by name.
_RETRIES: dict[str, _Retry] = {}


class JobFailed(RuntimeError):
    """A job that is tried again failed; its own error is not carried (it could quote a
    person's name), only the job's name."""


def job(fn: Callable[..., Any] | None = None, *, retries: int = 0, retry_delay: int = 60) -> Any:
    """Register ``fn`` as a job; calling the result enqueues it. The job runs in the worker's
    application context (in the caller's when jobs run inline). It records its own failure
    on its row; here a failure is logged by its class only, since a message or a traceback
    could quote a person's name.

    ``@job(retries=N, retry_delay=S)``: a job with no row to record its failure on (an audit
    event waiting for SQLite's write lock) is tried again up to N times, S seconds apart."""

    def register(fn: Callable[..., Any]) -> Job:
        name = f"{fn.__module__}.{fn.__qualname__}"
        _JOBS[name] = fn
        if retries:
            _RETRIES[name] = _Retry(retries, retry_delay)
        return Job(name)

    return register(fn) if fn is not None else register


def periodic(**schedule: str) -> Callable[[Callable[[], Any]], Job]:
    """Register a job without arguments that workers queue on ``schedule`` (Huey's
    ``crontab`` arguments, in UTC: ``periodic(minute="17")`` is hourly); calling the result
    enqueues it at once."""

    def register(fn: Callable[[], Any]) -> Job:
        registered = job(fn)
        _SCHEDULES[registered.name] = schedule
        return registered

    return register


class Queue:
    """An application's Huey instance and its tasks, one per registered job."""

    def __init__(self, app: Flask, huey: Huey) -> None:
        self.app = app
        self.huey = huey
        self.tasks = {name: self._task(name, fn) for name, fn in _JOBS.items()}

    def _task(self, name: str, fn: Callable[..., Any]) -> Any:
        schedule = _SCHEDULES.get(name)
        if schedule is None:
            retry = _RETRIES.get(name, _Retry(0, 0))
            task = self.huey.task(name=name, retries=retry.times, retry_delay=retry.delay)
            return task(self._runner(name, fn))
        return self.huey.periodic_task(crontab(**schedule), name=name)(self._runner(name, fn))

    def _runner(self, name: str, fn: Callable[..., Any]) -> Callable[..., None]:
        app = self.app

        def run(*args: Any) -> None:
            try:
                if has_app_context():  # inline: the caller's context and session
                    fn(*args)
                else:
                    with app.app_context():
                        fn(*args)
            except Exception as error:
                app.logger.error("job %s failed: %s", name, type(error).__name__)
                if name in _RETRIES:
                    raise JobFailed(name) from None  # Huey queues it again

        return run


class _SqliteStorage(SqliteStorage):
    """Huey's SQLite queue, committing as the application's database does (WAL with
    synchronous=NORMAL: durable against a crash of any process, only a power cut can lose
    the last commits). Huey's own default syncs the WAL to disk at every commit, and each
    list page queues a job (its read events): the writers held the queue's lock through an
    fsync each, and the others slept in SQLite's busy handler meanwhile."""

    def _create_connection(self) -> Any:
        connection = super()._create_connection()
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection


def _storage(url: str) -> tuple[type, dict[str, Any]]:
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStorage, {"url": url}
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return _SqliteStorage, {"filename": str(path)}
    if url == "memory://":
        return MemoryStorage, {}
    raise ValueError("QUEUE_URL must start with sqlite:/// or redis://, or be memory://")


def configure_queue(app: Flask) -> None:
    """Give ``app`` its queue: ``QUEUE_URL`` (``sqlite:///PATH``, ``redis://...`` or
    ``memory://``), or, with ``JOBS_INLINE``, every job at once in the caller's context."""
    if app.config["JOBS_INLINE"]:
        huey = Huey("reunite", immediate=True, results=False, utc=True)
    else:
        storage_class, kwargs = _storage(app.config["QUEUE_URL"])
        huey = Huey("reunite", results=False, utc=True, storage_class=storage_class, **kwargs)
    app.extensions[_EXTENSION] = Queue(app, huey)


def queue_of(app: Flask) -> Queue:
    queue: Queue = app.extensions[_EXTENSION]
    return queue


def _store() -> Huey:
    return queue_of(current_app_object()).huey


def run_worker(app: Flask, workers: int = 2) -> None:
    """Consume jobs until stopped (SIGINT, SIGTERM): ``workers`` threads, each job in an
    application context of ``app``. An idle worker looks at a SQLite queue at least once a
    second (Huey's default backs off to every 10 s: a list uploaded after a quiet spell waited
    that long to start); a Redis queue blocks on its list and hands a job over at once anyway."""
    queue_of(app).huey.create_consumer(workers=workers, worker_type="thread", max_delay=1.0).run()


@dataclass(slots=True)
class Progress:
    done: int = 0
    total: int = 0
    finished: bool = False
    message: str = ""
    items: int = 0  # rows (or other units) processed, for a message in the reader's language

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def report_progress(
    key: str, done: int, total: int, message: str = "", *, items: int = 0, finished: bool = False
) -> None:
    """Record how far job ``key`` got, for every process to read (call it per chunk)."""
    _store().put(f"progress:{key}", asdict(Progress(done, total, finished, message, items)))


def get_progress(key: str) -> Progress | None:
    state = _store().get(f"progress:{key}", peek=True)
    return Progress(**state) if isinstance(state, dict) else None


# Jobs running in this process (inline, or a command run in the foreground), by key.
_lock = threading.Lock()
_live: set[str] = set()


@contextmanager
def running(key: str) -> Iterator[None]:
    """Mark job ``key`` as running in this process for the duration (see
    :func:`runner_alive`), and its progress finished at the end."""
    with _lock:
        _live.add(key)
    try:
        yield
    finally:
        with _lock:
            _live.discard(key)
        state = get_progress(key) or Progress()
        state.finished = True
        _store().put(f"progress:{key}", asdict(state))


def is_live(key: str) -> bool:
    """True while a job with this key runs in this process."""
    with _lock:
        return key in _live


@contextmanager
def exclusive(name: str, poll: float = 0.5) -> Iterator[None]:
    """Wait until no other job called ``name`` runs, in any process, then run this one. A
    holder whose process is gone (killed) is taken over."""
    store = _store()
    key = f"lock:{name}"
    me = f"{runner_id()}:{threading.get_ident()}"
    while not store.put_if_empty(key, me):
        holder = store.get(key, peek=True)
        if isinstance(holder, str) and not _process_alive(holder.rpartition(":")[0]):
            store.delete(key)
            continue
        time.sleep(poll)
    try:
        yield
    finally:
        store.delete(key)


def runner_id() -> str:
    """Who runs a job: this host and process, stored on the job's row."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_alive(runner: str) -> bool:
    """Whether ``host:pid`` still runs; another host cannot be seen, so it is trusted."""
    host, _, pid_text = runner.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return True
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def runner_alive(runner: str | None, started: datetime, key: str) -> bool:
    """Is the process that runs job ``key`` (or a command-line run) still there?

    In this process, :func:`running` knows; another process on this host is asked with
    signal 0; another host cannot be seen, so its job is trusted for a day.
    """
    host, _, pid_text = (runner or "").rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return utcnow() - started < timedelta(days=1)
    if int(pid_text) == os.getpid():
        return is_live(key)
    return _process_alive(runner or "")


def mark_interrupted(
    model: Any, running: str, failed: str, error: str, *, grace: timedelta = timedelta(hours=1)
) -> int:
    """Mark the rows of ``model`` (an import batch, a matching run) that are still ``running``
    but whose process is gone as ``failed`` with ``error``; flushes, returns how many.

    The rows carry ``status``, ``runner``, ``started_at``, ``job_key``, ``error`` and
    ``finished_at``. A row that no worker has picked up yet (no runner) is given ``grace``."""
    count = 0
    for row in db.session.scalars(select(model).where(model.status == running)):
        started = row.started_at or row.created_at
        if row.runner is None:
            if utcnow() - started < grace:
                continue
        elif runner_alive(row.runner, started, row.job_key):
            continue
        row.status = failed
        row.error = error
        row.finished_at = utcnow()
        count += 1
    if count:
        db.session.flush()
    return count


jobs_cli = AppGroup("jobs", help="Background jobs (imports, matching runs).")


@jobs_cli.command("worker")
@click.option("--workers", default=2, show_default=True, help="Jobs run at once (threads).")
def worker_command(workers: int) -> None:
    """Run queued jobs until stopped; start as many worker processes as you like."""
    run_worker(current_app_object(), workers)
