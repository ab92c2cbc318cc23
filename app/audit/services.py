"""The one audit writer: ``record()`` for explicit events, ``record_list_read()`` for the people
a list page showed, and a flush hook for every change.

Every model on ``app.database.Base`` is audited unless it sets ``__audited__ = False``; a model can
name fields whose changes are not worth an event in ``__audit_ignore__``.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from flask import after_this_request, has_request_context, request
from flask_login import current_user
from sqlalchemy import (
    JSON,
    Integer,
    String,
    bindparam,
    cast,
    event,
    func,
    insert,
    inspect,
    literal_column,
    select,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement

from app.audit.models import AuditAction, AuditEvent
from app.database import utcnow
from app.extensions import db
from app.jobs import job
from app.sqlite import brief_write, request_reads_only, waiting_briefly
from app.web import current_app_object


def _actor_id() -> int | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id  # not get_id(): that names the session token too
    return None


def _ip() -> str | None:
    return request.remote_addr if has_request_context() else None


# Who saw which objects of a list page: (actor id, address, time, page, ids by kind).
ShownBy = tuple[int | None, str | None, datetime, str | None, dict[str, list[int]]]


def _event_row(
    action: AuditAction | str,
    object_type: str | None,
    object_id: int | None,
    fields: list[str] | None = None,
    detail: dict[str, Any] | None = None,
    actor_id: int | None = None,
) -> dict[str, Any]:
    return {
        "at": utcnow(),
        "actor_id": actor_id if actor_id is not None else _actor_id(),
        "action": str(action),
        "object_type": object_type,
        "object_id": object_id,
        "fields": fields,
        "detail": detail,
        "ip_address": _ip(),
    }


def record(
    action: AuditAction | str,
    obj: Any = None,
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    fields: list[str] | None = None,
    detail: dict[str, Any] | None = None,
    actor_id: int | None = None,
) -> None:
    """Write one audit event in the current transaction (reads, logins, imports, exports)."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else obj.id
    db.session.execute(
        insert(AuditEvent),
        [_event_row(action, object_type, object_id, fields, detail, actor_id)],
    )


def record_many(
    action: AuditAction | str,
    object_type: str,
    events: list[tuple[int, list[str] | None, dict[str, Any] | None]],
    *,
    actor_id: int | None = None,
) -> None:
    """The bulk twin of :func:`record`: one event per (object id, fields, detail), written in
    one statement. For bulk writes that bypass the ORM (and so the flush hook), such as a list
    import that changes hundreds of cases."""
    if events:
        db.session.execute(
            insert(AuditEvent),
            [
                _event_row(action, object_type, object_id, fields, detail, actor_id)
                for object_id, fields, detail in events
            ],
        )


def record_list_read(*shown: Any) -> None:
    """Audit that this request's list page showed these objects (cases, records: anything with
    a table and an id) to its reader: one ``read`` event per object, naming the page
    (``detail.list``), so that "who saw this child's name" has an answer.

    On PostgreSQL, in a request that only reads (a ``reads_only`` view, or one that called
    ``reads_only_from_here``, as every list page does), they are written in the page's own
    transaction once the page is rendered, and committed with it before it is sent (no page
    without its record): a transaction of their own after the response cost three more round
    trips to the server (the pool's ping, BEGIN, COMMIT) and an application context of its own
    (about 400 Python calls).

    On SQLite list pages only read (``reads_only``): they render from a snapshot and must not
    write, so that they are served while an import holds the one write lock. The events are
    therefore written when the response is closed (so too on PostgreSQL in a request that
    writes), with the time the page was shown: at once if the database takes them without
    waiting long (unless another writer holds the lock, an import's write phase), else queued,
    and a job waits its turn for the lock, retried if it has to wait long. A job a page cost
    the worker more than the page's own insert (2-3 ms of CPU with the queue's round trips,
    against about one)."""
    ids: dict[str, set[int]] = {}
    for obj in shown:
        if obj is not None:
            ids.setdefault(obj.__tablename__, set()).add(obj.id)
    if not ids:
        return
    sorted_ids = {kind: sorted(values) for kind, values in ids.items()}
    shown_by: ShownBy = (_actor_id(), _ip(), utcnow(), request.endpoint, sorted_ids)
    # Only in a request that reads from here on: committing the page's transaction must not
    # commit changes a view left pending (a request that writes takes the path below).
    if request_reads_only() and db.engine.dialect.name != "sqlite":

        def write_with_the_page(response: Any) -> Any:
            with brief_write():  # in the transaction the page read in, committed
                _insert_list_read(shown_by)
            return response

        after_this_request(write_with_the_page)
        return
    app = current_app_object()

    def queue(response: Any) -> Any:
        def write_after_response() -> None:
            with app.app_context():
                if _written_at_once(app, shown_by):
                    return
                try:
                    write_list_read(*shown_by)
                except Exception as error:  # the queue is down; the page was already sent
                    app.logger.error("list read not queued: %s", type(error).__name__)

        response.call_on_close(write_after_response)
        return response

    after_this_request(queue)


