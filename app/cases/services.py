"""Case operations. Each takes the acting user, flushes (never commits) and leaves a trace:
the audit hook records the row changes, and the case timeline records what happened."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Insert, Select, Update, bindparam, delete, insert, select, update
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.audit.models import AuditAction
from app.audit.services import record, record_many
from app.auth.models import User
from app.auth.permissions import Permission, Role
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
from app.cases.models import (
    ACTIVITY_EVENT_KINDS,
    MATCHED_FIELDS,
    ActivityKind,
    ApprovalState,
    Case,
    CaseAlias,
    CaseEvent,
    CaseEventKind,
    CaseNameKey,
    CaseNote,
    CaseStatus,
    ClosureReason,
    ContactLog,
    HealthCategory,
    Relative,
    SourceList,
    SystemReason,
    TransitionRequest,
)
from app.cases.workflow import TransitionError, check_transition, find_transition
from app.database import utcnow
from app.dates import PartialDate, date_problem
from app.extensions import db
from app.formats import date_warning_text
from app.names.keys import keys_for_names

# A person's names as the case holds them (search keys are built from these and the aliases).
NAME_FIELDS = ("family_name", "given_name", "patronymic", "family_name_latin", "given_name_latin")
# A prisoner of war's facts (app.cases.models.Case); the form shows them for that type.
POW_FIELDS = (
    "service_number",
    "rank",
    "unit",
    "captured_on",
    "place_of_capture",
    "health_category",
)
# Fields a caseworker edits on the case form (everything else changes through operations).
EDITABLE_FIELDS = (
    "case_type",
    "priority",
    *NAME_FIELDS,
    "sex",
    "dob_year",
    "dob_month",
    "dob_day",
    "estimated_age",
    "age_estimated_on",
    "place_of_birth",
    "nationality",
    "document_number",
    "street_address",
    "postcode",
    "last_known_place",
    "region",
    "last_seen_on",
    "circumstances",
    *POW_FIELDS,
)


class CaseError(ValueError):
    """A refused operation; the message is for the user. ``field`` names the form field the
    message is about, where there is one, so that the page shows it beside that field."""

    def __init__(self, message: str = "", field: str | None = None):
        super().__init__(message)
        self.field = field


# The case form's fields as case columns. A clash between two editors is decided per field as
# they see it: a date of birth is one field, though three columns.
EDIT_FIELDS: dict[str, tuple[str, ...]] = {
    ("date_of_birth" if column.startswith("dob_") else column): (
        ("dob_year", "dob_month", "dob_day") if column.startswith("dob_") else (column,)
    )
    for column in EDITABLE_FIELDS
}


class Keep(StrEnum):
    """Which value an editor keeps where they and another save changed a field differently."""

    THEIRS = "theirs"
    MINE = "mine"


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def edit_snapshot(case: Case) -> dict[str, Any]:
    """The case's editable columns as JSON carries them: what an edit form starts from, sent
    back with the form so that a later save can tell the editor's changes from other saves'."""
    return {column: _plain(getattr(case, column)) for column in EDITABLE_FIELDS}


@dataclass(frozen=True, slots=True)
class EditMerge:
    """An editor's values merged field by field with the saved case (see :func:`merge_edit`)."""

    changes: dict[str, Any]  # the columns to write: where the editor's value wins
    changed_by_others: list[str]  # fields saved differently since the editor's form was made
    kept: list[str]  # fields the editor did not touch that another save changed: theirs stays
    clashes: list[str]  # fields both changed, to different values
    unresolved: list[str]  # clashes the editor has not yet chosen a value for


def merge_edit(
    base: Mapping[str, Any] | None,
    mine: Mapping[str, Any],
    saved: Mapping[str, Any],
    choices: Mapping[str, str],
    changed_since: Iterable[str] = (),
) -> EditMerge:
    """A three-way merge of one edit, per field of :data:`EDIT_FIELDS`.

    ``base`` holds the columns as the editor's form started from them (None: not known),
    ``mine`` the editor's values (columns they did not send are not edited), ``saved`` the
    case now (both as :func:`edit_snapshot` gives them) and ``choices`` a :class:`Keep` per
    field. A field the editor left as it was keeps the saved value; a field only the editor
    changed takes theirs; a field both changed to different values is a clash, settled only
    by a choice, never silently in either direction. Without a base every difference is a
    clash; ``changed_since`` (columns) then tells which fields other saves changed."""
    changes: dict[str, Any] = {}
    changed_by_others: list[str] = []
    kept: list[str] = []
    clashes: list[str] = []
    unresolved: list[str] = []
    missing = object()
    since = set(changed_since)
    for name, columns in EDIT_FIELDS.items():
        if not all(column in mine for column in columns):
            continue
        ours = tuple(_plain(mine[column]) for column in columns)
        now = tuple(saved[column] for column in columns)
        start = None if base is None else tuple(base.get(column, missing) for column in columns)
        others_changed = start != now if start is not None else bool(since & set(columns))
        if others_changed:
            changed_by_others.append(name)
        if ours == now:
            continue
        if start is not None and start == now:
            changes.update((column, mine[column]) for column in columns)
        elif start is not None and ours == start and name not in choices:
            kept.append(name)
        else:
            clashes.append(name)
            choice = choices.get(name)
            if choice == Keep.MINE:
                changes.update((column, mine[column]) for column in columns)
            elif choice != Keep.THEIRS:
                unresolved.append(name)
    return EditMerge(changes, changed_by_others, kept, clashes, unresolved)


