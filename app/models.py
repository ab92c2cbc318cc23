"""Imports every feature's models so that Alembic and the audit hook see all of them."""

from app.audit.models import AuditEvent
from app.auth.models import User

__all__ = ["AuditEvent", "User"]
