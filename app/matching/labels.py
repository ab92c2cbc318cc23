"""The matching pages' vocabularies in the reader's language (values stay English in the
database): candidate statuses, bands, compared fields and levels, runs.

Here rather than in routes.py so that the queue's rows (:mod:`app.matching.table`), written in
Python, read the same words as the templates (:func:`label_maps`).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.i18n import translated
from app.matching.models import CandidateStatus, RunStatus

__all__ = [
    "BAND_LABELS",
    "FIELD_LABELS",
    "LEVEL_LABELS",
    "RUN_STATUS_LABELS",
    "STATUS_LABELS",
    "TRIGGER_LABELS",
    "label_maps",
    "level_class",
]

# Levels of app.matching.scoring that mean "the two values agree"; the rest are highlighted,
# the ones below as "near" (a typo, a swapped date, the same oblast) and any other as "differs".
AGREE_LEVELS = frozenset({"same", "exact"})
NEAR_LEVELS = frozenset(
    {"close", "similar", "swapped", "year_off", "one_part", "typo", "year", "month", "age",
     "oblast", "near"}
)  # fmt: skip

FIELD_LABELS = {
    "family_name": _l("Family name"),
    "given_name": _l("Given name"),
    "patronymic": _l("Patronymic"),
    "date_of_birth": _l("Date of birth"),
    "sex": _l("Sex"),
    "place": _l("Place"),
    "region": _l("Region"),  # a region that names no oblast, compared as a plain value
}

STATUS_LABELS = {
    CandidateStatus.PROPOSED.value: _l("proposed"),
    CandidateStatus.AWAITING_APPROVAL.value: _l("awaiting approval"),
    CandidateStatus.CONFIRMED.value: _l("confirmed"),
    CandidateStatus.REJECTED.value: _l("rejected"),
}

# The comparison levels of app.matching.scoring, for people.
LEVEL_LABELS = {
    "same": _l("same"),
    "exact": _l("exact"),
    "close": _l("one typo"),
    "similar": _l("similar"),
    "different": _l("different"),
    "swapped": _l("day and month swapped"),
    "year_off": _l("year off by one"),
    "one_part": _l("day or month differs"),
    "typo": _l("digit typo"),
    "year": _l("same year"),
    "month": _l("same month"),
    "age": _l("plausible age"),
    "oblast": _l("same region"),
}
TRIGGER_LABELS = {
    "manual": _l("started here"),
    "import": _l("after an import"),
    "case": _l("after a new case"),
    "cli": _l("command line"),
    "demo": _l("demo data"),
}
BAND_LABELS = {"likely": _l("likely"), "possible": _l("possible")}
RUN_STATUS_LABELS = {
    RunStatus.RUNNING.value: _l("running"),
    RunStatus.DONE.value: _l("done"),
    RunStatus.FAILED.value: _l("failed"),
}


def level_class(level: str) -> str:
    """The CSS class of a compared field: agrees, near (highlighted) or differs."""
    if level in AGREE_LEVELS:
        return "cmp-agree"
    if level in NEAR_LEVELS:
        return "cmp-near"
    return "cmp-differ"


# The tables the matching templates use, by the names they use.
_TEMPLATE_TABLES = {
    "match_status_labels": STATUS_LABELS,
    "match_field_labels": FIELD_LABELS,
    "match_band_labels": BAND_LABELS,
    "match_level_labels": LEVEL_LABELS,
    "run_trigger_labels": TRIGGER_LABELS,
    "run_status_labels": RUN_STATUS_LABELS,
}


def label_maps() -> dict:
    """The matching label tables, in the reader's language (app.i18n.translated: translated
    once per language, not on every use)."""
    return translated(_TEMPLATE_TABLES)