@dataclass(frozen=True, slots=True)
class FieldDifference:
    """One row of the conflict page: a field as saved now and as the editor sent it."""

    name: str
    saved: Any
    yours: Any
    changed_by_other: bool
    clash: bool
    unresolved: bool


class StaleCaseError(CaseError):
    """Someone saved the case after this user opened it, or a clash waits for a choice."""

    def __init__(
        self,
        case: Case,
        merge: EditMerge,
        submitted: Mapping[str, Any],
        base: Mapping[str, Any] | None,
        stale: bool = True,
    ):
        super().__init__(_("Someone else saved this case while you were editing it."))
        # stale: the form was made on an older version (else: a clash still waits for a choice).
        self.stale = stale
        self.case = case
        self.merge = merge
        self.submitted = dict(submitted)
        self.base = base
        self.changed_fields = merge.changed_by_others

    def next_base(self) -> dict[str, Any]:
        """What the conflict page's form starts from: the case as saved now, except that a
        clash keeps the editor's first base, so that saving again asks for a choice still."""
        saved = edit_snapshot(self.case)
        for name in self.merge.clashes:
            for column in EDIT_FIELDS[name]:
                if self.base is not None and column in self.base:
                    saved[column] = self.base[column]
                else:
                    del saved[column]  # not known: a clash until chosen
        return saved

    def differences(self) -> list[FieldDifference]:
        """The fields another save changed and those both changed differently."""
        merge = self.merge
        return [
            FieldDifference(
                name,
                _shown(name, [getattr(self.case, column) for column in columns]),
                _shown(name, [self.submitted.get(column) for column in columns]),
                name in merge.changed_by_others,
                name in merge.clashes,
                name in merge.unresolved,
            )
            for name, columns in EDIT_FIELDS.items()
            if name in merge.changed_by_others or name in merge.clashes
        ]


def _shown(name: str, values: list[Any]) -> Any:
    if name == "date_of_birth":
        return PartialDate(*values).isoformat() if values[0] is not None else None
    return values[0]


def record_case_read(case: Case, page: str | None = None) -> None:
    """Reading a case is recorded: who looked at which child's file, and when; ``page`` names
    a page other than the case page (the printed summary)."""
    record(AuditAction.READ, case, detail={"page": page} if page else None)


def record_relative_read(relative: Relative) -> None:
    """Reading a relative (their phone, address) is recorded like reading the case, whose id
    the event carries so that the case's trail finds it."""
    record(AuditAction.READ, relative, detail={"case_id": relative.case_id})


# --- timeline -----------------------------------------------------------------------------


def add_event(
    case: Case, actor: User | None, kind: CaseEventKind, text: str = "", **data: Any
) -> None:
    """Add an event to the case's timeline, and mark the case active now.

    Both written on the session's connection, not through the ORM: the timeline is only
    appended to (nothing holds its events as objects), and the unit of work's handling of one
    event and of the case's UPDATE was a tenth of posting a contact's Python calls and about a
    quarter of its CPU under load (bench/national.py: 9.5 -> 7 ms a request on SQLite)."""
    now = utcnow()
    connection = db.session.connection()
    connection.execute(
        _add_event_statement(),
        {
            "case_id": case.id,
            "at": now,
            "actor_id": actor.id if actor else None,
            "kind": kind.value,
            "text": text,
            "data": data or None,
        },
    )
    # Activity is not an edit: written without the version check and bump of the case form's
    # optimistic locking, so that a note or a contact neither makes a colleague's open form
    # stale nor fails when two people add one to the same case at once.
    connection.execute(_touch_case_statement(), {"case_id": case.id, "now": now})
    set_committed_value(case, "last_activity_at", now)


@cache
def _add_event_statement() -> Insert:  # built once: see _latest_events_statement
    return insert(CaseEvent.__table__)


@cache
def _touch_case_statement() -> Update:
    table = Case.__table__
    return (
        update(table)
        .where(table.c.id == bindparam("case_id"))
        .values(last_activity_at=bindparam("now"))
    )


def _latest_events(
    case: Case, limit: int, kinds: Iterable[str] | None = None
) -> Sequence[CaseEvent]:
    """The case's latest ``limit`` events (of ``kinds``), newest first, each with its actor."""
    values: dict[str, Any] = {"case_id": case.id, "limit": limit}
    if kinds is not None:
        values["kinds"] = list(kinds)
    return db.session.scalars(_latest_events_statement(kinds is not None), values).all()


