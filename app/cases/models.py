"""Source lists, cases and everything recorded about a case."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Computed,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, Session, WriteOnlyMapped, mapped_column, relationship

from app.alphabet import NAME_COLLATION
from app.database import TZDateTime, created_at, intpk, utcnow
from app.dates import PartialDate
from app.extensions import Model, db
from app.names.text import person_name

if TYPE_CHECKING:
    from app.auth.models import User


class CaseType(StrEnum):
    CHILD = "child"
    ADULT_CIVILIAN = "adult_civilian"
    PRISONER_OF_WAR = "prisoner_of_war"
    OTHER = "other"


class HealthCategory(StrEnum):
    """A prisoner of war's health as sanitary exchanges sort people: the seriously wounded and
    the seriously ill are exchanged first, whatever the other categories' quotas."""

    NONE = "none"
    SERIOUSLY_WOUNDED = "seriously_wounded"
    SERIOUSLY_ILL = "seriously_ill"
    OTHER = "other"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


# The queues' order of priorities, most urgent first, as SQL the database computes a column from.
PRIORITY_RANKS = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}
PRIORITY_RANK_SQL = (
    "CASE priority "
    + " ".join(f"WHEN '{priority.value}' THEN {rank}" for priority, rank in PRIORITY_RANKS.items())
    + " END"
)


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


class CaseStatus(StrEnum):
    NEW = "new"
    UNDER_INVESTIGATION = "under_investigation"
    LOCATED = "located"
    CONTACT_ESTABLISHED = "contact_established"
    REUNIFICATION_IN_PROGRESS = "reunification_in_progress"
    REUNIFIED = "reunified"
    CLOSED = "closed"


class ClosureReason(StrEnum):
    REUNIFIED = "reunified"
    FOUND_DECEASED = "found_deceased"
    NOT_FOUND = "not_found"
    DUPLICATE = "duplicate"
    WITHDRAWN = "withdrawn"


# Rows that belong to one case and go with it.
case_fk = Annotated[
    int, mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
]

CASE_NUMBER_PREFIX = "RU-"


def format_case_number(case_id: int | None) -> str:
    return f"{CASE_NUMBER_PREFIX}{case_id:06d}" if case_id else ""


def parse_case_number(text: str) -> int | None:
    """``RU-000123``, ``ru 123`` or ``123`` → 123; anything else → None."""
    cleaned = text.strip().upper().replace(" ", "").replace("-", "")
    if cleaned.startswith(CASE_NUMBER_PREFIX.rstrip("-")):
        cleaned = cleaned[len(CASE_NUMBER_PREFIX.rstrip("-")) :]
    return int(cleaned) if cleaned.isdigit() and len(cleaned) <= 9 else None


def _sql_in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in enum)})"


class SourceList(Model):
    """Where cases come from: the list handed over at talks, a hotline, a partner's list."""

    __tablename__ = "source_list"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    organisation: Mapped[str] = mapped_column(String(200), default="")
    received_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]

    cases: WriteOnlyMapped[Case] = relationship(back_populates="source_list")

    def __repr__(self) -> str:
        return f"<SourceList {self.id}>"


class CaseNaming:
    """A case's number and the name it is shown by, for a :class:`Case` and for the lighter
    rows the case lists read (app/cases/table.py ``CaseRow``): one definition for both."""

    __slots__ = ()
    id: int
    family_name: str | None
    given_name: str | None
    patronymic: str | None

    @property
    def case_number(self) -> str:
        """Stable and human-readable, derived from the id (never reused: nothing is deleted)."""
        return format_case_number(self.id)

    @property
    def display_name(self) -> str:
        return person_name(self.family_name, self.given_name, self.patronymic) or self.case_number


