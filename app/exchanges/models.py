"""Exchanges between the sides: lists handed over and answered, prisoner exchanges, repatriated
remains. An exchange holds lines, one per person (a case of ours, or a partner record the other
side listed), each moving along its own states."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, Session, WriteOnlyMapped, mapped_column, relationship

from app.cases.models import Sex
from app.database import TZDateTime, created_at, intpk, utcnow
from app.extensions import Model

if TYPE_CHECKING:
    from app.auth.models import User
    from app.cases.models import Case
    from app.records.models import PartnerRecord


class ExchangeKind(StrEnum):
    LIST_HANDOVER = "list_handover"
    PRISONER_EXCHANGE = "prisoner_exchange"
    REMAINS_REPATRIATION = "remains_repatriation"


class ExchangeStatus(StrEnum):
    PROPOSED = "proposed"
    AGREED = "agreed"
    SCHEDULED = "scheduled"
    CARRIED_OUT = "carried_out"
    PARTLY_CARRIED_OUT = "partly_carried_out"
    FAILED = "failed"


class LineState(StrEnum):
    LISTED = "listed"
    ACKNOWLEDGED = "acknowledged"
    ANSWERED = "answered"
    HANDED_OVER = "handed_over"
    RETURNED = "returned"
    REUNIFIED = "reunified"
    REFUSED = "refused"
    NOT_FOUND = "not_found"
    DECEASED = "deceased"


class ExchangeEventKind(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    STATUS_CHANGED = "status_changed"
    LINE_ADDED = "line_added"
    LINE_CHANGED = "line_changed"
    DECEASED_PROPOSED = "deceased_proposed"
    DECEASED_APPROVED = "deceased_approved"
    DECEASED_REJECTED = "deceased_rejected"
    VERSION_MADE = "version_made"
    WHERE_HELD_REPORTED = "where_held_reported"
    REMAINS_ADDED = "remains_added"
    REMAINS_LINK_PROPOSED = "remains_link_proposed"
    REMAINS_LINK_APPROVED = "remains_link_approved"
    REMAINS_LINK_REJECTED = "remains_link_rejected"


def _sql_in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in enum)})"


class Exchange(Model):
    """One exchange (or one list handed over) between two sides, with its own status."""

    __tablename__ = "exchange"
    __table_args__ = (
        CheckConstraint(_sql_in("kind", ExchangeKind), name="kind_known"),
        CheckConstraint(_sql_in("status", ExchangeStatus), name="status_known"),
    )
    __audit_ignore__ = frozenset({"version", "updated_at"})

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(30))
    side_a: Mapped[str] = mapped_column(String(200))
    side_b: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    # Talks name their rounds in words ("third stage") as often as in numbers.
    stage: Mapped[str] = mapped_column(String(50), default="")
    # The reference numbers of the documents (protocols, notes verbales), as written on them.
    document_refs: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(
        String(20), default=ExchangeStatus.PROPOSED.value, index=True
    )
    status_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    categories: Mapped[list[ExchangeCategory]] = relationship(
        back_populates="exchange", cascade="all, delete-orphan", order_by="ExchangeCategory.id"
    )
    lines: WriteOnlyMapped[ExchangeLine] = relationship(back_populates="exchange")
    events: WriteOnlyMapped[ExchangeEvent] = relationship(back_populates="exchange")
    created_by: Mapped[User | None] = relationship()

    @property
    def title(self) -> str:
        return f"{self.side_a} – {self.side_b}"

    def __repr__(self) -> str:
        return f"<Exchange {self.id}>"


class ExchangeCategory(Model):
    """Who the sides agreed to exchange, and how many: "seriously wounded", 50."""

    __tablename__ = "exchange_category"
    __table_args__ = (
        UniqueConstraint("exchange_id", "name", name="uq_exchange_category_exchange_name"),
        CheckConstraint("quota IS NULL OR quota >= 0", name="quota_not_negative"),
    )

    id: Mapped[intpk]
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchange.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    # No quota: "all for all".
    quota: Mapped[int | None]

    exchange: Mapped[Exchange] = relationship(back_populates="categories")


class ExchangeLine(Model):
    """One person in an exchange: a case of ours or a partner record the other side listed, or
    repatriated remains (``is_remains``, facts in :class:`ExchangeRemains`)."""

    __tablename__ = "exchange_line"
    __table_args__ = (
        # Remains arrive unidentified: neither a case nor a record until two people link them to
        # a case (app/exchanges/remains.py). Only they may name nobody.
        CheckConstraint(
            "(case_id IS NULL) != (record_id IS NULL)"
            " OR (is_remains AND case_id IS NULL AND record_id IS NULL)",
            name="one_person",
        ),
        CheckConstraint(_sql_in("state", LineState), name="state_known"),
        UniqueConstraint("exchange_id", "case_id", name="uq_exchange_line_exchange_case"),
        UniqueConstraint("exchange_id", "record_id", name="uq_exchange_line_exchange_record"),
        Index("ix_exchange_line_case_id", "case_id"),
        Index("ix_exchange_line_record_id", "record_id"),
    )
    __audit_ignore__ = frozenset({"version", "updated_at"})

    id: Mapped[intpk]
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchange.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("partner_record.id"))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("exchange_category.id", ondelete="SET NULL")
    )
    state: Mapped[str] = mapped_column(String(20), default=LineState.LISTED.value)
    # What the other side said last (why they refused, where they did not find the person).
    other_side_reason: Mapped[str] = mapped_column(Text, default="")
    # Where the other side says it holds the person (a prisoner of war), and the day it said so:
    # their word for this exchange, which another exchange's list may contradict.
    where_held: Mapped[str] = mapped_column(String(300), default="")
    where_held_reported_on: Mapped[date | None] = mapped_column(Date)
    state_changed_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    # A caseworker's proposal that the person is deceased, waiting for a second person.
    deceased_proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    deceased_proposed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    deceased_proposal_reason: Mapped[str] = mapped_column(Text, default="")
    is_remains: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)
    # Two people changing one line at once: the later save is refused, not silently lost.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    exchange: Mapped[Exchange] = relationship(back_populates="lines")
    case: Mapped[Case | None] = relationship()
    record: Mapped[PartnerRecord | None] = relationship()
    category: Mapped[ExchangeCategory | None] = relationship()
    deceased_proposed_by: Mapped[User | None] = relationship()
    events: WriteOnlyMapped[ExchangeLineEvent] = relationship(back_populates="line")
    remains: Mapped[ExchangeRemains | None] = relationship(back_populates="line")

    @property
    def deceased_pending(self) -> bool:
        return self.deceased_proposed_by_id is not None

    def __repr__(self) -> str:
        return f"<ExchangeLine {self.id}>"


class ExchangeEvent(Model):
    """The exchange's timeline: what happened, who did it, when."""

    __tablename__ = "exchange_event"
    __audited__ = False  # it is itself a history; the audit trail records the underlying change
    __table_args__ = (Index("ix_exchange_event_exchange_at", "exchange_id", "at"),)

    id: Mapped[intpk]
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchange.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(30))
    # Small structured facts (statuses, line ids); the template words them.
    data: Mapped[dict[str, Any] | None]
    text: Mapped[str] = mapped_column(Text, default="")

    exchange: Mapped[Exchange] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class ExchangeLineEvent(Model):
    """Each state change of a line, with when, who, and the reasons given."""

    __tablename__ = "exchange_line_event"
    __audited__ = False  # a history of the line; the audit trail records the line's changes
    __table_args__ = (Index("ix_exchange_line_event_line_at", "line_id", "at"),)

    id: Mapped[intpk]
    line_id: Mapped[int] = mapped_column(ForeignKey("exchange_line.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    source: Mapped[str | None] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    other_side_reason: Mapped[str] = mapped_column(Text, default="")
    # The second person of a two-person decision (declaring a person deceased).
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    line: Mapped[ExchangeLine] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])


