"""The candidate page reads the candidate with everything it shows in one statement and keeps
its blank forms (app.forms.form_html): each candidate's page still posts to that candidate,
offers to move the case only for a record, tells a caseworker that a supervisor approves,
and shows a refused confirmation as typed (issue 9 item 4)."""

from __future__ import annotations

import re

from app.auth.models import User
from app.extensions import db
from app.matching.models import MatchCandidate
from app.matching.review import confirm
from tests.conftest import csrf_token, sql_statements

FORM_ACTIONS = re.compile(r'<form method="post" action="(/matches/[^"]+)"')


def test_each_candidate_page_s_forms_are_its_own(
    caseworker, supervisor, make_match, make_duplicate_pair
):
    record = make_match(owner="caseworker")["candidate"]
    pair = make_duplicate_pair(owner="caseworker", other_owner="caseworker")["candidate"]
    pages = {}
    for who, client in (("caseworker", caseworker), ("supervisor", supervisor)):
        for name, candidate_id in (("record", record), ("pair", pair)):
            html = client.get(f"/matches/{candidate_id}").get_data(as_text=True)
            pages[who, name] = html
            assert FORM_ACTIONS.findall(html) == [
                f"/matches/{candidate_id}/confirm",
                f"/matches/{candidate_id}/reject",
            ]
    for who in ("caseworker", "supervisor"):
        assert 'name="confirm-advance_status"' in pages[who, "record"]
        assert 'name="confirm-advance_status"' not in pages[who, "pair"]
    for name in ("record", "pair"):
        assert "A supervisor approves your confirmation" in pages["caseworker", name]
        assert "A supervisor approves your confirmation" not in pages["supervisor", name]
    # The kept form carries this session's token: a post with it is taken.
    token = csrf_token(caseworker, f"/matches/{record}")
    response = caseworker.post(
        f"/matches/{record}/reject", data={"csrf_token": token, "reject-reason": "Інша дитина."}
    )
    assert response.status_code == 302


def test_a_confirmation_waiting_for_approval_shows_the_supervisor_its_decision(
    app, users, caseworker, supervisor, make_match
):
    ids = make_match(owner="caseworker")
    with app.app_context():
        confirm(
            db.session.get(MatchCandidate, ids["candidate"]),
            db.session.get(User, users["caseworker"]),
            "Та сама дата народження.",
        )
        db.session.commit()
    path = f"/matches/{ids['candidate']}"
    html = supervisor.get(path).get_data(as_text=True)
    assert FORM_ACTIONS.findall(html) == [f"{path}/decide"]
    assert 'data-testid="decision-form"' in html and 'name="decision-note"' in html
    assert FORM_ACTIONS.findall(caseworker.get(path).get_data(as_text=True)) == []
    token = csrf_token(supervisor, path)
    response = supervisor.post(
        f"{path}/decide", data={"csrf_token": token, "decision-approve": "1"}
    )
    assert response.status_code == 302


def test_the_candidate_is_read_with_all_the_page_shows_in_one_statement(
    app, supervisor, make_match, make_duplicate_pair
):
    record = make_match(owner="caseworker")["candidate"]
    pair = make_duplicate_pair(owner="caseworker", other_owner="supervisor")["candidate"]
    for candidate_id in (record, pair):
        supervisor.get(f"/matches/{candidate_id}")
        with sql_statements(app) as seen:
            html = supervisor.get(f"/matches/{candidate_id}").get_data(as_text=True)
        assert 'data-testid="match-title"' in html
        selects = [s for s in seen if s.startswith("SELECT")]
        # the signed-in user, then the candidate with its cases, lists, record and source
        assert len(selects) == 2, selects
        assert "JOIN case_record" in selects[1] and "JOIN source_list" in selects[1]
