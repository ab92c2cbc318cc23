"""The investigation workflow: every legal status change, in one table.

A transition marked ``needs_approval`` is not applied when a caseworker asks for it: it becomes a
pending TransitionRequest that a supervisor approves or rejects. When a supervisor makes such a
change themself, it is applied at once and recorded as approved by them. Transitions that close
a case need a closure reason; every sensitive one needs a written reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.cases.labels import STATUS_LABELS
from app.cases.models import CaseStatus as S
from app.cases.models import ClosureReason


@dataclass(frozen=True)
class Transition:
    source: S
    target: S
    needs_approval: bool = False
    needs_reason: bool = False


_OPEN = [
    S.NEW,
    S.UNDER_INVESTIGATION,
    S.LOCATED,
    S.CONTACT_ESTABLISHED,
    S.REUNIFICATION_IN_PROGRESS,
]

TRANSITIONS: tuple[Transition, ...] = (
    # The investigation moves forward one step at a time...
    Transition(S.NEW, S.UNDER_INVESTIGATION),
    Transition(S.UNDER_INVESTIGATION, S.LOCATED),
    Transition(S.LOCATED, S.CONTACT_ESTABLISHED),
    Transition(S.CONTACT_ESTABLISHED, S.REUNIFICATION_IN_PROGRESS),
    # ...and can step back when a lead turns out wrong (why is written down).
    Transition(S.LOCATED, S.UNDER_INVESTIGATION, needs_reason=True),
    Transition(S.CONTACT_ESTABLISHED, S.LOCATED, needs_reason=True),
    Transition(S.REUNIFICATION_IN_PROGRESS, S.CONTACT_ESTABLISHED, needs_reason=True),
    # Declaring a child reunified is a claim a supervisor checks.
    Transition(S.REUNIFICATION_IN_PROGRESS, S.REUNIFIED, needs_approval=True, needs_reason=True),
    # Closing (from anywhere open, or after reunification) needs a reason and approval.
    *(Transition(s, S.CLOSED, needs_approval=True, needs_reason=True) for s in _OPEN),
    Transition(S.REUNIFIED, S.CLOSED, needs_approval=True, needs_reason=True),
    # Reopening a closed case needs approval too.
    Transition(S.CLOSED, S.UNDER_INVESTIGATION, needs_approval=True, needs_reason=True),
)

_BY_PAIR = {(t.source, t.target): t for t in TRANSITIONS}


class TransitionError(ValueError):
    """An illegal or incomplete status change; the message is shown to the user, beside the
    status form's field ``field`` where it names one."""

    def __init__(self, message: str = "", field: str | None = None):
        super().__init__(message)
        self.field = field


def find_transition(source: str, target: str) -> Transition | None:
    try:
        return _BY_PAIR.get((S(source), S(target)))
    except ValueError:
        return None


def allowed_targets(source: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source]


def check_transition(
    source: str, target: str, reason: str, closure_reason: str | None
) -> Transition:
    """Return the transition or raise TransitionError saying what is wrong."""
    transition = find_transition(source, target)
    if transition is None:
        raise TransitionError(
            _(
                "A case cannot go from “%(source)s” to “%(target)s”.",
                source=STATUS_LABELS.get(source, source),
                target=STATUS_LABELS.get(target, target),
            ),
            field="target",
        )
    if transition.needs_reason and not reason.strip():
        raise TransitionError(_("Write down why the status changes."), field="reason")
    if target == S.CLOSED:
        if closure_reason not in {r.value for r in ClosureReason}:
            raise TransitionError(_("Choose why the case is closed."), field="closure_reason")
    elif closure_reason:
        raise TransitionError(
            _("Only closing a case takes a closure reason."), field="closure_reason"
        )
    return transition