class ExchangeListVersion(Model):
    """The exchange's list as it was handed over at one moment, numbered 1, 2, ... per exchange.
    Immutable once made (the ORM and database triggers refuse updates and deletes): a later
    correction is a new version, and the old one stays as it was handed over."""

    __tablename__ = "list_version"
    __audited__ = False  # making one writes one explicit event, with its number and count
    __table_args__ = (
        UniqueConstraint("exchange_id", "number", name="uq_list_version_exchange_number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint(
            "people >= 0 AND added >= 0 AND removed >= 0 AND corrected >= 0",
            name="counts_not_negative",
        ),
    )

    id: Mapped[intpk]
    # No cascade: an exchange with versions handed over cannot be deleted with them.
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchange.id"))
    number: Mapped[int]
    handed_over_on: Mapped[date | None] = mapped_column(Date)
    # The document it was handed over with (a protocol's or a note's reference), as written.
    note: Mapped[str] = mapped_column(Text, default="")
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    made_at: Mapped[created_at]
    # The counts of the person rows and of the changes since the previous version, frozen
    # with them: the exchange page lists every version without reading their rows.
    people: Mapped[int] = mapped_column(default=0)
    added: Mapped[int] = mapped_column(default=0)
    removed: Mapped[int] = mapped_column(default=0)
    corrected: Mapped[int] = mapped_column(default=0)

    exchange: Mapped[Exchange] = relationship()
    made_by: Mapped[User | None] = relationship()
    rows: WriteOnlyMapped[ExchangeListVersionPerson] = relationship(back_populates="version")

    def __repr__(self) -> str:
        return f"<ExchangeListVersion {self.exchange_id}/{self.number}>"


