"""Who may read and edit which case: the one place that decides it.

Supervisors read every case; caseworkers the cases assigned to them; admins none (they run the
system, they do not read children's files). An archived case is read-only.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Select, select

from app.auth.models import User
from app.auth.permissions import Permission
from app.cases.models import Case

__all__ = ["Assigned", "can_edit_case", "can_read_all", "can_read_case", "visible_cases"]


class Assigned(Protocol):
    """What deciding who reads a case needs of it: who works on it. A :class:`Case`, or a
    row that names one (the case page's candidates read only this of the other case)."""

    @property
    def assigned_to_id(self) -> int | None: ...


def can_read_all(user: User) -> bool:
    return user.can(Permission.CASE_READ_ALL)


def visible_cases(user: User) -> Select:
    """Cases this user may read: supervisors all, caseworkers those assigned to them."""
    query = select(Case)
    if not can_read_all(user):
        query = query.where(Case.assigned_to_id == user.id)
    return query


def can_read_case(user: User, case: Assigned) -> bool:
    if not user.can(Permission.CASE_READ):
        return False
    return can_read_all(user) or case.assigned_to_id == user.id


def can_edit_case(user: User, case: Case) -> bool:
    return user.can(Permission.CASE_EDIT) and can_read_case(user, case) and not case.archived
