"""People decide: confirm, reject, approve. The engine only proposes.

The rules (README "Matching"):

* A caseworker confirms or rejects a candidate of a case they may edit, always with a reason.
* A caseworker's confirmation waits for a supervisor's approval; a supervisor's own
  confirmation needs none (they hold the approval permission). Refusing an approval sends the
  pair back to "proposed" with the supervisor's note.
* Once confirmed, a partner record is linked to the case: its current location (and
  institution) is written on the case, the timeline says so, and the case moves to "located"
  when the confirmer asked for it and the workflow allows it without another approval.
  Two cases confirmed as the same person are merged by the cases rule
  (:func:`app.cases.services.mark_duplicate`): the newer becomes a duplicate of the older.
* A rejected pair stays stored as rejected, so no later run proposes it again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, ClassVar, cast

import orjson
from flask_babel import gettext as _
from sqlalchemy import CursorResult, Integer, Select, Text, bindparam, func, or_, select, update
from sqlalchemy import case as sql_case  # this module's cases are the people's
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.auth.models import User
from app.auth.permissions import Permission
from app.cases.access import Assigned, can_edit_case, can_read_case
from app.cases.models import Case, CaseEventKind, CaseStatus, SystemReason, format_case_number
from app.cases.services import CaseError, add_event, advance_while_free, mark_duplicate
from app.database import utcnow
from app.extensions import db
from app.matching.models import CandidateStatus, MatchCandidate
from app.names.text import person_name
from app.records.models import PartnerRecord, PartnerSource
from app.sorting import Sort, ordering, parse_sort

__all__ = [
    "CaseCandidate",
    "Counterpart",
    "HiddenDuplicate",
    "LinkedRecord",
    "MatchError",
    "QueueRow",
    "approval_queue",
    "can_review",
    "can_see",
    "case_candidates",
    "case_candidates_for",
    "case_page_candidates",
    "confirm",
    "decide",
    "linked_records",
    "linked_records_among",
    "queue_rows",
    "queue_sort",
    "reject",
    "review_queue",
    "review_queue_reading",
]


class MatchError(CaseError):
    """A refused review action; the message is for the user."""


# --- access -------------------------------------------------------------------------------


def _cases(candidate: MatchCandidate) -> list[Case]:
    return [c for c in (candidate.case, candidate.other_case) if c is not None]


def can_see(user: User, candidate: MatchCandidate) -> bool:
    """Every case of the pair must be readable: a duplicate pair shows both children."""
    return _reads_all(user, _cases(candidate))


def _reads_all(user: User, cases: Iterable[Assigned]) -> bool:
    return user.can(Permission.MATCH_REVIEW) and all(can_read_case(user, c) for c in cases)


def can_review(user: User, candidate: MatchCandidate) -> bool:
    return can_see(user, candidate) and all(can_edit_case(user, c) for c in _cases(candidate))


# --- decisions ----------------------------------------------------------------------------


def _claim(candidate: MatchCandidate) -> None:
    """Take the decision only if the pair is still as this user saw it: two people deciding
    one match at once must not silently overwrite each other. The update locks the row
    (PostgreSQL) or waits for the one writer (SQLite); the later of two finds it changed."""
    claimed = db.session.execute(
        update(MatchCandidate)
        .where(MatchCandidate.id == candidate.id, MatchCandidate.status == candidate.status)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    # Session.execute() is typed to return a Result; an UPDATE's is a CursorResult.
    if cast(CursorResult[Any], claimed).rowcount != 1:
        raise MatchError(_("Someone else decided this match in the meantime; reload the page."))


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise MatchError(_("Write down the reason for your decision."))
    return reason


def confirm(
    candidate: MatchCandidate, actor: User, reason: str, advance_status: bool = True
) -> None:
    """The same person. Waits for approval unless the actor may approve."""
    if not can_review(actor, candidate):
        raise MatchError(_("You may not review this match."))
    if candidate.status != CandidateStatus.PROPOSED:
        raise MatchError(_("This match has already been decided."))
    candidate.review_reason = _require_reason(reason)
    _claim(candidate)
    candidate.reviewed_by_id = actor.id
    candidate.reviewed_at = utcnow()
    candidate.advance_status = advance_status
    if actor.can(Permission.MATCH_APPROVE):
        _apply(candidate, actor, approved_by=actor)
    else:
        candidate.status = CandidateStatus.AWAITING_APPROVAL.value
        _on_timelines(candidate, actor, "awaiting_approval", candidate.review_reason)
    db.session.flush()


def reject(candidate: MatchCandidate, actor: User, reason: str) -> None:
    """Not the same person: stored as rejected, never proposed again."""
    if not can_review(actor, candidate):
        raise MatchError(_("You may not review this match."))
    if candidate.status == CandidateStatus.CONFIRMED:
        raise MatchError(_("This match has already been confirmed."))
    if candidate.status == CandidateStatus.REJECTED:
        raise MatchError(_("This match has already been decided."))
    if candidate.status == CandidateStatus.AWAITING_APPROVAL and not actor.can(
        Permission.MATCH_APPROVE
    ):
        raise MatchError(_("This match is waiting for a supervisor's approval."))
    candidate.review_reason = _require_reason(reason)
    _claim(candidate)
    candidate.status = CandidateStatus.REJECTED.value
    candidate.rank = 0  # ranks order the live candidates only
    candidate.reviewed_by_id = actor.id
    candidate.reviewed_at = utcnow()
    _on_timelines(candidate, actor, "rejected", candidate.review_reason)
    db.session.flush()


def decide(candidate: MatchCandidate, actor: User, approve: bool, note: str = "") -> None:
    """A supervisor approves a caseworker's confirmation, or sends it back."""
    if not actor.can(Permission.MATCH_APPROVE) or not can_see(actor, candidate):
        raise MatchError(_("You may not approve matches."))
    if candidate.status != CandidateStatus.AWAITING_APPROVAL:
        raise MatchError(_("This match is not waiting for approval."))
    _claim(candidate)
    candidate.decision_note = (note or "").strip()
    if approve:
        _apply(candidate, actor, approved_by=actor)
    else:
        candidate.status = CandidateStatus.PROPOSED.value
        candidate.decided_by_id = actor.id
        candidate.decided_at = utcnow()
        _on_timelines(candidate, actor, "sent_back", candidate.decision_note)
    db.session.flush()


