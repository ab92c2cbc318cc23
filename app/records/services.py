"""Partner sources and the bulk writing of their records (the import pipeline calls these).

A record is found again by (source, partner row id). An identical row (same values, same raw
row) counts as unchanged and is only stamped with the batch that saw it; a different one
updates the record in place. A row id seen twice in one batch is a duplicate: the first wins.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from app.bulk import (
    CREATED,
    UNCHANGED,
    UPDATED,
    RowWritten,
    Written,
    insert_rows,
    string_limits,
    too_long,
)
from app.database import utcnow
from app.extensions import db
from app.names.keys import keys_for_names
from app.records.fields import ADDED_FIELDS
from app.records.models import (
    NAME_KEY_LENGTH,
    RECORD_FIELDS,
    PartnerRecord,
    PartnerRecordNameKey,
    PartnerSource,
)

__all__ = [
    "RecordRow",
    "content_hash",
    "file_name_keys",
    "get_or_create_partner_source",
    "upsert_records",
]


def get_or_create_partner_source(
    name: str, organisation: str = "", list_name: str = "", received_on: date | None = None
) -> PartnerSource:
    """The partner source called ``name``, created (and flushed) if new."""
    name = name.strip()
    source = db.session.scalar(select(PartnerSource).where(PartnerSource.name == name))
    if source is None:
        source = PartnerSource(
            name=name, organisation=organisation, list_name=list_name, received_on=received_on
        )
        db.session.add(source)
        db.session.flush()
    return source


@dataclass(slots=True)
class RecordRow:
    """One row of a partner list, read: its row id, the values of :data:`RECORD_FIELDS`, and
    the row exactly as received."""

    line_number: int
    external_id: str
    values: dict[str, Any]
    raw: dict[str, str]


def content_hash(values: dict[str, Any], raw: dict[str, str]) -> str:
    """Hash of what an import writes for a row: equal hashes mean "unchanged". An empty field
    of ADDED_FIELDS is left out, so a row hashes as it did before those fields existed."""
    hashed = {k: v for k, v in values.items() if v not in ("", None) or k not in ADDED_FIELDS}
    payload = json.dumps([hashed, raw], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


_TABLE = PartnerRecord.__table__
_LIMITS = string_limits(_TABLE, ("external_id", *RECORD_FIELDS))
_UPDATE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("b_id"))
    .values(
        {
            **{name: bindparam(f"v_{name}") for name in RECORD_FIELDS},
            "raw": bindparam("v_raw"),
            "line_number": bindparam("v_line_number"),
            "row_hash": bindparam("v_row_hash"),
            "batch_id": bindparam("v_batch_id"),
            "updated_at": bindparam("v_updated_at"),
        }
    )
)
_TOUCH = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("b_id"))
    .values(batch_id=bindparam("v_batch_id"), line_number=bindparam("v_line_number"))
)


def upsert_records(source_id: int, batch_id: int, rows: list[RecordRow]) -> list[RowWritten]:
    """Insert new records, update changed ones, stamp unchanged ones with ``batch_id``: Core
    executemany statements, one round of each per call. Returns one outcome per row."""
    t = _TABLE
    existing = {
        row.external_id: row
        for row in db.session.execute(
            select(t.c.id, t.c.external_id, t.c.row_hash, t.c.batch_id, t.c.line_number).where(
                t.c.source_id == source_id,
                t.c.external_id.in_({row.external_id for row in rows}),
            )
        )
    }
    now = utcnow()
    results: list[RowWritten] = []
    inserts, updates, touches = [], [], []
    first_line: dict[str, int] = {}
    for row in rows:
        refused = too_long(row.external_id, row.values, _LIMITS)
        if refused is not None:
            results.append(refused)
            continue
        old = existing.get(row.external_id)
        if row.external_id in first_line or (old is not None and old.batch_id == batch_id):
            first = first_line.get(row.external_id) or (old.line_number if old else None)
            results.append(RowWritten(Written.DUPLICATE, "external_id", first_line=first))
            continue
        first_line[row.external_id] = row.line_number
        row_hash = content_hash(row.values, row.raw)
        if old is None:
            inserts.append(
                {
                    **row.values,
                    "source_id": source_id,
                    "external_id": row.external_id,
                    "raw": row.raw,
                    "line_number": row.line_number,
                    "row_hash": row_hash,
                    "batch_id": batch_id,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            results.append(CREATED)
        elif old.row_hash == row_hash:
            touches.append(
                {"b_id": old.id, "v_batch_id": batch_id, "v_line_number": row.line_number}
            )
            results.append(UNCHANGED)
        else:
            updates.append(
                {
                    **{f"v_{name}": value for name, value in row.values.items()},
                    "b_id": old.id,
                    "v_raw": row.raw,
                    "v_line_number": row.line_number,
                    "v_row_hash": row_hash,
                    "v_batch_id": batch_id,
                    "v_updated_at": now,
                }
            )
            results.append(UPDATED)
    if inserts:
        # A plain executemany, then the new ids by (source, row id) from its index: INSERT ...
        # RETURNING in row order made psycopg parse every batched statement of 20,000
        # placeholders anew (statements that long skip its cache): 2.5 times slower.
        db.session.execute(insert(t), inserts)
        created = dict(
            db.session.execute(
                select(t.c.external_id, t.c.id).where(
                    t.c.source_id == source_id,
                    t.c.external_id.in_([values["external_id"] for values in inserts]),
                )
            )
            .tuples()
            .all()
        )
        file_name_keys(
            {
                created[values["external_id"]]: [values[f] for f in PartnerRecord.NAME_FIELDS]
                for values in inserts
            },
            replace=False,
        )
    if updates:
        db.session.execute(_UPDATE, updates)
        file_name_keys(
            {
                values["b_id"]: [values[f"v_{f}"] for f in PartnerRecord.NAME_FIELDS]
                for values in updates
            }
        )
    if touches:
        db.session.execute(_TOUCH, touches)
    return results


_KEYS = PartnerRecordNameKey.__table__


def file_name_keys(names_by_record: Mapping[int, Iterable[str]], *, replace: bool = True) -> None:
    """File the search keys of these records' names (family, given, patronymic): bulk
    statements, never one per record. ``replace``: first delete the keys filed before; records
    just inserted have none, and skipping the delete matters: within a large import's one
    transaction PostgreSQL has no statistics for the key table yet and scanned all of it for
    each chunk of ids."""
    if not names_by_record:
        return
    ids = list(names_by_record)
    for start in range(0, len(ids) if replace else 0, 500):  # SQLite's bound-parameter limit
        db.session.execute(delete(_KEYS).where(_KEYS.c.record_id.in_(ids[start : start + 500])))
    rows = [
        {"record_id": record_id, "key": key}
        for record_id, record_names in names_by_record.items()
        for key in sorted(keys_for_names(name for name in record_names if name))
        if len(key) <= NAME_KEY_LENGTH
    ]
    insert_rows(db.session, _KEYS, rows)  # a 200,000-row import files about 3 million keys
