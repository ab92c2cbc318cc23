"""The review rules: people confirm, reject and approve; the engine only proposes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.cases.labels import event_text
from app.cases.models import Case, CaseEvent, CaseEventKind, CaseStatus
from app.cases.services import change_status, pending_request
from app.database import utcnow
from app.extensions import db
from app.matching.models import CandidateStatus, MatchCandidate
from app.matching.review import (
    MatchError,
    approval_queue,
    can_review,
    can_see,
    case_candidates,
    confirm,
    decide,
    linked_records,
    linked_records_among,
    queue_sort,
    reject,
    review_queue,
    review_queue_reading,
)
from tests.conftest import sql_statements
from tests.matching.conftest import make_candidate, make_record, make_source


def _get(model, id_):
    return db.session.get(model, id_)


def _events(case_id: int, kind: CaseEventKind) -> list[CaseEvent]:
    return list(
        db.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.kind == kind.value)
            .order_by(CaseEvent.id)
        )
    )


@pytest.fixture
def match(make_match):
    return make_match(owner="caseworker")


# --- access -------------------------------------------------------------------------------


def test_caseworker_sees_and_reviews_only_candidates_of_their_cases(people, make_match):
    own = _get(MatchCandidate, make_match(owner="caseworker")["candidate"])
    other = _get(MatchCandidate, make_match(owner=None)["candidate"])
    caseworker, supervisor, admin = people["caseworker"], people["supervisor"], people["admin"]
    assert can_see(caseworker, own) and can_review(caseworker, own)
    assert not can_see(caseworker, other) and not can_review(caseworker, other)
    assert can_see(supervisor, other) and can_review(supervisor, other)
    assert not can_see(admin, own)  # admins never see case content
    with pytest.raises(MatchError):
        confirm(other, caseworker, "looks right")
    with pytest.raises(MatchError):
        reject(other, caseworker, "not her")


def test_a_duplicate_pair_needs_both_cases(people, make_duplicate_pair):
    pair = make_duplicate_pair(owner="caseworker", other_owner=None)
    candidate = _get(MatchCandidate, pair["candidate"])
    assert not can_see(people["caseworker"], candidate)
    assert can_see(people["supervisor"], candidate)


# --- reasons ------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_every_decision_needs_a_reason(people, match, reason):
    candidate = _get(MatchCandidate, match["candidate"])
    with pytest.raises(MatchError, match="reason"):
        confirm(candidate, people["caseworker"], reason)
    with pytest.raises(MatchError, match="reason"):
        reject(candidate, people["caseworker"], reason)
    assert candidate.status == CandidateStatus.PROPOSED


# --- confirmation -------------------------------------------------------------------------


def test_caseworker_confirmation_waits_for_approval(people, match):
    candidate = _get(MatchCandidate, match["candidate"])
    confirm(candidate, people["caseworker"], "  Same birthday, mother's name agrees. ")
    case = _get(Case, match["case"])
    assert candidate.status == CandidateStatus.AWAITING_APPROVAL
    assert candidate.review_reason == "Same birthday, mother's name agrees."
    assert candidate.reviewed_by_id == people["caseworker"].id
    assert candidate.advance_status is True
    assert candidate.decided_by_id is None
    # Nothing is linked yet.
    assert case.current_location == ""
    assert case.status == CaseStatus.NEW
    assert linked_records(case) == []
    [event] = _events(case.id, CaseEventKind.MATCH)
    assert event.data["state"] == "awaiting_approval"
    assert event.data["candidate"] == candidate.id
    assert list(db.session.scalars(approval_queue())) == [candidate]


def test_supervisor_confirmation_applies_at_once(people, make_match):
    ids = make_match(owner=None)
    candidate = _get(MatchCandidate, ids["candidate"])
    confirm(candidate, people["supervisor"], "The register photo is her.")
    case = _get(Case, ids["case"])
    assert candidate.status == CandidateStatus.CONFIRMED
    assert candidate.decided_by_id == people["supervisor"].id
    assert case.current_location == "Таганрог, Детский дом № 3"
    assert case.status == CaseStatus.LOCATED
    assert [r.id for r in linked_records(case)] == [ids["record"]]
    assert list(db.session.scalars(approval_queue())) == []


def test_approval_links_the_record_and_advances_the_status(people, match):
    candidate = _get(MatchCandidate, match["candidate"])
    confirm(candidate, people["caseworker"], "Same child.")
    decide(candidate, people["supervisor"], approve=True, note="Agreed.")
    case = _get(Case, match["case"])
    assert candidate.status == CandidateStatus.CONFIRMED
    assert candidate.decided_by_id == people["supervisor"].id
    assert candidate.decision_note == "Agreed."
    assert case.current_location == "Таганрог, Детский дом № 3"
    assert case.status == CaseStatus.LOCATED
    steps = [
        (e.data["source"], e.data["target"]) for e in _events(case.id, CaseEventKind.STATUS_CHANGED)
    ]
    assert steps == [("new", "under_investigation"), ("under_investigation", "located")]
    states = [e.data["state"] for e in _events(case.id, CaseEventKind.MATCH)]
    assert states == ["awaiting_approval", "confirmed"]
    confirmed = _events(case.id, CaseEventKind.MATCH)[-1]
    assert confirmed.data["record"] == match["record"]
    assert confirmed.data["source"] == "Evacuation register (test)"
    assert [r.id for r in linked_records(case)] == [match["record"]]


def test_approval_from_under_investigation_moves_one_step(people, make_match):
    ids = make_match(case_fields={"status": CaseStatus.UNDER_INVESTIGATION.value})
    candidate = _get(MatchCandidate, ids["candidate"])
    confirm(candidate, people["caseworker"], "Same child.")
    decide(candidate, people["supervisor"], approve=True)
    case = _get(Case, ids["case"])
    assert case.status == CaseStatus.LOCATED
    assert len(_events(case.id, CaseEventKind.STATUS_CHANGED)) == 1


def test_approval_leaves_a_status_change_that_waits_for_approval(people, match):
    """Approval moves the status only through the workflow: a closure that waits for a
    supervisor is not stepped over; the record is linked all the same."""
    case = _get(Case, match["case"])
    change_status(case, people["caseworker"], "closed", "family withdrew", "withdrawn")
    candidate = _get(MatchCandidate, match["candidate"])
    confirm(candidate, people["caseworker"], "Same child.")
    decide(candidate, people["supervisor"], approve=True)
    assert candidate.status == CandidateStatus.CONFIRMED
    assert case.status == CaseStatus.NEW
    assert case.current_location == "Таганрог, Детский дом № 3"
    assert pending_request(case) is not None
    assert _events(case.id, CaseEventKind.STATUS_CHANGED) == []


def test_status_stays_when_the_caseworker_did_not_ask_to_advance(people, match):
    candidate = _get(MatchCandidate, match["candidate"])
    confirm(candidate, people["caseworker"], "Same child.", advance_status=False)
    decide(candidate, people["supervisor"], approve=True)
    case = _get(Case, match["case"])
    assert case.status == CaseStatus.NEW
    assert case.current_location == "Таганрог, Детский дом № 3"


def test_a_record_without_a_location_leaves_the_case_location(people, make_match):
    ids = make_match(record_fields={"current_location": "", "institution": ""})
    case = _get(Case, ids["case"])
    case.current_location = "Київ"
    candidate = _get(MatchCandidate, ids["candidate"])
    confirm(candidate, people["supervisor"], "Same child.")
    assert case.current_location == "Київ"


def test_sent_back_confirmation_returns_to_proposed(people, match):
    candidate = _get(MatchCandidate, match["candidate"])
    confirm(candidate, people["caseworker"], "Same child.")
    decide(candidate, people["supervisor"], approve=False, note="Check the birth date first.")
    case = _get(Case, match["case"])
    assert candidate.status == CandidateStatus.PROPOSED
    assert candidate.decision_note == "Check the birth date first."
    assert case.current_location == ""
    assert _events(case.id, CaseEventKind.MATCH)[-1].data["state"] == "sent_back"
    # The caseworker may decide again.
    confirm(candidate, people["caseworker"], "Birth certificate checked.")
    assert candidate.status == CandidateStatus.AWAITING_APPROVAL


def test_only_supervisors_decide_and_only_what_waits(people, match):
    candidate = _get(MatchCandidate, match["candidate"])
    with pytest.raises(MatchError):
        decide(candidate, people["supervisor"], approve=True)  # nothing waits yet
    confirm(candidate, people["caseworker"], "Same child.")
    for user in (people["caseworker"], people["admin"]):
        with pytest.raises(MatchError):
            decide(candidate, user, approve=True)
    with pytest.raises(MatchError):
        confirm(candidate, people["caseworker"], "again")  # already decided
    with pytest.raises(MatchError):
        reject(candidate, people["caseworker"], "changed my mind")  # the supervisor's call now
    reject(candidate, people["supervisor"], "The mother's name differs.")
    assert candidate.status == CandidateStatus.REJECTED


# --- rejection ----------------------------------------------------------------------------


def test_rejected_stays_rejected(people, match):
    candidate = _get(MatchCandidate, match["candidate"])
    reject(candidate, people["caseworker"], "Different mother.")
    assert candidate.status == CandidateStatus.REJECTED
    assert candidate.review_reason == "Different mother."
    case = _get(Case, match["case"])
    assert _events(case.id, CaseEventKind.MATCH)[-1].data["state"] == "rejected"
    for attempt in (
        lambda: confirm(candidate, people["supervisor"], "sure?"),
        lambda: reject(candidate, people["supervisor"], "twice"),
        lambda: decide(candidate, people["supervisor"], approve=True),
    ):
        with pytest.raises(MatchError):
            attempt()
    assert candidate.status == CandidateStatus.REJECTED
    assert case.current_location == ""
    # Still listed with the case (collapsed on the page), never linked.
    assert case_candidates(case) == [candidate]
    assert linked_records(case) == []


def test_a_confirmed_match_cannot_be_rejected(people, match):
    candidate = _get(MatchCandidate, match["candidate"])
    confirm(candidate, people["supervisor"], "Same child.")
    with pytest.raises(MatchError, match="confirmed"):
        reject(candidate, people["supervisor"], "oops")


# --- duplicate cases ----------------------------------------------------------------------


def test_confirmed_duplicate_merges_the_newer_case_into_the_older(people, make_duplicate_pair):
    pair = make_duplicate_pair()
    candidate = _get(MatchCandidate, pair["candidate"])
    confirm(candidate, people["caseworker"], "Reported by the mother and the aunt.")
    older, newer = _get(Case, pair["case"]), _get(Case, pair["other_case"])
    assert candidate.status == CandidateStatus.AWAITING_APPROVAL
    assert newer.duplicate_of_id is None
    assert len(_events(older.id, CaseEventKind.MATCH)) == 1
    assert len(_events(newer.id, CaseEventKind.MATCH)) == 1

    decide(candidate, people["supervisor"], approve=True)
    assert candidate.status == CandidateStatus.CONFIRMED
    assert newer.duplicate_of_id == older.id
    assert older.duplicate_of_id is None
    # The older case learns the newer one's name as an alias (the cases rule).
    assert any(alias.given_name == "Сашко" for alias in older.aliases)
    assert [e.data["state"] for e in _events(newer.id, CaseEventKind.MATCH)] == [
        "awaiting_approval",
        "confirmed",
    ]
    # Both cases list the pair; from either side the counterpart is the other case.
    assert case_candidates(older) == [candidate] == case_candidates(newer)
    assert candidate.counterpart_of(newer) is older
    assert candidate.counterpart_of(older) is newer


# --- lists --------------------------------------------------------------------------------


def test_case_candidates_best_first(people, make_case):
    case_id = make_case()
    low = make_candidate(case_id, make_record().id, score=0.6)
    high = make_candidate(case_id, make_record().id, score=0.95)
    mid = make_candidate(case_id, make_record().id, score=0.8)
    assert case_candidates(_get(Case, case_id)) == [high, mid, low]


def test_review_queue_filters(people, make_case):
    case_id = make_case()
    other_source = make_source("Institution register (test)")
    likely = make_candidate(case_id, make_record().id, score=0.95)
    possible = make_candidate(case_id, make_record().id, score=0.7)
    elsewhere = make_candidate(case_id, make_record(other_source).id, score=0.92)
    rejected = make_candidate(case_id, make_record().id, score=0.99, status="rejected")
    newer = make_case(given_name="Сашко")
    duplicate = make_candidate(case_id, other_case_id=newer, score=0.91)

    def ids(**filters):
        return [c.id for c in db.session.scalars(review_queue(**filters))]

    assert ids() == [likely.id, elsewhere.id, duplicate.id]
    assert ids(band="possible") == [possible.id]
    assert ids(band=None) == [likely.id, elsewhere.id, duplicate.id, possible.id]
    assert ids(status="rejected") == [rejected.id]
    assert ids(kind="case") == [duplicate.id]
    assert ids(kind="record") == [likely.id, elsewhere.id]
    assert ids(source_id=other_source.id) == [elsewhere.id]


def test_the_review_queue_read_a_page_at_a_time_is_the_queue(people, make_case):
    """review_queue_reading (the match queue's pages, from statements built once per filter
    and order) gives review_queue's candidates in its order, a page at a time, and its
    number, for each filter, sort and source, an unknown band or kind as none."""
    case_id = make_case()
    source = make_source("Institution register (test)")
    for n, score in enumerate((0.95, 0.7, 0.92, 0.99, 0.81, 0.97)):
        record = make_record(source if n % 2 else None)
        make_candidate(case_id, record.id, score=score, status="rejected" if n == 3 else "proposed")
    make_candidate(case_id, other_case_id=make_case(given_name="Сашко"), score=0.91)
    for filters in (
        {},
        {"band": "possible"},
        {"band": None, "sort": queue_sort("case")},
        {"band": "no such band", "kind": "no such kind", "sort": queue_sort("-case")},
        {"status": "rejected"},
        {"kind": "case"},
        {"kind": "record", "source_id": source.id, "sort": queue_sort("score")},
    ):
        expected = [c.id for c in db.session.scalars(review_queue(**filters))]
        page_ids, total = review_queue_reading(**filters)
        assert total() == len(expected), filters
        assert page_ids(2, 0) + page_ids(2, 2) + page_ids(100, 4) == expected, filters


def test_the_status_reason_of_a_confirmed_match_is_a_code_shown_in_the_readers_language(
    app, people, match
):
    """It was stored as the confirming person's English ("Match confirmed: Same child.")."""
    candidate = _get(MatchCandidate, match["candidate"])
    confirm(candidate, people["caseworker"], "Та сама дитина.")
    decide(candidate, people["supervisor"], approve=True, note="Так.")
    changes = _events(match["case"], CaseEventKind.STATUS_CHANGED)
    assert {(e.text, e.data["why"]) for e in changes} == {("Та сама дитина.", "match_confirmed")}
    with app.test_request_context(), force_locale("en"):
        assert event_text(changes[0].text, changes[0].data) == "Match confirmed: Та сама дитина."
    with app.test_request_context(), force_locale("uk"):
        shown = event_text(changes[0].text, changes[0].data)
    assert shown.endswith(": Та сама дитина.") and not shown.startswith("Match")


