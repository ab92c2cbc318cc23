import contextlib
import gc
import secrets
import sqlite3
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

import config
from app import create_app, sqlite
from app.extensions import db


def test_testing_config_is_applied(app):
    assert app.testing
    assert app.config["JOBS_INLINE"] is True


def test_dict_overrides_apply_on_top_of_environment_config():
    application = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "PER_PAGE": 7})
    assert application.config["PER_PAGE"] == 7
    assert not application.testing


def test_production_refuses_default_secret():
    settings = type("P", (config.ProductionConfig,), {"SECRET_KEY": config.DEFAULT_SECRET})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(settings)


def test_production_accepts_long_random_secret():
    settings = type(
        "P",
        (config.ProductionConfig,),
        {"SECRET_KEY": secrets.token_hex(16), "SQLALCHEMY_DATABASE_URI": "sqlite://"},
    )
    try:
        application = create_app(settings)
    finally:
        gc.unfreeze()  # what production froze at start (below): not kept for the whole suite
    assert application.config["SESSION_COOKIE_SECURE"] is True


def test_production_keeps_its_start_up_out_of_the_collectors_passes():
    """app.factory._freeze_start_up (issue 9 item 4): a production app moves what it loaded to
    the collector's permanent generation; other configurations leave the collector alone."""
    gc.unfreeze()
    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert gc.get_freeze_count() == 0
    settings = type(
        "P",
        (config.ProductionConfig,),
        {"SECRET_KEY": secrets.token_hex(16), "SQLALCHEMY_DATABASE_URI": "sqlite://"},
    )
    try:
        create_app(settings)
        frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()
    assert frozen > 10_000
    garbage = [[]]
    garbage[0].append(garbage)  # a cycle made after start-up is still collected
    del garbage
    assert gc.collect() >= 1


@pytest.mark.parametrize(
    "secret",
    [
        "x" * 40,  # long, one character
        "abcd" * 10,  # a short pattern repeated
        "0123456789abcdef" * 2,  # 16 distinct characters, but a pattern
        "aabbccddaabbccddaabbccddaabbccdX",  # too few distinct characters
        # Random but too short (30 characters). A fixed id: pytest-xdist refuses to run when
        # its workers collect different test names, and each draws its own secret.
        pytest.param(secrets.token_hex(15), id="random-but-30-characters"),
    ],
)
def test_production_refuses_a_secret_without_variety(secret):
    settings = type(
        "P",
        (config.ProductionConfig,),
        {"SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": "sqlite://"},
    )
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set to a random value"):
        create_app(settings)


def test_sqlite_has_foreign_keys_and_wal(app):
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite pragmas")
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def _read_wait_write(app, path, *, long_read: bool) -> None:
    """Read, let another writer commit meanwhile, then write (a request that reads a case and
    then adds its audit event, while an import commits)."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")
    threading.Timer(0.3, holder.commit).start()
    reading = sqlite.long_read() if long_read else contextlib.nullcontext()
    try:
        with reading, app.app_context():
            db.session.execute(text("SELECT count(*) FROM t")).scalar()
            time.sleep(0.5)  # the other writer commits now
            db.session.execute(text("INSERT INTO t VALUES (2)"))
            db.session.commit()
    finally:
        holder.close()


def test_a_transaction_on_sqlite_takes_the_write_lock_first(app, tmp_path):
    """Transactions begin IMMEDIATE: they wait for the one writer instead of being refused
    half-way ("database is locked", which no busy timeout cures) when another connection
    committed after they began reading. A long read begins as usual, and may not write."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite locking")
    path = tmp_path / "lock.db"
    other = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": True})
    with other.app_context():
        db.session.execute(text("CREATE TABLE t (n INTEGER)"))
        db.session.commit()
    _read_wait_write(other, path, long_read=False)
    with pytest.raises(OperationalError, match="locked"):
        _read_wait_write(other, path, long_read=True)
    with other.app_context():
        assert db.session.execute(text("SELECT count(*) FROM t")).scalar() == 3
        db.engine.dispose()
