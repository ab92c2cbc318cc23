"""The declarative base shared by every model, with typed column aliases."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import Annotated, Any

from flask import g, has_request_context
from sqlalchemy import JSON, DateTime, Integer, MetaData, String, TypeDecorator, event
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class TZDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use app.database.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Rows in lists of ``size`` (the last shorter), for bulk statements and IN lists."""
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


intpk = Annotated[int, mapped_column(Integer, primary_key=True)]
str50 = Annotated[str, mapped_column(String(50))]
str200 = Annotated[str, mapped_column(String(200))]
created_at = Annotated[datetime, mapped_column(TZDateTime, default=utcnow, nullable=False)]


class Base(DeclarativeBase):
    # A registry (not a type_annotation_map attribute): Flask-SQLAlchemy subclasses this base.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: TZDateTime, dict[str, Any]: JSON, list[str]: JSON},
    )

    # Models set this to False to stay out of the generic audit trail (the audit table itself).
    __audited__ = True


# --- SQLite: one writer ---------------------------------------------------------------------
#
# A request reads, then writes (at least its audit event). On SQLite a transaction that has
# read cannot start writing if another connection committed in between (a background import
# or matching run): SQLite refuses at once with "database is locked", whatever the busy
# timeout. Nothing of the request's transaction is kept then, so a request that has not
# committed yet can safely run again from the start; PostgreSQL never needs this.

_BUSY_RETRIES = 3


def _is_sqlite_busy(error: Exception) -> bool:
    from sqlalchemy.exc import OperationalError

    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


@event.listens_for(Session, "after_commit")
def _count_request_commits(session: Session) -> None:
    if has_request_context():
        g.reunite_commits = g.get("reunite_commits", 0) + 1


def run_again_if_sqlite_was_busy(call: Callable[[], Any]) -> Any:
    """Run a view; if SQLite refused its first write because of another writer, and the view
    had committed nothing yet, roll back and run it again (a few times, briefly apart)."""
    from app.extensions import db

    for attempt in range(1, _BUSY_RETRIES + 1):
        commits = g.get("reunite_commits", 0)
        try:
            return call()
        except Exception as error:
            if attempt == _BUSY_RETRIES or not _is_sqlite_busy(error):
                raise
            if g.get("reunite_commits", 0) != commits:
                raise  # part of the request is committed: running it again could repeat it
            db.session.rollback()
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover
