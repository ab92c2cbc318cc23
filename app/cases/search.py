"""Case search across scripts: every name is stored as normalised keys (``case_name_key``)
so that ``Oleksandr Kovalenko``, ``Александр Коваленко`` and ``коваленко олександр`` meet in
one index lookup per word, never a scan in Python."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, and_, or_, select, union
from sqlalchemy.orm import joinedload

from app import tallies
from app.auth.models import User
from app.cases.access import can_read_all, can_read_case, visible_cases
from app.cases.labels import AGE_BANDS
from app.cases.models import Case, CaseNameKey, CaseStatus, parse_case_number
from app.cases.queues import CASE_SORTS
from app.database import utcnow
from app.extensions import db
from app.name_search import among_ids, ids_with_names
from app.sorting import Sort, ordering, parse_sort

# The status filter's "every status but closed": the queues' open cases, so that a queue's
# count and the list behind its link are the same cases.
OPEN = "open"

DEFAULT_CASE_SORT = "-activity"


def case_sort(value: str | None) -> Sort:
    """The case list's order from its ``sort`` parameter; anything unknown is the default."""
    return parse_sort(value, CASE_SORTS, DEFAULT_CASE_SORT)


@dataclass
class CaseFilters:
    text: str = ""
    status: str = ""  # a CaseStatus, OPEN, or "" for any
    source_list_id: int | None = None
    region: str = ""
    assigned_to_id: int | None = None
    unassigned: bool = False
    age_band: str = ""
    include_archived: bool = False
    stale_days: int | None = None  # open cases with no activity for this many days
    sort: Sort = field(default_factory=lambda: case_sort(DEFAULT_CASE_SORT))


def kept_total(user: User, filters: CaseFilters) -> int | None:
    """The number of cases :func:`search_cases` finds, from the totals the database keeps
    (app/tallies.py), when they hold it: for a user who reads every case, filtered by status
    alone or not at all. None otherwise (the list counts its rows). At national scale a
    supervisor's list of all new cases counted 20,000 index entries for each page."""
    narrowed = CaseFilters(status=filters.status, sort=filters.sort)
    if filters != narrowed or not can_read_all(user):
        return None
    by_status = tallies.case_status_totals()
    if filters.status == OPEN:
        return sum(n for status, n in by_status.items() if status != CaseStatus.CLOSED)
    if filters.status:
        return by_status.get(filters.status, 0)
    return sum(by_status.values())


def _matching_ids(text: str, prefix: bool):
    """Ids of cases with every word of ``text`` among their name keys, or with this list number.

    Matched by ``among_ids``, which lets the planner start from the few matching ids instead of
    filtering every case."""
    by_name = ids_with_names(CaseNameKey.case_id, CaseNameKey.key, text, prefix)
    by_number = select(Case.id).where(Case.external_id == text)
    if by_name is None:
        return None if prefix else by_number
    return union(by_name, by_number)


def search_cases(user: User, filters: CaseFilters, prefix: bool = False) -> Select:
    """The cases this user may see that match, each with its caseworker (the list shows
    who holds it); in ``filters.sort`` order."""
    query = visible_cases(user).options(joinedload(Case.assigned_to))
    text = filters.text.strip()
    if text:
        case_id = parse_case_number(text)
        if case_id is not None:
            query = query.where(or_(Case.id == case_id, Case.external_id == text))
        else:
            ids = _matching_ids(text, prefix)
            if ids is None:
                return query.where(Case.id.is_(None))
            query = query.where(among_ids(Case.id, ids))
    if filters.status == OPEN:
        query = query.where(Case.is_open)
    elif filters.status:
        query = query.where(Case.status == filters.status)
    if filters.source_list_id:
        query = query.where(Case.source_list_id == filters.source_list_id)
    if filters.region:
        query = query.where(Case.region == filters.region)
    if filters.unassigned:
        query = query.where(Case.assigned_to_id.is_(None))
    elif filters.assigned_to_id:
        query = query.where(Case.assigned_to_id == filters.assigned_to_id)
    if filters.age_band in AGE_BANDS:
        low, high = AGE_BANDS[filters.age_band]
        year = date.today().year
        query = query.where(
            or_(
                Case.dob_year.between(year - high, year - low),
                and_(Case.dob_year.is_(None), Case.estimated_age.between(low, high)),
            )
        )
    if filters.stale_days is not None:
        threshold = utcnow() - timedelta(days=filters.stale_days)
        query = query.where(
            Case.last_activity_at < threshold, Case.status != CaseStatus.CLOSED.value
        )
    if not filters.include_archived:
        query = query.where(Case.archived.is_(False))
    return query.order_by(*ordering(CASE_SORTS, filters.sort))


def readable_case_by_number(user: User, text: str) -> Case | None:
    """The case whose number ``text`` is (``RU-000123``, ``123``), if this user may read it;
    None otherwise, exactly as for a number no case has, so that a search tells nobody that a
    case they may not open exists."""
    case_id = parse_case_number(text)
    if case_id is None:
        return None
    case = db.session.get(Case, case_id)
    return case if case is not None and can_read_case(user, case) else None
