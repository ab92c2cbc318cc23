"""Hole 3 (issue 10): a possible duplicate in a case the reader may not open says that it
exists and whom to ask, and shows nothing of the other child."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.matching import services
from app.matching.models import MatchCandidate
from app.matching.review import HiddenDuplicate, case_candidates_for
from tests import factories
from tests.conftest import csrf_token

# The first caseworker's child, as it is on their case; none of it may reach the second.
THEIRS = {
    "family_name": "Лисенко",
    "given_name": "Олександр",
    "patronymic": "Петрович",
    "dob_year": 2014,
    "dob_month": 3,
    "dob_day": 12,
    "place_of_birth": "Олешки",
    "last_known_place": "Олешки",
}
THEIR_TRACES = ("Лисенко", "ЛИСЕНКО", "Олександр", "Петрович", "Олешки", "2014-03-12", "12.03.2014")


@pytest.fixture
def second_caseworker(app, login):
    """Another caseworker, with none of the first one's cases."""
    with app.app_context():
        user = factories.make_user(role="caseworker", name="Друга Працівниця")
        db.session.commit()
        return login(user.id), user.id


@pytest.fixture
def theirs(app, make_case, users, monkeypatch):
    """The first caseworker's case; matching after a new case compares with it at once."""
    monkeypatch.setattr(services, "SLACK", timedelta(0))
    case_id = make_case(owner="caseworker", **THEIRS)
    with app.app_context():
        case = db.session.get(Case, case_id)
        owner = case.assigned_to.name
        number = case.case_number
        list_id = factories.make_source_list("Hotline").id
        db.session.commit()
    return {"id": case_id, "owner": owner, "number": number, "list_id": list_id}


def _open_the_same_child(client, list_id: int):
    """A second report of the child, spelt the Russian way, day and month swapped."""
    return client.post(
        "/cases/new",
        data={
            "csrf_token": csrf_token(client, "/cases/new"),
            "source_list": list_id,
            "case_type": "child",
            "priority": "normal",
            "family_name": "Лысенко",
            "given_name": "Александр",
            "sex": "male",
            "date_of_birth": "03.12.2014",
            "last_known_place": "Херсон",
        },
    )


def test_a_caseworker_sees_that_a_duplicate_exists_and_whom_to_ask_not_its_content(
    app, second_caseworker, theirs
):
    client, _user_id = second_caseworker
    response = _open_the_same_child(client, theirs["list_id"])
    assert response.status_code == 302
    with app.app_context():
        pair = db.session.scalar(
            select(MatchCandidate).where(
                (MatchCandidate.case_id == theirs["id"])
                | (MatchCandidate.other_case_id == theirs["id"])
            )
        )
        assert pair is not None, "the engine proposed no duplicate: the test proves nothing"
        pair_id = pair.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    section = page[page.index('data-testid="matches"') :]
    assert 'data-testid="hidden-duplicate"' in section
    assert f"Ask {theirs['owner']}, who works on it." in section
    for trace in (*THEIR_TRACES, theirs["number"], f"/matches/{pair_id}"):
        assert trace not in page, trace


def test_a_duplicate_nobody_works_on_says_ask_a_supervisor(
    app, caseworker, second_caseworker, theirs
):
    client, _user_id = second_caseworker
    _open_the_same_child(client, theirs["list_id"])
    with app.app_context():
        newer = db.session.scalar(select(Case).where(Case.family_name == "Лысенко"))
        newer.assigned_to_id = None  # now unassigned: the owner of the first asks a supervisor
        db.session.commit()
    page = caseworker.get(f"/cases/{theirs['id']}").get_data(as_text=True)
    section = page[page.index('data-testid="matches"') :]
    assert "Ask a supervisor." in section and "Лысенко" not in section


def test_a_supervisor_sees_every_duplicate_in_full(app, supervisor, second_caseworker, theirs):
    client, _user_id = second_caseworker
    _open_the_same_child(client, theirs["list_id"])
    page = supervisor.get(f"/cases/{theirs['id']}").get_data(as_text=True)
    section = page[page.index('data-testid="matches"') :]
    assert 'data-testid="hidden-duplicate"' not in section
    assert 'data-testid="candidate-link"' in section and "possible duplicate" in section


def test_hidden_duplicates_carry_no_content(app, people, make_duplicate_pair_ids):
    """The function the page uses hands the template nothing of the other case."""
    _older_id, newer_id = make_duplicate_pair_ids
    with app.app_context():
        newer = db.session.get(Case, newer_id)
        shown, hidden = case_candidates_for(people["caseworker"], newer)
        assert shown == []
        (only,) = hidden
        assert isinstance(only, HiddenDuplicate)
        assert only.ask == people["supervisor"].name
        assert set(HiddenDuplicate.__slots__) == {"id", "score", "likely", "status", "ask"}
        shown, hidden = case_candidates_for(people["supervisor"], newer)
        assert len(shown) == 1 and hidden == []


@pytest.fixture
def make_duplicate_pair_ids(app, make_case):
    """Two cases: the older the supervisor's, the newer the caseworker's, and their pair."""
    older = make_case(owner="supervisor", **THEIRS)
    newer = make_case(owner="caseworker", family_name="Лысенко", given_name="Александр")
    with app.app_context():
        db.session.add(
            MatchCandidate(case_id=older, other_case_id=newer, score=0.91, likely=True,
                           explanation={"fields": []}, status="proposed")
        )  # fmt: skip
        db.session.commit()
    return older, newer