# The case page's statements are built once, their values parameters: SQLAlchemy keys a
# statement for its cache of compiled SQL on every execution unless it is the same object
# (which keeps its key); building and keying them was more of the page's Python than running
# them. tests/cases/test_case_page_statements.py checks each still reads what it read.
@cache
def _latest_events_statement(of_kinds: bool) -> Select:
    query = (
        select(CaseEvent)
        .where(CaseEvent.case_id == bindparam("case_id"))
        .options(joinedload(CaseEvent.actor))
    )
    if of_kinds:
        query = query.where(CaseEvent.kind.in_(bindparam("kinds", expanding=True)))
    return query.order_by(CaseEvent.at.desc(), CaseEvent.id.desc()).limit(bindparam("limit"))


def timeline(case: Case, limit: int = 200) -> Sequence[CaseEvent]:
    """The case's latest events, newest first, each with who did it."""
    return _latest_events(case, limit)


@dataclass(frozen=True, slots=True)
class ActivityItem:
    """One line of the activity stream: a timeline event with the note or contact it records
    (None for other kinds, and for events written before they carried the row's id)."""

    event: CaseEvent
    note: CaseNote | None = None
    contact: ContactLog | None = None


@dataclass(frozen=True, slots=True)
class Activity:
    items: list[ActivityItem]
    more: bool  # older items exist beyond ``limit``


def case_activity(case: Case, kind: ActivityKind = ActivityKind.ALL, limit: int = 20) -> Activity:
    """The case's activity stream, newest first: its timeline events of ``kind``, the latest
    ``limit``, each contact and note event with its row so the stream shows what was said.

    Built from the timeline rather than a store of its own: every note, contact, status
    change and match decision already writes an event (:func:`add_event`). At most three
    statements whatever the number of events: the events with their actors, then the notes and
    the contacts they name (none when they name none: an empty IN is a round trip for nothing)."""
    kinds = ACTIVITY_EVENT_KINDS.get(kind)
    events = _latest_events(case, limit + 1, None if kinds is None else [k.value for k in kinds])
    more, events = len(events) > limit, events[:limit]
    note_ids = {_event_ref(event, "note_id") for event in events} - {None}
    contact_ids = {_contact_ref(event) for event in events} - {None}
    notes = (
        {
            note.id: note
            for note in db.session.scalars(
                _activity_notes_statement(), {"case_id": case.id, "ids": list(note_ids)}
            )
        }
        if note_ids
        else {}
    )
    contacts = (
        {
            contact.id: contact
            for contact in db.session.scalars(
                _activity_contacts_statement(), {"case_id": case.id, "ids": list(contact_ids)}
            )
        }
        if contact_ids
        else {}
    )
    items = [
        ActivityItem(
            event,
            note=notes.get(_event_ref(event, "note_id") or 0),
            contact=contacts.get(_contact_ref(event) or 0),
        )
        for event in events
    ]
    return Activity(items, more)


@cache
def _activity_notes_statement() -> Select:  # built once: see _latest_events_statement
    return select(CaseNote).where(
        CaseNote.case_id == bindparam("case_id"), CaseNote.id.in_(bindparam("ids", expanding=True))
    )


@cache
def _activity_contacts_statement() -> Select:  # built once: see _latest_events_statement
    return (
        select(ContactLog)
        .where(
            ContactLog.case_id == bindparam("case_id"),
            ContactLog.id.in_(bindparam("ids", expanding=True)),
        )
        .options(joinedload(ContactLog.relative))
    )


def _event_ref(event: CaseEvent, key: str) -> int | None:
    """An id an event's data names, or None (events are JSON: never trust its type)."""
    value = (event.data or {}).get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _contact_ref(event: CaseEvent) -> int | None:
    """The contact a contact event records: the one logged, or the one whose next step was
    done."""
    return _event_ref(event, "contact_id") or _event_ref(event, "completed_contact_id")


# --- search keys --------------------------------------------------------------------------


def _name_texts(case: Case) -> Iterable[str]:
    for field in NAME_FIELDS:
        value = getattr(case, field)
        if value:
            yield value
    for alias in case.aliases:
        for value in (alias.family_name, alias.given_name, alias.patronymic):
            if value:
                yield value


def refresh_name_keys(case: Case) -> None:
    """Rebuild the normalised search keys of one case (names, Latin spellings, aliases)."""
    db.session.execute(delete(CaseNameKey).where(CaseNameKey.case_id == case.id))
    keys = keys_for_names(_name_texts(case))
    if keys:
        db.session.execute(
            insert(CaseNameKey), [{"case_id": case.id, "key": key} for key in sorted(keys)]
        )


