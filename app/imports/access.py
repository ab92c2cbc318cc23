"""Who may see and run which import batch: the one place that decides it.

A batch belongs to the person who uploaded it and to supervisors. Its preview, its page and its
problem report show cell values (a child's name, a mother's phone), so another caseworker may
not even learn that it exists: the routes answer 404. Importing *cases* writes cases assigned
to anyone (a list names them by number), so only supervisors may; caseworkers import partner
records, which belong to no caseworker.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from app.auth.models import User
from app.auth.permissions import Permission
from app.imports.models import ImportBatch, ImportKind

__all__ = ["can_run_kind", "can_see_batch", "importable_kinds", "visible_batches"]


def can_run_kind(user: User, kind: ImportKind | str) -> bool:
    """May ``user`` upload, start or retry an import of this kind?"""
    if not user.can(Permission.IMPORT_RUN):
        return False
    return ImportKind(kind) is not ImportKind.CASES or user.can(Permission.CASE_IMPORT)


def importable_kinds(user: User) -> list[ImportKind]:
    return [kind for kind in ImportKind if can_run_kind(user, kind)]


def can_see_batch(user: User, batch: ImportBatch) -> bool:
    """The uploader and supervisors; a command-line batch (no uploader) only supervisors."""
    if not user.can(Permission.IMPORT_RUN):
        return False
    return user.can(Permission.IMPORT_READ_ALL) or (
        batch.created_by_id is not None and batch.created_by_id == user.id
    )


def visible_batches(user: User) -> Select[tuple[ImportBatch]]:
    """The batches ``user`` may see, as a query to order and paginate."""
    query = select(ImportBatch)
    if not user.can(Permission.IMPORT_READ_ALL):
        query = query.where(ImportBatch.created_by_id == user.id)
    return query