class ExchangeListVersionPerson(Model):
    """One person of a version, with the identity as handed over (copied, not referenced: a
    later edit of the case changes no version)."""

    __tablename__ = "list_version_person"
    __audited__ = False  # written only with its version, whose event counts them
    __table_args__ = (
        CheckConstraint("(case_id IS NULL) != (record_id IS NULL)", name="one_person"),
        UniqueConstraint("version_id", "position", name="uq_list_version_person_position"),
        UniqueConstraint("version_id", "case_id", name="uq_list_version_person_case"),
        UniqueConstraint("version_id", "record_id", name="uq_list_version_person_record"),
        Index("ix_list_version_person_case_id", "case_id"),
    )

    id: Mapped[intpk]
    version_id: Mapped[int] = mapped_column(ForeignKey("list_version.id"))
    position: Mapped[int]
    # Who the row is, to follow the person from version to version and to check who may read
    # the row; everything shown comes from the columns below.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("partner_record.id"))
    # The case number, or the partner's own row id.
    reference: Mapped[str] = mapped_column(String(100), default="")
    family_name: Mapped[str] = mapped_column(String(200), default="")
    given_name: Mapped[str] = mapped_column(String(200), default="")
    patronymic: Mapped[str] = mapped_column(String(200), default="")
    family_name_latin: Mapped[str] = mapped_column(String(200), default="")
    given_name_latin: Mapped[str] = mapped_column(String(200), default="")
    # As stored: a year, a month or a day.
    dob_year: Mapped[int | None]
    dob_month: Mapped[int | None]
    dob_day: Mapped[int | None]
    sex: Mapped[str] = mapped_column(String(10), default="unknown")
    place_of_birth: Mapped[str] = mapped_column(String(200), default="")
    last_known_place: Mapped[str] = mapped_column(String(300), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    document_number: Mapped[str] = mapped_column(String(100), default="")
    category: Mapped[str] = mapped_column(String(200), default="")

    version: Mapped[ExchangeListVersion] = relationship(back_populates="rows")
    case: Mapped[Case | None] = relationship()
    record: Mapped[PartnerRecord | None] = relationship()

    @property
    def key(self) -> str:
        """Names the person across versions."""
        return f"case:{self.case_id}" if self.case_id is not None else f"record:{self.record_id}"


@event.listens_for(Session, "before_flush")
def _refuse_version_changes(session: Session, flush_context: Any, instances: Any) -> None:
    """Versions are what was handed over: never changed, never deleted (the database's
    triggers refuse it too, for statements that bypass the ORM)."""
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, ExchangeListVersion | ExchangeListVersionPerson) and (
            obj in session.deleted or session.is_modified(obj, include_collections=False)
        ):
            raise PermissionError("a list version is never changed")


