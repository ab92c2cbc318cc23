"""The workflow table: every legal transition works, every other pair is refused."""

import itertools

import pytest

from app.cases.models import CaseStatus, TransitionRequest
from app.cases.services import change_status, decide_transition
from app.cases.workflow import TRANSITIONS, TransitionError, check_transition, find_transition
from app.extensions import db
from tests import factories

LEGAL = {(t.source, t.target) for t in TRANSITIONS}
ILLEGAL = [p for p in itertools.product(CaseStatus, CaseStatus) if p not in LEGAL]


def _args(target):
    closing = target == CaseStatus.CLOSED
    return {"reason": "checked", "closure_reason": "not_found" if closing else None}


@pytest.mark.parametrize("source,target", sorted(LEGAL))
def test_supervisor_applies_every_legal_transition(app, people, source, target):
    with app.app_context():
        case = factories.make_case(people["supervisor"], status=source.value)
        assert change_status(case, people["supervisor"], target.value, **_args(target)) is None
        assert case.status == target


@pytest.mark.parametrize("source,target", sorted(LEGAL))
def test_caseworker_needs_approval_exactly_where_the_table_says(app, people, source, target):
    with app.app_context():
        case = factories.make_case(
            people["supervisor"], status=source.value, assigned_to=people["caseworker"]
        )
        pending = change_status(case, people["caseworker"], target.value, **_args(target))
        if find_transition(source, target).needs_approval:
            assert isinstance(pending, TransitionRequest)
            assert case.status == source  # nothing changes before approval
            decide_transition(pending, people["supervisor"], approve=True)
        else:
            assert pending is None
        assert case.status == target


@pytest.mark.parametrize("source,target", ILLEGAL)
def test_every_illegal_transition_is_refused(app, people, source, target):
    with app.app_context():
        case = factories.make_case(people["supervisor"], status=source.value)
        with pytest.raises(TransitionError, match="cannot go from"):
            change_status(case, people["supervisor"], target.value, **_args(target))
        assert case.status == source


def test_closing_needs_a_reason_and_a_closure_reason():
    with pytest.raises(TransitionError, match="why the status changes"):
        check_transition("new", "closed", "", "not_found")
    with pytest.raises(TransitionError, match="why the case is closed"):
        check_transition("new", "closed", "done", None)
    with pytest.raises(TransitionError, match="Only closing"):
        check_transition("new", "under_investigation", "", "not_found")
    assert check_transition("new", "closed", "done", "withdrawn").needs_approval


def test_unknown_status_is_refused():
    with pytest.raises(TransitionError):
        check_transition("new", "teleported", "x", None)


def test_rejected_request_leaves_status_and_is_on_the_timeline(app, people):
    from app.cases.services import timeline

    with app.app_context():
        case = factories.make_case(people["supervisor"], assigned_to=people["caseworker"])
        pending = change_status(case, people["caseworker"], "closed", "no trace", "not_found")
        decide_transition(pending, people["supervisor"], approve=False, note="keep looking")
        assert case.status == "new" and pending.state == "rejected"
        kinds = [e.kind for e in timeline(case)]
        assert kinds[:2] == ["transition_rejected", "transition_requested"]
        with pytest.raises(TransitionError, match="already decided"):
            decide_transition(pending, people["supervisor"], approve=True)


def test_second_request_while_one_is_pending_is_refused(app, people):
    with app.app_context():
        case = factories.make_case(people["supervisor"], assigned_to=people["caseworker"])
        change_status(case, people["caseworker"], "closed", "no trace", "not_found")
        with pytest.raises(TransitionError, match="already has a status change waiting"):
            change_status(case, people["caseworker"], "under_investigation")


def test_approval_of_a_stale_request_is_refused(app, people):
    with app.app_context():
        case = factories.make_case(people["supervisor"], assigned_to=people["caseworker"])
        pending = change_status(case, people["caseworker"], "closed", "x", "withdrawn")
        case.status = "under_investigation"
        db.session.flush()
        with pytest.raises(TransitionError, match="changed status"):
            decide_transition(pending, people["supervisor"], approve=True)


def test_status_change_is_recorded_with_who_when_why(app, people):
    from sqlalchemy import select

    from app.audit.models import AuditEvent
    from app.cases.services import timeline

    with app.app_context():
        case = factories.make_case(people["supervisor"])
        change_status(case, people["supervisor"], "closed", "found with family", "reunified")
        event = timeline(case)[0]
        assert event.kind == "status_changed" and event.text == "found with family"
        assert event.data["approved_by"] == people["supervisor"].id
        audit = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "status_change")
        ).all()
        assert audit[-1].detail == {"from": "new", "to": "closed"}
