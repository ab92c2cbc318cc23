"""List versions: an exchange's list frozen as it was handed over, every version kept.

The same list goes to the other side again and again, with people added, removed and their
details corrected. :func:`make_version` copies each line's person as they stand at that moment
(names in both scripts, the date of birth as stored, sex, places, document number, category)
into a numbered version that nothing changes afterwards: a later edit of a case, a line's
category or the lines themselves leaves every earlier version as it was handed over.

What changed between two versions is :func:`app.exchanges.listdiff.diff_versions` over their
rows (:func:`version_rows`, which is also what an export of a version reads).

Who sees what follows the exchange's rule (``services``): supervisors every row, a caseworker
the rows of the cases they may read and of partner records; the others are counted, never named.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, false, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.audit.models import AuditAction
from app.audit.services import record
from app.auth.models import User
from app.auth.permissions import Permission
from app.cases.access import can_read_all, visible_cases
from app.cases.models import Case
from app.dates import PartialDate
from app.exchanges.listdiff import ListDiff, diff_versions
from app.exchanges.models import (
    Exchange,
    ExchangeEventKind,
    ExchangeLine,
    ExchangeListVersion,
    ExchangeListVersionPerson,
)
from app.exchanges.services import _event as exchange_event
from app.exchanges.workflow import ExchangeError
from app.extensions import db
from app.records.models import PartnerRecord

__all__ = [
    "VersionComparison",
    "VersionPeople",
    "compare_versions",
    "latest_version",
    "list_versions",
    "make_version",
    "people_read",
    "previous_version",
    "row_of",
    "version_people",
    "version_rows",
]

Person = ExchangeListVersionPerson


# --- snapshots --------------------------------------------------------------------------------


def _identity(line: ExchangeLine) -> dict[str, Any]:
    """The line's person as handed over now: the columns of a version's row."""
    category = line.category.name if line.category else ""
    if line.case is not None:
        case: Case = line.case
        return {
            "case_id": case.id,
            "record_id": None,
            "reference": case.case_number,
            "family_name": case.family_name,
            "given_name": case.given_name,
            "patronymic": case.patronymic,
            "family_name_latin": case.family_name_latin,
            "given_name_latin": case.given_name_latin,
            "dob_year": case.dob_year,
            "dob_month": case.dob_month,
            "dob_day": case.dob_day,
            "sex": case.sex,
            "place_of_birth": case.place_of_birth,
            "last_known_place": case.last_known_place,
            "region": case.region,
            "document_number": case.document_number,
            "category": category,
        }
    partner: PartnerRecord = line.record  # type: ignore[assignment]  # one of the two is set
    return {
        "case_id": None,
        "record_id": partner.id,
        "reference": partner.external_id,
        "family_name": partner.family_name,
        "given_name": partner.given_name,
        "patronymic": partner.patronymic,
        # A partner's list gives no Latin spelling.
        "family_name_latin": "",
        "given_name_latin": "",
        "dob_year": partner.dob_year,
        "dob_month": partner.dob_month,
        "dob_day": partner.dob_day,
        "sex": partner.sex,
        "place_of_birth": partner.place_of_birth,
        # Where the other side says the person is: the record's last known place.
        "last_known_place": partner.current_location or partner.place_of_origin,
        "region": partner.region,
        "document_number": partner.document_number,
        "category": category,
    }


def row_of(person: ExchangeListVersionPerson) -> dict[str, Any]:
    """A version's person as a plain row: ``key`` (the person across versions), ``kind``
    ("case" or "record"), ``reference``, the identity fields, and ``date_of_birth`` as its ISO
    partial form ("2014", "2014-03", "2014-03-05", or "" when unknown)."""
    born = (
        PartialDate(person.dob_year, person.dob_month, person.dob_day).isoformat()
        if person.dob_year is not None
        else ""
    )
    return {
        "key": person.key,
        "kind": "case" if person.case_id is not None else "record",
        "position": person.position,
        "case_id": person.case_id,
        "record_id": person.record_id,
        "reference": person.reference,
        "family_name": person.family_name,
        "given_name": person.given_name,
        "patronymic": person.patronymic,
        "family_name_latin": person.family_name_latin,
        "given_name_latin": person.given_name_latin,
        "date_of_birth": born,
        "sex": person.sex,
        "place_of_birth": person.place_of_birth,
        "last_known_place": person.last_known_place,
        "region": person.region,
        "document_number": person.document_number,
        "category": person.category,
    }


# --- who sees which rows ----------------------------------------------------------------------


def _readable(user: User) -> ColumnElement[bool]:
    """The rows this user may read (the exchange's rule for lines, in SQL)."""
    parts: list[ColumnElement[bool]] = []
    if user.can(Permission.CASE_READ):
        if can_read_all(user):
            parts.append(Person.case_id.is_not(None))
        else:
            parts.append(Person.case_id.in_(visible_cases(user).with_only_columns(Case.id)))
    if user.can(Permission.RECORD_READ):
        parts.append(Person.record_id.is_not(None))
    return or_(*parts) if parts else false()


def version_rows(
    version: ExchangeListVersion, user: User | None = None
) -> Iterator[dict[str, Any]]:
    """The version's people as plain rows (:func:`row_of`), in the order handed over: what an
    export of the version reads. With ``user``: only the rows that user may read."""
    query = version.rows.select().order_by(Person.position)
    if user is not None:
        query = query.where(_readable(user))
    # Fetched whole, not streamed: a reader that stops half-way (the diff, an export that
    # fails) would leave PostgreSQL's server-side cursor open; a list is thousands, not millions.
    for person in db.session.scalars(query).all():
        yield row_of(person)


@dataclass(frozen=True)
class VersionPeople:
    """The rows of a version a reader may see, and how many others there are."""

    shown: list[ExchangeListVersionPerson]
    hidden: int


def version_people(user: User, version: ExchangeListVersion) -> VersionPeople:
    shown = db.session.scalars(
        version.rows.select()
        .where(_readable(user))
        .options(selectinload(Person.case), selectinload(Person.record))
        .order_by(Person.position)
    ).all()
    return VersionPeople(shown=list(shown), hidden=version.people - len(shown))


def people_read(rows: Iterable[Mapping[str, Any]]) -> list[Case | PartnerRecord]:
    """The cases and records behind rows a page shows, for ``record_list_read``."""
    rows = list(rows)
    case_ids = {row["case_id"] for row in rows if row["case_id"] is not None}
    record_ids = {row["record_id"] for row in rows if row["record_id"] is not None}
    people: list[Case | PartnerRecord] = []
    if case_ids:
        people.extend(db.session.scalars(select(Case).where(Case.id.in_(case_ids))))
    if record_ids:
        people.extend(
            db.session.scalars(select(PartnerRecord).where(PartnerRecord.id.in_(record_ids)))
        )
    return people


# --- versions ---------------------------------------------------------------------------------


def list_versions(exchange: Exchange) -> Sequence[ExchangeListVersion]:
    """The exchange's versions, newest first."""
    return db.session.scalars(
        select(ExchangeListVersion)
        .where(ExchangeListVersion.exchange_id == exchange.id)
        .options(joinedload(ExchangeListVersion.made_by))
        .order_by(ExchangeListVersion.number.desc())
    ).all()


def latest_version(exchange: Exchange) -> ExchangeListVersion | None:
    return db.session.scalars(
        select(ExchangeListVersion)
        .where(ExchangeListVersion.exchange_id == exchange.id)
        .order_by(ExchangeListVersion.number.desc())
        .limit(1)
    ).first()


def make_version(
    exchange: Exchange,
    actor: User,
    *,
    handed_over_on: date | None = None,
    note: str = "",
    expected_latest: int | None = None,
) -> ExchangeListVersion:
    """Hand over the exchange's list as it stands: a new version numbered after the last,
    with every line's person copied, and its changes since the previous version counted.

    ``expected_latest``: the number of the latest version the actor's page showed (0 for
    none); when another was handed over meanwhile, this one is refused rather than made on a
    list the actor has not seen. Two at once: the exchange's row is locked while numbering
    (PostgreSQL; SQLite's writers queue anyway), and the unique number is the last guard."""
    if not actor.can(Permission.EXCHANGE_MANAGE):
        raise ExchangeError(_("Only a supervisor hands over a list."))
    db.session.execute(select(Exchange.id).where(Exchange.id == exchange.id).with_for_update())
    previous = latest_version(exchange)
    number = previous.number if previous else 0
    if expected_latest is not None and number != expected_latest:
        raise ExchangeError(
            _("Someone else handed over version %(n)d meanwhile; reload the page.", n=number)
        )
    lines = db.session.scalars(
        exchange.lines.select()
        .options(
            joinedload(ExchangeLine.case),
            joinedload(ExchangeLine.record),
            joinedload(ExchangeLine.category),
        )
        .order_by(ExchangeLine.id)
    ).all()
    identities = [_identity(line) for line in lines]
    # Through the same row_of as stored rows (on unsaved rows), so both sides of the diff
    # have one shape.
    new_rows = [
        row_of(Person(position=position, **identity))
        for position, identity in enumerate(identities, start=1)
    ]
    changes: ListDiff = diff_versions(version_rows(previous) if previous else [], new_rows)
    version = ExchangeListVersion(
        exchange_id=exchange.id,
        number=number + 1,
        handed_over_on=handed_over_on,
        note=note.strip(),
        made_by_id=actor.id,
        people=len(identities),
        added=len(changes.added),
        removed=len(changes.removed),
        corrected=len(changes.corrected),
    )
    db.session.add(version)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise ExchangeError(
            _("Someone else handed over a version meanwhile; reload the page.")
        ) from error
    if identities:
        db.session.execute(
            insert(Person),
            [
                {"version_id": version.id, "position": position, **identity}
                for position, identity in enumerate(identities, start=1)
            ],
        )
    exchange_event(
        exchange,
        actor,
        ExchangeEventKind.VERSION_MADE,
        version.note,
        version_id=version.id,
        number=version.number,
    )
    record(
        AuditAction.CREATE,
        version,
        detail={"exchange_id": exchange.id, "number": version.number, "people": version.people},
    )
    db.session.flush()
    return version


# --- comparing --------------------------------------------------------------------------------


def previous_version(version: ExchangeListVersion) -> ExchangeListVersion | None:
    """The version handed over just before this one, if any."""
    return db.session.scalars(
        select(ExchangeListVersion).where(
            ExchangeListVersion.exchange_id == version.exchange_id,
            ExchangeListVersion.number == version.number - 1,
        )
    ).first()


@dataclass(frozen=True)
class VersionComparison:
    """What changed between two versions: every change counted, only those of people the
    reader may see listed (``diff``); ``hidden``: the changes of the others."""

    counts: tuple[int, int, int]  # added, removed, corrected
    diff: ListDiff
    hidden: int


def compare_versions(
    user: User, old: ExchangeListVersion | None, new: ExchangeListVersion
) -> VersionComparison:
    """``old`` → ``new`` (two versions of one exchange; no ``old``: everyone in ``new`` is
    added), narrowed to the people ``user`` may read."""
    full = diff_versions(version_rows(old) if old else [], version_rows(new))
    ids = [new.id] if old is None else [old.id, new.id]
    readable = db.session.execute(
        select(Person.case_id, Person.record_id)
        .where(Person.version_id.in_(ids), _readable(user))
        .distinct()
    ).all()
    keys = {f"case:{c}" if c is not None else f"record:{r}" for c, r in readable}
    shown = full.only(keys)
    counts = (len(full.added), len(full.removed), len(full.corrected))
    visible = len(shown.added) + len(shown.removed) + len(shown.corrected)
    return VersionComparison(counts=counts, diff=shown, hidden=sum(counts) - visible)
