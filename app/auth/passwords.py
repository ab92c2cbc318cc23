"""Argon2id password hashing and the password policy."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from zxcvbn import zxcvbn

# Tests log in hundreds of times; a cheap profile keeps them fast. Production uses the
# argon2-cffi defaults (RFC 9106 low-memory profile).
_HASHERS = {
    "default": PasswordHasher(),
    "test": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}

# zxcvbn scores 0 (guessed at once) to 4 (very unguessable); 3 is "safely unguessable" against
# an offline attack on slow hashes. It refuses passwords longer than 72 characters, and its
# cost grows with the length, so only the start of a long passphrase is judged (the rest can
# only make it stronger).
MIN_STRENGTH = 3
_JUDGED_LENGTH = 72
# Longer than any passphrase a person types; bounds the work of hashing what a form sends.
MAX_PASSWORD_LENGTH = 256


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


@cache
def _dummy_hash(profile: PasswordHasher) -> str:
    return profile.hash("no account has this password")


def verify_nothing(password: str) -> bool:
    """Spend the time of one verification when there is no hash to check (an unknown or
    deactivated account), so that a failed sign-in takes as long whether or not the account
    exists. The dummy hash has the same argon2 parameters as real ones. Always False."""
    verify_password(_dummy_hash(_hasher()), password)
    return False


def password_problems(password: str, email: str = "", name: str = "") -> list[str]:
    """Reasons a password breaks the policy; empty when it is acceptable."""
    min_length = current_app.config.get("PASSWORD_MIN_LENGTH", 12) if has_app_context() else 12
    problems = []
    if len(password) < min_length:
        problems.append(
            ngettext(
                "Use at least %(num)d character.", "Use at least %(num)d characters.", min_length
            )
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(
            ngettext(
                "Use at most %(num)d character.",
                "Use at most %(num)d characters.",
                MAX_PASSWORD_LENGTH,
            )
        )
    local_part = email.split("@")[0].lower()
    if len(local_part) >= 4 and local_part in password.lower():
        problems.append(str(_l("Do not use your e-mail address in the password.")))
    if password and not problems:
        # The person's own e-mail and name are the first guesses of anyone who knows them.
        user_inputs = [part for part in (email, local_part, *name.split()) if part]
        estimate = zxcvbn(password[:_JUDGED_LENGTH], user_inputs=user_inputs)
        if estimate["score"] < MIN_STRENGTH:
            # zxcvbn's own advice is in English; our sentence comes first, translated.
            feedback = estimate["feedback"]
            advice = [feedback["warning"], *feedback["suggestions"]]
            problems.append(
                " ".join(
                    [str(_l("This password is too easy to guess.")), *(a for a in advice if a)]
                )
            )
    return problems
