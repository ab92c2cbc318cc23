"""Partner sources and the records they send: the lists that cases are matched against."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import TZDateTime, created_at, intpk, utcnow
from app.dates import PartialDate
from app.extensions import Model
from app.names.text import person_name
from app.records.fields import RECORD_FIELDS as RECORD_FIELDS  # re-exported for writers


class PartnerSource(Model):
    """One partner list: an evacuation register, an institution register, a tracing list."""

    __tablename__ = "partner_source"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    organisation: Mapped[str] = mapped_column(String(200), default="")
    list_name: Mapped[str] = mapped_column(String(200), default="")
    received_on: Mapped[date | None] = mapped_column(Date)
    # The column mapping confirmed last time, {header: field or null}, offered on the next import.
    mapping: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[created_at]

    def __repr__(self) -> str:
        return f"<PartnerSource {self.id}>"


class PartnerRecord(Model):
    """A row of a partner list, normalised into fields, with the row exactly as received.

    Imports write these with Core statements in bulk (one audit event per batch, not per row).
    """

    __tablename__ = "partner_record"
    __table_args__ = (
        UniqueConstraint("source_id", "external_id", name="uq_partner_record_source_external"),
        CheckConstraint("sex IN ('male', 'female', 'unknown')", name="sex_known"),
        CheckConstraint("dob_month IS NULL OR dob_month BETWEEN 1 AND 12", name="dob_month_range"),
        CheckConstraint("dob_day IS NULL OR dob_day BETWEEN 1 AND 31", name="dob_day_range"),
        Index("ix_partner_record_family_name", "family_name"),
    )
    __audit_ignore__ = frozenset({"updated_at", "batch_id", "line_number", "row_hash"})

    id: Mapped[intpk]
    # No index of its own: the unique (source_id, external_id) key starts with it.
    source_id: Mapped[int] = mapped_column(ForeignKey("partner_source.id"))
    # The partner's own row id, or "h:" + a hash of the row when the list has none.
    external_id: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(200), default="")
    given_name: Mapped[str] = mapped_column(String(200), default="")
    patronymic: Mapped[str] = mapped_column(String(200), default="")
    sex: Mapped[str] = mapped_column(String(10), default="unknown")
    dob_year: Mapped[int | None]
    dob_month: Mapped[int | None]
    dob_day: Mapped[int | None]
    age: Mapped[int | None]
    age_on: Mapped[date | None] = mapped_column(Date)
    place_of_birth: Mapped[str] = mapped_column(String(200), default="")
    place_of_origin: Mapped[str] = mapped_column(String(200), default="")
    current_location: Mapped[str] = mapped_column(String(300), default="")
    institution: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    # An identity document's number (passport, birth certificate, military ID), a street
    # address and a postcode, as the list wrote them: the matching compares them.
    document_number: Mapped[str] = mapped_column(String(100), default="")
    street_address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    mother_name: Mapped[str] = mapped_column(String(300), default="")
    father_name: Mapped[str] = mapped_column(String(300), default="")
    # {header: value} exactly as received, including columns no field was mapped to.
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)
    line_number: Mapped[int | None]
    # Hash of the imported values: a re-import of an identical row counts as unchanged.
    row_hash: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    source: Mapped[PartnerSource] = relationship()

    # The fields whose words are filed in partner_record_name_key for search.
    NAME_FIELDS: ClassVar[tuple[str, ...]] = ("family_name", "given_name", "patronymic")

    @property
    def date_of_birth(self) -> PartialDate | None:
        if self.dob_year is None:
            return None
        return PartialDate(self.dob_year, self.dob_month, self.dob_day)

    @property
    def display_name(self) -> str:
        return person_name(self.family_name, self.given_name, self.patronymic) or self.external_id

    def __repr__(self) -> str:
        return f"<PartnerRecord {self.id}>"


# A longer key is a run of letters no one types into a search box; it is not filed.
NAME_KEY_LENGTH = 100


class PartnerRecordNameKey(Model):
    """The normalised keys of a record's names (see :mod:`app.names.keys`), so that search is
    one indexed lookup per word in any script; written with the record by ``upsert_records``."""

    __tablename__ = "partner_record_name_key"
    __audited__ = False  # derived data, rebuilt from the record whenever its names are written
    # No surrogate id (a million records file several million keys): the primary key serves
    # rebuilding one record's keys, the (key, record) index serves search.
    __table_args__ = (Index("ix_partner_record_name_key_key_record", "key", "record_id"),)

    record_id: Mapped[int] = mapped_column(
        ForeignKey("partner_record.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(NAME_KEY_LENGTH), primary_key=True)
