"""Partner-record search across scripts, spellings and case, as case search does: the words
of the query meet the keys filed for each record's names (``partner_record_name_key``)."""

from __future__ import annotations

from sqlalchemy import Select, select

from app.name_search import ids_with_names
from app.records.models import PartnerRecord, PartnerRecordNameKey
from app.sorting import Sort, ordering, parse_sort

__all__ = ["RECORD_SORTS", "record_sort", "search_records"]

# The records list sorts by name only, either way: ix_partner_record_family_name read forwards
# or backwards. The partner lists are the largest table; no other column of it has an index
# to sort a page from.
RECORD_SORTS = {"name": (PartnerRecord.family_name, PartnerRecord.id)}


def record_sort(value: str | None) -> Sort:
    """The records list's order from its ``sort`` parameter; anything unknown is by name."""
    return parse_sort(value, RECORD_SORTS, "name")


def search_records(
    text: str, source_id: int | None = None, prefix: bool = False, sort: Sort | None = None
) -> Select:
    """The records of this source (any source if None) whose names hold every word of
    ``text`` (every record if it is blank), ordered by family name (``sort``: either way).

    ``prefix``: the words as beginnings of names, for when no whole name matched."""
    query = select(PartnerRecord).order_by(*ordering(RECORD_SORTS, sort or Sort("name")))
    if source_id:
        query = query.where(PartnerRecord.source_id == source_id)
    if text.strip():
        ids = ids_with_names(PartnerRecordNameKey.record_id, PartnerRecordNameKey.key, text, prefix)
        if ids is None:
            return query.where(PartnerRecord.id.is_(None))
        query = query.where(PartnerRecord.id.in_(ids))
    return query
