"""The case page reads its candidates as rows of the columns it shows, in one statement
(app.matching.review ``case_page_candidates``): the same candidates in the same order as the
ORM objects of ``case_candidates``, and the matches section says the same of them, records,
pairs seen from either side, linked records and rejections (issue 9 item 4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import render_template
from flask_babel import force_locale
from flask_login import login_user

from app.auth.models import User
from app.cases.models import Case
from app.database import utcnow
from app.extensions import db
from app.matching.models import CandidateStatus, MatchCandidate
from app.matching.review import (
    HiddenDuplicate,
    can_see,
    case_candidates,
    case_candidates_for,
    case_page_candidates,
    linked_records,
    linked_records_among,
)
from tests import factories
from tests.conftest import sql_statements
from tests.matching.conftest import explanation, make_candidate, make_record, make_source


@pytest.fixture
def many(app, users, make_case):
    """A case with a candidate of every kind: proposed, confirmed (two, decided on different
    days), rejected with a reason, a record without a name, and pairs with a case it is the
    older of, the newer of, and one its caseworker may not open."""
    case_id = make_case(owner="caseworker")
    older = make_case(owner="caseworker", given_name="Олесь")
    newer = make_case(owner="caseworker", given_name="Сашко")
    theirs = make_case(owner="supervisor", given_name="Ярко")
    with app.app_context():
        now = utcnow()
        other_source = make_source("Institution register (test)")
        make_candidate(case_id, make_record().id, score=0.97)
        make_candidate(
            case_id,
            make_record(family_name="Першенко", source=other_source).id,
            score=0.91,
            status="confirmed",
            decided_at=now - timedelta(days=1),
        )
        make_candidate(
            case_id,
            make_record(family_name="Пізненко", current_location="", institution="").id,
            score=0.88,
            status="confirmed",
            decided_at=now,
        )
        make_candidate(
            case_id,
            make_record(family_name="Відхиленко").id,
            score=0.7,
            likely=False,
            status="rejected",
            review_reason="Інша дата народження <і місто>",
            decided_at=now,
        )
        make_candidate(
            case_id,
            make_record(family_name="", given_name="", external_id="БЕЗ-ІМЕНІ-1").id,
            score=0.66,
            explanation={},
        )
        make_candidate(case_id, other_case_id=newer, score=0.95)
        make_candidate(older, other_case_id=case_id, score=0.8, status="awaiting_approval")
        make_candidate(case_id, other_case_id=theirs, score=0.75, explanation=explanation(0.75))
        db.session.commit()
    return {"case": case_id, "theirs": theirs}


def _hidden(candidate: MatchCandidate, case: Case) -> HiddenDuplicate:
    """A pair the reader may not open, as the ORM objects gave it (the code before the rows)."""
    other = candidate.counterpart_of(case)
    owner = other.assigned_to if other is not None else None
    return HiddenDuplicate(
        id=candidate.id,
        score=candidate.score,
        likely=candidate.likely,
        status=candidate.status,
        ask=owner.name if owner is not None and owner.active else None,
    )


def _section(case: Case, candidates, hidden, linked) -> str:
    return render_template(
        "matching/_case_candidates.html",
        case=case,
        candidates=candidates,
        hidden_duplicates=hidden,
        linked_records=linked,
    )


@pytest.mark.parametrize("locale", ["uk", "en"])
@pytest.mark.parametrize("role", ["supervisor", "caseworker"])
def test_the_rows_show_what_the_orm_candidates_showed(app, users, many, role, locale):
    with app.test_request_context(), force_locale(locale):
        user = db.session.get(User, users[role])
        login_user(user)
        case = db.session.get(Case, many["case"])
        orm = case_candidates(case)
        visible = [c for c in orm if can_see(user, c)]
        plain_hidden = [
            _hidden(c, case)
            for c in orm
            if not can_see(user, c) and c.status != CandidateStatus.REJECTED
        ]
        plain = _section(case, visible, plain_hidden, linked_records(case))
        shown, hidden = case_candidates_for(user, case)
        fast = _section(case, shown, hidden, linked_records_among(shown, case))
    assert fast == plain
    assert [c.id for c in shown] == [c.id for c in visible]
    assert hidden == plain_hidden
    assert ("Першенко" in fast) and ("Відхиленко" in fast) and ("БЕЗ-ІМЕНІ-1" in fast)
    assert "&lt;і місто&gt;" in fast
    assert bool(hidden) == (role == "caseworker")


def test_each_row_holds_what_its_candidate_holds(app, many):
    with app.app_context():
        case = db.session.get(Case, many["case"])
        orm = case_candidates(case)
        rows = case_page_candidates(case)
        assert [row.id for row in rows] == [c.id for c in orm]
        for row, candidate in zip(rows, orm, strict=True):
            assert (row.case_id, row.other_case_id, row.status, row.review_reason) == (
                candidate.case_id,
                candidate.other_case_id,
                candidate.status,
                candidate.review_reason,
            )
            assert (row.score, row.likely, row.band) == (
                candidate.score,
                candidate.likely,
                candidate.band,
            )
            assert row.explanation == (candidate.explanation or {})
            assert row.decided_at == candidate.decided_at
            if candidate.record is None:
                assert row.record is None
            else:
                record = candidate.record
                assert row.record is not None
                assert (row.record.id, row.record.display_name, row.record.source.name) == (
                    record.id,
                    record.display_name,
                    record.source.name,
                )
                assert (row.record.current_location, row.record.institution) == (
                    record.current_location,
                    record.institution,
                )
            other = candidate.counterpart_of(case)
            counterpart = row.counterpart_of(case)
            if other is None:
                assert counterpart is None
            else:
                assert counterpart is not None
                assert (counterpart.id, counterpart.case_number) == (other.id, other.case_number)
                assert counterpart.assigned_to_id == other.assigned_to_id
                assert counterpart.owner == other.assigned_to.name


def test_the_rows_are_one_statement(app, many):
    with app.app_context():
        case = db.session.get(Case, many["case"])
        db.session.expunge_all()  # nothing of the pairs' cases loaded already
        with sql_statements(app) as seen:
            rows = case_page_candidates(case)
            [(row.record, row.counterpart) for row in rows]
    assert len([s for s in seen if s.startswith("SELECT")]) == 1
    assert len(rows) == 8


def test_a_hidden_duplicate_asks_its_caseworker_only_while_their_account_is_active(
    app, users, many
):
    with app.app_context():
        caseworker = db.session.get(User, users["caseworker"])
        case = db.session.get(Case, many["case"])
        (hidden,) = case_candidates_for(caseworker, case)[1]
        assert hidden.ask == db.session.get(User, users["supervisor"]).name
        theirs = db.session.get(Case, many["theirs"])
        inactive = factories.make_user("supervisor", name="Вибула Ганна", active=False)
        theirs.assigned_to_id = inactive.id
        db.session.flush()
        (hidden,) = case_candidates_for(caseworker, case)[1]
        assert hidden.ask is None
        theirs.assigned_to_id = None
        db.session.flush()
        (hidden,) = case_candidates_for(caseworker, case)[1]
        assert hidden.ask is None
        assert db.session.get(MatchCandidate, hidden.id) is not None
