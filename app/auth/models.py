from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from functools import cache

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Select, String, bindparam, select
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.passwords import hash_password, verify_password
from app.auth.permissions import Permission, Role, role_can
from app.database import TZDateTime, created_at, intpk
from app.extensions import Model, db, login_manager


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "role IN ('caseworker', 'supervisor', 'admin', 'dna_reviewer')", name="role_known"
        ),
    )
    # Logging in updates these; they are not changes anyone needs in the audit trail. Rotating
    # the session token and using a code have explicit audit events of their own.
    __audit_ignore__ = frozenset({"last_login_at", "session_token", "totp_last_step"})

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[created_at]
    last_login_at: Mapped[datetime | None]
    # Every signed-in session carries this token (see get_id); changing it ends them all, on
    # the server, whoever holds a copy of the cookie.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # The TOTP secret of the user's authenticator app (base32). It is shown once, while the
    # user enrols, and never again; it never reaches a log or an audit event.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # The last 30-second time step whose code was accepted: a code is good only once.
    totp_last_step: Mapped[int | None]

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return verify_password(self.password_hash, password)

    def get_id(self) -> str:
        """Flask-Login's "alternative id": the session names the token as well as the user, so
        that :func:`load_user` refuses a session whose token was rotated."""
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Sign this user out everywhere: every session carrying the old token stops working."""
        self.session_token = new_session_token()

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def can(self, permission: Permission) -> bool:
        return self.active and role_can(self.role, permission)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class RecoveryCode(Model):
    """One-time codes for signing in when the authenticator app is lost; only their hashes."""

    __tablename__ = "recovery_code"
    # Their creation is audited once, as the enrolment; per-row events would say nothing more.
    __audited__ = False

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # SHA-256 of the code: the codes are random (50 bits), so a slow hash buys nothing.
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(TZDateTime)


def user_from_session_id(session_id: str) -> User | None:
    """The active user whose id *and* current session token are in ``session_id``."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None  # a session from before tokens, or a forged one
    user = db.session.execute(_user_by_id(), {"id": int(user_id)}).scalar_one_or_none()
    if user is None or not user.active:
        return None
    return user if hmac.compare_digest(user.session_token, token) else None


@cache
def _user_by_id() -> Select:
    # Every signed-in request reads its user: a statement built once cost a quarter fewer
    # Python calls than session.get, which builds and keys its own on every call (the user is
    # never in a new request's session yet, so the identity map had nothing to give).
    return select(User).where(User.id == bindparam("id"))


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    return user_from_session_id(session_id)
