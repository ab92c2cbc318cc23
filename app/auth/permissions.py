"""Named permissions, the roles that hold them, and the one decorator every view uses."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import ParamSpec, Protocol, TypeVar, cast

from flask import Flask, abort
from flask_login import current_user

from app.extensions import login_manager


class Permission(StrEnum):
    """``resource:action`` names. PUBLIC marks the few views that need no login."""

    PUBLIC = "public"
    APP_USE = "app:use"  # any signed-in user: home, language, own profile
    CASE_READ = "case:read"  # cases assigned to the user
    CASE_READ_ALL = "case:read_all"  # every case
    CASE_CREATE = "case:create"
    CASE_EDIT = "case:edit"
    CASE_ASSIGN = "case:assign"
    CASE_APPROVE = "case:approve"
    SOURCE_LIST_VIEW = "source_list:view"
    SOURCE_LIST_MANAGE = "source_list:manage"
    IMPORT_RUN = "import:run"  # partner records, and one's own batches
    IMPORT_READ_ALL = "import:read_all"  # every user's batches
    CASE_IMPORT = "case:import"  # a cases list: writes cases assigned to anyone
    RECORD_READ = "record:read"
    MATCH_REVIEW = "match:review"
    MATCH_APPROVE = "match:approve"
    EXPORT_RUN = "export:run"
    EXCHANGE_READ = "exchange:read"  # exchanges that hold a case the user reads
    EXCHANGE_MANAGE = "exchange:manage"  # record exchanges, their lines and their outcomes
    USER_MANAGE = "user:manage"
    AUDIT_READ = "audit:read"
    # DNA identification (app.identification). Profiles are more sensitive than names: only
    # DNA reviewers read them; caseworkers see results on their cases, never profiles.
    DNA_PROFILE_READ = "dna:profile:read"
    DNA_PROFILE_IMPORT = "dna:profile:import"  # laboratory files
    DNA_SCREENING_RUN = "dna:screening:run"
    DNA_IDENTIFICATION_PROPOSE = "dna:identification:propose"  # hand a result to the link
    DNA_FREQUENCIES_MANAGE = "dna:frequencies:manage"  # allele frequency tables


class Role(StrEnum):
    CASEWORKER = "caseworker"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    DNA_REVIEWER = "dna_reviewer"


_CASEWORKER = {
    Permission.APP_USE,
    Permission.CASE_READ,
    Permission.CASE_CREATE,
    Permission.CASE_EDIT,
    Permission.SOURCE_LIST_VIEW,
    Permission.IMPORT_RUN,
    Permission.RECORD_READ,
    Permission.MATCH_REVIEW,
    Permission.EXPORT_RUN,
    Permission.EXCHANGE_READ,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASEWORKER: frozenset(_CASEWORKER),
    Role.SUPERVISOR: frozenset(
        _CASEWORKER
        | {
            Permission.CASE_READ_ALL,
            Permission.CASE_ASSIGN,
            Permission.CASE_APPROVE,
            Permission.MATCH_APPROVE,
            Permission.IMPORT_READ_ALL,
            Permission.CASE_IMPORT,
            Permission.EXCHANGE_MANAGE,
        }
    ),
    # Admins run the system (users, source lists, audit) but do not read case content.
    Role.ADMIN: frozenset(
        {
            Permission.APP_USE,
            Permission.USER_MANAGE,
            Permission.AUDIT_READ,
            Permission.SOURCE_LIST_VIEW,
            Permission.SOURCE_LIST_MANAGE,
            Permission.DNA_FREQUENCIES_MANAGE,
        }
    ),
    # DNA reviewers read profiles and results, not cases: a proposal names its case by number
    # and the family by the relationships of its samples, which is all the review needs.
    Role.DNA_REVIEWER: frozenset(
        {
            Permission.APP_USE,
            Permission.DNA_PROFILE_READ,
            Permission.DNA_PROFILE_IMPORT,
            Permission.DNA_SCREENING_RUN,
            Permission.DNA_IDENTIFICATION_PROPOSE,
        }
    ),
}


def role_can(role: str, permission: Permission) -> bool:
    if permission is Permission.PUBLIC:
        return True
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False


P = ParamSpec("P")
R = TypeVar("R", covariant=True)


class PermissionedView(Protocol[P, R]):
    """A view that declares its permission (see :func:`routes_without_permission`)."""

    required_permission: Permission
    reads_only: bool

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R: ...


def require(
    permission: Permission, *, reads_only: bool = False
) -> Callable[[Callable[P, R]], PermissionedView[P, R]]:
    """Declare (and enforce) the permission a view needs. Every view must use this.

    ``reads_only``: the view (on GET) never writes, so its request may read a snapshot
    instead of queueing for SQLite's one writer (``app.sqlite``); a write in it is refused."""

    def decorator(view: Callable[P, R]) -> PermissionedView[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if permission is not Permission.PUBLIC:
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                if not current_user.can(permission):
                    abort(403)
            return view(*args, **kwargs)

        declared = cast(PermissionedView[P, R], wrapped)
        declared.required_permission = permission
        declared.reads_only = reads_only
        return declared

    return decorator


public = require(Permission.PUBLIC)

# Endpoints Flask itself adds; they serve only files from static/.
EXEMPT_ENDPOINTS = frozenset({"static"})


def routes_without_permission(app: Flask) -> list[str]:
    """Endpoints whose view does not declare a permission with @require."""
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT_ENDPOINTS:
            continue
        view = app.view_functions[rule.endpoint]
        if not isinstance(getattr(view, "required_permission", None), Permission):
            missing.append(rule.endpoint)
    return missing


def check_every_route_declares_permission(app: Flask) -> None:
    """Refuse to start when a view forgot @require: least privilege cannot be forgotten."""
    missing = routes_without_permission(app)
    if missing:
        raise RuntimeError(f"routes without @require(...): {', '.join(sorted(missing))}")
