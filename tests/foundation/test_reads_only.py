"""Pages that only read are served side by side: on SQLite they read a snapshot instead of
queueing for the one writer, and a write in them is refused on every database."""

from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy import event, func, insert, make_url, select, text

from app.audit.models import AuditEvent
from app.audit.services import about
from app.auth.permissions import Permission, require
from app.cases.models import Case
from app.extensions import db
from app.jobs import queue_of
from tests import factories
from tests.conftest import _login, app_on
from tests.matching.conftest import make_candidate, make_record

READ_ONLY_PAGES = ["/cases", "/cases?q=Kovalenko", "/my-cases", "/queues", "/matches", "/records/"]
# Pages that record who opened them (brief_write) and otherwise only read.
RECORDING_PAGES = ["/cases/1", "/matches/1"]


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


@pytest.mark.parametrize("path", READ_ONLY_PAGES + RECORDING_PAGES)
def test_read_only_pages_are_declared_so(app, path):
    adapter = app.url_map.bind("localhost")
    endpoint, _ = adapter.match(path.split("?")[0])
    assert app.view_functions[endpoint].reads_only is True


def _signed_in_with_a_case(app):
    """A signed-in supervisor's test client on ``app``, their id, and the id of a case
    assigned to them."""
    with app.app_context():
        supervisor = factories.make_user(role="supervisor")
        case = factories.make_case(supervisor, assigned_to=supervisor)
        db.session.commit()
        user_id, case_id = supervisor.id, case.id
    return _login(app.test_client(), user_id), user_id, case_id


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
    client, user_id, case_id = _signed_in_with_a_case(app)
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
        assert {(pair, e.detail["list"]) for e in events for pair in e.objects()} == {
            (("case_record", case_id), "cases.index"),
            (("case_record", case_id), "cases.my_cases"),
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


def _case_with_candidate(url: str):
    """An app on ``url`` with a supervisor, a case and a candidate for it: (app, user id, case
    id, candidate id)."""
    app = app_on(url, SQLITE_BUSY_TIMEOUT=0.3)
    with app.app_context():
        supervisor = factories.make_user(role="supervisor")
        case = factories.make_case(supervisor, assigned_to=supervisor)
        db.session.flush()
        candidate = make_candidate(case.id, make_record().id)
        db.session.commit()
        ids = supervisor.id, case.id, candidate.id
    return (app, *ids)


def _reads_of(app, object_type: str, object_id: int) -> int:
    with app.app_context():
        count = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "read", about(object_type, object_id))
        )
        db.session.remove()
        return count


