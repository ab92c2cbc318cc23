"""Answers follow what imports and cases announce: a finished answer file is filed and paired
on its exchange; the supervisor's queues page counts the people still unanswered.

:func:`subscribe` connects the receivers; the application factory calls it.
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from app.answers.services import answer_exchange, file_answers, propose_pairings
from app.audit.models import AuditAction
from app.audit.services import record
from app.auth.permissions import Permission
from app.cases.events import supervisor_queues_shown
from app.exchanges.unanswered import unanswered_count
from app.extensions import db
from app.imports.events import batch_imported
from app.imports.models import ImportBatch
from app.web import PageSection


def _pair_answers(sender: Any, *, batch: ImportBatch, **_kwargs: Any) -> None:
    """The job's follow-up of an answer file: file its answers and pair them; commits."""
    exchange = answer_exchange(batch)
    if exchange is None:
        return
    filed = file_answers(batch)
    proposed = propose_pairings(exchange)
    record(
        AuditAction.IMPORT,
        exchange,
        actor_id=batch.started_by_id or batch.created_by_id,
        detail={"answers": filed, "pairings": proposed, "batch_id": batch.id},
    )
    db.session.commit()


def _unanswered_card(sender: Any) -> PageSection | None:
    if not current_user.can(Permission.EXCHANGE_MANAGE):
        return None
    return PageSection(
        "answers/_unanswered_count.html", {"unanswered": unanswered_count(current_user)}
    )


def subscribe() -> None:
    """Connect answers to the signals of imports and cases."""
    batch_imported.connect(_pair_answers)
    supervisor_queues_shown.connect(_unanswered_card)
