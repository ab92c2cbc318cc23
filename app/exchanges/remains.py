"""Repatriated remains: the lines of a repatriation, and linking them to a missing person's case.

Remains arrive unidentified: a line that names neither a case nor a record (``is_remains``),
with the other side's facts beside it (:class:`ExchangeRemains`: body number, where and when
recovered, the identity they claim as written, sex, age range, personal effects, laboratory
sample). Supervisors add them; every caseworker reads them, as they read partner records:
identifying remains is everyone's search, not one caseworker's.

Linking remains to a case is one of the gravest steps, so it takes two people: a caseworker (or
supervisor) who may read the case proposes "these remains are case X" with a reason; a
supervisor who is not the proposer approves or rejects it with theirs. On approval the line is
the case's, the case gets the required next step "tell the family" and is closed as found
deceased through the case workflow (``services._close_as_deceased``, the same path as a death
confirmed on a person's line). A rejection leaves the case as it was.

Every operation flushes and never commits; the flush hook audits the rows it changes, and each
decision writes its own audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.audit.models import AuditAction
from app.audit.services import record
from app.auth.models import User
from app.auth.permissions import Permission
from app.cases.access import can_read_case
from app.cases.models import Case, CaseStatus, Sex
from app.database import utcnow
from app.exchanges.models import (
    Exchange,
    ExchangeEvent,
    ExchangeEventKind,
    ExchangeKind,
    ExchangeLine,
    ExchangeLineEvent,
    ExchangeRemains,
)
from app.exchanges.services import (
    _close_as_deceased,
    _event,
    _flush,
    _may_see_line,
    _refusing_stale_saves,
)
from app.exchanges.workflow import ExchangeError
from app.extensions import db

__all__ = [
    "REMAINS_FIELDS",
    "LinkState",
    "RemainsList",
    "add_remains",
    "can_propose_link",
    "decide_link",
    "link_state",
    "propose_link",
    "record_link_proposal",
    "remains_counts",
    "remains_history",
    "remains_list",
]

REMAINS_FIELDS = (
    "body_number",
    "recovery_region",
    "recovered_on",
    "claimed_family_name",
    "claimed_given_name",
    "claimed_patronymic",
    "claimed_service_number",
    "sex",
    "age_min",
    "age_max",
    "personal_effects",
    "lab_sample_number",
)
MAX_AGE = 120


class LinkState(StrEnum):
    """Where remains stand on the way to a case (the list's filter)."""

    UNLINKED = "unlinked"
    PROPOSED = "proposed"
    LINKED = "linked"


def link_state(remains: ExchangeRemains) -> LinkState:
    if remains.line.case_id is not None:
        return LinkState.LINKED
    if remains.proposed_case_id is not None:
        return LinkState.PROPOSED
    return LinkState.UNLINKED


def _link_condition(state: LinkState) -> Any:
    linked = ExchangeLine.case_id.is_not(None)
    proposed = ExchangeRemains.proposed_case_id.is_not(None)
    if state == LinkState.LINKED:
        return linked
    if state == LinkState.PROPOSED:
        return ~linked & proposed
    return ~linked & ~proposed


# --- adding -----------------------------------------------------------------------------------


def check_remains_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields cleaned (text stripped), or ExchangeError naming the field that is wrong."""
    unknown = set(fields) - set(REMAINS_FIELDS)
    if unknown:
        raise ValueError(f"not remains fields: {sorted(unknown)}")
    clean: dict[str, Any] = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    if not clean.get("body_number"):
        raise ExchangeError(_("Write the body number the other side gave."), "body_number")
    if clean.setdefault("sex", Sex.UNKNOWN.value) not in set(Sex):
        raise ExchangeError(_("Choose a sex, or unknown."), "sex")
    low, high = clean.get("age_min"), clean.get("age_max")
    for name, age in (("age_min", low), ("age_max", high)):
        if age is not None and not 0 <= age <= MAX_AGE:
            raise ExchangeError(
                ngettext(
                    "An age is between 0 and %(num)d year.",
                    "An age is between 0 and %(num)d years.",
                    MAX_AGE,
                ),
                name,
            )
    if low is not None and high is not None and low > high:
        raise ExchangeError(_("The lowest age is above the highest."), "age_max")
    return clean


def _body_number_taken(exchange: Exchange, body_number: str) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    ExchangeRemains.exchange_id == exchange.id,
                    ExchangeRemains.body_number == body_number,
                )
            )
        )
    )


def add_remains(exchange: Exchange, actor: User, **fields: Any) -> ExchangeRemains:
    """Record remains the other side handed over, unidentified: a line of the repatriation."""
    if not actor.can(Permission.EXCHANGE_MANAGE):
        raise ExchangeError(_("Only a supervisor records remains."))
    if exchange.kind != ExchangeKind.REMAINS_REPATRIATION:
        raise ExchangeError(_("Remains are recorded in a repatriation of remains."))
    clean = check_remains_fields(fields)
    taken = _("This exchange already has remains with this body number.")
    if _body_number_taken(exchange, clean["body_number"]):
        raise ExchangeError(taken, "body_number")
    line = ExchangeLine(exchange_id=exchange.id, is_remains=True)
    db.session.add(line)
    db.session.flush()
    remains = ExchangeRemains(line=line, exchange_id=exchange.id, **clean)
    db.session.add(remains)
    try:
        # Two supervisors typing the same body number at once: the database's unique key says no.
        db.session.flush()
    except IntegrityError as error:
        raise ExchangeError(taken, "body_number") from error
    db.session.add(ExchangeLineEvent(line_id=line.id, actor_id=actor.id, target=line.state))
    _event(exchange, actor, ExchangeEventKind.REMAINS_ADDED, line_id=line.id)
    db.session.flush()
    return remains


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemainsList:
    """The remains of a repatriation a reader may see, and how many others there are."""

    shown: list[ExchangeRemains]
    hidden: int


def _remains_query(exchange: Exchange) -> Select:
    return (
        select(ExchangeRemains)
        .join(ExchangeRemains.line)
        .where(ExchangeRemains.exchange_id == exchange.id)
    )


def remains_list(user: User, exchange: Exchange, state: str | None = None) -> RemainsList:
    """The repatriation's remains in body-number order, filtered by link state; those linked to
    a case this reader may not open only counted."""
    query = _remains_query(exchange).options(
        joinedload(ExchangeRemains.line).joinedload(ExchangeLine.case),
        joinedload(ExchangeRemains.proposed_case),
    )
    if state in set(LinkState):
        query = query.where(_link_condition(LinkState(state)))
    rows = db.session.scalars(query.order_by(ExchangeRemains.body_number)).all()
    shown = [r for r in rows if _may_see_line(user, r.line)]
    return RemainsList(shown=shown, hidden=len(rows) - len(shown))


def remains_counts(exchange: Exchange) -> dict[LinkState, int]:
    """How many remains are unlinked, proposed and linked (numbers only: any reader)."""
    counts = {}
    for state in LinkState:
        query = _remains_query(exchange).where(_link_condition(state))
        counts[state] = db.session.scalar(query.with_only_columns(func.count())) or 0
    return counts


def remains_history(user: User, remains: ExchangeRemains) -> list[ExchangeEvent]:
    """What happened to these remains, oldest first: recorded, proposals and decisions, state
    changes (the exchange's events about their line); a proposal naming a case this reader may
    not open is left out, as on the exchange's timeline."""
    events = db.session.scalars(
        remains.exchange.events.select()
        .where(ExchangeEvent.data["line_id"].as_integer() == remains.line_id)
        .options(joinedload(ExchangeEvent.actor))
        .order_by(ExchangeEvent.at, ExchangeEvent.id)
    ).all()
    readable: dict[Any, bool] = {}
    for event in events:
        case_id = (event.data or {}).get("case_id")
        if case_id is not None and case_id not in readable:
            case = db.session.get(Case, case_id)
            readable[case_id] = case is not None and can_read_case(user, case)
    return [e for e in events if readable.get((e.data or {}).get("case_id"), True)]


def can_propose_link(user: User) -> bool:
    """Whoever works on cases may propose; which case is checked against the case itself."""
    return user.can(Permission.EXCHANGE_READ) and user.can(Permission.CASE_EDIT)


# --- the two-person link ------------------------------------------------------------------


def _check_version(remains: ExchangeRemains, expected_version: int | None) -> None:
    if expected_version is not None and remains.version != expected_version:
        raise ExchangeError(_("Someone else changed these remains meanwhile; reload the page."))


def _case_in_exchange(remains: ExchangeRemains, case: Case) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    ExchangeLine.exchange_id == remains.exchange_id,
                    ExchangeLine.case_id == case.id,
                )
            )
        )
    )


