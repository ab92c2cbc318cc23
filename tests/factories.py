"""Plain factory functions for tests. They flush; the caller commits when it needs to."""

from __future__ import annotations

import itertools

from app.auth.models import User
from app.extensions import db

_sequence = itertools.count(1)
DEFAULT_PASSWORD = "correct-horse-battery-9"


def make_user(role: str = "caseworker", password: str = DEFAULT_PASSWORD, **fields) -> User:
    n = next(_sequence)
    user = User(
        email=fields.pop("email", f"user{n}@example.org"),
        name=fields.pop("name", f"Test User {n}"),
        role=role,
        active=fields.pop("active", True),
        **fields,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_second_factor(user: User, secret: str | None = None) -> list[str]:
    """Give ``user`` an authenticator (a known ``secret`` if given) as if they had enrolled;
    returns their recovery codes."""
    from app.auth import second_factor
    from app.auth.models import RecoveryCode

    user.totp_secret = secret or second_factor.new_secret()
    codes = second_factor.new_recovery_codes()
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=second_factor.hash_recovery_code(code))
        for code in codes
    )
    db.session.flush()
    return codes


def make_source_list(name: str | None = None, **fields):
    from app.cases.models import SourceList

    source_list = SourceList(name=name or f"Test list {next(_sequence)}", **fields)
    db.session.add(source_list)
    db.session.flush()
    return source_list


def make_case(actor: User, source_list=None, **fields):
    """A case opened through the service, so keys and timeline exist as in real use."""
    from app.cases.services import open_case

    fields.setdefault("family_name", "Коваленко")
    fields.setdefault("given_name", "Олександр")
    status = fields.pop("status", None)
    closure_reason = fields.pop("closure_reason", None)
    assigned_to = fields.pop("assigned_to", None)
    case = open_case(source_list or make_source_list(), actor, **fields)
    if status is not None:
        case.status = status
        case.closure_reason = closure_reason
    if assigned_to is not None:
        case.assigned_to_id = assigned_to.id
    db.session.flush()
    return case