def _written_at_once(app: Any, shown_by: ShownBy) -> bool:
    """Write a list page's read events now, in a transaction of their own, if the database
    takes them without waiting long; False (nothing written) if not, or if that failed, for the
    caller to queue them instead."""
    try:
        with waiting_briefly():
            write_list_read.run_here(*shown_by)
    except OperationalError:  # another writer holds SQLite's lock: the queue waits for it
        db.session.rollback()
        return False
    except Exception as error:
        db.session.rollback()
        app.logger.warning("list read not written at once: %s", type(error).__name__)
        return False
    return True


@job(retries=20, retry_delay=30)
def write_list_read(
    actor_id: int | None,
    ip_address: str | None,
    at: datetime,
    page: str | None,
    ids: dict[str, list[int]],
) -> None:
    """The events of :func:`record_list_read`, in a transaction of their own."""
    _insert_list_read((actor_id, ip_address, at, page, ids))
    db.session.commit()


def _insert_list_read(shown_by: ShownBy) -> None:
    """Insert the events of :func:`record_list_read`, one statement whatever their number."""
    actor_id, ip_address, at, page, ids = shown_by
    # The values every event shares are bound once and the objects sent as one JSON array that
    # the database unrolls into rows: a row of parameters an event (SQLAlchemy's
    # insertmanyvalues) cost about 90 Python calls each, a quarter of the match queue's request
    # for its 50 events, and psycopg writes an array parameter in Python, element by element
    # (a dozen calls each), where JSON is one call. On the connection: the session's ORM
    # execution added about 400 calls.
    objects = [(kind, object_id) for kind, values in ids.items() for object_id in values]
    connection = db.session.connection()
    connection.execute(
        _list_read_statement(connection.dialect.name),
        {
            "at": at,
            "actor_id": actor_id,
            "ip_address": ip_address,
            "detail": {"list": page},
            "objects": objects,
        },
    )


@functools.cache
def _list_read_statement(dialect: str) -> Insert:
    """INSERT ... SELECT of one ``read`` event per [type, id] pair of the JSON array in the
    parameter ``objects``."""
    objects = bindparam("objects", type_=JSON)
    object_type: ColumnElement[Any]
    object_id: ColumnElement[Any]
    if dialect == "postgresql":  # json_array_elements(...) AS anon(value)
        pair = func.json_array_elements(objects).table_valued("value").render_derived().c.value
        object_type = pair.op("->>")(literal_column("0"))
        object_id = cast(pair.op("->>")(literal_column("1")), Integer)
    else:  # SQLite: json_each, whose rows have the column value
        pair = func.json_each(objects).table_valued("value").c.value
        object_type = func.json_extract(pair, literal_column("'$[0]'"))
        object_id = func.json_extract(pair, literal_column("'$[1]'"))
    columns = AuditEvent.__table__.c
    return insert(AuditEvent.__table__).from_select(
        ["at", "actor_id", "action", "object_type", "object_id", "detail", "ip_address"],
        select(
            bindparam("at", type_=columns.at.type),
            bindparam("actor_id", type_=Integer),
            literal_column(f"'{AuditAction.READ}'"),
            object_type,
            object_id,
            bindparam("detail", type_=columns.detail.type),
            bindparam("ip_address", type_=String),
        ),
    )


def _is_audited(obj: Any) -> bool:
    return getattr(obj, "__audited__", False) and hasattr(obj, "__tablename__")


def _changed_fields(obj: Any) -> list[str]:
    state = inspect(obj)
    ignored: frozenset[str] = getattr(obj, "__audit_ignore__", frozenset())
    return sorted(
        attr.key
        for attr in state.mapper.column_attrs
        if attr.key not in ignored and state.attrs[attr.key].history.has_changes()
    )


def _primary_key(obj: Any) -> int | None:
    # The identity key is not set yet inside after_flush; read the primary key columns.
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return key[0] if len(key) == 1 else None


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise PermissionError("the audit trail is append-only")


@event.listens_for(Session, "after_flush")
def _audit_flush(session: Session, flush_context: Any) -> None:
    """Record create/update/delete of every audited object in the same transaction."""
    rows = []
    for obj in session.new:
        if _is_audited(obj):
            fields = _changed_fields(obj)
            rows.append(
                _event_row(AuditAction.CREATE, obj.__tablename__, _primary_key(obj), fields)
            )
    for obj in session.dirty:
        if _is_audited(obj) and session.is_modified(obj, include_collections=False):
            fields = _changed_fields(obj)
            if fields:
                rows.append(
                    _event_row(AuditAction.UPDATE, obj.__tablename__, _primary_key(obj), fields)
                )
    for obj in session.deleted:
        if _is_audited(obj):
            rows.append(_event_row(AuditAction.DELETE, obj.__tablename__, _primary_key(obj)))
    if rows:
        session.connection().execute(insert(AuditEvent.__table__), rows)
