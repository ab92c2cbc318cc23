from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import TZDateTime, intpk, utcnow
from app.extensions import Model, db


class AuditAction(StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    SESSIONS_ENDED = "sessions_ended"
    PASSWORD_CHANGE = "password_change"  # noqa: S105 - an action name, not a password
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled"
    SECOND_FACTOR_FAILED = "second_factor_failed"
    SECOND_FACTOR_RESET = "second_factor_reset"
    RECOVERY_CODE_USED = "recovery_code_used"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    READ = "read"
    STATUS_CHANGE = "status_change"
    ASSIGN = "assign"
    APPROVE = "approve"
    REJECT = "reject"
    IMPORT = "import"
    EXPORT = "export"
    MERGE = "merge"


class AuditEvent(Model):
    """Append-only: the ORM refuses updates and deletes, and so do database triggers."""

    __tablename__ = "audit_event"
    __audited__ = False
    __table_args__ = (
        Index("ix_audit_event_object", "object_type", "object_id"),
        Index("ix_audit_event_at", "at"),
    )

    id: Mapped[intpk]
    at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(30), index=True)
    object_type: Mapped[str | None] = mapped_column(String(50))
    object_id: Mapped[int | None]
    # Names of the fields that changed, never their values: values are personal data.
    fields: Mapped[list[str] | None]
    # Counts and identifiers (an import's totals, a status pair); never names of people.
    detail: Mapped[dict[str, Any] | None]
    ip_address: Mapped[str | None] = mapped_column(String(45))

    actor = db.relationship("User", lazy="joined")
