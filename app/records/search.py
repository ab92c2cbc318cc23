"""Partner-record search across scripts, spellings and case, as case search does: the words
of the query meet the keys filed for each record's names (``partner_record_name_key``)."""

from __future__ import annotations

from sqlalchemy import Select, select

from app.name_search import ids_with_names
from app.records.models import PartnerRecord, PartnerRecordNameKey

__all__ = ["search_records"]


def search_records(text: str, source_id: int | None = None, prefix: bool = False) -> Select:
    """The records of this source (any source if None) whose names hold every word of
    ``text`` (every record if it is blank), ordered by family name.

    ``prefix``: the words as beginnings of names, for when no whole name matched."""
    query = select(PartnerRecord).order_by(PartnerRecord.family_name, PartnerRecord.id)
    if source_id:
        query = query.where(PartnerRecord.source_id == source_id)
    if text.strip():
        ids = ids_with_names(PartnerRecordNameKey.record_id, PartnerRecordNameKey.key, text, prefix)
        if ids is None:
            return query.where(PartnerRecord.id.is_(None))
        query = query.where(PartnerRecord.id.in_(ids))
    return query
