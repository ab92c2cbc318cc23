"""Operations on exchanges and their lines, and who sees what of them.

Who sees what: supervisors read every exchange and every line; a caseworker reads an exchange
that holds at least one of the cases they may read, and of its lines only those (and the lines
of partner records, which every caseworker reads). Another caseworker's person is counted, never
named. Admins see no exchange: they run the system, they do not read case content.

The two-person rule: a person is declared deceased only when one person proposes it (with the
reason) and another, a supervisor, approves it (with theirs). On approval the case gets a next
step to contact the family and is closed through the case workflow (``change_status``, closure
reason "found deceased").

Every operation flushes and never commits; the flush hook audits the rows it changes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ParamSpec, TypeVar

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Integer, Select, bindparam, exists, false, func, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.audit.models import AuditAction
from app.audit.services import record
from app.auth.models import User
from app.auth.permissions import Permission
from app.cases.access import can_edit_case, can_read_all, can_read_case, visible_cases
from app.cases.models import Case, CaseStatus, ClosureReason, SourceList
from app.cases.services import change_status, log_contact
from app.cases.workflow import TransitionError
from app.database import utcnow
from app.dates import InRange, age_in_range
from app.exchanges.models import (
    Exchange,
    ExchangeCategory,
    ExchangeEvent,
    ExchangeEventKind,
    ExchangeKind,
    ExchangeLine,
    ExchangeLineEvent,
    LineState,
)
from app.exchanges.workflow import ExchangeError, check_exchange_move, check_line_move
from app.extensions import db
from app.records.models import PartnerRecord

__all__ = [
    "EXCHANGE_FIELDS",
    "FAMILY_CONTACT_DAYS",
    "YOUNG_AGES",
    "ExchangeLines",
    "add_line",
    "add_source_list",
    "can_propose_deceased",
    "can_read_exchange",
    "case_lines",
    "category_counts",
    "change_exchange_status",
    "change_line_state",
    "create_exchange",
    "decide_deceased",
    "exchange_lines",
    "exchange_timeline",
    "latest_where_held",
    "line_age_flag",
    "line_age_flags",
    "parse_categories",
    "prisoner_filter",
    "propose_deceased",
    "record_answer",
    "report_where_held",
    "state_counts",
    "update_exchange",
    "visible_exchanges",
]

# The ages, in full years on the exchange's date, that prisoner exchanges single out.
YOUNG_AGES = (18, 25)
EXCHANGE_FIELDS = ("kind", "side_a", "side_b", "held_on", "place", "stage", "document_refs")
# How soon the family is to be told once a death is confirmed: the default of the approval form.
FAMILY_CONTACT_DAYS = 3


# --- categories (pure) ------------------------------------------------------------------------


def parse_categories(text: str) -> list[tuple[str, int | None]]:
    """One category a line, ``name = quota`` or a bare name (no quota: "all for all").

    ``seriously wounded = 50`` → ("seriously wounded", 50). Blank lines are skipped; the last
    ``=`` separates the quota, so a name may hold one. A quota that is not a whole number of zero
    or more, or a name given twice, raises ExchangeError naming the line."""
    categories: list[tuple[str, int | None]] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        name, quota = line, None
        if "=" in line:
            name, _sep, quota_text = line.rpartition("=")
            name, quota_text = name.strip(), quota_text.strip()
            if not quota_text.isdigit() or len(quota_text) > 6:
                raise ExchangeError(
                    _("Line %(n)d: the quota is not a whole number.", n=number), "categories_text"
                )
            quota = int(quota_text)
        if not name or len(name) > 200:
            raise ExchangeError(_("Line %(n)d: name the category.", n=number), "categories_text")
        if name.casefold() in seen:
            raise ExchangeError(
                _("Line %(n)d: this category is named twice.", n=number), "categories_text"
            )
        seen.add(name.casefold())
        categories.append((name, quota))
    return categories


# --- access -----------------------------------------------------------------------------------


def _readable_case_ids(user: User) -> Select:
    return visible_cases(user).with_only_columns(Case.id)


def visible_exchanges(user: User) -> Select:
    """Exchanges this user may read, newest first: supervisors every one, caseworkers those
    holding a case they may read, admins none."""
    query = select(Exchange).order_by(Exchange.held_on.desc().nulls_first(), Exchange.id.desc())
    if not user.can(Permission.EXCHANGE_READ):
        return query.where(false())
    if user.can(Permission.EXCHANGE_MANAGE) or can_read_all(user):
        return query
    touches = exists().where(
        ExchangeLine.exchange_id == Exchange.id,
        ExchangeLine.case_id.in_(_readable_case_ids(user)),
    )
    return query.where(touches | _remains_for_everyone(user))


def _remains_for_everyone(user: User) -> Any:
    """Unidentified remains are no one's case yet: every caseworker who reads partner records
    reads a repatriation, to recognise their missing person (app/exchanges/remains.py)."""
    if not user.can(Permission.RECORD_READ):
        return false()
    return Exchange.kind == ExchangeKind.REMAINS_REPATRIATION


def can_read_exchange(user: User, exchange: Exchange) -> bool:
    if not user.can(Permission.EXCHANGE_READ):
        return False
    if user.can(Permission.EXCHANGE_MANAGE) or can_read_all(user):
        return True
    if exchange.kind == ExchangeKind.REMAINS_REPATRIATION and user.can(Permission.RECORD_READ):
        return True
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    ExchangeLine.exchange_id == exchange.id,
                    ExchangeLine.case_id.in_(_readable_case_ids(user)),
                )
            )
        )
    )


def _may_see_line(user: User, line: ExchangeLine) -> bool:
    if line.case is not None:
        return can_read_case(user, line.case)
    return user.can(Permission.RECORD_READ)


def can_propose_deceased(user: User, line: ExchangeLine) -> bool:
    """A case's line: whoever may edit the case. A partner record's: a supervisor."""
    if not user.can(Permission.EXCHANGE_READ):
        return False
    if line.case is not None:
        return can_edit_case(user, line.case)
    return user.can(Permission.EXCHANGE_MANAGE)


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExchangeLines:
    """The lines of an exchange a reader may see, and how many others there are."""

    shown: list[ExchangeLine]
    hidden: int


def exchange_lines(
    user: User,
    exchange: Exchange,
    state: str | None = None,
    category_id: int | None = None,
    keep: Callable[[ExchangeLine], bool] | None = None,
) -> ExchangeLines:
    """The exchange's lines for this reader, filtered by state and category (and ``keep``, a
    test on the loaded line); the lines of cases they may not open only counted (never their
    names)."""
    query = (
        exchange.lines.select()
        .options(
            joinedload(ExchangeLine.case),
            joinedload(ExchangeLine.record),
            joinedload(ExchangeLine.category),
            joinedload(ExchangeLine.deceased_proposed_by),
        )
        .order_by(ExchangeLine.id)
    )
    # Remains have their own list, with their own facts (app/exchanges/remains.py).
    query = query.where(ExchangeLine.is_remains.is_(False))
    if state:
        query = query.where(ExchangeLine.state == state)
    if category_id:
        query = query.where(ExchangeLine.category_id == category_id)
    lines = [line for line in db.session.scalars(query) if keep is None or keep(line)]
    shown = [line for line in lines if _may_see_line(user, line)]
    return ExchangeLines(shown=shown, hidden=len(lines) - len(shown))


def state_counts(exchange: Exchange) -> dict[str, int]:
    """How many lines are in each state (no names: every reader of the exchange sees them)."""
    rows = db.session.execute(
        select(ExchangeLine.state, func.count())
        .where(ExchangeLine.exchange_id == exchange.id)
        .group_by(ExchangeLine.state)
    ).all()
    return {state: count for state, count in rows}


def category_counts(exchange: Exchange) -> list[tuple[ExchangeCategory, int]]:
    """Each category with the number of people listed in it, beside its quota."""
    rows = db.session.execute(
        select(ExchangeLine.category_id, func.count())
        .where(ExchangeLine.exchange_id == exchange.id)
        .group_by(ExchangeLine.category_id)
    ).all()
    counts = {category_id: count for category_id, count in rows}
    return [(category, counts.get(category.id, 0)) for category in exchange.categories]


def exchange_timeline(user: User, exchange: Exchange, limit: int = 200) -> list[ExchangeEvent]:
    """The exchange's latest events, newest first, without those about a line this reader may
    not see: their texts (a proposal's reason) may name the person."""
    hidden = {
        line.id
        for line in db.session.scalars(
            exchange.lines.select().options(joinedload(ExchangeLine.case))
        )
        if not _may_see_line(user, line)
    }
    events = db.session.scalars(
        exchange.events.select()
        .options(joinedload(ExchangeEvent.actor))
        .order_by(ExchangeEvent.at.desc(), ExchangeEvent.id.desc())
        .limit(limit)
    ).all()
    # A proposal to link remains names a case: kept from those who may not read that case.
    named = {(e.data or {}).get("case_id") for e in events} - {None}
    unreadable = named - set(
        db.session.scalars(_readable_case_ids(user).where(Case.id.in_(named))) if named else ()
    )
    return [
        event
        for event in events
        if (event.data or {}).get("line_id") not in hidden
        and (event.data or {}).get("case_id") not in unreadable
    ]


#: The case page's question to exchanges (app.cases.events.case_page_probes).
HAS_LINES = "exchange_lines"


def case_has_lines(case_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """Whether the case of ``case_id`` (a column or a parameter) was in any exchange."""
    return exists().where(ExchangeLine.case_id == case_id)


def case_lines(case: Case, has_lines: bool | None = None) -> Sequence[ExchangeLine]:
    """Every exchange this case's person was in, with the line's state (the case page's
    section; whoever reads the case reads these).

    Whether there is any is known first (``has_lines``: the case page asks it with the case)
    or asked first, in a plain statement: nearly every case was in no exchange, and the lines'
    statement, three joined loads of mapped rows, was about 450 Python calls more even when it
    found none; a case that was in one takes a statement more."""
    values = {"case_id": case.id}
    if has_lines is None:
        connection = db.session.connection()
        has_lines = connection.execute(_case_has_lines_statement(), values).scalar_one()
    if not has_lines:
        return []
    return db.session.scalars(_case_lines_statement(), values).all()


@functools.cache
def _case_has_lines_statement() -> Select:  # built once: see _case_lines_statement
    return select(case_has_lines(bindparam("case_id", type_=Integer)))


@functools.cache
def _case_lines_statement() -> Select:
    # Built once, the case a parameter: SQLAlchemy keys a statement for its cache of compiled
    # SQL on every execution unless it is the same object; on the case page, building and
    # keying this one (three joined loads) was more Python than running it.
    return (
        select(ExchangeLine)
        .where(ExchangeLine.case_id == bindparam("case_id"))
        .options(
            joinedload(ExchangeLine.exchange),
            joinedload(ExchangeLine.category),
            joinedload(ExchangeLine.remains),
        )
        .order_by(ExchangeLine.id.desc())
    )


# --- exchanges --------------------------------------------------------------------------------


def _event(
    exchange: Exchange, actor: User | None, kind: ExchangeEventKind, text: str = "", **data: Any
) -> ExchangeEvent:
    event = ExchangeEvent(
        exchange_id=exchange.id,
        actor_id=actor.id if actor else None,
        kind=kind.value,
        text=text,
        data=data or None,
    )
    db.session.add(event)
    return event


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EXCHANGE_FIELDS)
    if unknown:
        raise ValueError(f"not exchange fields: {sorted(unknown)}")
    for side in ("side_a", "side_b"):
        if side in fields and not (fields[side] or "").strip():
            raise ExchangeError(_("Name both sides."), side)


def _set_categories(exchange: Exchange, categories: list[tuple[str, int | None]]) -> None:
    """Keep the categories named again (with their new quotas), add new ones, drop the rest;
    a category that people are listed in is never dropped."""
    by_name = {c.name.casefold(): c for c in exchange.categories}
    wanted = {name.casefold() for name, _quota in categories}
    for key, category in by_name.items():
        if key in wanted:
            continue
        if category.id is not None and db.session.scalar(
            select(exists().where(ExchangeLine.category_id == category.id))
        ):
            raise ExchangeError(
                _("People are listed in “%(name)s”; it cannot be removed.", name=category.name),
                "categories_text",
            )
        exchange.categories.remove(category)
    for name, quota in categories:
        existing = by_name.get(name.casefold())
        if existing is None:
            exchange.categories.append(ExchangeCategory(name=name, quota=quota))
        else:
            existing.name, existing.quota = name, quota


def create_exchange(
    actor: User, categories: list[tuple[str, int | None]] | None = None, **fields: Any
) -> Exchange:
    """Record an exchange (proposed), with its categories."""
    _check_fields(fields)
    exchange = Exchange(created_by_id=actor.id, **fields)
    db.session.add(exchange)
    _set_categories(exchange, categories or [])
    db.session.flush()
    _event(exchange, actor, ExchangeEventKind.CREATED)
    db.session.flush()
    return exchange


def _flush() -> None:
    """Flush; a row another request changed since it was loaded is refused, not overwritten."""
    try:
        db.session.flush()
    except StaleDataError as error:
        raise ExchangeError(_("Someone else changed this meanwhile; reload the page.")) from error


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _refusing_stale_saves(operation: Callable[_P, _R]) -> Callable[_P, _R]:
    """The same refusal when the stale row surfaces in an autoflush before :func:`_flush`
    (loading ``line.exchange`` after the line changed): on PostgreSQL the second of two
    simultaneous saves waits for the first and then finds the version gone, wherever it flushes."""

    @functools.wraps(operation)
    def refusing(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return operation(*args, **kwargs)
        except StaleDataError as error:
            message = _("Someone else changed this meanwhile; reload the page.")
            raise ExchangeError(message) from error

    return refusing


@_refusing_stale_saves
def update_exchange(
    exchange: Exchange,
    actor: User,
    categories: list[tuple[str, int | None]] | None = None,
    **fields: Any,
) -> list[str]:
    """Change the exchange's details and categories; returns the fields changed."""
    _check_fields(fields)
    changed = [name for name, value in fields.items() if getattr(exchange, name) != value]
    for name in changed:
        setattr(exchange, name, fields[name])
    if categories is not None:
        before = [(c.name, c.quota) for c in exchange.categories]
        _set_categories(exchange, categories)
        if [(c.name, c.quota) for c in exchange.categories] != before:
            changed.append("categories")
    if changed:
        _event(exchange, actor, ExchangeEventKind.UPDATED, fields=changed)
    _flush()
    return changed


@_refusing_stale_saves
def change_exchange_status(exchange: Exchange, actor: User, target: str, reason: str = "") -> None:
    """Move the exchange along its table (app.exchanges.workflow.EXCHANGE_MOVES)."""
    check_exchange_move(exchange.status, target, reason)
    source = exchange.status
    exchange.status = target
    exchange.status_reason = reason.strip()
    _event(
        exchange,
        actor,
        ExchangeEventKind.STATUS_CHANGED,
        reason.strip(),
        source=source,
        target=target,
    )
    _flush()
    record(AuditAction.STATUS_CHANGE, exchange, detail={"from": source, "to": target})
    _flush()


# --- lines ------------------------------------------------------------------------------------


@_refusing_stale_saves
def add_line(
    exchange: Exchange,
    actor: User,
    *,
    case: Case | None = None,
    partner_record: PartnerRecord | None = None,
    category_id: int | None = None,
) -> ExchangeLine:
    """List a person in the exchange: a case the actor may read, or a partner record."""
    if (case is None) == (partner_record is None):
        raise ExchangeError(_("Name one case or one partner record."), "case_number")
    if case is not None and not can_read_case(actor, case):
        # Said as "not found": whether a case one may not read exists is not for them to learn.
        raise ExchangeError(_("No such case."), "case_number")
    if category_id is not None and category_id not in {c.id for c in exchange.categories}:
        raise ExchangeError(_("Choose one of this exchange's categories."), "category")
    column = ExchangeLine.case_id if case is not None else ExchangeLine.record_id
    person_id = case.id if case is not None else partner_record.id  # type: ignore[union-attr]
    if db.session.scalar(
        select(exists().where(ExchangeLine.exchange_id == exchange.id, column == person_id))
    ):
        raise ExchangeError(_("This person is already listed in this exchange."), "case_number")
    line = ExchangeLine(
        exchange_id=exchange.id,
        case=case,
        record=partner_record,
        category_id=category_id,
    )
    db.session.add(line)
    db.session.flush()
    db.session.add(ExchangeLineEvent(line_id=line.id, actor_id=actor.id, target=line.state))
    _event(exchange, actor, ExchangeEventKind.LINE_ADDED, line_id=line.id)
    db.session.flush()
    return line


def add_source_list(
    exchange: Exchange,
    actor: User,
    source_list: SourceList,
    *,
    category_id: int | None = None,
) -> list[ExchangeLine]:
    """List every case of a source list (the 339 children) in the exchange, each as
    :func:`add_line` would: the cases the actor may read, not archived, in the list's order.
    Cases already listed are left as they are, so adding a list again adds only its newcomers.
    Returns the new lines; one audit event names the list and the cases added."""
    if not actor.can(Permission.EXCHANGE_MANAGE):
        raise ExchangeError(_("Only a supervisor adds a whole list."), "source_list")
    if category_id is not None and category_id not in {c.id for c in exchange.categories}:
        raise ExchangeError(_("Choose one of this exchange's categories."), "category")
    listed = select(ExchangeLine.case_id).where(
        ExchangeLine.exchange_id == exchange.id, ExchangeLine.case_id.is_not(None)
    )
    cases = db.session.scalars(
        visible_cases(actor)
        .where(
            Case.source_list_id == source_list.id,
            Case.archived.is_(False),
            Case.id.not_in(listed),
        )
        .order_by(Case.id)
    ).all()
    lines = [add_line(exchange, actor, case=case, category_id=category_id) for case in cases]
    record(
        AuditAction.UPDATE,
        exchange,
        detail={
            "what": "source_list_added",
            "source_list_id": source_list.id,
            "category_id": category_id,
            "added": len(lines),
            "cases": [line.case_id for line in lines],
        },
    )
    return lines


def _check_version(line: ExchangeLine, expected_version: int | None) -> None:
    if expected_version is not None and line.version != expected_version:
        raise ExchangeError(
            _("Someone else changed this person's line meanwhile; reload the page.")
        )


def _move_line(
    line: ExchangeLine,
    actor: User,
    target: str,
    reason: str,
    other_side_reason: str,
    approved_by: User | None = None,
) -> None:
    source = line.state
    line.state = target
    line.state_changed_at = utcnow()
    if other_side_reason.strip():
        line.other_side_reason = other_side_reason.strip()
    db.session.add(
        ExchangeLineEvent(
            line_id=line.id,
            actor_id=actor.id,
            source=source,
            target=target,
            reason=reason.strip(),
            other_side_reason=other_side_reason.strip(),
            approved_by_id=approved_by.id if approved_by else None,
        )
    )
    _event(
        line.exchange,
        approved_by or actor,
        ExchangeEventKind.LINE_CHANGED,
        line_id=line.id,
        source=source,
        target=target,
    )
    # Flushed here, not by the audit insert's autoflush: a line someone else changed meanwhile
    # is then refused as such (on PostgreSQL the second UPDATE finds the version gone).
    _flush()
    record(
        AuditAction.STATUS_CHANGE,
        line,
        detail={"from": source, "to": target, "exchange_id": line.exchange_id},
    )


@_refusing_stale_saves
def change_line_state(
    line: ExchangeLine,
    actor: User,
    target: str,
    *,
    reason: str = "",
    other_side_reason: str = "",
    expected_version: int | None = None,
) -> None:
    """Move a line along LINE_MOVES (a supervisor's act). ``expected_version``: the version the
    actor's form showed; a line changed since then is refused."""
    if not actor.can(Permission.EXCHANGE_MANAGE):
        raise ExchangeError(_("Only a supervisor changes a person's state."))
    _check_version(line, expected_version)
    # The other side's words are the reason of a refusal or a "not found".
    check_line_move(line.state, target, reason or other_side_reason)
    _move_line(line, actor, target, reason, other_side_reason)
    _flush()


@_refusing_stale_saves
def propose_deceased(
    line: ExchangeLine, actor: User, reason: str, expected_version: int | None = None
) -> None:
    """The first person of two: proposes that the line's person is deceased, saying why."""
    if not can_propose_deceased(actor, line):
        raise ExchangeError(_("You may not propose this."))
    _check_version(line, expected_version)
    if line.deceased_pending:
        raise ExchangeError(_("A death is already proposed for this person."))
    check_line_move(line.state, LineState.DECEASED, reason, two_person=True)
    line.deceased_proposed_by_id = actor.id
    line.deceased_proposed_at = utcnow()
    line.deceased_proposal_reason = reason.strip()
    _event(
        line.exchange, actor, ExchangeEventKind.DECEASED_PROPOSED, reason.strip(), line_id=line.id
    )
    _flush()


@_refusing_stale_saves
def decide_deceased(
    line: ExchangeLine,
    actor: User,
    approve: bool,
    reason: str,
    *,
    family_step: str = "",
    family_step_due: date | None = None,
    expected_version: int | None = None,
) -> None:
    """The second person: a supervisor other than the proposer approves (the line becomes
    deceased; the case gets the family-contact next step and is closed as "found deceased")
    or rejects (the proposal is withdrawn), in both cases saying why."""
    if not actor.can(Permission.EXCHANGE_MANAGE):
        raise ExchangeError(_("Only a supervisor confirms a death."))
    _check_version(line, expected_version)
    if not line.deceased_pending:
        raise ExchangeError(_("No death is proposed for this person."))
    if line.deceased_proposed_by_id == actor.id:
        raise ExchangeError(_("A second person confirms a death: not the one who proposed it."))
    if not reason.strip():
        raise ExchangeError(_("Write down the reason for your decision."), "reason")
    if approve and line.case is not None and not family_step.strip():
        raise ExchangeError(_("Say how the family is to be told."), "family_step")
    proposer = db.session.get(User, line.deceased_proposed_by_id)
    proposal = line.deceased_proposal_reason
    line.deceased_proposed_by_id = None
    line.deceased_proposed_at = None
    line.deceased_proposal_reason = ""
    if not approve:
        _event(
            line.exchange,
            actor,
            ExchangeEventKind.DECEASED_REJECTED,
            reason.strip(),
            line_id=line.id,
        )
        _flush()
        record(AuditAction.REJECT, line, detail={"proposal": "deceased"})
        return
    check_line_move(line.state, LineState.DECEASED, proposal, two_person=True)
    _move_line(line, proposer or actor, LineState.DECEASED, proposal, reason, approved_by=actor)
    _event(
        line.exchange, actor, ExchangeEventKind.DECEASED_APPROVED, reason.strip(), line_id=line.id
    )
    record(AuditAction.APPROVE, line, detail={"proposal": "deceased"})
    if line.case is not None:
        _close_as_deceased(
            line.case, line, actor, reason.strip(), family_step.strip(), family_step_due
        )
    _flush()


def _close_as_deceased(
    case: Case, line: ExchangeLine, actor: User, reason: str, family_step: str, due: date | None
) -> None:
    """The case's side of a confirmed death: the family must be told (a next step with a due
    date, in the case's contact log), and the case is closed by the case workflow."""
    log_contact(
        case,
        actor,
        contacted_on=date.today(),
        channel="partner",
        with_whom=line.exchange.title[:300],
        outcome=reason,
        next_step=family_step[:500],
        next_step_due=due or date.today() + timedelta(days=FAMILY_CONTACT_DAYS),
    )
    if case.status == CaseStatus.CLOSED:
        return
    try:
        change_status(case, actor, CaseStatus.CLOSED.value, reason, ClosureReason.FOUND_DECEASED)
    except TransitionError as error:
        raise ExchangeError(str(error)) from error


def line_history(line: ExchangeLine) -> Sequence[ExchangeLineEvent]:
    return db.session.scalars(
        line.events.select()
        .options(selectinload(ExchangeLineEvent.actor), selectinload(ExchangeLineEvent.approved_by))
        .order_by(ExchangeLineEvent.at, ExchangeLineEvent.id)
    ).all()


@_refusing_stale_saves
def record_answer(
    line: ExchangeLine,
    actor: User,
    targets: Sequence[str],
    other_side_reason: str,
    *,
    note: str = "",
    expected_version: int | None = None,
) -> None:
    """The other side's answer for this person, confirmed by a person who may read the line:
    the line walks through ``targets`` (each a move of LINE_MOVES, e.g. acknowledged then
    answered) with the other side's reason. Who may is the caller's rule
    (app.answers.services); a line changed since it was loaded is refused."""
    _check_version(line, expected_version)
    if not targets:
        raise ExchangeError(_("This answer does not move the person's line."))
    for target in targets:
        check_line_move(line.state, target, other_side_reason or note)
        _move_line(line, actor, target, note, other_side_reason)


# --- prisoners of war -------------------------------------------------------------------------


def line_age_flag(line: ExchangeLine, on: date) -> InRange:
    """Whether the line's person is within :data:`YOUNG_AGES` on ``on``: from the case's (or
    the partner record's) date of birth, else its estimated age."""
    person: Case | PartnerRecord | None = line.case or line.record
    if person is None:
        return InRange.UNKNOWN
    if isinstance(person, Case):
        estimated, estimated_on = person.estimated_age, person.age_estimated_on
    else:
        estimated, estimated_on = person.age, person.age_on
    return age_in_range(*YOUNG_AGES, on, person.date_of_birth, estimated, estimated_on)


def line_age_flags(lines: Sequence[ExchangeLine], on: date) -> dict[int, InRange]:
    """:func:`line_age_flag` for each line, by line id."""
    return {line.id: line_age_flag(line, on) for line in lines}


def prisoner_filter(
    on: date, young: str | None, health: str | None
) -> Callable[[ExchangeLine], bool] | None:
    """The test of a prisoner exchange's lines filtered by the 18-25 flag on ``on`` (an
    :class:`InRange` value; anything else is no filter) and the case's health category (a
    partner record has none: it is in no category). None when nothing is filtered."""
    young = young if young in set(InRange) else None  # a stale or hostile link: any age
    if not (young or health):
        return None

    def keep(line: ExchangeLine) -> bool:
        if young and line_age_flag(line, on) != young:
            return False
        return not health or (line.case is not None and line.case.health_category == health)

    return keep


def latest_where_held(lines: Sequence[ExchangeLine]) -> ExchangeLine | None:
    """The line whose report of where the person is held is the latest (by the day reported,
    then the line's order): what the case page shows."""
    reported = [line for line in lines if line.where_held]
    if not reported:
        return None
    return max(reported, key=lambda line: (line.where_held_reported_on or date.min, line.id))


@_refusing_stale_saves
def report_where_held(
    line: ExchangeLine,
    actor: User,
    where_held: str,
    reported_on: date | None,
    expected_version: int | None = None,
) -> None:
    """Record where the other side says it holds the line's person, and on which day it said
    so (a supervisor's entry, like the other side's reasons)."""
    if not actor.can(Permission.EXCHANGE_MANAGE):
        raise ExchangeError(_("Only a supervisor records what the other side reports."))
    _check_version(line, expected_version)
    where_held = where_held.strip()
    if not where_held:
        raise ExchangeError(_("Say where the person is held."), "where_held")
    if reported_on is not None and reported_on > date.today():
        raise ExchangeError(_("The day it was reported cannot be in the future."), "reported_on")
    line.where_held = where_held
    line.where_held_reported_on = reported_on
    _event(
        line.exchange,
        actor,
        ExchangeEventKind.WHERE_HELD_REPORTED,
        where_held,
        line_id=line.id,
    )
    _flush()
