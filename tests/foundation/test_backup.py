"""Backups: what `flask db restore` puts into an empty database is what `flask db backup`
copied, table by table (row counts and a checksum of the rows)."""

from __future__ import annotations

from app.backup import table_fingerprints
from app.demo.services import seed_demo
from app.extensions import db
from tests.conftest import app_on

KEPT = ("case_record", "partner_record", "match_candidate", "contact_log", "audit_event")


def test_a_restore_into_an_empty_database_gives_everything_back(fresh_database, tmp_path):
    source = app_on(fresh_database(migrated=True))
    with source.app_context():
        seed_demo(password="demo-password-2026", case_count=30)  # cases, records, matches
        before = table_fingerprints(db.engine)
    backup_file = tmp_path / "reunite.backup"
    result = source.test_cli_runner().invoke(args=["db", "backup", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert backup_file.stat().st_size > 0
    with source.app_context():
        db.engine.dispose()

    target = app_on(fresh_database())
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
