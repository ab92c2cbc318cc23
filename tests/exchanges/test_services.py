"""Exchange operations called directly: who sees what, lines, and the two-person rule."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import Case, ContactLog, TransitionRequest
from app.exchanges import services
from app.exchanges.models import ExchangeLineEvent, LineState
from app.exchanges.workflow import ExchangeError
from app.extensions import db
from tests import factories
from tests.exchanges.conftest import line_of, make_exchange


@pytest.fixture
def world(app, people):
    """The caseworker's case, another caseworker's case, both in one exchange."""
    with app.test_request_context():
        other = factories.make_user("caseworker")
        mine = factories.make_case(people["supervisor"], assigned_to=people["caseworker"])
        theirs = factories.make_case(people["supervisor"], assigned_to=other, family_name="Інший")
        exchange = make_exchange(people["supervisor"], mine, theirs)
        yield {"mine": mine, "theirs": theirs, "exchange": exchange, "other": other, **people}


def test_a_caseworker_sees_only_exchanges_holding_their_cases(world):
    exchange = world["exchange"]
    alone = factories.make_case(world["supervisor"], assigned_to=world["other"])
    elsewhere = make_exchange(world["supervisor"], alone, side_a="Elsewhere")
    mine = db.session.scalars(services.visible_exchanges(world["caseworker"])).all()
    assert mine == [exchange]
    everything = set(db.session.scalars(services.visible_exchanges(world["supervisor"])))
    assert everything == {exchange, elsewhere}
    assert db.session.scalars(services.visible_exchanges(world["admin"])).all() == []
    assert services.can_read_exchange(world["caseworker"], exchange)
    assert not services.can_read_exchange(world["caseworker"], elsewhere)
    assert not services.can_read_exchange(world["admin"], exchange)


def test_another_caseworkers_line_is_counted_never_shown(world):
    lines = services.exchange_lines(world["caseworker"], world["exchange"])
    assert [line.case for line in lines.shown] == [world["mine"]]
    assert lines.hidden == 1
    everything = services.exchange_lines(world["supervisor"], world["exchange"])
    assert len(everything.shown) == 2 and everything.hidden == 0


def test_filters_and_counts(world):
    exchange = world["exchange"]
    line = line_of(exchange, world["mine"].id)
    services.change_line_state(line, world["supervisor"], LineState.ACKNOWLEDGED)
    acknowledged = services.exchange_lines(world["supervisor"], exchange, state="acknowledged")
    assert [x.id for x in acknowledged.shown] == [line.id]
    assert services.state_counts(exchange) == {"acknowledged": 1, "listed": 1}
    first, second = exchange.categories
    by_category = services.exchange_lines(world["supervisor"], exchange, category_id=second.id)
    assert by_category.shown == []
    assert services.category_counts(exchange) == [(first, 2), (second, 0)]


def test_a_line_for_a_case_one_may_not_read_is_refused_as_not_found(world):
    other = world["other"]
    # A caseworker does not manage exchanges; the service still refuses a case they may not read.
    with pytest.raises(ExchangeError, match="No such case"):
        services.add_line(world["exchange"], other, case=world["mine"])


def test_a_person_is_listed_once_per_exchange(world):
    with pytest.raises(ExchangeError, match="already listed"):
        services.add_line(world["exchange"], world["supervisor"], case=world["mine"])


def test_a_line_state_change_is_stamped_and_audited(world):
    line = line_of(world["exchange"], world["mine"].id)
    services.change_line_state(
        line, world["supervisor"], LineState.REFUSED, other_side_reason="Not on their lists"
    )
    assert line.state == "refused" and line.other_side_reason == "Not on their lists"
    history = services.line_history(line)
    assert [(e.source, e.target) for e in history] == [(None, "listed"), ("listed", "refused")]
    audited = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "exchange_line", AuditEvent.object_id == line.id
        )
    ).all()
    assert {e.action for e in audited} >= {"create", "update", "status_change"}


def test_a_caseworker_may_not_change_a_lines_state(world):
    line = line_of(world["exchange"], world["mine"].id)
    with pytest.raises(ExchangeError):
        services.change_line_state(line, world["caseworker"], LineState.ACKNOWLEDGED)


def test_a_stale_form_is_refused(world):
    line = line_of(world["exchange"], world["mine"].id)
    seen = line.version
    services.change_line_state(line, world["supervisor"], LineState.ACKNOWLEDGED)
    with pytest.raises(ExchangeError, match="meanwhile"):
        services.change_line_state(
            line, world["supervisor"], LineState.ANSWERED, expected_version=seen
        )


# --- the two-person rule ------------------------------------------------------------------


def _propose(world):
    line = line_of(world["exchange"], world["mine"].id)
    services.propose_deceased(line, world["caseworker"], "Named in their list of the dead")
    return line


def test_a_death_proposed_by_one_and_confirmed_by_another(world):
    line = _propose(world)
    assert line.state == "listed" and line.deceased_pending
    services.decide_deceased(
        line,
        world["supervisor"],
        approve=True,
        reason="Their note verbale of 3 March confirms it",
        family_step="Visit the mother with a psychologist",
        family_step_due=date(2027, 1, 10),
    )
    assert line.state == "deceased" and not line.deceased_pending
    (event,) = [e for e in services.line_history(line) if e.target == "deceased"]
    assert event.actor_id == world["caseworker"].id
    assert event.approved_by_id == world["supervisor"].id
    assert event.reason == "Named in their list of the dead"
    assert event.other_side_reason == "Their note verbale of 3 March confirms it"
    case = db.session.get(Case, world["mine"].id)
    assert (case.status, case.closure_reason) == ("closed", "found_deceased")
    step = db.session.scalars(select(ContactLog).where(ContactLog.case_id == case.id)).one()
    assert step.next_step == "Visit the mother with a psychologist"
    assert step.next_step_due == date(2027, 1, 10) and not step.next_step_done


def test_the_proposer_cannot_confirm_their_own_proposal(world):
    line = line_of(world["exchange"], world["mine"].id)
    services.propose_deceased(line, world["supervisor"], "Reported dead")
    with pytest.raises(ExchangeError, match="not the one who proposed"):
        services.decide_deceased(
            line, world["supervisor"], approve=True, reason="Sure", family_step="Call"
        )
    assert line.state == "listed"


def test_a_caseworker_cannot_confirm_a_death(world):
    line = _propose(world)
    with pytest.raises(ExchangeError):
        services.decide_deceased(line, world["other"], approve=True, reason="x", family_step="x")


def test_a_rejected_proposal_is_withdrawn_and_the_case_stays_open(world):
    line = _propose(world)
    services.decide_deceased(line, world["supervisor"], approve=False, reason="Another person")
    assert line.state == "listed" and not line.deceased_pending
    assert db.session.get(Case, world["mine"].id).status != "closed"


@pytest.mark.parametrize("reason", ["", "   "])
def test_both_people_say_why(world, reason):
    line = line_of(world["exchange"], world["mine"].id)
    with pytest.raises(ExchangeError):
        services.propose_deceased(line, world["caseworker"], reason)
    line = _propose(world)
    with pytest.raises(ExchangeError):
        services.decide_deceased(line, world["supervisor"], approve=True, reason=reason)


def test_only_whoever_may_edit_the_case_proposes(world):
    line = line_of(world["exchange"], world["theirs"].id)
    with pytest.raises(ExchangeError, match="may not"):
        services.propose_deceased(line, world["caseworker"], "Reported")


def test_a_closure_waiting_for_approval_blocks_the_confirmation(world):
    line = _propose(world)
    db.session.add(
        TransitionRequest(
            case_id=world["mine"].id,
            from_status=world["mine"].status,
            to_status="closed",
            closure_reason="withdrawn",
        )
    )
    db.session.flush()
    with pytest.raises(ExchangeError, match="waiting for approval"):
        services.decide_deceased(
            line, world["supervisor"], approve=True, reason="x", family_step="y"
        )


def test_a_death_on_a_handed_over_line_is_refused(world):
    line = line_of(world["exchange"], world["mine"].id)
    for state in ("acknowledged", "answered", "handed_over"):
        services.change_line_state(line, world["supervisor"], state)
    with pytest.raises(ExchangeError):
        services.propose_deceased(line, world["caseworker"], "Reported")


def test_line_events_need_no_audit_of_their_own(world):
    assert ExchangeLineEvent.__audited__ is False
