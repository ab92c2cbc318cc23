"""Fixtures: one migrated database per test session, each test in a rolled-back transaction.

The migrations run once per session (per xdist worker): into a template database, of which the
session's database and ``fresh_database(migrated=True)`` are copies. On PostgreSQL every worker
has its own databases, named after the worker, so that ``pytest -n 2`` shares nothing."""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

import config
from app import create_app
from app.auth.models import User
from app.auth.permissions import Role
from app.extensions import db, limiter
from tests import factories

PASSWORD = factories.DEFAULT_PASSWORD


class ServerLikeClient(FlaskClient):
    """A test client that reads the whole response and closes it, as a WSGI server does, so
    that what runs when a response is closed (a list page's audit events) runs in tests too."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, called only where it runs
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Under ``--dist loadgroup`` (scripts/test) one worker runs every browser test: one live
    server, one seeded database and one Chromium instead of one per worker; the other tests go
    to whichever worker is free. (xdist's own ``xdist_group`` marker does not group with pytest
    9.2, which no longer reads the node id xdist rewrites.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "e2e" if nodeid.startswith("tests/e2e/") else nodeid

    return BrowserTestsTogether(config, log)


def _postgres_base() -> str:
    """TEST_DATABASE_URL when it names PostgreSQL, else the empty string (SQLite files)."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else ""


def _worker() -> str:
    """The xdist worker ("gw0", "gw1"...), "main" without xdist: a part of database names."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _on_server(base: str, *statements: str) -> None:
    """Run CREATE/DROP DATABASE statements (outside a transaction) on ``base``'s server."""
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for statement in statements:
            connection.execute(text(statement))
    admin.dispose()


def _named(base: str, name: str) -> str:
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def _copy_sqlite(template: str, path: str) -> str:
    """A copy of the SQLite database at ``template`` (the backup API: safe whatever its
    journal mode), as a URL."""
    source, target = sqlite3.connect(template), sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return f"sqlite:///{path}"