def refresh_name_keys_bulk(case_ids: Iterable[int]) -> None:
    """The same for many cases at once (imports): per chunk of 500 cases one statement to
    load them with their aliases, one to delete their keys and one bulk insert (COPY on
    PostgreSQL), not two statements per case."""
    ids = list(case_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        cases = db.session.scalars(
            select(Case).where(Case.id.in_(chunk)).options(selectinload(Case.aliases))
        ).all()
        db.session.execute(delete(CaseNameKey).where(CaseNameKey.case_id.in_(chunk)))
        insert_rows(
            db.session,
            CaseNameKey.__table__,
            [
                {"case_id": case.id, "key": key}
                for case in cases
                for key in sorted(keys_for_names(_name_texts(case)))
            ],
        )


# --- source lists -------------------------------------------------------------------------


def create_source_list(
    name: str, organisation: str = "", received_on: date | None = None, note: str = ""
) -> SourceList:
    name = name.strip()
    if not name:
        raise CaseError(_("A source list needs a name."))
    if db.session.scalar(select(SourceList.id).where(SourceList.name == name)):
        raise CaseError(_("A source list with this name already exists."))
    source_list = SourceList(
        name=name, organisation=organisation.strip(), received_on=received_on, note=note
    )
    db.session.add(source_list)
    db.session.flush()
    return source_list


def get_or_create_source_list(name: str) -> SourceList:
    existing = db.session.scalar(select(SourceList).where(SourceList.name == name.strip()))
    return existing or create_source_list(name)


# --- cases --------------------------------------------------------------------------------


def _check_fields(fields: Mapping[str, Any], allowed: Iterable[str] = EDITABLE_FIELDS) -> None:
    """The rules every way of writing a case's fields obeys (the form, a list import)."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise CaseError(f"not editable: {', '.join(sorted(unknown))}")
    if fields.get("dob_year") is None and (fields.get("dob_month") or fields.get("dob_day")):
        raise CaseError(_("A birth month or day needs a birth year."))
    if fields.get("dob_day") and not fields.get("dob_month"):
        raise CaseError(_("A birth day needs a birth month."))
    if "health_category" in fields and fields["health_category"] not in set(HealthCategory):
        raise CaseError(_("Choose a health category from the list."), "health_category")
    if fields.get("dob_year"):
        problem = date_problem(fields["dob_year"], fields.get("dob_month"), fields.get("dob_day"))
        if problem:
            raise CaseError(_("Date of birth: %(problem)s", problem=date_warning_text(problem)))


def _first_assignee(actor: User | None) -> int | None:
    """A caseworker who opens a case (in the form or from a list) is assigned to it."""
    return actor.id if actor is not None and actor.role == Role.CASEWORKER else None


def open_case(
    source_list: SourceList, actor: User, external_id: str | None = None, **fields: Any
) -> Case:
    """Create a case. A caseworker who opens a case is assigned to it."""
    _check_fields(fields)
    external_id = (external_id or "").strip() or None
    if external_id and db.session.scalar(
        select(Case.id).where(
            Case.source_list_id == source_list.id, Case.external_id == external_id
        )
    ):
        raise CaseError(_("This source list already has a case with number %(n)s.", n=external_id))
    case = Case(
        source_list_id=source_list.id,
        external_id=external_id,
        assigned_to_id=_first_assignee(actor),
        **fields,
    )
    db.session.add(case)
    db.session.flush()
    add_event(case, actor, CaseEventKind.CREATED)
    refresh_name_keys(case)
    return case


def update_case(
    case: Case,
    actor: User,
    changes: Mapping[str, Any],
    expected_version: int,
    base: Mapping[str, Any] | None = None,
    choices: Mapping[str, str] | None = None,
) -> list[str]:
    """Apply the form's values, merged with the saves made since the form was opened
    (:func:`merge_edit`; ``base``: the columns the form started from).

    Refuses with :class:`StaleCaseError` a save based on an older version of the case (the
    person sees the merge before it is saved) and a save that leaves a clash unchosen."""
    _check_fields(changes)
    merge = _merge(case, changes, expected_version, base, choices or {})
    stale = case.version != expected_version
    if stale or merge.unresolved:
        raise StaleCaseError(case, merge, changes, base, stale)
    changed = [f for f, v in merge.changes.items() if getattr(case, f) != v]
    if not changed:
        return []
    for field in changed:
        setattr(case, field, changes[field])
    add_event(case, actor, CaseEventKind.UPDATED, fields=changed, version=case.version + 1)
    db.session.flush()  # bumps the version; a concurrent save in between raises StaleDataError
    if set(changed) & set(NAME_FIELDS):
        refresh_name_keys(case)
    return changed


def _merge(
    case: Case,
    changes: Mapping[str, Any],
    version: int,
    base: Mapping[str, Any] | None,
    choices: Mapping[str, str],
) -> EditMerge:
    stale = case.version != version
    if base is None and not stale:
        base = edit_snapshot(case)  # without a base, the version vouches for the form's start
    since = _fields_changed_since(case, version) if base is None else ()
    # A choice was made against the values the page showed; after a further save it is moot.
    return merge_edit(base, changes, edit_snapshot(case), {} if stale else choices, since)


def stale_edit(
    case: Case, changes: Mapping[str, Any], version: int, base: Mapping[str, Any] | None
) -> StaleCaseError:
    """The conflict to show for an edit based on ``version`` that lost a race with another
    save past the version check (the database refused it: StaleDataError)."""
    return StaleCaseError(case, _merge(case, changes, version, base, {}), changes, base)


def _fields_changed_since(case: Case, version: int) -> list[str]:
    """Field names changed by the saves after ``version``, read from the timeline."""
    events = db.session.scalars(
        case.events.select().where(CaseEvent.kind == CaseEventKind.UPDATED.value)
    ).all()
    changed: set[str] = set()
    for event in events:
        data = event.data or {}
        if data.get("version", 0) > version:
            changed.update(data.get("fields", []))
    return sorted(changed)


# --- cases from a list (imports) ---------------------------------------------------------

# The columns a list import may fill: the form's fields and where the person is now.
LIST_FIELDS = (*EDITABLE_FIELDS, "current_location")


@dataclass(slots=True)
class CaseRow:
    """One case as a list gives it: its number on the list, the case columns the list has
    (:data:`LIST_FIELDS`), and the relatives it names ({relationship_kind, full_name, phone})."""

    line_number: int
    external_id: str
    values: dict[str, Any]
    relatives: list[dict[str, str]] = dataclasses.field(default_factory=list)


_CASES = Case.__table__
_CASE_LIMITS = string_limits(_CASES, ("external_id", *LIST_FIELDS))


def open_cases(
    source_list: SourceList,
    actor: User | None,
    rows: list[CaseRow],
    *,
    batch_id: int,
    seen: dict[str, int],
) -> list[RowWritten]:
    """Open the cases a list names, or bring up to date those it named before: the rules of
    :func:`open_case` and :func:`update_case` (field checks, first assignee, timeline), in bulk
    Core statements so that a list of thousands takes seconds.

    New cases get their relatives, an IMPORTED event (batch and line) and search keys; changed
    cases a new version, an UPDATED event naming the fields, and fresh search keys. Only the
    columns in each row's ``values`` are written: a list without a column wipes nothing.
    ``seen`` maps the list numbers already written by this import to their line (a number
    twice in one file is a duplicate; the first wins). Returns one outcome per row."""
    t = _CASES
    columns = sorted({column for row in rows for column in row.values})
    existing = {
        row.external_id: row
        for row in db.session.execute(
            select(
                t.c.id,
                t.c.external_id,
                t.c.version,
                t.c.identity_changed_at,
                *(t.c[c] for c in columns),
            ).where(
                t.c.source_list_id == source_list.id,
                t.c.external_id.in_({row.external_id for row in rows}),
            )
        )
    }
    now = utcnow()
    results: list[RowWritten] = []
    new_rows: dict[str, CaseRow] = {}
    updates: list[tuple[Any, CaseRow, list[str]]] = []
    for row in rows:
        refused = _refusal(row)
        if refused is not None:
            results.append(refused)
            continue
        if row.external_id in seen:
            first = seen[row.external_id]
            results.append(RowWritten(Written.DUPLICATE, "external_id", first_line=first))
            continue
        seen[row.external_id] = row.line_number
        old = existing.get(row.external_id)
        if old is None:
            new_rows[row.external_id] = row
            results.append(CREATED)
            continue
        changed = [c for c, value in row.values.items() if getattr(old, c) != value]
        if changed:
            updates.append((old, row, changed))
        results.append(UPDATED if changed else UNCHANGED)
    if new_rows:
        _insert_cases(source_list, actor, list(new_rows.values()), batch_id, now)
    if updates:
        _update_cases(actor, updates, batch_id, now)
    return results


def _refusal(row: CaseRow) -> RowWritten | None:
    try:
        _check_fields(row.values, allowed=LIST_FIELDS)
    except CaseError as error:
        return RowWritten(Written.REFUSED, error.field or "date_of_birth", str(error))
    return too_long(row.external_id, row.values, _CASE_LIMITS)


def _insert_cases(
    source_list: SourceList, actor: User | None, rows: list[CaseRow], batch_id: int, now: Any
) -> None:
    t = _CASES
    assignee = _first_assignee(actor)
    for chunk in _by_columns(rows):
        db.session.execute(
            insert(t),
            [
                {
                    **row.values,
                    "source_list_id": source_list.id,
                    "external_id": row.external_id,
                    "assigned_to_id": assignee,
                    "created_at": now,
                    "updated_at": now,
                    "last_activity_at": now,
                }
                for row in chunk
            ],
        )
    new_ids: dict[str, int] = dict(
        db.session.execute(
            select(t.c.external_id, t.c.id).where(
                t.c.source_list_id == source_list.id,
                t.c.external_id.in_([row.external_id for row in rows]),
            )
        )
        .tuples()
        .all()
    )
    relatives = [
        {**relative, "case_id": new_ids[row.external_id]}
        for row in rows
        for relative in row.relatives
    ]
    if relatives:
        db.session.execute(insert(Relative.__table__), relatives)
    _add_events(
        actor,
        CaseEventKind.IMPORTED,
        [
            (new_ids[row.external_id], {"batch_id": batch_id, "line": row.line_number})
            for row in rows
        ],
        now,
    )
    # Core inserts bypass the audit flush hook: the trail gets what a form's save would write.
    record_many(
        AuditAction.CREATE,
        Case.__tablename__,
        [(new_ids[row.external_id], sorted(row.values), {"batch_id": batch_id}) for row in rows],
        actor_id=actor.id if actor is not None else None,
    )
    refresh_name_keys_bulk(new_ids.values())


def _update_cases(
    actor: User | None, updates: list[tuple[Any, CaseRow, list[str]]], batch_id: int, now: Any
) -> None:
    t = _CASES
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for old, row, changed in updates:
        values = {f"v_{column}": value for column, value in row.values.items()}
        # Only a change the matcher reads makes the case "changed" for the next matching run.
        touched = MATCHED_FIELDS.intersection(changed) or "status" in changed
        identity_at = now if touched else old.identity_changed_at
        by_columns.setdefault(tuple(sorted(row.values)), []).append(
            {"b_id": old.id, "b_identity_at": identity_at, **values}
        )
    for columns, params in by_columns.items():
        # The version bump is what the form's optimistic locking relies on.
        statement = (
            update(t)
            .where(t.c.id == bindparam("b_id"))
            .values(
                {
                    **{column: bindparam(f"v_{column}") for column in columns},
                    "version": t.c.version + 1,
                    "updated_at": now,
                    "last_activity_at": now,
                    "identity_changed_at": bindparam("b_identity_at"),
                }
            )
        )
        db.session.execute(statement, params)
    _add_events(
        actor,
        CaseEventKind.UPDATED,
        [
            (
                old.id,
                {"fields": changed, "version": old.version + 1, "batch_id": batch_id,
                 "line": row.line_number},
            )
            for old, row, changed in updates
        ],
        now,
    )  # fmt: skip
    # As an edit in the form: who changed which fields of the case (names, never values).
    record_many(
        AuditAction.UPDATE,
        Case.__tablename__,
        [(old.id, sorted(changed), {"batch_id": batch_id}) for old, _row, changed in updates],
        actor_id=actor.id if actor is not None else None,
    )
    refresh_name_keys_bulk(old.id for old, _row, _changed in updates)


def _by_columns(rows: list[CaseRow]) -> Iterator[list[CaseRow]]:
    """Rows grouped by the columns they give (an executemany needs one set of columns)."""
    groups: dict[tuple[str, ...], list[CaseRow]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row.values)), []).append(row)
    yield from groups.values()


def _add_events(
    actor: User | None, kind: CaseEventKind, events: list[tuple[int, dict[str, Any]]], now: Any
) -> None:
    """Timeline events for many cases at once (the bulk twin of :func:`add_event`)."""
    if events:
        db.session.execute(
            insert(CaseEvent.__table__),
            [
                {
                    "case_id": case_id,
                    "at": now,
                    "actor_id": actor.id if actor is not None else None,
                    "kind": kind.value,
                    "data": data,
                    "text": "",
                }
                for case_id, data in events
            ],
        )


def add_alias(
    case: Case,
    actor: User,
    kind: str,
    family_name: str,
    given_name: str,
    patronymic: str = "",
    note: str = "",
) -> CaseAlias:
    if not (family_name.strip() or given_name.strip() or patronymic.strip()):
        raise CaseError(_("An alias needs at least one name."), field="family_name")
    alias = CaseAlias(
        case=case,
        kind=kind,
        family_name=family_name.strip(),
        given_name=given_name.strip(),
        patronymic=patronymic.strip(),
        note=note,
    )
    db.session.add(alias)
    db.session.flush()
    add_event(case, actor, CaseEventKind.ALIAS, alias_kind=kind)
    refresh_name_keys(case)
    return alias


def add_relative(case: Case, actor: User, **fields: Any) -> Relative:
    if not (fields.get("full_name") or "").strip():
        raise CaseError(_("A relative needs a name."), field="full_name")
    relative = Relative(case=case, **fields)
    db.session.add(relative)
    db.session.flush()
    add_event(case, actor, CaseEventKind.RELATIVE, relationship=relative.relationship_kind)
    return relative


def update_relative(relative: Relative, actor: User, **fields: Any) -> list[str]:
    """Change a relative's details (consent and phone numbers change over time)."""
    if not (fields.get("full_name") or "").strip():
        raise CaseError(_("A relative needs a name."), field="full_name")
    changed = [f for f, v in fields.items() if getattr(relative, f) != v]
    for field in changed:
        setattr(relative, field, fields[field])
    if changed:
        add_event(
            relative.case,
            actor,
            CaseEventKind.RELATIVE,
            relationship=relative.relationship_kind,
            fields=changed,
        )
    return changed


def link_siblings(case: Case, other: Case, actor: User) -> None:
    """Siblings who are both cases point at each other (a sibling relative on each side)."""
    if case.id == other.id:
        raise CaseError(_("A case cannot be its own sibling."), field="case_number")
    for this, that in ((case, other), (other, case)):
        already = db.session.scalar(
            select(Relative.id).where(
                Relative.case_id == this.id, Relative.linked_case_id == that.id
            )
        )
        if not already:
            db.session.add(
                Relative(
                    case=this,
                    relationship_kind="sibling",
                    full_name=that.display_name,
                    linked_case_id=that.id,
                )
            )
            add_event(
                this,
                actor,
                CaseEventKind.RELATIVE,
                relationship="sibling",
                linked_case=that.case_number,
            )
    db.session.flush()


def log_contact(case: Case, actor: User, **fields: Any) -> ContactLog:
    if fields.get("next_step_due") and not (fields.get("next_step") or "").strip():
        raise CaseError(_("A due date needs a next step."), field="next_step")
    contact = ContactLog(case_id=case.id, created_by_id=actor.id, **fields)
    db.session.add(contact)
    db.session.flush()
    add_event(case, actor, CaseEventKind.CONTACT, channel=contact.channel, contact_id=contact.id)
    return contact


def complete_next_step(contact: ContactLog, actor: User) -> None:
    contact.next_step_done = True
    add_event(contact.case, actor, CaseEventKind.CONTACT, completed_contact_id=contact.id)


def case_contacts(case: Case) -> Sequence[ContactLog]:
    """The case's contacts, latest first."""
    return db.session.scalars(_case_contacts_statement(), {"case_id": case.id}).all()


@cache
def _case_contacts_statement() -> Select:  # built once: see _latest_events_statement
    return (
        select(ContactLog)
        .where(ContactLog.case_id == bindparam("case_id"))
        .order_by(ContactLog.contacted_on.desc(), ContactLog.id.desc())
    )


@dataclass(frozen=True, slots=True)
class NextStep:
    contact: ContactLog
    overdue: bool


def next_open_step(contacts: Iterable[ContactLog], today: date) -> NextStep | None:
    """The open next step to do first, from a case's contacts: the earliest due (as the
    caseworker's list sorts them), else the oldest one without a date. Overdue when its due
    date has passed; a step due today is not yet overdue."""
    open_steps = [c for c in contacts if c.next_step and not c.next_step_done]
    if not open_steps:
        return None
    first = min(open_steps, key=lambda c: (c.next_step_due is None, c.next_step_due or today, c.id))
    return NextStep(first, first.next_step_due is not None and first.next_step_due < today)


def case_notes(case: Case) -> Sequence[CaseNote]:
    """The case's notes, newest first, each with its author."""
    return db.session.scalars(
        case.notes.select().options(joinedload(CaseNote.author)).order_by(CaseNote.id.desc())
    ).all()


def add_note(case: Case, actor: User, body: str) -> CaseNote:
    if not body.strip():
        raise CaseError(_("The note is empty."), field="body")
    note = CaseNote(case=case, author_id=actor.id, body=body.strip())
    db.session.add(note)
    db.session.flush()
    add_event(case, actor, CaseEventKind.NOTE, note_id=note.id)
    return note


# --- workflow -----------------------------------------------------------------------------


def pending_request(case: Case) -> TransitionRequest | None:
    return db.session.scalar(_pending_request_statement(), {"case_id": case.id})


@cache
def _pending_request_statement() -> Select:  # built once: see _latest_events_statement
    return select(TransitionRequest).where(
        TransitionRequest.case_id == bindparam("case_id"),
        TransitionRequest.state == ApprovalState.PENDING.value,
    )


def _apply_status(
    case: Case,
    actor: User,
    target: str,
    closure_reason: str | None,
    reason: str,
    approved_by: User | None = None,
    why: SystemReason | None = None,
    why_params: dict[str, Any] | None = None,
) -> None:
    """``why``: the system's reason, a code worded when shown (``reason`` is then what a person
    wrote, if anything)."""
    source = case.status
    case.status = target
    case.closure_reason = closure_reason if target == CaseStatus.CLOSED else None
    add_event(
        case,
        actor,
        CaseEventKind.STATUS_CHANGED,
        text=reason,
        source=source,
        target=target,
        closure_reason=closure_reason,
        approved_by=approved_by.id if approved_by else None,
        **({"why": why.value, "why_params": why_params or {}} if why else {}),
    )
    record(AuditAction.STATUS_CHANGE, case, detail={"from": source, "to": target})


def change_status(
    case: Case,
    actor: User,
    target: str,
    reason: str = "",
    closure_reason: str | None = None,
    why: SystemReason | None = None,
) -> TransitionRequest | None:
    """Move the case along the workflow. Returns the pending request when approval is needed."""
    transition = check_transition(case.status, target, reason, closure_reason)
    if pending_request(case) is not None:
        raise TransitionError(_("This case already has a status change waiting for approval."))
    if transition.needs_approval and not actor.can(Permission.CASE_APPROVE):
        request = TransitionRequest(
            case_id=case.id,
            from_status=case.status,
            to_status=target,
            closure_reason=closure_reason,
            reason=reason.strip(),
            requested_by_id=actor.id,
        )
        db.session.add(request)
        db.session.flush()
        add_event(
            case,
            actor,
            CaseEventKind.TRANSITION_REQUESTED,
            text=reason,
            source=case.status,
            target=target,
            closure_reason=closure_reason,
        )
        return request
    approved_by = actor if transition.needs_approval else None
    _apply_status(case, actor, target, closure_reason, reason.strip(), approved_by, why)
    return None


def advance_while_free(
    case: Case,
    actor: User,
    path: list[CaseStatus],
    reason: str,
    why: SystemReason | None = None,
) -> None:
    """Move a case forward along ``path`` (for example new -> under investigation -> located)
    through :func:`change_status`, as far as steps need no approval and no change is waiting
    for one; stop quietly where the workflow says otherwise."""
    while case.status in path[:-1]:
        target = path[path.index(CaseStatus(case.status)) + 1]
        transition = find_transition(case.status, target)
        if transition is None or transition.needs_approval or pending_request(case) is not None:
            return
        change_status(case, actor, target.value, reason, why=why)


def decide_transition(
    request: TransitionRequest, actor: User, approve: bool, note: str = ""
) -> None:
    """A supervisor approves or rejects a pending status change."""
    if request.state != ApprovalState.PENDING:
        raise TransitionError(_("This request was already decided."))
    case = request.case
    if approve:
        if case.status != request.from_status:
            raise TransitionError(_("The case changed status since the request; ask again."))
        check_transition(case.status, request.to_status, request.reason, request.closure_reason)
        _apply_status(
            case,
            actor,
            request.to_status,
            request.closure_reason,
            request.reason,
            approved_by=actor,
        )
    else:
        add_event(
            case,
            actor,
            CaseEventKind.TRANSITION_REJECTED,
            text=note,
            source=request.from_status,
            target=request.to_status,
        )
    request.state = (ApprovalState.APPROVED if approve else ApprovalState.REJECTED).value
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    request.decision_note = note.strip()
    record(AuditAction.APPROVE if approve else AuditAction.REJECT, request)


# --- assignment, duplicates, archive --------------------------------------------------------


def assign_cases(case_ids: Iterable[int], assignee: User | None, actor: User) -> int:
    """Assign (or, with None, unassign) cases; returns how many changed."""
    if assignee is not None and not (assignee.active and assignee.can(Permission.CASE_EDIT)):
        raise CaseError(_("Cases can only be assigned to active caseworkers or supervisors."))
    cases = db.session.scalars(select(Case).where(Case.id.in_(list(case_ids)))).all()
    changed = 0
    for case in cases:
        if case.assigned_to_id == (assignee.id if assignee else None):
            continue
        case.assigned_to_id = assignee.id if assignee else None
        add_event(case, actor, CaseEventKind.ASSIGNED, assignee=assignee.name if assignee else None)
        changed += 1
    if changed:
        record(
            AuditAction.ASSIGN,
            object_type="case_record",
            detail={"cases": changed, "assignee": assignee.id if assignee else None},
        )
    db.session.flush()
    return changed


def mark_duplicate(duplicate: Case, original: Case, actor: User, reason: str = "") -> None:
    """Merge: the duplicate is closed as such (through the workflow, approved by ``actor``, who
    holds the approval permission) and points at the original; both keep their histories, and
    the original learns the duplicate's names as aliases so search finds it."""
    if duplicate.id == original.id:
        raise CaseError(_("A case cannot be a duplicate of itself."), field="case_number")
    if original.duplicate_of_id:
        raise CaseError(_("The original is itself marked as a duplicate."), field="case_number")
    if not actor.can(Permission.CASE_APPROVE):
        raise CaseError(_("Only a supervisor can merge cases."))
    # Without a reason of their own, the system's is stored as a code (shown translated).
    reason = reason.strip()
    why = None if reason else SystemReason.DUPLICATE_OF
    if duplicate.status != CaseStatus.CLOSED:
        if pending_request(duplicate) is not None:
            raise CaseError(_("This case already has a status change waiting for approval."))
        try:
            # The system's reason stands in for a person's: closing needs one.
            given = reason or str(why)
            check_transition(duplicate.status, CaseStatus.CLOSED, given, ClosureReason.DUPLICATE)
        except TransitionError as error:
            raise CaseError(str(error)) from error
        _apply_status(
            duplicate,
            actor,
            CaseStatus.CLOSED.value,
            ClosureReason.DUPLICATE.value,
            reason,
            approved_by=actor,
            why=why,
            why_params={"n": original.case_number},
        )
    duplicate.duplicate_of_id = original.id
    known = {(a.family_name, a.given_name, a.patronymic) for a in original.aliases}
    known.add((original.family_name, original.given_name, original.patronymic))
    names = (duplicate.family_name, duplicate.given_name, duplicate.patronymic)
    if any(names) and names not in known:
        db.session.add(
            CaseAlias(
                case=original,
                kind="spelling",
                family_name=names[0],
                given_name=names[1],
                patronymic=names[2],
                note=duplicate.case_number,
            )
        )
    for relative in duplicate.relatives:
        if relative.linked_case_id is None:
            db.session.add(
                Relative(
                    case=original,
                    relationship_kind=relative.relationship_kind,
                    full_name=relative.full_name,
                    date_of_birth=relative.date_of_birth,
                    address=relative.address,
                    phone=relative.phone,
                    email=relative.email,
                    consents_to_contact=relative.consents_to_contact,
                    is_reporter=relative.is_reporter,
                    notes=_("Copied from %(n)s", n=duplicate.case_number),
                )
            )
    add_event(duplicate, actor, CaseEventKind.MERGED, text=reason, into=original.case_number)
    add_event(original, actor, CaseEventKind.MERGED, text=reason, merged=duplicate.case_number)
    record(AuditAction.MERGE, duplicate, detail={"into": original.id})
    db.session.flush()
    refresh_name_keys(original)


def archive_case(case: Case, actor: User, reason: str) -> None:
    if not reason.strip():
        raise CaseError(_("Write down why the case is archived."), field="reason")
    case.archived = True
    add_event(case, actor, CaseEventKind.ARCHIVED, text=reason.strip())
