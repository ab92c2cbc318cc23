"""The case page's DNA section: the case's reference samples (numbers, relationships, consent,
whether the profile arrived) and the identifications handed on, with their likelihood ratio.
Never a profile: the case's readers are caseworkers.

:func:`subscribe` connects the receiver; the application factory calls it.
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from app.cases.access import can_edit_case
from app.cases.events import case_page_probes, case_page_shown
from app.cases.models import Case
from app.identification.forms import RELATIONSHIP_LABELS
from app.identification.services import (
    HAS_RESULTS,
    HAS_SAMPLES,
    case_dna,
    case_has_results,
    case_has_samples,
)
from app.web import PageSection


def _case_dna_section(
    sender: Any, *, case: Case, probes: dict[str, bool] | None = None
) -> PageSection | None:
    held = None if probes is None else (probes[HAS_SAMPLES], probes[HAS_RESULTS])
    samples, results = case_dna(case, held)
    may_add = can_edit_case(current_user, case)
    if not samples and not results and not may_add:
        return None
    return PageSection(
        "identification/_case_dna.html",
        {
            "dna_samples": samples,
            "dna_results": results,
            "dna_may_add": may_add,
            "dna_relationship_labels": RELATIONSHIP_LABELS,
        },
    )


def subscribe() -> None:
    """Connect DNA identification to the signals of cases."""
    case_page_probes[HAS_SAMPLES] = case_has_samples
    case_page_probes[HAS_RESULTS] = case_has_results
    case_page_shown.connect(_case_dna_section)
