"""The case page builds only the forms it shows (app.cases.routes._shown_forms), and still
shows each reader the same forms: per role, with a status change waiting for approval, and
on an archived case."""

from __future__ import annotations

import re

import pytest

from app.auth.models import User
from app.cases.models import Case
from app.cases.services import archive_case, change_status
from app.extensions import db

# Each form of the case page by the address it posts to.
ACTIONS = {
    "status": "/status",
    "contact": "/contacts",
    "relative": "/relatives",
    "alias": "/aliases",
    "note": "/notes",
    "link": "/siblings",
    "duplicate": "/duplicate",
    "archive": "/archive",
}
DECISION = re.compile(r"^/approvals/\d+$")
EDITING = {"status", "contact", "relative", "alias", "note", "link"}


def _forms_shown(client, case_id: int) -> set[str]:
    html = client.get(f"/cases/{case_id}").get_data(as_text=True)
    posted_to = set(re.findall(r'<form method="post" action="([^"]+)"', html))
    shown = {name for name, ending in ACTIONS.items() if f"/cases/{case_id}{ending}" in posted_to}
    return shown | ({"decision"} if any(DECISION.match(action) for action in posted_to) else set())


def _act(app, users, case_id: int, act, who: str) -> None:
    with app.app_context():
        act(db.session.get_one(Case, case_id), db.session.get_one(User, users[who]))
        db.session.commit()


@pytest.fixture
def case_id(make_case) -> int:
    return make_case(owner="caseworker")


def test_the_caseworker_sees_the_editing_forms_and_no_supervisor_action(caseworker, case_id):
    assert _forms_shown(caseworker, case_id) == EDITING


def test_the_supervisor_also_sees_duplicate_and_archive(supervisor, case_id):
    assert _forms_shown(supervisor, case_id) == EDITING | {"duplicate", "archive"}


def test_a_pending_change_replaces_the_status_form_and_gives_the_supervisor_a_decision(
    app, users, caseworker, supervisor, case_id
):
    _act(
        app,
        users,
        case_id,
        lambda case, user: change_status(case, user, "closed", "Family withdrew.", "withdrawn"),
        who="caseworker",
    )
    assert _forms_shown(caseworker, case_id) == EDITING - {"status"}
    assert _forms_shown(supervisor, case_id) == (EDITING - {"status"}) | {
        "duplicate",
        "archive",
        "decision",
    }


def test_an_archived_case_shows_no_form(app, users, caseworker, supervisor, case_id):
    _act(app, users, case_id, lambda case, user: archive_case(case, user, "Twice."), "supervisor")
    assert _forms_shown(caseworker, case_id) == set()
    assert _forms_shown(supervisor, case_id) == set()


def test_a_refused_post_shows_its_form_with_the_others(app, caseworker, case_id):
    from tests.conftest import csrf_token

    response = caseworker.post(
        f"/cases/{case_id}/notes",
        data={"csrf_token": csrf_token(caseworker, f"/cases/{case_id}"), "note-body": " "},
    )
    assert response.status_code in (200, 400, 422)
    html = response.get_data(as_text=True)
    assert 'id="note-body-error"' in html
    assert f'action="/cases/{case_id}/contacts"' in html