class ExchangeRemains(Model):
    """Repatriated remains: what the other side handed over with one body, and the proposal (then
    the approval) that they are the person of one of our cases.

    Kept in their own table, one to one with an :class:`ExchangeLine` (``is_remains``), rather
    than as columns of the line: the line table, shared by every kind of exchange, stays narrow,
    while remains reuse the line's states, its version, its history and its case link unchanged.
    The linked case is the line's ``case_id``, set only when a second person approves."""

    __tablename__ = "exchange_remains"
    __table_args__ = (
        UniqueConstraint("line_id", name="uq_exchange_remains_line"),
        UniqueConstraint("exchange_id", "body_number", name="uq_exchange_remains_body_number"),
        CheckConstraint(_sql_in("sex", Sex), name="sex_known"),
        CheckConstraint("age_min IS NULL OR age_min BETWEEN 0 AND 120", name="age_min_range"),
        CheckConstraint("age_max IS NULL OR age_max BETWEEN 0 AND 120", name="age_max_range"),
        CheckConstraint(
            "age_min IS NULL OR age_max IS NULL OR age_min <= age_max", name="age_ordered"
        ),
        Index("ix_exchange_remains_proposed_case_id", "proposed_case_id"),
    )
    __audit_ignore__ = frozenset({"version", "updated_at"})

    id: Mapped[intpk]
    line_id: Mapped[int] = mapped_column(ForeignKey("exchange_line.id", ondelete="CASCADE"))
    # The line's exchange again, so that the database keeps body numbers unique per exchange.
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchange.id", ondelete="CASCADE"))
    # The other side's number for the body, as they wrote it.
    body_number: Mapped[str] = mapped_column(String(50))
    recovery_region: Mapped[str] = mapped_column(String(200), default="")
    recovered_on: Mapped[date | None] = mapped_column(Date)
    # Who the other side says it is, as written on their papers (never normalised: a claim).
    claimed_family_name: Mapped[str] = mapped_column(String(200), default="")
    claimed_given_name: Mapped[str] = mapped_column(String(200), default="")
    claimed_patronymic: Mapped[str] = mapped_column(String(200), default="")
    claimed_service_number: Mapped[str] = mapped_column(String(50), default="")
    sex: Mapped[str] = mapped_column(String(10), default=Sex.UNKNOWN.value)
    # The forensic estimate, a range of whole years; either end may be unknown.
    age_min: Mapped[int | None]
    age_max: Mapped[int | None]
    personal_effects: Mapped[str] = mapped_column(Text, default="")
    lab_sample_number: Mapped[str] = mapped_column(String(50), default="")
    # The first person of two: "these remains are case X", with why.
    proposed_case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    link_proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    link_proposed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    link_proposal_reason: Mapped[str] = mapped_column(Text, default="")
    # The second person, a different supervisor, and their reason.
    link_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    link_approved_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    link_approval_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)
    # Two supervisors deciding one proposal at once: the later is refused, not applied twice.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    line: Mapped[ExchangeLine] = relationship(back_populates="remains")
    exchange: Mapped[Exchange] = relationship()
    proposed_case: Mapped[Case | None] = relationship()
    link_proposed_by: Mapped[User | None] = relationship(foreign_keys=[link_proposed_by_id])
    link_approved_by: Mapped[User | None] = relationship(foreign_keys=[link_approved_by_id])

    @property
    def claimed_name(self) -> str:
        parts = (self.claimed_family_name, self.claimed_given_name, self.claimed_patronymic)
        return " ".join(part for part in parts if part)

    @property
    def link_pending(self) -> bool:
        return self.proposed_case_id is not None and self.line.case_id is None

    def __repr__(self) -> str:
        return f"<ExchangeRemains {self.id}>"