def test_the_case_and_candidate_pages_take_the_write_lock_only_to_record_the_read(
    fresh_database,
):
    """The case page and the candidate page read what they show from a snapshot and take
    SQLite's write lock for their read record alone: the only BEGIN IMMEDIATE of the request
    is directly followed by the audit insert, and everything before it began as a snapshot.
    (They held the lock from their first statement, through the loading: every other writer
    waited, and at 32 users each page served no more than about 100 requests a second.)"""
    url = fresh_database(migrated=True)
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's one writer")
    app, user_id, case_id, candidate_id = _case_with_candidate(url)
    client = _login(app.test_client(), user_id)
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    event.listen(
        engine,
        "before_cursor_execute",
        lambda connection, cursor, statement, *args: statements.append(
            " ".join(statement.split()[:3])
        ),
    )
    for path in (f"/cases/{case_id}", f"/matches/{candidate_id}"):
        statements.clear()
        assert client.get(path).status_code == 200
        immediate = [n for n, s in enumerate(statements) if s == "BEGIN IMMEDIATE"]
        assert len(immediate) == 1, statements
        assert statements[immediate[0] + 1].startswith("INSERT INTO audit_event"), statements
        assert statements[0] == "BEGIN", statements  # the loading: a snapshot
        # What the rendering reads, if anything (the candidate page reads nothing more), reads
        # a snapshot again.
        after = [s for s in statements[immediate[0] + 1 :] if not s.startswith("INSERT")]
        assert not after or after[0] == "BEGIN", statements
    assert _reads_of(app, "case_record", case_id) == 2  # each page records the case it shows
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_case_page_waits_for_the_lock_only_to_record_its_read(fresh_database):
    """While an import holds the write lock the case page cannot record who opened it, so it
    is refused (a 503 after the busy timeout, nothing written, nothing half-shown), and served
    with its read recorded once the lock is free."""
    url = fresh_database(migrated=True)
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's one writer")
    app, user_id, case_id, _candidate_id = _case_with_candidate(url)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = _login(app.test_client(), user_id)
    writer = sqlite3.connect(make_url(url).database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        refused = client.get(f"/cases/{case_id}")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert refused.status_code == 503
    assert _reads_of(app, "case_record", case_id) == 0
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert _reads_of(app, "case_record", case_id) == 1
    with app.app_context():
        db.engine.dispose()


def test_a_brief_write_in_a_reading_request_is_allowed_and_reading_goes_on_after_it(
    fresh_database,
):
    """brief_write lifts the refusal of writes for its block only, commits the block, and
    leaves the request reading; on every database. A failing block writes nothing."""
    from app.sqlite import ReadOnlyViolation, brief_write

    app = app_on(fresh_database(migrated=True))

    @app.route("/__records-then-reads")
    @require(Permission.PUBLIC, reads_only=True)
    def records_then_reads():
        db.session.scalar(select(AuditEvent.id).limit(1))
        with brief_write():
            db.session.execute(insert(AuditEvent), {"action": "read", "object_type": "x"})
        try:
            db.session.execute(insert(AuditEvent), {"action": "read", "object_type": "y"})
        except ReadOnlyViolation:
            return "refused after"
        return "written after"

    @app.route("/__fails-inside")
    @require(Permission.PUBLIC, reads_only=True)
    def fails_inside():
        with brief_write():
            db.session.execute(insert(AuditEvent), {"action": "read", "object_type": "z"})
            raise RuntimeError("the block fails")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    assert client.get("/__records-then-reads").get_data(as_text=True) == "refused after"
    assert client.get("/__fails-inside").status_code == 500
    with app.app_context():
        written = db.session.scalars(select(AuditEvent.object_type)).all()
        assert written == ["x"]
        db.session.remove()
        db.engine.dispose()


def test_a_list_pages_reads_are_written_when_it_is_sent_or_else_queued(fresh_database, monkeypatch):
    """On SQLite a list page's read events are written when the page is sent if the database
    takes them without waiting (no job queued); where the write at once fails they are queued,
    nothing lost. (Under SQLite's lock held by another writer they are queued too: the test
    above.)"""
    from app.audit import services

    url = fresh_database(migrated=True)
    if url.startswith("postgresql"):
        pytest.skip("PostgreSQL writes them with the page: the test below")
    app = app_on(url, JOBS_INLINE=False, QUEUE_URL="memory://")
    huey = queue_of(app).huey
    client, _user_id, case_id = _signed_in_with_a_case(app)
    assert client.get("/my-cases").status_code == 200
    assert huey.pending_count() == 0
    assert _reads_of(app, "case_record", case_id) == 1

    def fails(*args):
        raise RuntimeError("the database refused")

    monkeypatch.setattr(services.write_list_read, "run_here", fails)
    assert client.get("/my-cases").status_code == 200
    assert huey.pending_count() == 1
    huey.execute(huey.dequeue())
    assert _reads_of(app, "case_record", case_id) == 2
    with app.app_context():
        db.engine.dispose()


def test_on_postgresql_a_list_pages_reads_are_committed_with_the_page_before_it_is_sent(
    fresh_database, monkeypatch
):
    """On PostgreSQL a list page's read events are inserted in the page's own transaction and
    committed before the page leaves: they are there before the response is closed, in one
    statement, and no job is queued. If they cannot be written the page is not sent (a 500)
    and nothing of it is recorded."""
    from app.audit import services

    url = fresh_database(migrated=True)
    if not url.startswith("postgresql"):
        pytest.skip("SQLite writes them after the page: the test above")
    app = app_on(url, JOBS_INLINE=False, QUEUE_URL="memory://")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    huey = queue_of(app).huey
    client, _user_id, case_id = _signed_in_with_a_case(app)
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def seen(_connection, _cursor, statement, *_args):
        statements.append(statement.split(None, 1)[0].upper())

    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = client.get("/my-cases")
        assert page.status_code == 200
        assert _reads_of(app, "case_record", case_id) == 1  # before the response is closed
        page.close()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements.count("INSERT") == 1  # the page's event
    assert huey.pending_count() == 0
    assert _reads_of(app, "case_record", case_id) == 1  # closing wrote nothing more

    def fails(*args):
        raise RuntimeError("the database refused")

    monkeypatch.setattr(services, "_insert_list_read", fails)
    assert client.get("/my-cases").status_code == 500
    assert huey.pending_count() == 0
    assert _reads_of(app, "case_record", case_id) == 1
    with app.app_context():
        db.engine.dispose()


def test_a_list_read_in_a_request_that_writes_never_commits_what_the_view_left_pending(
    fresh_database,
):
    """A view that is not reading-only and leaves a change uncommitted (to be rolled back)
    still has its list read recorded, after the page, in a transaction of its own: on
    PostgreSQL too, where a reading page's events are committed with the page, the view's
    pending change is not committed with them."""
    from app.audit.services import record_list_read

    app = app_on(fresh_database(migrated=True))
    client, _user_id, case_id = _signed_in_with_a_case(app)

    @app.route("/__changes-then-lists")
    def changes_then_lists():
        db.session.execute(insert(AuditEvent), {"action": "left pending", "object_type": "x"})
        record_list_read(db.session.get(Case, case_id))
        return "shown"

    page = client.get("/__changes-then-lists")
    assert page.get_data(as_text=True) == "shown"
    page.close()
    assert _reads_of(app, "case_record", case_id) == 1
    with app.app_context():
        pending = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "left pending")
        )
        assert pending == 0
        db.session.remove()
        db.engine.dispose()


def test_a_write_waiting_briefly_fails_at_once_under_the_lock_and_waits_elsewhere(
    fresh_database,
):
    """waiting_briefly: under another writer's lock a write transaction fails after a moment
    instead of after the busy timeout; outside it, and once the lock is free, writes wait as
    usual."""
    from sqlalchemy.exc import OperationalError

    from app.sqlite import waiting_briefly

    url = fresh_database(migrated=True)
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's one writer")
    app = app_on(url, SQLITE_BUSY_TIMEOUT=2)
    writer = sqlite3.connect(make_url(url).database, isolation_level=None)
    with app.app_context():
        try:
            writer.execute("BEGIN IMMEDIATE")
            started = time.monotonic()
            with waiting_briefly(), pytest.raises(OperationalError, match="locked"):
                db.session.execute(insert(AuditEvent), {"action": "read", "object_type": "x"})
            assert time.monotonic() - started < 0.5
            db.session.rollback()
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        with waiting_briefly():
            db.session.execute(insert(AuditEvent), {"action": "read", "object_type": "y"})
            db.session.commit()
        busy = db.session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar()
        assert busy == 2000  # the connection waits again as configured
        assert db.session.scalars(select(AuditEvent.object_type)).all() == ["y"]
        db.session.remove()
        db.engine.dispose()