class Case(CaseNaming, Model):
    __tablename__ = "case_record"
    __table_args__ = (
        UniqueConstraint("source_list_id", "external_id", name="uq_case_record_source_external"),
        CheckConstraint(_sql_in("case_type", CaseType), name="case_type_known"),
        CheckConstraint(_sql_in("priority", Priority), name="priority_known"),
        CheckConstraint(_sql_in("sex", Sex), name="sex_known"),
        CheckConstraint(_sql_in("status", CaseStatus), name="status_known"),
        CheckConstraint(_sql_in("health_category", HealthCategory), name="health_category_known"),
        CheckConstraint(
            f"closure_reason IS NULL OR {_sql_in('closure_reason', ClosureReason)}",
            name="closure_reason_known",
        ),
        CheckConstraint("dob_month IS NULL OR dob_month BETWEEN 1 AND 12", name="dob_month_range"),
        CheckConstraint("dob_day IS NULL OR dob_day BETWEEN 1 AND 31", name="dob_day_range"),
        # Archived last: a list filtered by status (and so not archived) counts its rows from
        # this index alone, not from the table's rows (20,000 new cases: 1-9 ms against 13-28).
        Index("ix_case_record_status_assigned", "status", "assigned_to_id", "archived"),
        Index("ix_case_record_last_activity", "last_activity_at"),
        # The queues (unassigned, each caseworker's load) count and sort from this index alone.
        Index("ix_case_record_assigned_queue", "assigned_to_id", "status", "archived", "priority"),
        # The unassigned queue, most urgent first, a page at a time (see priority_rank).
        Index("ix_case_record_assigned_rank", "assigned_to_id", "priority_rank", "id"),
        # The same queue on PostgreSQL, whose planner orders by an index's columns only after
        # ones the query holds equal, and "assigned_to_id IS NULL" is not "equal": with the
        # index above it sorted every unassigned case for each page (18,700 at national scale,
        # 20-40 ms). The rows an index holds are its page in order; status and archived make it
        # answer the queue's count alone too. The condition has no parameter, so that a plan
        # made once for the statement (psycopg prepares repeated ones) still matches it.
        Index(
            "ix_case_record_unassigned",
            "priority_rank",
            "id",
            "status",
            "archived",
            postgresql_where=text("assigned_to_id IS NULL"),
            sqlite_where=text("assigned_to_id IS NULL"),
        ),
        # A search by a partner list's own number (search.py, for any list): the unique key
        # leads with the list, so that lookup read the whole key index.
        Index("ix_case_record_external_id", "external_id"),
    )
    # Bookkeeping columns whose changes are not worth an audit event of their own (and one
    # the database computes from another).
    __audit_ignore__ = frozenset(
        {"version", "last_activity_at", "updated_at", "identity_changed_at", "priority_rank"}
    )

    id: Mapped[intpk]
    source_list_id: Mapped[int] = mapped_column(ForeignKey("source_list.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(100))
    case_type: Mapped[str] = mapped_column(String(20), default=CaseType.CHILD.value)
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL.value)
    # ``priority`` as its rank in the queues (PRIORITY_RANKS), computed by the database so that
    # an index can hold it: sorted by a CASE over ``priority``, the unassigned queue sorted all
    # of its cases (18,700 at national scale) for every page.
    priority_rank: Mapped[int] = mapped_column(SmallInteger, Computed(PRIORITY_RANK_SQL))

    family_name: Mapped[str] = mapped_column(String(200), default="")
    given_name: Mapped[str] = mapped_column(String(200), default="")
    patronymic: Mapped[str] = mapped_column(String(200), default="")
    family_name_latin: Mapped[str] = mapped_column(String(200), default="")
    given_name_latin: Mapped[str] = mapped_column(String(200), default="")
    sex: Mapped[str] = mapped_column(String(10), default=Sex.UNKNOWN.value)
    dob_year: Mapped[int | None]
    dob_month: Mapped[int | None]
    dob_day: Mapped[int | None]
    estimated_age: Mapped[int | None]
    age_estimated_on: Mapped[date | None] = mapped_column(Date)
    place_of_birth: Mapped[str] = mapped_column(String(200), default="")
    nationality: Mapped[str] = mapped_column(String(100), default="")
    document_number: Mapped[str] = mapped_column(String(100), default="")
    # Where the person lived: a street address and its postcode (compared by the matching).
    street_address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")

    last_known_place: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(100), default="", index=True)
    last_seen_on: Mapped[date | None] = mapped_column(Date)
    circumstances: Mapped[str] = mapped_column(Text, default="")
    current_location: Mapped[str] = mapped_column(String(300), default="")

    # A prisoner of war's facts, what an exchange needs (empty for the other types). Columns of
    # the case rather than a 1:1 table: the edit form, its three-way merge (EDITABLE_FIELDS),
    # the optimistic version, the audit hook and the bulk list import all work on case_record
    # rows, and a second table would need a second version and a second write path in each.
    # Where the person is held is the other side's word, per exchange: ExchangeLine.where_held.
    service_number: Mapped[str] = mapped_column(String(50), default="")
    rank: Mapped[str] = mapped_column(String(100), default="")
    unit: Mapped[str] = mapped_column(String(200), default="")
    captured_on: Mapped[date | None] = mapped_column(Date)
    place_of_capture: Mapped[str] = mapped_column(String(200), default="")
    health_category: Mapped[str] = mapped_column(String(20), default=HealthCategory.NONE.value)

    # active_history: the status a case leaves decides whether matching must look at it again
    # (identity_changed), so it is loaded before being replaced.
    status: Mapped[str] = mapped_column(
        String(30), default=CaseStatus.NEW.value, index=True, active_history=True
    )
    closure_reason: Mapped[str | None] = mapped_column(String(20))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    archived: Mapped[bool] = mapped_column(default=False)

    # Bumped on every save; a save based on an older version is refused (optimistic locking).
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    # When a field the matcher reads last changed (MATCHED_FIELDS, an alias): an incremental
    # matching run re-links the cases changed since the last run, and a contact, a note or an
    # assignment (which move updated_at and last_activity_at) must not make it re-link them.
    identity_changed_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    source_list: Mapped[SourceList] = relationship(back_populates="cases")
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    duplicate_of: Mapped[Case | None] = relationship(remote_side="Case.id")
    aliases: Mapped[list[CaseAlias]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseAlias.id"
    )
    relatives: Mapped[list[Relative]] = relationship(
        back_populates="case",
        cascade="all, delete-orphan",
        order_by="Relative.id",
        foreign_keys="Relative.case_id",
    )
    contacts: WriteOnlyMapped[ContactLog] = relationship(back_populates="case")
    notes: WriteOnlyMapped[CaseNote] = relationship(back_populates="case")
    events: WriteOnlyMapped[CaseEvent] = relationship(back_populates="case")
    name_keys: WriteOnlyMapped[CaseNameKey] = relationship(
        back_populates="case", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def date_of_birth(self) -> PartialDate | None:
        if self.dob_year is None:
            return None
        return PartialDate(self.dob_year, self.dob_month, self.dob_day)

    @date_of_birth.setter
    def date_of_birth(self, value: PartialDate | None) -> None:
        self.dob_year = value.year if value else None
        self.dob_month = value.month if value else None
        self.dob_day = value.day if value else None

    @hybrid_property
    def is_open(self) -> bool:
        """Still worked on: the queues count these, and the case list's "Open" filter shows
        them (one definition, so that the two always agree)."""
        return self.status != CaseStatus.CLOSED and not self.archived

    @is_open.inplace.expression
    @classmethod
    def _is_open_expression(cls) -> ColumnElement[bool]:
        return and_(cls.status != CaseStatus.CLOSED.value, cls.archived.is_(False))

    def __repr__(self) -> str:
        return f"<Case {self.case_number}>"


# What the matcher reads of a case (app.matching.entities.from_case, with the aliases) and what
# decides whether it is searched at all (app.matching.services, with SEARCHED_STATUSES): a
# change to any of them makes the case "changed" for the next incremental matching run.
MATCHED_FIELDS = frozenset(
    {
        "family_name",
        "given_name",
        "patronymic",
        "family_name_latin",
        "given_name_latin",
        "sex",
        "dob_year",
        "dob_month",
        "dob_day",
        "estimated_age",
        "age_estimated_on",
        "place_of_birth",
        "last_known_place",
        "region",
        "document_number",
        "street_address",
        "postcode",
        "archived",
        "duplicate_of_id",
    }
)
# Statuses in which a case is still looked for: closed and reunified cases are not matched.
SEARCHED_STATUSES = frozenset(
    status.value for status in CaseStatus if status not in (CaseStatus.CLOSED, CaseStatus.REUNIFIED)
)


# The case list filtered by status and sorted by name, a page at a time. The names in the
# alphabet's collation, as the list sorts them (app/alphabet.py, queues.by_name): in plain
# code-point order the index could not serve that sort, and every page sorted the whole status
# again (130 ms for 20,000 new cases on SQLite; 0.6 ms from this index).
Index(
    "ix_case_record_status_name",
    Case.status,
    Case.family_name.collate(NAME_COLLATION),
    Case.given_name.collate(NAME_COLLATION),
    Case.id,
)


def identity_changed(case: Case) -> bool:
    """Whether this pending change of ``case`` touches a field the matcher reads, or moves it
    into or out of the searched statuses (new → under investigation changes nothing)."""
    state = inspect(case)
    if any(state.attrs[name].history.has_changes() for name in MATCHED_FIELDS):
        return True
    status = state.attrs["status"].history
    searched = {value in SEARCHED_STATUSES for value in (*status.deleted, *status.added)}
    return status.has_changes() and searched == {True, False}


@event.listens_for(Session, "before_flush")
def _note_identity_changes(session: Session, flush_context: Any, instances: Any) -> None:
    now = utcnow()
    for obj in session.dirty:
        if isinstance(obj, Case) and identity_changed(obj):
            obj.identity_changed_at = now
    aliases = [
        obj
        for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, CaseAlias)
    ]
    for alias in aliases:
        # A new alias may name its case by id only; the case is then loaded to be marked.
        with session.no_autoflush:
            owner = alias.case if "case" in alias.__dict__ else session.get(Case, alias.case_id)
        if owner is not None and owner not in session.new and owner not in session.deleted:
            owner.identity_changed_at = now


