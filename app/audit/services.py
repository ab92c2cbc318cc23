"""The one audit writer: ``record()`` for explicit events, ``record_list_read()`` for the people
a list page showed, and a flush hook for every change.

Every model on ``app.database.Base`` is audited unless it sets ``__audited__ = False``; a model can
name fields whose changes are not worth an event in ``__audit_ignore__``.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime
from typing import Any

from flask import after_this_request, has_request_context, request
from flask_login import current_user
from sqlalchemy import (
    and_,
    event,
    func,
    insert,
    inspect,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement

from app.audit.labels import OBJECT_TYPE_LABELS
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
    a table and an id) to its reader: one ``read`` event naming the page (``detail.list``) and
    holding the objects' ids by table (``shown``), so that "who saw this child's name" has an
    answer (:func:`about`). One event a page, not one an object: the match queue's 50 rows made
    50 rows with five index entries each, on SQLite most of the page's time.

    On PostgreSQL, in a request that only reads (a ``reads_only`` view, or one that called
    ``reads_only_from_here``, as every list page does), it is written in the page's own
    transaction once the page is rendered, and committed with it before it is sent (no page
    without its record): a transaction of their own after the response cost three more round
    trips to the server (the pool's ping, BEGIN, COMMIT) and an application context of its own
    (about 400 Python calls).

    On SQLite list pages only read (``reads_only``): they render from a snapshot and must not
    write, so that they are served while an import holds the one write lock. The event is
    therefore written when the response is closed (so too on PostgreSQL in a request that
    writes), with the time the page was shown: at once if the database takes it without
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
    """Write a list page's read event now, in a transaction of its own, if the database takes
    it without waiting long; False (nothing written) if not, or if that failed, for the caller
    to queue it instead."""
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
    """The event of :func:`record_list_read`, in a transaction of its own."""
    _insert_list_read((actor_id, ip_address, at, page, ids))
    db.session.commit()


def _insert_list_read(shown_by: ShownBy) -> None:
    """Insert the event of :func:`record_list_read`."""
    actor_id, ip_address, at, page, ids = shown_by
    # On the connection: the session's ORM execution added about 400 Python calls.
    db.session.connection().execute(
        _list_read_statement(),
        {
            "at": at,
            "actor_id": actor_id,
            "action": AuditAction.READ.value,
            "ip_address": ip_address,
            "detail": {"list": page},
            "shown": ids,
        },
    )


@functools.cache
def _list_read_statement() -> Insert:
    # Built once, as the pages' statements are (app/cases/services.py _latest_events_statement):
    # a statement built anew is keyed anew for SQLAlchemy's cache of compiled SQL on every list
    # page.
    return insert(AuditEvent.__table__)


def about(object_type: str | None, object_id: int | None) -> ColumnElement[bool]:
    """The events about an object, for "who saw or changed it" (a type, an id or both): its own
    events and the list pages that showed it (``shown``). An id without a type looks among the
    labelled types' ids (list pages show no other)."""
    if object_type is None and object_id is None:
        raise ValueError("about() needs an object type, an id or both")
    own = [
        AuditEvent.object_type == object_type if object_type else None,
        AuditEvent.object_id == object_id if object_id is not None else None,
    ]
    by_itself = and_(*(condition for condition in own if condition is not None))
    kinds = [object_type] if object_type else list(OBJECT_TYPE_LABELS)
    if db.session.get_bind().dialect.name == "postgresql":
        shown = type_coerce(AuditEvent.shown, JSONB)
        if object_id is None:
            in_a_list = shown.has_key(object_type)
        else:  # @> is what the GIN index (jsonb_path_ops) answers
            in_a_list = or_(*(shown.contains({kind: [object_id]}) for kind in kinds))
    elif object_id is None:
        in_a_list = func.json_type(AuditEvent.shown, _json_key(object_type)).is_not(None)
    else:
        in_a_list = or_(*(_sqlite_lists(kind, object_id) for kind in kinds))
    return or_(by_itself, and_(AuditEvent.shown.is_not(None), in_a_list))


def _sqlite_lists(kind: str, object_id: int) -> ColumnElement[bool]:
    """SQLite: the event's list of this kind holds the id (no index: the events are read)."""
    ids = func.json_each(AuditEvent.shown, _json_key(kind)).table_valued("value")
    return select(literal_column("1")).select_from(ids).where(ids.c.value == object_id).exists()


def _json_key(kind: str | None) -> str:
    """SQLite's JSON path of a key, quoted (table names have no quotes to escape)."""
    return f"$.{json.dumps(kind)}"


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
