"""User operations. They flush, never commit; the caller commits once."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from app.audit.models import AuditAction
from app.audit.services import record
from app.auth import second_factor
from app.auth.models import RecoveryCode, User
from app.auth.passwords import password_problems, verify_nothing
from app.auth.permissions import Role
from app.database import utcnow
from app.extensions import db


class UserError(ValueError):
    """A refused operation: the message to show, and the form field it is about, if one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (audited as a failed sign-in).

    Exactly one password verification whatever the outcome: an unknown or deactivated account
    is checked against a dummy hash, so the time taken does not say whether it exists. A right
    password is only the first step when the user has (or must have) a second factor; the
    caller records the sign-in with :func:`record_sign_in` once it is complete."""
    user = find_user_by_email(email)
    if user is None:
        verify_nothing(password)
    elif user.check_password(password) and user.active:
        return user
    # The attempted e-mail is not stored: it may be a person's address typed by mistake.
    record(AuditAction.LOGIN_FAILED, object_type="user", object_id=user.id if user else None)
    return None


def record_sign_in(user: User, factor: str | None = None) -> None:
    """The user is signed in (after the second factor, if any): audited, with the factor."""
    user.last_login_at = utcnow()
    record(AuditAction.LOGIN, user, actor_id=user.id, detail={"second_factor": factor})


def needs_second_factor(user: User, required_roles: Iterable[str]) -> bool:
    """Whether this user must give a code after the password: they have a factor, or their
    role requires one (``SECOND_FACTOR_ROLES``)."""
    return user.has_second_factor or user.role in set(required_roles)


def required_roles(setting: str) -> frozenset[str]:
    """The roles named in the ``SECOND_FACTOR_ROLES`` setting ("supervisor,admin")."""
    return frozenset(part.strip() for part in setting.split(",") if part.strip())


def sign_out(user: User) -> None:
    """End the user's sessions on the server (a copy of the cookie stops working too)."""
    user.end_sessions()
    record(AuditAction.LOGOUT, user)


def end_sessions(user: User, *, acting: User) -> None:
    """An administrator signs a user out everywhere (a lost laptop, a shared computer)."""
    user.end_sessions()
    db.session.flush()
    record(AuditAction.SESSIONS_ENDED, user, actor_id=acting.id)


def change_password(user: User, current: str, new: str) -> None:
    """The user changes their own password; every other session of theirs ends (the caller
    signs the current one in again with the new token)."""
    if not user.check_password(current):
        raise UserError(_("The current password is wrong."), field="current_password")
    problems = password_problems(new, user.email, user.name)
    if problems:
        raise UserError(" ".join(problems), field="password")
    user.set_password(new)
    user.end_sessions()
    db.session.flush()
    record(AuditAction.PASSWORD_CHANGE, user, actor_id=user.id)


def enrol_second_factor(user: User, secret: str, code: str) -> list[str] | None:
    """Save ``secret`` as the user's authenticator once ``code`` proves the app has it.
    Returns the new recovery codes (to show once; only their hashes are stored), or None when
    the code is wrong."""
    step = second_factor.matching_step(secret, code)
    if step is None:
        record(AuditAction.SECOND_FACTOR_FAILED, user, actor_id=user.id)
        return None
    user.totp_secret = secret
    user.totp_last_step = step
    codes = second_factor.new_recovery_codes()
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=second_factor.hash_recovery_code(code))
        for code in codes
    )
    db.session.flush()
    record(AuditAction.SECOND_FACTOR_ENROLLED, user, actor_id=user.id)
    return codes


def check_second_factor(user: User, code: str) -> str | None:
    """Which factor ``code`` is ("totp" or "recovery"), used up so it cannot serve again; None
    (audited) when it is wrong, already used, or the user has no factor."""
    if user.totp_secret is not None:
        if second_factor.is_totp_code(code):
            step = second_factor.matching_step(user.totp_secret, code, user.totp_last_step)
            if step is not None:
                user.totp_last_step = step
                db.session.flush()
                return "totp"
        else:
            recovery = db.session.scalar(
                select(RecoveryCode).where(
                    RecoveryCode.user_id == user.id,
                    RecoveryCode.code_hash == second_factor.hash_recovery_code(code),
                    RecoveryCode.used_at.is_(None),
                )
            )
            if recovery is not None:
                recovery.used_at = utcnow()
                db.session.flush()
                record(AuditAction.RECOVERY_CODE_USED, user, actor_id=user.id)
                return "recovery"
    record(AuditAction.SECOND_FACTOR_FAILED, user, actor_id=user.id)
    return None


def unused_recovery_codes(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def reset_second_factor(user: User, *, acting: User) -> None:
    """A lost device: an administrator removes the user's factor and recovery codes and ends
    their sessions. A user whose role requires a factor enrols again at the next sign-in."""
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.end_sessions()
    db.session.flush()
    record(AuditAction.SECOND_FACTOR_RESET, user, actor_id=acting.id)


def create_user(email: str, name: str, role: str, password: str) -> User:
    email = email.strip().lower()
    if role not in {r.value for r in Role}:
        raise UserError(_("Unknown role."))
    if find_user_by_email(email) is not None:
        raise UserError(_("A user with this e-mail already exists."))
    problems = password_problems(password, email, name)
    if problems:
        raise UserError(" ".join(problems))
    user = User(email=email, name=name.strip(), role=role, active=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, *, acting: User, name: str, role: str, active: bool) -> None:
    if user.id == acting.id and (role != user.role or not active):
        # An admin who demotes or deactivates themself can lock everybody out.
        raise UserError(_("You cannot change your own role or deactivate yourself."))
    if active != user.active or role != user.role:
        # Deactivation ends the sessions; so does reactivation, so that a cookie copied before
        # the deactivation does not come back to life with the account. A new role signs in
        # again, so that it meets its own rules (a supervisor's second factor).
        user.end_sessions()
    user.name = name.strip()
    user.role = Role(role).value
    user.active = active
    db.session.flush()