def _empty_postgres(app: Flask) -> None:
    """Start from an empty schema so that the migrations build everything."""
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database migrated to the head revision, once per session: a SQLite file's path,
    or a PostgreSQL database's name. Copy it (``fresh_database(migrated=True)``), never open it:
    PostgreSQL copies only a database nobody is connected to."""
    base = _postgres_base()
    if not base:
        path = tmp_path_factory.mktemp("template") / "migrated.db"
        url, name = f"sqlite:///{path}", str(path)
    else:
        name = f"{make_url(base).database}_template_{_worker()}"
        _on_server(
            base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
        )
        url = _named(base, name)
    application = app_on(url)
    with application.app_context():
        upgrade()  # the schema comes from the migrations, never from create_all
        db.session.remove()
        db.engine.dispose()
    yield name
    if base:
        _on_server(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _copy_of_template(template: str, name: str, folder) -> str:
    """A new database ``name`` copied from the migrated template; returns its URL."""
    base = _postgres_base()
    if not base:
        return _copy_sqlite(template, str(folder / f"{name}.db"))
    _on_server(
        base,
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        f'CREATE DATABASE "{name}" TEMPLATE "{template}"',
    )
    return _named(base, name)


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory, migrated_template: str) -> Iterator[Flask]:
    base = _postgres_base()
    name = f"{make_url(base).database}_{_worker()}" if base else "test"
    url = _copy_of_template(migrated_template, name, tmp_path_factory.mktemp("db"))
    settings = type(
        "SessionTestingConfig", (config.TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url}
    )
    application = create_app(settings)
    application.test_client_class = ServerLikeClient
    yield application
    with application.app_context():
        db.engine.dispose()
    if base:
        _on_server(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def _transaction(request: pytest.FixtureRequest) -> Iterator[None]:
    """Wrap the test in a transaction that is rolled back; requests commit to savepoints."""
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        engine = db.engine
        connection = engine.connect()
        outer = connection.begin()
        engines = db.engines
        engines[None] = connection  # type: ignore[assignment] - a Connection binds like an Engine
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint")
    limiter.reset()
    try:
        yield
    finally:
        with app.app_context():
            db.session.remove()
            outer.rollback()
            connection.close()
            db.engines[None] = engine


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def users(app: Flask) -> dict[str, int]:
    """One active user per role; returns their ids by role name."""
    with app.app_context():
        created = {
            role.value: factories.make_user(role=role.value, password=PASSWORD) for role in Role
        }
        db.session.commit()
        return {role: user.id for role, user in created.items()}


def _login(client: FlaskClient, user_id: int, remote_addr: str = "127.0.0.1") -> FlaskClient:
    """Sign in without the password round trip (argon2 is slow on purpose), and past the
    second factor: the session is fully signed in, as after the code. ``remote_addr``: the
    address the app sees (behind a trusted proxy, the forwarded one)."""
    from flask_login.utils import _create_identifier

    with client.application.app_context():
        # The session names the user's current session token (see User.get_id).
        session_id = db.session.get(User, user_id).get_id()
    with client.session_transaction() as session:
        # "strong" session protection compares this identifier on every request.
        with client.application.test_request_context(
            environ_base={
                "REMOTE_ADDR": remote_addr,
                "HTTP_USER_AGENT": client.environ_base.get("HTTP_USER_AGENT", ""),
            }
        ):
            session["_id"] = _create_identifier()
        session["_user_id"] = session_id
        session["_fresh"] = True
    return client


@pytest.fixture
def login(app: Flask):
    """``login(user_id)`` returns a new test client signed in as that user."""

    def make(user_id: int) -> FlaskClient:
        return _login(app.test_client(), user_id)

    return make


@pytest.fixture
def caseworker(login, users) -> FlaskClient:
    return login(users["caseworker"])


@pytest.fixture
def supervisor(login, users) -> FlaskClient:
    return login(users["supervisor"])


@pytest.fixture
def admin(login, users) -> FlaskClient:
    return login(users["admin"])


@pytest.fixture
def other_caseworker(app: Flask, login) -> FlaskClient:
    """A second caseworker, who owns none of the first one's cases or batches; the client's
    ``user_id`` names them."""
    with app.app_context():
        user = factories.make_user(role="caseworker")
        db.session.commit()
        user_id = user.id
    client = login(user_id)
    client.user_id = user_id  # type: ignore[attr-defined]
    return client


@contextmanager
def sql_statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement sent to the database inside the block, as sent.

    Nothing is left out, not even the SAVEPOINT, RELEASE and ROLLBACK TO SAVEPOINT that the
    test's transaction (above) puts where production begins and commits: a request makes as
    many of them whatever the data, so counting them cannot hide a growth."""
    with app.app_context():
        engine = db.engine  # the test's connection, which this file puts in the engine's place
    seen: list[str] = []

    def remember(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def csrf_token(client: FlaskClient, path: str, *, follow_redirects: bool = False) -> str:
    """The CSRF token from a page's form, as a browser would send it. The session's token for
    any visitor: ``csrf_token(client, "/login", follow_redirects=True)`` (the sign-in page, or
    the signed-in page it leads to)."""
    html = client.get(path, follow_redirects=follow_redirects).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def get_user(app: Flask, user_id: int) -> User:
    with app.app_context():
        return db.session.get(User, user_id)


@pytest.fixture
def people(app, users):
    """The users as ORM objects, inside an app context the test keeps open."""
    with app.app_context():
        yield {role: db.session.get(User, user_id) for role, user_id in users.items()}


@pytest.fixture
def make_case(app, users):
    """Create and commit a case; returns its id. Caseworker-owned unless told otherwise."""

    def make(owner: str | None = "caseworker", **fields) -> int:
        with app.app_context():
            supervisor = db.session.get(User, users["supervisor"])
            if owner:
                fields.setdefault("assigned_to", db.session.get(User, users[owner]))
            case = factories.make_case(supervisor, **fields)
            db.session.commit()
            return case.id

    return make


@pytest.fixture
def fresh_database(request: pytest.FixtureRequest, tmp_path) -> Iterator:
    """``fresh_database()`` makes an empty database of the suite's kind (a SQLite file, or a
    PostgreSQL database, dropped afterwards) and returns its URL: for tests that need real
    commits and several connections, outside the rolled-back test transaction.
    ``fresh_database(migrated=True)``: one with the whole schema already, a copy of the
    session's migrated template (faster than ``upgrade()`` in every such test)."""
    base = _postgres_base()
    made: list[str] = []

    def make(*, migrated: bool = False) -> str:
        name = f"reunite_fresh_{uuid.uuid4().hex[:8]}"
        if migrated:
            template = request.getfixturevalue("migrated_template")
            url = _copy_of_template(template, name, tmp_path)
        elif not base:
            return f"sqlite:///{tmp_path / name}.db"
        else:
            _on_server(base, f'CREATE DATABASE "{name}"')
            url = _named(base, name)
        if base:
            made.append(name)
        return url

    yield make
    if made:
        _on_server(base, *(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in made))


def app_on(url: str, **overrides) -> Flask:
    """An application on its own database (see ``fresh_database``), with jobs inline; keyword
    arguments override settings."""
    settings = type(
        "OwnDatabaseConfig", (config.TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url, **overrides}
    )
    application = create_app(settings)
    application.test_client_class = ServerLikeClient
    return application
