"""The features' vocabularies for the audit page: changed columns by their form labels and
statuses by their labels, in the reader's language (see app.audit.labels, which words events
with them: the audit trail sits below the features and cannot import them)."""

from __future__ import annotations

from typing import Any

from app.cases.forms import AliasForm, CaseForm, ContactForm, NoteForm, RelativeForm
from app.cases.labels import STATUS_LABELS
from app.exchanges.labels import LINE_STATE_LABELS
from app.exchanges.labels import STATUS_LABELS as EXCHANGE_STATUS_LABELS
from app.forms import field_labels

__all__ = ["FIELD_LABELS", "STATUS_LABELS_BY_TYPE"]

_CASE_FIELDS = field_labels(CaseForm)
# A case stores the date of birth the form takes as one field in three columns.
_CASE_FIELDS |= dict.fromkeys(("dob_year", "dob_month", "dob_day"), _CASE_FIELDS["date_of_birth"])

# {object type: {column: label}}, for the columns a form edits.
FIELD_LABELS: dict[str, dict[str, Any]] = {
    "case_record": _CASE_FIELDS,
    "relative": field_labels(RelativeForm),
    "case_alias": field_labels(AliasForm),
    "contact_log": field_labels(ContactForm),
    "case_note": field_labels(NoteForm),
}
# {object type: {status: label}}, for status changes.
STATUS_LABELS_BY_TYPE: dict[str, dict[str, Any]] = {
    "case_record": dict(STATUS_LABELS),
    "exchange": dict(EXCHANGE_STATUS_LABELS),
    "exchange_line": dict(LINE_STATE_LABELS),
}