class CaseAlias(Model):
    """Another name the person is known by: a spelling, a diminutive, a surname after adoption."""

    __tablename__ = "case_alias"

    id: Mapped[intpk]
    case_id: Mapped[case_fk]
    kind: Mapped[str] = mapped_column(String(20), default="spelling")
    family_name: Mapped[str] = mapped_column(String(200), default="")
    given_name: Mapped[str] = mapped_column(String(200), default="")
    patronymic: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(String(300), default="")

    case: Mapped[Case] = relationship(back_populates="aliases")


class Relative(Model):
    __tablename__ = "relative"

    id: Mapped[intpk]
    case_id: Mapped[case_fk]
    relationship_kind: Mapped[str] = mapped_column(String(30))
    full_name: Mapped[str] = mapped_column(String(300))
    date_of_birth: Mapped[str] = mapped_column(String(10), default="")  # PartialDate.isoformat()
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    consents_to_contact: Mapped[bool] = mapped_column(default=False)
    is_reporter: Mapped[bool] = mapped_column(default=False)
    linked_case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    notes: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship(back_populates="relatives", foreign_keys="Relative.case_id")
    linked_case: Mapped[Case | None] = relationship(foreign_keys=[linked_case_id])


class ContactLog(Model):
    """Every attempt to reach a relative or an authority."""

    __tablename__ = "contact_log"
    __table_args__ = (Index("ix_contact_log_due", "next_step_due", "next_step_done"),)

    id: Mapped[intpk]
    case_id: Mapped[case_fk]
    relative_id: Mapped[int | None] = mapped_column(ForeignKey("relative.id", ondelete="SET NULL"))
    contacted_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    with_whom: Mapped[str] = mapped_column(String(300), default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    next_step: Mapped[str] = mapped_column(String(500), default="")
    next_step_due: Mapped[date | None] = mapped_column(Date)
    next_step_done: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]

    case: Mapped[Case] = relationship(back_populates="contacts")
    relative: Mapped[Relative | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def whom(self) -> str:
        """Who was reached: the relative on file and what was written in "with whom"."""
        return " ".join(p for p in (self.relative and self.relative.full_name, self.with_whom) if p)


class CaseNote(Model):
    __tablename__ = "case_note"

    id: Mapped[intpk]
    case_id: Mapped[case_fk]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]

    case: Mapped[Case] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship()


