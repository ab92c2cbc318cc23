"""Partner-record search across scripts, spellings and case, as case search does: the words
of the query meet the keys filed for each record's names (``partner_record_name_key``)."""

from __future__ import annotations

from sqlalchemy import Select, case, select

from app.name_search import ids_with_names
from app.records.models import PartnerRecord, PartnerRecordNameKey
from app.sorting import Fixed, Sort, ordering, parse_sort

__all__ = ["RECORD_SORTS", "record_sort", "search_records"]

# The partner lists are the largest table (a million rows), so the records list sorts only by
# what an index holds or a person needs: name reads ix_partner_record_family_name (so by code
# point, not app/alphabet.py's order, which no index holds here), the partner's own row id reads
# uq_partner_record_source_external (source by source). The date of birth (an ISO text) sorts
# the filtered rows, unknown dates last both ways: one sort per page over a whole register.
RECORD_SORTS = {
    "name": (PartnerRecord.family_name, PartnerRecord.id),
    "born": (
        Fixed(case((PartnerRecord.dob_year.is_(None), 1), else_=0)),
        PartnerRecord.dob_year,
        PartnerRecord.dob_month,
        PartnerRecord.dob_day,
        PartnerRecord.id,
    ),
    "source_id": (PartnerRecord.source_id, PartnerRecord.external_id),
}


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
