"""User operations. They flush, never commit; the caller commits once."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit.models import AuditAction
from app.audit.services import record
from app.auth.models import User
from app.auth.passwords import password_problems
from app.auth.permissions import Role
from app.database import utcnow
from app.extensions import db


class UserError(ValueError):
    pass


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, auditing success and failure."""
    user = find_user_by_email(email)
    if user is None or not user.active or not user.check_password(password):
        # The attempted e-mail is not stored: it may be a person's address typed by mistake.
        record(AuditAction.LOGIN_FAILED, object_type="user", object_id=user.id if user else None)
        return None
    user.last_login_at = utcnow()
    record(AuditAction.LOGIN, user, actor_id=user.id)
    return user


def create_user(email: str, name: str, role: str, password: str) -> User:
    email = email.strip().lower()
    if role not in {r.value for r in Role}:
        raise UserError(_("Unknown role."))
    if find_user_by_email(email) is not None:
        raise UserError(_("A user with this e-mail already exists."))
    problems = password_problems(password, email)
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
    user.name = name.strip()
    user.role = Role(role).value
    user.active = active
    db.session.flush()