def _check_linkable(remains: ExchangeRemains, case: Case) -> None:
    if case.archived:
        raise ExchangeError(_("An archived case cannot be linked."), "case_number")
    if case.status == CaseStatus.CLOSED:
        raise ExchangeError(
            _("This case is closed; reopen it before linking remains to it."), "case_number"
        )
    if _case_in_exchange(remains, case):
        raise ExchangeError(_("This case already has a line in this exchange."), "case_number")


@_refusing_stale_saves
def propose_link(
    remains: ExchangeRemains,
    actor: User,
    case: Case,
    reason: str,
    expected_version: int | None = None,
) -> None:
    """The first person of two: "these remains are this case", saying why. The actor must
    be able to read the case (else it is "no such case": its existence is not theirs to learn)."""
    if not can_propose_link(actor):
        raise ExchangeError(_("You may not propose this."))
    if not can_read_case(actor, case):
        raise ExchangeError(_("No such case."), "case_number")
    record_link_proposal(remains, actor, case, reason, expected_version)


@_refusing_stale_saves
def record_link_proposal(
    remains: ExchangeRemains,
    actor: User,
    case: Case,
    reason: str,
    expected_version: int | None = None,
) -> None:
    """The proposal itself, for a caller that has decided ``actor`` may propose ``case``:
    :func:`propose_link` (a reader of the case), or a DNA identification's handoff
    (app.identification: a DNA reviewer proposes the case a screening found, without being
    given the case to read). The second person's decision is the same either way."""
    _check_version(remains, expected_version)
    if remains.line.case_id is not None:
        raise ExchangeError(_("These remains are already linked to a case."))
    if remains.proposed_case_id is not None:
        raise ExchangeError(_("A link is already proposed for these remains."))
    if not reason.strip():
        raise ExchangeError(_("Write down why you believe these are the person."), "reason")
    _check_linkable(remains, case)
    remains.proposed_case_id = case.id
    remains.link_proposed_by_id = actor.id
    remains.link_proposed_at = utcnow()
    remains.link_proposal_reason = reason.strip()
    _event(
        remains.exchange,
        actor,
        ExchangeEventKind.REMAINS_LINK_PROPOSED,
        reason.strip(),
        line_id=remains.line_id,
        case_id=case.id,
    )
    _flush()


