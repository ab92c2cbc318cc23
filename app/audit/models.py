from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.dialects.postgresql import JSONB
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
        # "Who saw this case": which list pages showed it (``shown @> {"case_record": [7]}``).
        # GIN keeps a page's entries in a pending list that is merged into the index later, so a
        # page of 50 rows adds one row, not 50 entries in a B-tree each.
        Index(
            "ix_audit_event_shown",
            "shown",
            postgresql_using="gin",
            postgresql_ops={"shown": "jsonb_path_ops"},
        ).ddl_if(dialect="postgresql"),
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
    # What a list page showed (a ``read`` event without an object): the ids by table,
    # ``{"case_record": [3, 7], "partner_record": [12]}``. One event a page, not one an object:
    # the match queue's 50 rows cost 50 audit rows with five index entries each, on SQLite most
    # of the page's time, and a team's year of reading hundreds of millions of rows.
    shown: Mapped[dict[str, list[int]] | None] = mapped_column(
        JSON().with_variant(JSONB(), "postgresql")
    )

    actor = db.relationship("User", lazy="joined")

    def objects(self) -> list[tuple[str | None, int | None]]:
        """What the event is about, as (type, id): its object, or each object a list page
        showed."""
        if self.shown:
            return [(kind, object_id) for kind, ids in self.shown.items() for object_id in ids]
        return [(self.object_type, self.object_id)]
