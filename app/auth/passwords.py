"""Argon2id password hashing and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

# Tests log in hundreds of times; a cheap profile keeps them fast. Production uses the
# argon2-cffi defaults (RFC 9106 low-memory profile).
_HASHERS = {
    "default": PasswordHasher(),
    "test": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}

COMMON_PASSWORDS = frozenset(
    {
        "password1234",
        "123456789012",
        "qwertyuiop12",
        "passwordpassword",
        "iloveyou1234",
        "administrator",
        "letmein12345",
        "welcome12345",
        "qwerty123456",
        "000000000000",
        "111111111111",
        "abc123456789",
    }
)


def _hasher() -> PasswordHasher:
    profile = (
        current_app.config.get("ARGON2_PROFILE", "default") if has_app_context() else "default"
    )
    return _HASHERS[profile]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problems(password: str, email: str = "") -> list[str]:
    """Reasons a password breaks the policy; empty when it is acceptable."""
    min_length = current_app.config.get("PASSWORD_MIN_LENGTH", 12) if has_app_context() else 12
    problems = []
    if len(password) < min_length:
        problems.append(str(_l("Use at least %(n)d characters.", n=min_length)))
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 5:
        problems.append(str(_l("This password is too easy to guess.")))
    local_part = email.split("@")[0].lower()
    if len(local_part) >= 4 and local_part in password.lower():
        problems.append(str(_l("Do not use your e-mail address in the password.")))
    return problems
