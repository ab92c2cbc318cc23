"""Backups: what `flask db restore` puts into an empty database is what `flask db backup`
copied, table by table (row counts and a checksum of the rows)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import config
from app import create_app
from app.backup import table_fingerprints
from app.demo.services import seed_demo
from app.extensions import db

KEPT = ("case_record", "partner_record", "match_candidate", "contact_log", "audit_event")


@pytest.fixture
def fresh_url(tmp_path) -> Iterator:
    """Empty databases of the suite's kind (SQLite files, or PostgreSQL databases)."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    made: list[str] = []

    def make() -> str:
        name = f"reunite_backup_{uuid.uuid4().hex[:8]}"
        if not base.startswith("postgresql"):
            return f"sqlite:///{tmp_path / name}.db"
        admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        made.append(name)
        return make_url(base).set(database=name).render_as_string(hide_password=False)

    yield make
    if made:
        admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in made:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _app(url: str):
    settings = type("BackupTestConfig", (config.TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url})
    return create_app(settings)


def test_a_restore_into_an_empty_database_gives_everything_back(fresh_url, tmp_path):
    source = _app(fresh_url())
    with source.app_context():
        upgrade()
        seed_demo(password="demo-password-2026", case_count=30)  # cases, records, matches
        before = table_fingerprints(db.engine)
    backup_file = tmp_path / "reunite.backup"
    result = source.test_cli_runner().invoke(args=["db", "backup", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert backup_file.stat().st_size > 0
    with source.app_context():
        db.engine.dispose()

    target = _app(fresh_url())
    refused = target.test_cli_runner().invoke(args=["db", "restore", str(backup_file)], input="n\n")
    assert refused.exit_code != 0  # it asks first: the content is replaced
    result = target.test_cli_runner().invoke(args=["db", "restore", "--yes", str(backup_file)])
    assert result.exit_code == 0, result.output
    with target.app_context():
        after = table_fingerprints(db.engine)
        db.engine.dispose()
    for table in KEPT:
        assert before[table][0] > 0, table
    assert after == before
