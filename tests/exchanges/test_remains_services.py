"""Remains called directly: recording them, who sees them, and the two-person link to a case."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEvent
from app.cases.models import Case, CaseEvent, ContactLog
from app.cases.services import next_open_step
from app.exchanges import remains as services
from app.exchanges import services as exchange_services
from app.exchanges.models import ExchangeLine, ExchangeRemains
from app.exchanges.remains import LinkState
from app.exchanges.workflow import ExchangeError
from app.extensions import db
from tests import factories
from tests.exchanges.conftest import make_exchange, make_remains, make_repatriation


@pytest.fixture
def world(app, people):
    """A repatriation with two unidentified bodies; the caseworker's case and another's."""
    with app.test_request_context():
        other = factories.make_user("caseworker")
        mine = factories.make_case(
            people["supervisor"], assigned_to=people["caseworker"], family_name="Шуканенко"
        )
        theirs = factories.make_case(people["supervisor"], assigned_to=other, family_name="Чужий")
        exchange = make_repatriation(people["supervisor"], "Т-001", "Т-002")
        first, second = db.session.scalars(
            select(ExchangeRemains).order_by(ExchangeRemains.body_number)
        ).all()
        yield {
            "mine": mine,
            "theirs": theirs,
            "exchange": exchange,
            "first": first,
            "second": second,
            "other": other,
            **people,
        }


# --- recording ----------------------------------------------------------------------------


def test_remains_are_unidentified_lines_with_their_facts(world):
    remains = make_remains(
        world["exchange"],
        world["supervisor"],
        body_number=" Т-003 ",
        recovered_on=date(2026, 10, 2),
        claimed_patronymic="Петрович",
        claimed_service_number="ВС-12345",
        personal_effects="Годинник, жетон",
        lab_sample_number="ЛАБ-77",
    )
    line = remains.line
    assert line.is_remains and line.case is None and line.record is None
    assert line.exchange_id == world["exchange"].id and line.state == "listed"
    assert remains.body_number == "Т-003"
    assert remains.claimed_name == "Вигаданенко Остап Петрович"
    assert services.link_state(remains) == LinkState.UNLINKED
    assert [e.target for e in exchange_services.line_history(line)] == ["listed"]
    created = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "exchange_remains", AuditEvent.object_id == remains.id
        )
    ).all()
    assert [e.action for e in created] == ["create"]


def test_the_sex_is_unknown_unless_said(world):
    remains = services.add_remains(world["exchange"], world["supervisor"], body_number="Т-9")
    assert remains.sex == "unknown" and remains.age_min is None


def test_a_body_number_is_unique_within_its_exchange(world):
    with pytest.raises(ExchangeError, match="already has remains") as refused:
        make_remains(world["exchange"], world["supervisor"], body_number="Т-001")
    assert refused.value.field == "body_number"
    elsewhere = make_repatriation(world["supervisor"], side_a="Інша репатріація")
    assert make_remains(elsewhere, world["supervisor"], body_number="Т-001").id


def test_the_database_keeps_body_numbers_unique_too(world):
    line = ExchangeLine(exchange_id=world["exchange"].id, is_remains=True)
    db.session.add(line)
    db.session.flush()
    db.session.add(
        ExchangeRemains(line=line, exchange_id=world["exchange"].id, body_number="Т-001")
    )
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.flush()


def test_only_remains_lines_may_name_nobody(world):
    db.session.add(ExchangeLine(exchange_id=world["exchange"].id))
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.flush()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"body_number": "  "}, "body_number"),
        ({"sex": "other"}, "sex"),
        ({"age_min": -1}, "age_min"),
        ({"age_max": 121}, "age_max"),
        ({"age_min": 40, "age_max": 30}, "age_max"),
    ],
)
def test_bad_facts_are_refused_beside_their_field(world, fields, field):
    with pytest.raises(ExchangeError) as refused:
        make_remains(world["exchange"], world["supervisor"], **{"body_number": "Т-5", **fields})
    assert refused.value.field == field


def test_remains_belong_to_a_repatriation_and_a_supervisor(world):
    prisoners = make_exchange(world["supervisor"], side_a="Обмін")
    with pytest.raises(ExchangeError, match="repatriation"):
        make_remains(prisoners, world["supervisor"])
    with pytest.raises(ExchangeError, match="supervisor"):
        make_remains(world["exchange"], world["caseworker"], body_number="Т-7")


# --- reading ------------------------------------------------------------------------------


def test_every_caseworker_reads_a_repatriation(world):
    assert exchange_services.can_read_exchange(world["other"], world["exchange"])
    assert world["exchange"] in db.session.scalars(
        exchange_services.visible_exchanges(world["caseworker"])
    )
    assert not exchange_services.can_read_exchange(world["admin"], world["exchange"])
    # A prisoner exchange stays theirs only when it holds their case.
    prisoners = make_exchange(world["supervisor"], world["theirs"], side_a="Обмін")
    assert not exchange_services.can_read_exchange(world["caseworker"], prisoners)


def test_remains_have_their_own_list_not_the_peoples(world):
    people = exchange_services.exchange_lines(world["supervisor"], world["exchange"])
    assert people.shown == [] and people.hidden == 0
    listed = services.remains_list(world["supervisor"], world["exchange"])
    assert [r.body_number for r in listed.shown] == ["Т-001", "Т-002"]


def _link(world, remains, case=None):
    services.propose_link(remains, world["caseworker"], case or world["mine"], "Жетон і зріст")
    services.decide_link(
        remains, world["supervisor"], True, "ДНК збігається", family_step="Відвідати матір"
    )


def test_filters_and_counts_by_link(world):
    services.propose_link(world["second"], world["caseworker"], world["mine"], "Жетон")
    assert services.remains_counts(world["exchange"]) == {
        LinkState.UNLINKED: 1,
        LinkState.PROPOSED: 1,
        LinkState.LINKED: 0,
    }
    proposed = services.remains_list(world["supervisor"], world["exchange"], "proposed")
    assert proposed.shown == [world["second"]]
    unlinked = services.remains_list(world["supervisor"], world["exchange"], "unlinked")
    assert unlinked.shown == [world["first"]]
    assert len(services.remains_list(world["supervisor"], world["exchange"], "bogus").shown) == 2
    services.decide_link(world["second"], world["supervisor"], True, "ДНК", family_step="Сказати")
    linked = services.remains_list(world["supervisor"], world["exchange"], "linked")
    assert linked.shown == [world["second"]]
    assert services.remains_counts(world["exchange"])[LinkState.LINKED] == 1


def test_remains_linked_to_another_caseworkers_case_are_counted_never_shown(world):
    services.propose_link(world["first"], world["other"], world["theirs"], "Жетон")
    services.decide_link(world["first"], world["supervisor"], True, "ДНК", family_step="Сказати")
    mine = services.remains_list(world["caseworker"], world["exchange"])
    assert mine.shown == [world["second"]] and mine.hidden == 1
    # Nor does the exchange's timeline tell them whose case it was.
    timeline = exchange_services.exchange_timeline(world["caseworker"], world["exchange"])
    assert not any((e.data or {}).get("case_id") for e in timeline)
    theirs = exchange_services.exchange_timeline(world["other"], world["exchange"])
    assert any((e.data or {}).get("case_id") == world["theirs"].id for e in theirs)


def test_a_pending_proposal_keeps_its_case_from_other_caseworkers(world):
    services.propose_link(world["first"], world["other"], world["theirs"], "Чужий на жетоні")
    history = services.remains_history(world["caseworker"], world["first"])
    assert [e.kind for e in history] == ["remains_added"]
    full = services.remains_history(world["supervisor"], world["first"])
    assert [e.kind for e in full] == ["remains_added", "remains_link_proposed"]
    assert full[1].text == "Чужий на жетоні"


# --- the two-person rule ------------------------------------------------------------------


def test_a_link_proposed_by_one_and_approved_by_another_closes_the_case(world):
    remains, case = world["first"], world["mine"]
    services.propose_link(remains, world["caseworker"], case, "Жетон з прізвищем")
    assert services.link_state(remains) == LinkState.PROPOSED
    assert remains.line.case is None and case.status != "closed"
    services.decide_link(
        remains,
        world["supervisor"],
        True,
        "Лабораторія підтвердила ДНК",
        family_step="Відвідати матір з психологом",
        family_step_due=date(2027, 1, 10),
    )
    assert services.link_state(remains) == LinkState.LINKED
    assert remains.line.case == case
    assert remains.link_proposed_by_id == world["caseworker"].id
    assert remains.link_approved_by_id == world["supervisor"].id
    assert remains.link_approval_reason == "Лабораторія підтвердила ДНК"
    case = db.session.get(Case, case.id)
    assert (case.status, case.closure_reason) == ("closed", "found_deceased")
    # The family contact is the case's required next step, with its due date.
    step = next_open_step(
        db.session.scalars(select(ContactLog).where(ContactLog.case_id == case.id)),
        date(2027, 1, 1),
    )
    assert step is not None
    assert step.contact.next_step == "Відвідати матір з психологом"
    assert step.contact.next_step_due == date(2027, 1, 10)
    # The case's timeline records the closure with the approver's reason, and the contact.
    events = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    closed = [e for e in events if e.kind == "status_changed"]
    assert closed[-1].data["closure_reason"] == "found_deceased"
    assert closed[-1].text == "Лабораторія підтвердила ДНК"
    assert any(e.kind == "contact" for e in events)
    # Audited: the decision, and the case's status change.
    actions = {
        (e.object_type, e.action)
        for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_id.is_not(None)))
    }
    assert ("exchange_remains", "approve") in actions
    assert ("case_record", "status_change") in actions
    # The case lists its exchanges, remains included.
    assert [line.remains for line in exchange_services.case_lines(case)] == [remains]


def test_the_proposer_cannot_approve_their_own_proposal(world):
    remains = world["first"]
    services.propose_link(remains, world["supervisor"], world["mine"], "Жетон")
    with pytest.raises(ExchangeError, match="not the one who proposed"):
        services.decide_link(remains, world["supervisor"], True, "Так", family_step="Сказати")
    assert services.link_state(remains) == LinkState.PROPOSED
    assert world["mine"].status != "closed"


def test_a_caseworker_cannot_approve(world):
    remains = world["first"]
    services.propose_link(remains, world["caseworker"], world["mine"], "Жетон")
    with pytest.raises(ExchangeError, match="supervisor"):
        services.decide_link(remains, world["other"], True, "Так", family_step="Сказати")
    assert services.link_state(remains) == LinkState.PROPOSED


def test_a_rejected_proposal_leaves_the_case_open(world):
    remains, case = world["first"], world["mine"]
    status = case.status
    services.propose_link(remains, world["caseworker"], case, "Жетон")
    services.decide_link(remains, world["supervisor"], False, "ДНК не збігається")
    assert services.link_state(remains) == LinkState.UNLINKED
    assert remains.proposed_case_id is None and remains.line.case is None
    assert db.session.get(Case, case.id).status == status
    assert not db.session.scalars(select(ContactLog).where(ContactLog.case_id == case.id)).all()
    kinds = [e.kind for e in services.remains_history(world["supervisor"], remains)]
    assert kinds == ["remains_added", "remains_link_proposed", "remains_link_rejected"]
    rejected = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "exchange_remains", AuditEvent.action == "reject"
        )
    ).one()
    assert rejected.object_id == remains.id
    # Once rejected, another proposal may follow.
    services.propose_link(remains, world["caseworker"], case, "Новий висновок")
    assert services.link_state(remains) == LinkState.PROPOSED


def test_a_caseworker_proposes_only_cases_they_may_read(world):
    with pytest.raises(ExchangeError, match="No such case") as refused:
        services.propose_link(world["first"], world["caseworker"], world["theirs"], "Жетон")
    assert refused.value.field == "case_number"
    assert world["first"].proposed_case_id is None
    with pytest.raises(ExchangeError, match="may not"):
        services.propose_link(world["first"], world["admin"], world["mine"], "Жетон")


@pytest.mark.parametrize("reason", ["", "   "])
def test_both_people_say_why(world, reason):
    with pytest.raises(ExchangeError):
        services.propose_link(world["first"], world["caseworker"], world["mine"], reason)
    services.propose_link(world["first"], world["caseworker"], world["mine"], "Жетон")
    with pytest.raises(ExchangeError):
        services.decide_link(world["first"], world["supervisor"], True, reason, family_step="x")
    with pytest.raises(ExchangeError) as refused:
        services.decide_link(world["first"], world["supervisor"], True, "Так", family_step=" ")
    assert refused.value.field == "family_step"


def test_one_proposal_at_a_time_and_no_second_link(world):
    services.propose_link(world["first"], world["caseworker"], world["mine"], "Жетон")
    with pytest.raises(ExchangeError, match="already proposed"):
        services.propose_link(world["first"], world["supervisor"], world["theirs"], "Інший")
    services.decide_link(world["first"], world["supervisor"], True, "ДНК", family_step="Сказати")
    with pytest.raises(ExchangeError, match="already linked"):
        services.propose_link(world["first"], world["supervisor"], world["theirs"], "Інший")
    with pytest.raises(ExchangeError, match="No link is proposed"):
        services.decide_link(world["first"], world["supervisor"], True, "ДНК", family_step="x")


def test_a_case_is_linked_to_one_body_per_exchange(world):
    _link(world, world["first"])
    with pytest.raises(ExchangeError, match="closed"):
        services.propose_link(world["second"], world["caseworker"], world["mine"], "Жетон")


def test_two_proposals_for_one_case_the_second_approval_is_refused(world):
    services.propose_link(world["first"], world["caseworker"], world["mine"], "Жетон")
    services.propose_link(world["second"], world["caseworker"], world["mine"], "Зріст")
    services.decide_link(world["first"], world["supervisor"], True, "ДНК", family_step="Сказати")
    with pytest.raises(ExchangeError):
        services.decide_link(world["second"], world["supervisor"], True, "ДНК", family_step="x")
    assert world["second"].line.case is None


def test_a_stale_form_is_refused(world):
    remains = world["first"]
    seen = remains.version
    services.propose_link(remains, world["caseworker"], world["mine"], "Жетон")
    with pytest.raises(ExchangeError, match="meanwhile"):
        services.decide_link(
            remains,
            world["supervisor"],
            True,
            "ДНК",
            family_step="Сказати",
            expected_version=seen,
        )
    assert remains.line.case is None


def test_an_archived_case_cannot_be_linked(world):
    world["mine"].archived = True
    with pytest.raises(ExchangeError, match="archived"):
        services.propose_link(world["first"], world["supervisor"], world["mine"], "Жетон")
