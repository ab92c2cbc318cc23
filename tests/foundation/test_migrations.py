"""Migrations on a database that holds data, as an operator upgrades one: every table keeps its
rows and every reference still holds, down to an earlier revision and up again.

On SQLite, changing a column rebuilds its table; with foreign keys enforced, dropping the old
table that other rows refer to failed ("FOREIGN KEY constraint failed") on any database with
data, while an empty test database passed (migrations/env.py now follows SQLite's procedure).
"""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text

from app.audit.models import AuditEvent
from app.auth.models import User
from app.cases.models import Case, ContactLog, Relative
from app.demo.services import seed_demo
from app.extensions import db
from app.matching.models import MatchCandidate
from tests.conftest import app_on

# Before the revisions that rebuild case_record and user_account on SQLite (the second factor,
# who started an import, the partner records' name keys, the matcher's change time).
EARLIER = "b483152a3828"
TABLES = (Case, Relative, ContactLog, User, AuditEvent, MatchCandidate)


def _counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in TABLES
    }


def test_a_populated_database_goes_down_and_up_again_keeping_every_row(fresh_database):
    application = app_on(fresh_database())
    with application.app_context():
        upgrade()
        seed_demo(password="demo-migrations-2026", case_count=12)
        db.session.commit()
        before = _counts()
        assert before["case_record"] == 12 and before["match_candidate"] > 0
        db.session.remove()

        downgrade(revision=EARLIER)
        upgrade()

        assert _counts() == before
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
            assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        cases = db.session.scalars(select(Case)).all()
        assert all(case.identity_changed_at == case.updated_at for case in cases)
        db.session.remove()
        db.engine.dispose()


def test_going_down_past_one_event_a_list_page_keeps_each_object_it_showed(fresh_database):
    """Revision 5e1a0c7d9b42 writes a list page's read as one event holding its ids; an earlier
    revision has no place for them, so going down appends one event per object (the trail is
    append-only) with the page's time, reader, address and name, and loses nobody's read."""
    from datetime import UTC, datetime

    from app.audit.services import write_list_read

    application = app_on(fresh_database())
    at = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)
    with application.app_context():
        upgrade()
        ids = {"case_record": [4, 2], "partner_record": [9]}
        write_list_read.run_here(None, "10.0.0.7", at, "matching.queue", ids)
        db.session.remove()

        downgrade(revision="840c0950b795")

        rows = db.session.execute(
            text(
                "SELECT object_type, object_id, action, detail, ip_address, at FROM audit_event "
                "WHERE object_id IS NOT NULL ORDER BY id"
            )
        ).all()
        assert [(row.object_type, row.object_id) for row in rows] == [
            ("case_record", 4),
            ("case_record", 2),
            ("partner_record", 9),
        ]
        assert {(row.action, row.ip_address) for row in rows} == {("read", "10.0.0.7")}
        assert {str(row.detail) for row in rows} == {str(rows[0].detail)}
        assert "matching.queue" in str(rows[0].detail)
        assert len({row.at for row in rows}) == 1
        db.session.remove()
        upgrade()
        db.session.remove()
        db.engine.dispose()
