"""The audit trail's vocabularies in the reader's language (stored values stay English codes)."""

from collections.abc import Mapping
from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.audit.models import AuditAction

ACTION_LABELS: dict[str, LazyString] = {
    AuditAction.LOGIN: _l("Signed in"),
    AuditAction.LOGIN_FAILED: _l("Sign-in failed"),
    AuditAction.LOGOUT: _l("Signed out"),
    AuditAction.SESSIONS_ENDED: _l("Signed out everywhere"),
    AuditAction.PASSWORD_CHANGE: _l("Password changed"),
    AuditAction.SECOND_FACTOR_ENROLLED: _l("Second factor set up"),
    AuditAction.SECOND_FACTOR_FAILED: _l("Second factor failed"),
    AuditAction.SECOND_FACTOR_RESET: _l("Second factor removed"),
    AuditAction.RECOVERY_CODE_USED: _l("Recovery code used"),
    AuditAction.CREATE: _l("Created"),
    AuditAction.UPDATE: _l("Changed"),
    AuditAction.DELETE: _l("Deleted"),
    AuditAction.READ: _l("Viewed"),
    AuditAction.STATUS_CHANGE: _l("Status changed"),
    AuditAction.ASSIGN: _l("Assigned"),
    AuditAction.APPROVE: _l("Approved"),
    AuditAction.REJECT: _l("Rejected"),
    AuditAction.IMPORT: _l("Imported"),
    AuditAction.EXPORT: _l("Exported"),
    AuditAction.MERGE: _l("Merged"),
}

# Audit events name the table of their object; an unknown one is shown as stored.
OBJECT_TYPE_LABELS: dict[str, LazyString] = {
    "case_record": _l("Case"),
    "case_alias": _l("Alias"),
    "relative": _l("Relative"),
    "contact_log": _l("Contact"),
    "case_note": _l("Note"),
    "transition_request": _l("Status change request"),
    "source_list": _l("Source list"),
    "user": _l("User"),
    "user_account": _l("User"),
    "recovery_code": _l("Recovery code"),
    "import_batch": _l("Import"),
    "partner_source": _l("Partner source"),
    "partner_record": _l("Partner record"),
    "match_candidate": _l("Match"),
    "matching_run": _l("Matching run"),
    "given_name_entry": _l("Given name"),
    "dna_reference_sample": _l("DNA reference sample"),
    "dna_remains_profile": _l("DNA profile of remains"),
    "dna_screening_run": _l("DNA screening"),
    "dna_proposal": _l("DNA proposal"),
    "dna_frequency_table": _l("Allele frequency table"),
    "dna_lab_file": _l("Laboratory file"),
}

# Keys of an event's details, in words: every key the code writes has one (a test walks the
# calls of record() for them); a key of another version is shown as stored. "from" and "to"
# are worded together, as a status change.
DETAIL_LABELS: dict[str, LazyString] = {
    "kind": _l("Kind"),
    "status": _l("Status"),
    "rows_read": _l("Rows read"),
    "created": _l("Created"),
    "updated": _l("Updated"),
    "unchanged": _l("Unchanged"),
    "rejected": _l("Rejected"),
    "warnings": _l("Warnings"),
    "target_id": _l("Source list or partner source"),
    "page": _l("Page"),
    "list": _l("List"),
    "case_id": _l("Case"),
    "cases": _l("Cases"),
    "assignee": _l("Assigned to"),
    "into": _l("Merged into"),
    "rows": _l("Rows"),
    "format": _l("Format"),
    "script": _l("Script"),
    "state": _l("State"),
    "category": _l("Category"),
    "records": _l("Partner records"),
    "answers": _l("Answers"),
    "pairings": _l("Pairings"),
    "answer_id": _l("Answer"),
    "line_id": _l("Line"),
    "pairing_id": _l("Pairing"),
    "compared_with": _l("Compared with version"),
    "number": _l("Number"),
    "people": _l("People"),
    "filtered": _l("Filtered"),
    "what": _l("What"),
    "report": _l("Report"),
    "export": _l("Export"),
    "second_factor": _l("Second factor"),
    "batch_id": _l("Import"),
    "matching": _l("Matching run"),
    "cases_checked": _l("Cases checked"),
    "records_checked": _l("Records checked"),
    "pairs_scored": _l("Pairs scored"),
    "removed": _l("Removed"),
    "abandoned": _l("Abandoned uploads"),
    "expired": _l("Expired uploads"),
    "orphans": _l("Files no import names"),
    "older_than_days": _l("Older than (days)"),
    "proposal": _l("Proposal"),
    "exchange_id": _l("Exchange"),
    # A whole source list added to an exchange (app.exchanges.services.add_source_list).
    "source_list_id": _l("Source list"),
    "category_id": _l("Category"),
    "added": _l("Added"),
    # DNA identification (app.identification)
    "dna": _l("DNA"),
    "filename": _l("File"),
    "attached": _l("Profiles attached"),
    "problems": _l("Problems"),
    "screening": _l("Screening"),
    "remains": _l("Remains"),
    "families": _l("Families"),
    "proposals": _l("Proposals"),
}

# The vocabularies of the features, by object type: {column: label} and {status: label}.
# The audit trail sits below the features, so the page that shows it passes them in.
Labels = Mapping[str, Mapping[str, Any]]


def event_fields(object_type: str | None, fields: list[str] | None, field_labels: Labels) -> str:
    """The changed fields of an event in words (a field without a label as stored)."""
    labels = field_labels.get(object_type or "", {})
    return ", ".join(str(labels.get(name, name)) for name in fields or [])


def event_details(
    object_type: str | None, detail: Mapping[str, Any] | None, statuses: Labels
) -> str:
    """An event's details in words: a status change as "Status: New → Closed" (in the
    object's status labels), known keys by their label, anything else as stored."""
    detail = dict(detail or {})
    parts = []
    if "from" in detail and "to" in detail:
        labels = statuses.get(object_type or "", {})
        source, target = detail.pop("from"), detail.pop("to")
        parts.append(
            _(
                "Status: %(source)s → %(target)s",
                source=labels.get(source, source),
                target=labels.get(target, target),
            )
        )
    for key, value in detail.items():
        label = DETAIL_LABELS.get(key)
        parts.append(f"{label}: {value}" if label is not None else f"{key}={value}")
    return "; ".join(parts)


def event_object(event: Any) -> str:
    """An event's object in words: "Case 5", or what a list page showed ("Case ×25, Partner
    record ×25"; the filter by object finds the pages that showed it)."""
    if event.shown:
        return ", ".join(
            f"{OBJECT_TYPE_LABELS.get(kind, kind)} ×{len(ids)}" for kind, ids in event.shown.items()
        )
    label = OBJECT_TYPE_LABELS.get(event.object_type, event.object_type) or ""
    return f"{label} {event.object_id if event.object_id is not None else ''}".strip()