class CaseEventKind(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    STATUS_CHANGED = "status_changed"
    TRANSITION_REQUESTED = "transition_requested"
    TRANSITION_REJECTED = "transition_rejected"
    ASSIGNED = "assigned"
    CONTACT = "contact"
    NOTE = "note"
    RELATIVE = "relative"
    ALIAS = "alias"
    MATCH = "match"
    MERGED = "merged"
    ARCHIVED = "archived"
    IMPORTED = "imported"


class ActivityKind(StrEnum):
    """What the case page's activity stream can be narrowed to (its ``activity`` parameter)."""

    ALL = "all"
    CONTACTS = "contacts"
    NOTES = "notes"
    STATUS = "status"
    MATCHES = "matches"

    @classmethod
    def parse(cls, value: str | None) -> ActivityKind:
        """The kind a request asked for; ALL for anything else (a stale or hostile link shows
        the whole stream rather than an error)."""
        try:
            return cls(value or cls.ALL)
        except ValueError:
            return cls.ALL


# The timeline's event kinds behind each filter; ALL is every event, these and the rest.
ACTIVITY_EVENT_KINDS: dict[ActivityKind, tuple[CaseEventKind, ...]] = {
    ActivityKind.CONTACTS: (CaseEventKind.CONTACT,),
    ActivityKind.NOTES: (CaseEventKind.NOTE,),
    ActivityKind.STATUS: (
        CaseEventKind.STATUS_CHANGED,
        CaseEventKind.TRANSITION_REQUESTED,
        CaseEventKind.TRANSITION_REJECTED,
    ),
    ActivityKind.MATCHES: (CaseEventKind.MATCH,),
}


class SystemReason(StrEnum):
    """Why the system changed a status, stored as a code in the event's ``data["why"]`` (with
    its parameters in ``data["why_params"]``) and worded when shown, in the reader's language
    (app.cases.labels.SYSTEM_REASON_LABELS); the event's text keeps what a person wrote. Events
    from before these codes keep their English sentence as text, shown as written."""

    MATCH_CONFIRMED = "match_confirmed"  # the text is the reviewer's reason
    DUPLICATE_OF = "duplicate_of"  # n: the original's case number


class CaseEvent(Model):
    """The case timeline: every change, contact, status change and match, in order."""

    __tablename__ = "case_event"
    __audited__ = False  # it is itself a history; the audit trail records the underlying change
    __table_args__ = (Index("ix_case_event_case_at", "case_id", "at"),)

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(30))
    # Small structured facts (statuses, field names, ids); the template renders them.
    data: Mapped[dict[str, Any] | None]
    text: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class ApprovalState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class TransitionRequest(Model):
    """A status change that waits for a supervisor (closing, reopening, ...)."""

    __tablename__ = "transition_request"
    __table_args__ = (Index("ix_transition_request_state", "state"),)

    id: Mapped[intpk]
    case_id: Mapped[case_fk]
    from_status: Mapped[str] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    closure_reason: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(10), default=ApprovalState.PENDING.value)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[created_at]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class CaseNameKey(Model):
    """Normalised name keys (one per name, alias and spelling) so search uses an index."""

    __tablename__ = "case_name_key"
    __audited__ = False  # derived data, rebuilt from the case on every save
    __table_args__ = (Index("ix_case_name_key_key_case", "key", "case_id"),)

    id: Mapped[intpk]
    case_id: Mapped[case_fk]
    key: Mapped[str] = mapped_column(String(100))

    case: Mapped[Case] = relationship(back_populates="name_keys")


def count_cases_by_progress(source_list_id: int) -> dict[str, int]:
    """How far a list's cases got: one count per status, each case counted once, where a case
    closed as reunified counts as reunified. Closing a reunified case files a success away
    (the workflow's reunified → closed, or a closure with the reason "reunified" straight from
    an open status); counted under "closed", a list's reunified children would seem to vanish
    as their files are closed."""
    progress = case(
        (
            and_(
                Case.status == CaseStatus.CLOSED.value,
                Case.closure_reason == ClosureReason.REUNIFIED.value,
            ),
            CaseStatus.REUNIFIED.value,
        ),
        else_=Case.status,
    ).label("progress")
    rows = db.session.execute(
        select(progress, func.count())
        .where(Case.source_list_id == source_list_id, Case.archived.is_(False))
        .group_by(progress)
    ).all()
    return {status: count for status, count in rows}