def _on_timelines(candidate: MatchCandidate, actor: User, state: str, text: str) -> None:
    """What happened to the match, on the timeline of each case of the pair."""
    for case in _cases(candidate):
        add_event(case, actor, CaseEventKind.MATCH, text=text, candidate=candidate.id, state=state)


# A confirmed record says where the person is: the case steps forward to "located".
_TO_LOCATED = [CaseStatus.NEW, CaseStatus.UNDER_INVESTIGATION, CaseStatus.LOCATED]


def _apply(candidate: MatchCandidate, actor: User, approved_by: User) -> None:
    candidate.status = CandidateStatus.CONFIRMED.value
    candidate.decided_by_id = approved_by.id
    candidate.decided_at = utcnow()
    reason = candidate.review_reason
    if candidate.record is not None:
        record = candidate.record
        case = candidate.case
        where = ", ".join(p for p in (record.current_location, record.institution) if p)
        if where:
            case.current_location = where[:300]
        add_event(
            case, actor, CaseEventKind.MATCH, text=reason, candidate=candidate.id,
            state="confirmed", record=record.id, source=record.source.name,
        )  # fmt: skip
        if candidate.advance_status:
            advance_while_free(case, actor, _TO_LOCATED, reason, SystemReason.MATCH_CONFIRMED)
        return
    older, newer = candidate.case, candidate.other_case
    _on_timelines(candidate, actor, "confirmed", reason)
    if newer is not None and newer.duplicate_of_id is None:
        mark_duplicate(newer, older, actor, reason)


