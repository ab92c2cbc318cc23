"""The declarative base shared by every model, with typed column aliases."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from sqlalchemy import JSON, DateTime, Integer, MetaData, String, Table, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, mapped_column, registry

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


# The largest value an Integer column holds on every database we run on (PostgreSQL's
# integer; SQLite's are wider). A larger number from a request compares with no row, but the
# driver cannot even send it (OverflowError, "integer out of range"): refuse it first.
MAX_INTEGER = 2**31 - 1

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

    if TYPE_CHECKING:
        # SQLAlchemy types __table__ as any FromClause (a class may be mapped to a join); every
        # model here is mapped to a Table, which insert(), update() and string_limits() take.
        __table__: ClassVar[Table]
