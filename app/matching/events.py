"""Matching follows what cases and imports announce. It is built on both; they call no one.

The receivers that start runs are job starters: they commit the new run's row, because the job
reads it in a session of its own.

:func:`subscribe` connects the receivers; the application factory calls it (connecting twice
is harmless: blinker keeps one connection per receiver).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Flask
from flask_login import current_user
from sqlalchemy import Select

from app.auth.permissions import Permission
from app.cases.events import case_opened, case_page_shown, supervisor_queues_shown
from app.cases.models import Case
from app.cases.queues import count_statement
from app.extensions import db
from app.imports.events import batch_imported
from app.imports.models import ImportBatch
from app.matching import services
from app.matching.models import CandidateStatus, MatchingRun
from app.matching.review import approval_queue, case_candidates_for, linked_records_among
from app.web import PageSection


def _match_new_case(sender: Flask, *, case_id: int, user_id: int | None) -> None:
    """A case created in the browser: an incremental run in the background (new cases
    against all records), unless switched off (``MATCH_AFTER_CASE``) or one is waiting."""
    if not sender.config.get("MATCH_AFTER_CASE", True):
        return
    run = services.claim_case_run(user_id)
    if run is None:
        return
    db.session.commit()
    services.start_in_background(run)


def _match_import(
    sender: Flask, *, batch: ImportBatch, background: bool, follow_up: bool
) -> MatchingRun | None:
    """Match what an import brought (an incremental run). In the background it is a job of
    its own, so that the import's progress bar ends when the import does."""
    if not follow_up or not services.import_needs_matching(batch):
        return None
    run = services.new_run(False, "import", batch.created_by_id)
    db.session.commit()
    if not background:
        return services.run_matching(run.id)
    services.start_in_background(run)
    return run


def _case_candidates_section(sender: Any, *, case: Case, **_: Any) -> PageSection | None:
    if not current_user.can(Permission.MATCH_REVIEW):
        return None
    # A possible duplicate in a case this user may not open is shown as such, with whom to ask,
    # and never with the other child's name, birth date or place (issue 10, hole 3). Read as
    # rows of the columns the section shows, in one statement (case_page_candidates).
    candidates, hidden = case_candidates_for(current_user, case)
    # Waiting for someone's decision: what the case page's header counts.
    settled = (CandidateStatus.CONFIRMED, CandidateStatus.REJECTED)
    open_count = sum(c.status not in settled for c in candidates) + sum(
        c.status not in settled for c in hidden
    )
    return PageSection(
        "matching/_case_candidates.html",
        {
            "candidates": candidates,
            "hidden_duplicates": hidden,
            "linked_records": linked_records_among(candidates, case),
            "open_candidates_count": open_count,
        },
        header_item="matching/_case_candidates_count.html",
    )


def _pending_matches_card(sender: Any) -> PageSection | None:
    if not current_user.can(Permission.MATCH_APPROVE):
        return None
    return PageSection(
        "matching/_pending_count.html",
        {"matches_pending": db.read(_pending_count_statement()).scalar_one()},
    )


@cache
def _pending_count_statement() -> Select:
    # Built once (the queues page shows it on every request): SQLAlchemy keys a statement for
    # its cache of compiled SQL on every execution unless it is the same object.
    return count_statement(approval_queue())


def subscribe() -> None:
    """Connect matching to the signals of cases and imports."""
    case_opened.connect(_match_new_case)
    batch_imported.connect(_match_import)
    case_page_shown.connect(_case_candidates_section)
    supervisor_queues_shown.connect(_pending_matches_card)