# --- lists --------------------------------------------------------------------------------

_BEST_FIRST = (MatchCandidate.score.desc(), MatchCandidate.id)

# The queue's sortable columns: by score (best first by default) or by case, best first within
# each (``-score`` reverses the tie-breaker too, so a page boundary splits rows the same way).
QUEUE_SORTS = {
    "score": (MatchCandidate.score, MatchCandidate.id),
    "case": (MatchCandidate.case_id, MatchCandidate.score, MatchCandidate.id),
}
DEFAULT_QUEUE_SORT = "-score"


def queue_sort(value: str | None) -> Sort:
    """The match queue's order from its ``sort`` parameter; anything unknown is best first."""
    return parse_sort(value, QUEUE_SORTS, DEFAULT_QUEUE_SORT)


def case_candidates(case: Case) -> list[MatchCandidate]:
    """Every candidate of a case (records and other cases), best first."""
    return list(db.session.scalars(_case_candidates_statement(), {"case_id": case.id}))


@cache
def _case_candidates_statement() -> Select:
    # Built once, the case a parameter: SQLAlchemy keys a statement for its cache of compiled
    # SQL on every execution unless it is the same object (the key is kept on the statement);
    # with its loader options, building and keying this one was more Python than running it.
    case_id = bindparam("case_id", type_=Integer)
    return (
        select(MatchCandidate)
        .where(or_(MatchCandidate.case_id == case_id, MatchCandidate.other_case_id == case_id))
        .options(
            joinedload(MatchCandidate.record).joinedload(PartnerRecord.source),
            selectinload(MatchCandidate.case),
            selectinload(MatchCandidate.other_case),
        )
        .order_by(*_BEST_FIRST)
    )


@dataclass(frozen=True, slots=True)
class HiddenDuplicate:
    """A possible duplicate of a case in another case that the reader may not open: that it
    exists, how strong the match is and whom to ask (``ask``: the other case's caseworker, or
    None for "a supervisor"), and nothing of the other child: no name, date, place or case
    number, not even the engine's explanation, which quotes them."""

    id: int
    score: float
    likely: bool
    status: str
    ask: str | None

    @property
    def band(self) -> str:
        return "likely" if self.likely else "possible"


def case_candidates_for(
    user: User, case: Case
) -> tuple[list[CaseCandidate], list[HiddenDuplicate]]:
    """The candidates of ``case`` as ``user`` may see them on its page: the pairs whose every
    case they may read, best first, and the possible duplicates in cases they may not open,
    reduced to :class:`HiddenDuplicate` (a settled rejection among those is left out: nobody
    need ask)."""
    shown: list[CaseCandidate] = []
    hidden: list[HiddenDuplicate] = []
    for candidate in case_page_candidates(case):
        # A record candidate of a case the user reads is always visible: only a pair of cases
        # can be hidden. The rule of can_see, for the rows the page reads.
        counterpart = candidate.counterpart
        if _reads_all(user, (case,) if counterpart is None else (case, counterpart)):
            shown.append(candidate)
        elif candidate.status != CandidateStatus.REJECTED:
            hidden.append(
                HiddenDuplicate(
                    id=candidate.id,
                    score=candidate.score,
                    likely=candidate.likely,
                    status=candidate.status,
                    ask=counterpart.owner if counterpart is not None else None,
                )
            )
    return shown, hidden


def linked_records(case: Case) -> list[PartnerRecord]:
    return list(
        db.session.scalars(
            select(PartnerRecord)
            .join(MatchCandidate, MatchCandidate.record_id == PartnerRecord.id)
            .where(
                MatchCandidate.case_id == case.id,
                MatchCandidate.status == CandidateStatus.CONFIRMED.value,
            )
            .order_by(MatchCandidate.decided_at)
        )
    )


