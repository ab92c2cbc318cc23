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