@_refusing_stale_saves
def decide_link(
    remains: ExchangeRemains,
    actor: User,
    approve: bool,
    reason: str,
    *,
    family_step: str = "",
    family_step_due: date | None = None,
    expected_version: int | None = None,
) -> None:
    """The second person: a supervisor other than the proposer approves (the remains become the
    case's line; the case gets the family-contact next step and is closed as found deceased) or
    rejects (the proposal is withdrawn, the case untouched), in both cases saying why."""
    if not actor.can(Permission.EXCHANGE_MANAGE):
        raise ExchangeError(_("Only a supervisor confirms a link."))
    _check_version(remains, expected_version)
    if not remains.link_pending:
        raise ExchangeError(_("No link is proposed for these remains."))
    if remains.link_proposed_by_id == actor.id:
        raise ExchangeError(_("A second person confirms a link: not the one who proposed it."))
    if not reason.strip():
        raise ExchangeError(_("Write down the reason for your decision."), "reason")
    if approve and not family_step.strip():
        raise ExchangeError(_("Say how the family is to be told."), "family_step")
    case = remains.proposed_case
    if case is None:  # the proposal was withdrawn in this session
        raise ExchangeError(_("No link is proposed for these remains."))
    data = {"line_id": remains.line_id, "case_id": case.id}
    if not approve:
        remains.proposed_case_id = None
        remains.link_proposed_by_id = None
        remains.link_proposed_at = None
        remains.link_proposal_reason = ""
        _event(
            remains.exchange, actor, ExchangeEventKind.REMAINS_LINK_REJECTED, reason.strip(), **data
        )
        _flush()
        record(AuditAction.REJECT, remains, detail={"proposal": "link", "case_id": case.id})
        return
    _check_linkable(remains, case)
    remains.link_approved_by_id = actor.id
    remains.link_approved_at = utcnow()
    remains.link_approval_reason = reason.strip()
    remains.line.case = case
    _event(remains.exchange, actor, ExchangeEventKind.REMAINS_LINK_APPROVED, reason.strip(), **data)
    # The remains' own rows first: a second approval at the same moment is refused here, before
    # anything is written to the case.
    _flush()
    record(AuditAction.APPROVE, remains, detail={"proposal": "link", "case_id": case.id})
    _close_as_deceased(
        case, remains.line, actor, reason.strip(), family_step.strip(), family_step_due
    )
    _flush()
