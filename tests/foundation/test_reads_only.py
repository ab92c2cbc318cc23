"""Pages that only read are served side by side: on SQLite they read a snapshot instead of
queueing for the one writer, and a write in them is refused on every database."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import event, insert, make_url, select, text

from app.audit.models import AuditEvent
from app.auth.permissions import Permission, require
from app.extensions import db
from app.jobs import queue_of
from tests import factories
from tests.conftest import _login, app_on

READ_ONLY_PAGES = ["/cases", "/cases?q=Kovalenko", "/my-cases", "/queues", "/matches", "/records/"]


def test_a_view_declared_reads_only_that_writes_is_refused(fresh_database):
    app = app_on(fresh_database(migrated=True))

    @app.route("/__writes-anyway")
    @require(Permission.PUBLIC, reads_only=True)
    def writes_anyway():
        db.session.execute(insert(AuditEvent), {"action": "read", "object_type": "x"})
        db.session.commit()
        return "written"

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/__writes-anyway")
    assert response.status_code == 500
    with app.app_context():
        assert db.session.query(AuditEvent).count() == 0
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("path", READ_ONLY_PAGES)
def test_read_only_pages_are_declared_so(app, path):
    adapter = app.url_map.bind("localhost")
    endpoint, _ = adapter.match(path.split("?")[0])
    assert app.view_functions[endpoint].reads_only is True


def test_read_only_pages_are_served_while_someone_holds_the_write_lock(fresh_database):
    """On SQLite an import's write phase holds the one write lock; the lists and queues are
    still served (before, each waited for the lock and failed after the busy timeout)."""
    url = fresh_database(migrated=True)
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's one writer")
    app = app_on(url, SQLITE_BUSY_TIMEOUT=0.5)
    with app.app_context():
        supervisor = factories.make_user(role="supervisor")
        factories.make_case(supervisor)
        db.session.commit()
        user_id = supervisor.id
    client = _login(app.test_client(), user_id)
    writer = sqlite3.connect(make_url(url).database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # as an import's write phase does
        statuses = {path: client.get(path).status_code for path in READ_ONLY_PAGES}
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert statuses == dict.fromkeys(READ_ONLY_PAGES, 200)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_reads_of_list_pages_served_under_the_write_lock_are_written_later(fresh_database):
    """A list page's read events are queued when it is sent; the job that writes them waits for
    the lock, is tried again when it had to wait too long, and loses nothing."""
    url = fresh_database(migrated=True)
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's one writer")
    app = app_on(url, SQLITE_BUSY_TIMEOUT=0.2, JOBS_INLINE=False, QUEUE_URL="memory://")
    huey = queue_of(app).huey
    with app.app_context():
        supervisor = factories.make_user(role="supervisor")
        case = factories.make_case(supervisor, assigned_to=supervisor)
        db.session.commit()
        user_id, case_id = supervisor.id, case.id
    client = _login(app.test_client(), user_id)
    writer = sqlite3.connect(make_url(url).database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        assert client.get("/cases").status_code == 200
        assert client.get("/my-cases").status_code == 200
        assert huey.pending_count() == 2, huey.pending_count()
        queued = [huey.dequeue(), huey.dequeue()]
        for task in queued:
            huey.execute(task)  # the lock is held: each fails and is scheduled again
        assert len(huey.scheduled()) == 2
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    for task in huey.scheduled():  # due in 30 s: run them as the worker will then
        huey.execute(task, timestamp=task.eta)
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "read")).all()
        assert {(e.object_id, e.detail["list"]) for e in events} == {
            (case_id, "cases.index"),
            (case_id, "cases.my_cases"),
        }
        assert {e.actor_id for e in events} == {user_id}
        db.session.remove()
        db.engine.dispose()


def test_a_page_that_only_read_ends_with_commit_and_psycopg_keeps_its_prepared_statements(
    fresh_database,
):
    """psycopg forgets its prepared statements at every rollback: a read-only page that ended
    with one had each of its statements parsed and planned anew for every request."""
    app = app_on(fresh_database(migrated=True))

    @app.route("/__reads")
    @require(Permission.PUBLIC, reads_only=True)
    def reads():
        db.session.scalar(select(AuditEvent.id).limit(1))
        if db.engine.dialect.name != "postgresql":
            return "-"
        return str(db.session.scalar(text("SELECT count(*) FROM pg_prepared_statements")))

    @app.route("/__fails")
    @require(Permission.PUBLIC, reads_only=True)
    def fails():
        db.session.scalar(select(AuditEvent.id).limit(1))
        raise RuntimeError("a read-only page that fails")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    ends: list[str] = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "commit", lambda connection: ends.append("commit"))
    event.listen(engine, "rollback", lambda connection: ends.append("rollback"))
    client = app.test_client()
    prepared = [client.get("/__reads").get_data(as_text=True) for _ in range(8)]
    assert ends == ["commit"] * 8
    if engine.dialect.name == "postgresql":
        # prepare_threshold: a statement is prepared on its sixth run on the connection.
        assert int(prepared[-1]) >= 1, prepared
    ends.clear()
    assert client.get("/__fails").status_code == 500
    assert ends == ["rollback"]
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
