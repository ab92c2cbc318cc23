"""Translatable labels for the case vocabularies (values stay English in the database)."""

from collections.abc import Mapping
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.cases.models import (
    ActivityKind,
    CaseStatus,
    CaseType,
    ClosureReason,
    HealthCategory,
    Priority,
    Sex,
    SystemReason,
)
from app.i18n import translated

# Keyed by str: a stored status (a plain string) finds its label as a CaseStatus does.
STATUS_LABELS: dict[str, LazyString] = {
    CaseStatus.NEW: _l("New"),
    CaseStatus.UNDER_INVESTIGATION: _l("Under investigation"),
    CaseStatus.LOCATED: _l("Located"),
    CaseStatus.CONTACT_ESTABLISHED: _l("Contact established"),
    CaseStatus.REUNIFICATION_IN_PROGRESS: _l("Reunification in progress"),
    CaseStatus.REUNIFIED: _l("Reunified"),
    CaseStatus.CLOSED: _l("Closed"),
}
# The colour of a status's badge in the lists (a status not named has the plain badge).
STATUS_BADGE_CLASSES: dict[str, str] = {
    CaseStatus.REUNIFIED: "badge-ok",
    CaseStatus.LOCATED: "badge-ok",
    CaseStatus.CONTACT_ESTABLISHED: "badge-ok",
    CaseStatus.NEW: "badge-warn",
}
CASE_TYPE_LABELS = {
    CaseType.CHILD: _l("Child"),
    CaseType.ADULT_CIVILIAN: _l("Adult civilian"),
    CaseType.PRISONER_OF_WAR: _l("Prisoner of war"),
    CaseType.OTHER: _l("Other"),
}
PRIORITY_LABELS = {
    Priority.LOW: _l("Low"),
    Priority.NORMAL: _l("Normal"),
    Priority.HIGH: _l("High"),
    Priority.URGENT: _l("Urgent"),
}
HEALTH_CATEGORY_LABELS: dict[str, LazyString] = {
    HealthCategory.NONE: _l("None"),
    HealthCategory.SERIOUSLY_WOUNDED: _l("Seriously wounded"),
    HealthCategory.SERIOUSLY_ILL: _l("Seriously ill"),
    HealthCategory.OTHER: _l("Other"),
}
SEX_LABELS = {Sex.FEMALE: _l("Female"), Sex.MALE: _l("Male"), Sex.UNKNOWN: _l("Unknown")}
CLOSURE_REASON_LABELS = {
    ClosureReason.REUNIFIED: _l("Reunified"),
    ClosureReason.FOUND_DECEASED: _l("Found deceased"),
    ClosureReason.NOT_FOUND: _l("Not found after all steps"),
    ClosureReason.DUPLICATE: _l("Duplicate"),
    ClosureReason.WITHDRAWN: _l("Withdrawn"),
}
RELATIONSHIP_LABELS = {
    "mother": _l("Mother"),
    "father": _l("Father"),
    "grandmother": _l("Grandmother"),
    "grandfather": _l("Grandfather"),
    "sibling": _l("Sibling"),
    "aunt_uncle": _l("Aunt or uncle"),
    "guardian": _l("Guardian"),
    "other": _l("Other relative"),
}
CHANNEL_LABELS = {
    "phone": _l("Phone"),
    "visit": _l("Visit"),
    "letter": _l("Letter"),
    "messenger": _l("Messenger"),
    "email": _l("E-mail"),
    "partner": _l("Via partner"),
}
ALIAS_KIND_LABELS = {
    "spelling": _l("Other spelling"),
    "diminutive": _l("Diminutive"),
    "adoption": _l("Surname after adoption"),
    "other": _l("Other"),
}
# The case page's activity filter.
ACTIVITY_KIND_LABELS: dict[str, LazyString] = {
    ActivityKind.ALL: _l("All"),
    ActivityKind.CONTACTS: _l("Contacts"),
    ActivityKind.NOTES: _l("Notes"),
    ActivityKind.STATUS: _l("Status"),
    ActivityKind.MATCHES: _l("Matches"),
}
# The parameters are the event's data["why_params"] and, as "reason", the event's text.
SYSTEM_REASON_LABELS: dict[str, LazyString] = {
    SystemReason.MATCH_CONFIRMED: _l("Match confirmed: %(reason)s"),
    SystemReason.DUPLICATE_OF: _l("Duplicate of %(n)s"),
}


def event_text(text: str, data: Mapping[str, Any] | None) -> str:
    """A timeline event's text in the reader's language: a system reason worded from its code,
    anything else (what a person wrote, or an old English sentence) as it was written."""
    why = (data or {}).get("why")
    template = SYSTEM_REASON_LABELS.get(why) if isinstance(why, str) else None
    if template is None:
        return text
    params = (data or {}).get("why_params")
    try:
        return str(template) % {**(params if isinstance(params, Mapping) else {}), "reason": text}
    except (KeyError, TypeError, ValueError):
        return text


AGE_BANDS = {
    "0-4": (0, 4),
    "5-9": (5, 9),
    "10-13": (10, 13),
    "14-17": (14, 17),
    "18+": (18, 200),
}


# The label tables every template may use (with event_text, which words a timeline event).
_TEMPLATE_TABLES = {
    "status_labels": STATUS_LABELS,
    "status_badge_classes": STATUS_BADGE_CLASSES,
    "case_type_labels": CASE_TYPE_LABELS,
    "priority_labels": PRIORITY_LABELS,
    "sex_labels": SEX_LABELS,
    "health_category_labels": HEALTH_CATEGORY_LABELS,
    "closure_reason_labels": CLOSURE_REASON_LABELS,
    "relationship_labels": RELATIONSHIP_LABELS,
    "channel_labels": CHANNEL_LABELS,
    "alias_kind_labels": ALIAS_KIND_LABELS,
    "activity_kind_labels": ACTIVITY_KIND_LABELS,
    "event_text": event_text,
}


def label_maps() -> dict:
    """The label tables every template may use, in the reader's language (app.i18n.translated:
    translated once per language, not on every use)."""
    return translated(_TEMPLATE_TABLES)