def linked_records_among(
    candidates: Iterable[_Candidate], case: Case
) -> list[PartnerRecord | LinkedRecord]:
    """:func:`linked_records` of ``case`` from its candidates already read (every one of them,
    as :func:`case_candidates` or :func:`case_page_candidates` gives them, or those a reader
    may see: a record candidate of a case is never hidden): the records confirmed as this
    child, first decided first. The case page reads its candidates anyway; a statement of its
    own was a twelfth of the page."""
    confirmed = [
        candidate
        for candidate in candidates
        if candidate.case_id == case.id
        and candidate.record is not None
        and candidate.status == CandidateStatus.CONFIRMED
    ]
    # As the statement orders them on SQLite: undecided (none, in practice) first.
    confirmed.sort(key=lambda candidate: (candidate.decided_at is not None, candidate.decided_at))
    return [candidate.record for candidate in confirmed if candidate.record is not None]


def band_holds(band: str | None, likely: bool) -> bool:
    """Whether a candidate ``likely`` (or not) is in ``band`` as :func:`review_queue` filters
    it: "likely", "possible", anything else both."""
    if band == "likely":
        return bool(likely)
    if band == "possible":
        return not likely
    return True


def review_queue(
    band: str | None = "likely",
    status: str | None = CandidateStatus.PROPOSED.value,
    kind: str | None = None,
    source_id: int | None = None,
    sort: Sort | None = None,
) -> Select:
    """Candidates across all cases for supervisors: by default likely proposals, best first
    (``sort``: :data:`QUEUE_SORTS`)."""
    return _review_queue(band, status or None, kind, source_id or None, sort or queue_sort(None))


def _review_queue(
    band: str | None, status: Any, kind: str | None, source_id: Any, sort: Sort
) -> Select:
    """:func:`review_queue`, its ``status`` and ``source_id`` values or parameters (None:
    any)."""
    query = select(MatchCandidate)
    if band == "likely":
        query = query.where(MatchCandidate.likely.is_(True))
    elif band == "possible":
        query = query.where(MatchCandidate.likely.is_(False))
    if status is not None:
        query = query.where(MatchCandidate.status == status)
    if kind == "record":
        query = query.where(MatchCandidate.record_id.is_not(None))
    elif kind == "case":
        query = query.where(MatchCandidate.other_case_id.is_not(None))
    if source_id is not None:
        query = query.join(PartnerRecord, MatchCandidate.record_id == PartnerRecord.id).where(
            PartnerRecord.source_id == source_id
        )
    return query.order_by(*ordering(QUEUE_SORTS, sort))


def review_queue_reading(
    band: str | None = "likely",
    status: str | None = CandidateStatus.PROPOSED.value,
    kind: str | None = None,
    source_id: int | None = None,
    sort: Sort | None = None,
) -> tuple[Callable[[int, int], list[int]], Callable[[], int]]:
    """:func:`review_queue` as ``db.paginate(read=..., total=...)`` reads it: the ids of a
    page (its limit and offset) in the queue's order, and the number of candidates.

    Their statements are built once per filter and order, the status and the source as
    parameters: building the queue's statement, and keying it for SQLAlchemy's cache of
    compiled SQL, on every request cost more Python than running it."""
    shape = (
        band if band in ("likely", "possible") else None,
        bool(status),
        kind if kind in ("record", "case") else None,
        bool(source_id),
        sort or queue_sort(None),
    )
    params: dict[str, Any] = {}
    if status:
        params["status"] = status
    if source_id:
        params["source_id"] = source_id

    def page_ids(limit: int, offset: int) -> list[int]:
        page = {**params, "limit": limit, "offset": offset}
        # On the session's connection, as queue_rows reads (ids need no ORM handling), and
        # fetched at once, not id by id.
        result = db.session.connection().execute(_review_queue_ids(*shape), page)
        return list(result.scalars().all())

    def total() -> int:
        return db.session.execute(_review_queue_count(*shape), params).scalar_one()

    return page_ids, total