def test_an_old_english_status_reason_is_shown_as_written():
    assert event_text("Match confirmed: Same child.", {"source": "new"}) == (
        "Match confirmed: Same child."
    )


def test_the_case_page_links_the_records_linked_records_gives_without_a_statement(
    app, make_case, supervisor
):
    """The case page takes its linked records from the candidates it read (one statement
    fewer): the same records in the same order, confirmed ones of this case only."""
    case_id = make_case(owner="caseworker")
    other_id = make_case(owner="caseworker", given_name="Сашко")
    with app.app_context():
        now = utcnow()
        later, first, proposed, rejected, elsewhere = (
            make_record(family_name=name)
            for name in ("Пізненко", "Першенко", "Пропоненко", "Відхиленко", "Деінденко")
        )
        make_candidate(case_id, later.id, status="confirmed", decided_at=now)
        make_candidate(case_id, first.id, status="confirmed", decided_at=now - timedelta(days=1))
        make_candidate(case_id, proposed.id)
        make_candidate(case_id, rejected.id, status="rejected", decided_at=now)
        make_candidate(other_id, elsewhere.id, status="confirmed", decided_at=now)
        make_candidate(case_id, other_case_id=other_id, status="confirmed", decided_at=now)
        db.session.commit()
        case = db.session.get(Case, case_id)
        among = [record.id for record in linked_records_among(case_candidates(case), case)]
        assert among == [record.id for record in linked_records(case)] == [first.id, later.id]
        names = {record.id: record.family_name for record in (first, later, elsewhere)}
    with sql_statements(app) as seen:
        html = supervisor.get(f"/cases/{case_id}").get_data(as_text=True)
    assert not [s for s in seen if s.startswith("SELECT partner_record.")], seen
    linked = html[html.index('data-testid="linked-records"') :]
    linked = linked[: linked.index("</table>")]
    assert linked.index(names[first.id]) < linked.index(names[later.id])
    assert names[elsewhere.id] not in linked