def _review_queue_parameters(
    band: str | None, by_status: bool, kind: str | None, by_source: bool, sort: Sort
) -> Select:
    return _review_queue(
        band,
        bindparam("status") if by_status else None,
        kind,
        bindparam("source_id") if by_source else None,
        sort,
    )


@cache
def _review_queue_ids(
    band: str | None, by_status: bool, kind: str | None, by_source: bool, sort: Sort
) -> Select:
    return (
        _review_queue_parameters(band, by_status, kind, by_source, sort)
        .with_only_columns(MatchCandidate.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


@cache
def _review_queue_count(
    band: str | None, by_status: bool, kind: str | None, by_source: bool, sort: Sort
) -> Select:
    # As Flask-SQLAlchemy's paginate counts a select: its rows, the order dropped.
    query = _review_queue_parameters(band, by_status, kind, by_source, sort)
    return select(func.count()).select_from(query.order_by(None).subquery())


def approval_queue() -> Select:
    """Confirmations waiting for a supervisor, oldest first."""
    return (
        select(MatchCandidate)
        .where(MatchCandidate.status == CandidateStatus.AWAITING_APPROVAL.value)
        .order_by(MatchCandidate.reviewed_at, MatchCandidate.id)
    )


# --- the queues' rows ----------------------------------------------------------------------
# A queue page shows of each candidate a few words about both sides. Loaded as ORM objects, its
# 25 rows were 25 candidates, up to 50 cases of 83 columns each, their records, sources and
# reviewers: about 18 ms of Python per page to build objects the page reads four columns of.
# These are the words themselves, read in one statement, shaped as the template reads an ORM
# candidate (``c.case.case_number``, ``c.record.source.name``) so the same macros show both.


@dataclass(frozen=True, slots=True)
class Named:
    """A source or a reviewer, by its name."""

    name: str


@dataclass(frozen=True, slots=True)
class ShownCase:
    """A case as a queue row names it. ``__tablename__`` and ``id``: the audit trail records
    that the page showed it (:func:`app.audit.services.record_list_read`)."""

    __tablename__: ClassVar[str] = Case.__tablename__
    id: int
    case_number: str
    display_name: str


@dataclass(frozen=True, slots=True)
class ShownRecord:
    """A partner record as a queue row names it, with its source."""

    __tablename__: ClassVar[str] = PartnerRecord.__tablename__
    id: int
    display_name: str
    source: Named


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One candidate of a queue page: what :data:`candidate_table` shows of it."""

    id: int
    case_id: int
    score: float
    likely: bool
    explanation: dict[str, Any]
    status: str
    review_reason: str
    reviewed_at: datetime | None
    case: ShownCase
    other_case: ShownCase | None
    record: ShownRecord | None
    reviewed_by: Named | None

    @property
    def band(self) -> str:
        return "likely" if self.likely else "possible"


def queue_rows(ids: Sequence[int]) -> list[QueueRow]:
    """The rows of these candidates, in this order, in one statement (a page of a queue: its
    ids come from :func:`review_queue` or :func:`approval_queue`)."""
    if not ids:
        return []
    # On the session's connection, as case_page_candidates reads: plain rows need none of
    # the ORM's handling of a statement.
    result = db.session.connection().execute(_queue_rows_statement(), {"ids": ids})
    rows = {row.id: row for row in result.all()}  # fetched at once, not row by row
    return [_queue_row(rows[i]) for i in ids if i in rows]


# The rows' explanations as the text the database holds, read by read_explanation: a page of
# the match queue reads 25 of them (1.5 kB each), and the driver's JSON reading (the standard
# library's) took 0.24 ms a page where orjson takes 0.09 ms (the case page reads its own).
EXPLANATION_TEXT = MatchCandidate.explanation.cast(Text).label("explanation")


def read_explanation(text: str | None) -> dict[str, Any]:
    """A stored explanation (:data:`EXPLANATION_TEXT`) as the matcher wrote it; {} if none.
    The matcher's explanations hold words, small integers and floats, which orjson reads as
    the standard library does; the standard library reads what orjson refuses (NaN,
    Infinity)."""
    if not text:
        return {}
    try:
        explanation = orjson.loads(text)
    except orjson.JSONDecodeError:
        explanation = json.loads(text)
    return explanation or {}


@cache
def _queue_rows_statement() -> Select:
    # Built once: building it (an alias of Case, five joins) cost more Python than running it.
    other = aliased(Case)
    return (
        select(
            MatchCandidate.id,
            MatchCandidate.case_id,
            MatchCandidate.score,
            MatchCandidate.likely,
            EXPLANATION_TEXT,
            MatchCandidate.status,
            MatchCandidate.review_reason,
            MatchCandidate.reviewed_at,
            MatchCandidate.other_case_id,
            MatchCandidate.record_id,
            Case.family_name,
            Case.given_name,
            Case.patronymic,
            PartnerRecord.family_name.label("record_family_name"),
            PartnerRecord.given_name.label("record_given_name"),
            PartnerRecord.patronymic.label("record_patronymic"),
            PartnerRecord.external_id,
            PartnerSource.name.label("source_name"),
            User.name.label("reviewer_name"),
        )
        .join(Case, Case.id == MatchCandidate.case_id)
        .outerjoin(PartnerRecord, PartnerRecord.id == MatchCandidate.record_id)
        .outerjoin(PartnerSource, PartnerSource.id == PartnerRecord.source_id)
        .outerjoin(User, User.id == MatchCandidate.reviewed_by_id)
        .add_columns(
            other.family_name.label("other_family_name"),
            other.given_name.label("other_given_name"),
            other.patronymic.label("other_patronymic"),
        )
        .outerjoin(other, other.id == MatchCandidate.other_case_id)
        .where(MatchCandidate.id.in_(bindparam("ids", expanding=True)))
    )


def _shown_case(case_id: int, *name: str | None) -> ShownCase:
    number = format_case_number(case_id)
    return ShownCase(case_id, number, person_name(*name) or number)


def _queue_row(row: Any) -> QueueRow:
    record = None
    if row.record_id is not None:
        record = ShownRecord(
            row.record_id,
            person_name(row.record_family_name, row.record_given_name, row.record_patronymic)
            or row.external_id,
            Named(row.source_name),
        )
    other_case = None
    if row.other_case_id is not None:
        other_case = _shown_case(
            row.other_case_id, row.other_family_name, row.other_given_name, row.other_patronymic
        )
    return QueueRow(
        id=row.id,
        case_id=row.case_id,
        score=row.score,
        likely=row.likely,
        explanation=read_explanation(row.explanation),
        status=row.status,
        review_reason=row.review_reason,
        reviewed_at=row.reviewed_at,
        case=_shown_case(row.case_id, row.family_name, row.given_name, row.patronymic),
        other_case=other_case,
        record=record,
        reviewed_by=Named(row.reviewer_name) if row.reviewer_name is not None else None,
    )


# --- the case page's candidates --------------------------------------------------------------
# The case page shows of each candidate its score, band, status, notes and a few words about
# the other side. Loaded as ORM objects they were candidates with their records, sources and
# cases of 83 columns (the cases of pairs in a statement of their own): a fifth of the page's
# Python, to read a dozen columns. These are the columns, in one statement.


@dataclass(frozen=True, slots=True)
class LinkedRecord:
    """A partner record as the case page names it, and lists it once confirmed."""

    id: int
    display_name: str
    source: Named
    current_location: str
    institution: str


@dataclass(frozen=True, slots=True)
class Counterpart:
    """The other case of a pair, seen from the case whose page shows it: its number, who works
    on it (who may read it, :func:`app.cases.access.can_read_case`) and their name when their
    account is active (whom to ask about a duplicate the reader may not open)."""

    id: int
    case_number: str
    assigned_to_id: int | None
    owner: str | None


@dataclass(frozen=True, slots=True)
class CaseCandidate:
    """One candidate of a case as its page shows it (shaped as the page's macros read a
    :class:`MatchCandidate`): the record, or the other case of a pair."""

    id: int
    case_id: int
    other_case_id: int | None
    score: float
    likely: bool
    explanation: dict[str, Any]
    status: str
    review_reason: str
    decided_at: datetime | None
    record: LinkedRecord | None
    counterpart: Counterpart | None

    @property
    def band(self) -> str:
        return "likely" if self.likely else "possible"

    def counterpart_of(self, case: Case) -> Counterpart | None:
        """The other case of a pair (the page's case is the one it was read for)."""
        return self.counterpart


# What linked_records_among reads: a candidate either way.
_Candidate = MatchCandidate | CaseCandidate


def case_page_candidates(case: Case) -> list[CaseCandidate]:
    """Every candidate of ``case`` (records and other cases), best first, as its page shows
    them: :func:`case_candidates` in the columns the page reads."""
    # On the session's connection: plain rows need none of the ORM's handling of a statement
    # (half of the time the section's statement took).
    rows = db.session.connection().execute(_case_page_candidates_statement(), {"case_id": case.id})
    return [_case_candidate(row) for row in rows]


@cache
def _case_page_candidates_statement() -> Select:
    # Built once, the case a parameter (see _case_candidates_statement).
    case_id = bindparam("case_id", type_=Integer)
    other, owner = aliased(Case), aliased(User)
    # The other case of a pair, whichever side of it the page's case is on.
    counterpart_id = sql_case(
        (MatchCandidate.case_id == case_id, MatchCandidate.other_case_id),
        else_=MatchCandidate.case_id,
    )
    return (
        select(
            MatchCandidate.id,
            MatchCandidate.case_id,
            MatchCandidate.other_case_id,
            MatchCandidate.record_id,
            MatchCandidate.score,
            MatchCandidate.likely,
            EXPLANATION_TEXT,
            MatchCandidate.status,
            MatchCandidate.review_reason,
            MatchCandidate.decided_at,
            PartnerRecord.family_name,
            PartnerRecord.given_name,
            PartnerRecord.patronymic,
            PartnerRecord.external_id,
            PartnerRecord.current_location,
            PartnerRecord.institution,
            PartnerSource.name.label("source_name"),
            other.id.label("counterpart_id"),
            other.assigned_to_id.label("counterpart_assigned_to_id"),
            owner.name.label("owner_name"),
            owner.active.label("owner_active"),
        )
        .outerjoin(PartnerRecord, PartnerRecord.id == MatchCandidate.record_id)
        .outerjoin(PartnerSource, PartnerSource.id == PartnerRecord.source_id)
        .outerjoin(other, other.id == counterpart_id)
        .outerjoin(owner, owner.id == other.assigned_to_id)
        .where(or_(MatchCandidate.case_id == case_id, MatchCandidate.other_case_id == case_id))
        .order_by(*_BEST_FIRST)
    )


def _case_candidate(row: Any) -> CaseCandidate:
    record = None
    if row.record_id is not None:
        record = LinkedRecord(
            row.record_id,
            person_name(row.family_name, row.given_name, row.patronymic) or row.external_id,
            Named(row.source_name),
            row.current_location,
            row.institution,
        )
    counterpart = None
    if row.counterpart_id is not None:
        counterpart = Counterpart(
            row.counterpart_id,
            format_case_number(row.counterpart_id),
            row.counterpart_assigned_to_id,
            row.owner_name if row.owner_active else None,
        )
    return CaseCandidate(
        id=row.id,
        case_id=row.case_id,
        other_case_id=row.other_case_id,
        score=row.score,
        likely=row.likely,
        explanation=read_explanation(row.explanation),
        status=row.status,
        review_reason=row.review_reason,
        decided_at=row.decided_at,
        record=record,
        counterpart=counterpart,
    )
