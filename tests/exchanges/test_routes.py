"""The exchange pages through the test client, per role."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.cases.models import Case
from app.exchanges.forms import DeceasedDecisionForm, RemainsDecisionForm
from app.exchanges.models import Exchange, ExchangeLine
from app.exchanges.routes import _suggest_family_step
from app.exchanges.services import FAMILY_CONTACT_DAYS
from app.extensions import db
from tests import factories
from tests.conftest import csrf_token
from tests.exchanges.conftest import line_of, make_exchange

MINE, THEIRS = "Вербицька-Обмінна", "Гайдамаченко-Обмінний"


@pytest.fixture
def world(app, users):
    with app.test_request_context():
        supervisor = db.session.get(User, users["supervisor"])
        caseworker = db.session.get(User, users["caseworker"])
        other = factories.make_user("caseworker")
        mine = factories.make_case(supervisor, assigned_to=caseworker, family_name=MINE)
        theirs = factories.make_case(supervisor, assigned_to=other, family_name=THEIRS)
        exchange = make_exchange(supervisor, mine, theirs, place="Кордон")
        ids = {
            "exchange": exchange.id,
            "mine": mine.id,
            "theirs": theirs.id,
            "line": line_of(exchange, mine.id).id,
            "their_line": line_of(exchange, theirs.id).id,
            "other": other.id,
        }
        db.session.commit()
        return ids


def _post(client, path, data):
    token = csrf_token(client, "/login", follow_redirects=True)
    return client.post(path, data={"csrf_token": token, **data})


@pytest.fixture
def stranger(app, login):
    """A caseworker with no case in any exchange."""
    with app.app_context():
        user = factories.make_user("caseworker")
        db.session.commit()
        return login(user.id)


def test_the_list_per_role(client, caseworker, supervisor, admin, stranger, world):
    assert client.get("/exchanges").status_code == 302
    assert "Сторона А" in caseworker.get("/exchanges").get_data(as_text=True)
    assert "Сторона А" in supervisor.get("/exchanges").get_data(as_text=True)
    assert admin.get("/exchanges").status_code == 403
    assert "Сторона А" not in stranger.get("/exchanges").get_data(as_text=True)


def test_the_exchange_page_shows_a_caseworker_only_their_people(app, caseworker, world):
    page = caseworker.get(f"/exchanges/{world['exchange']}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert MINE in body and THEIRS not in body
    assert 'data-testid="hidden-lines"' in body
    assert 'data-testid="progress-chart"' in body
    assert "line-add-form" not in body  # supervisors only
    with app.app_context():
        read = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "exchange", AuditEvent.action == "read"
            )
        ).all()
        assert [e.object_id for e in read] == [world["exchange"]]


def test_the_exchange_page_per_role(client, supervisor, admin, stranger, world):
    path = f"/exchanges/{world['exchange']}"
    assert client.get(path).status_code == 302
    assert admin.get(path).status_code == 403
    body = supervisor.get(path).get_data(as_text=True)
    assert MINE in body and THEIRS in body and "line-add-form" in body
    assert stranger.get(path).status_code == 403
    assert supervisor.get("/exchanges/999999").status_code == 404


def test_filters_by_state_and_category(supervisor, world):
    path = f"/exchanges/{world['exchange']}"
    assert MINE not in supervisor.get(path + "?state=refused").get_data(as_text=True)
    assert MINE in supervisor.get(path + "?state=listed").get_data(as_text=True)
    assert MINE in supervisor.get(path + "?state=bogus").get_data(as_text=True)


def test_a_supervisor_records_an_exchange(app, supervisor, caseworker):
    response = _post(
        supervisor,
        "/exchanges/new",
        {
            "kind": "list_handover",
            "side_a": "Україна",
            "side_b": "Інша сторона",
            "held_on": "2026-11-02",
            "stage": "3",
            "document_refs": "Протокол №12",
            "categories_text": "seriously wounded = 50\nall for all",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        exchange = db.session.scalars(select(Exchange)).one()
        assert [(c.name, c.quota) for c in exchange.categories] == [
            ("seriously wounded", 50),
            ("all for all", None),
        ]
    assert _post(caseworker, "/exchanges/new", {"side_a": "x", "side_b": "y"}).status_code == 403


def test_bad_categories_show_the_form_again(supervisor):
    response = _post(
        supervisor,
        "/exchanges/new",
        {"kind": "list_handover", "side_a": "A", "side_b": "B", "categories_text": "x = lots"},
    )
    assert response.status_code == 200
    assert "whole number" in response.get_data(as_text=True)


def test_edit_and_status(app, supervisor, world):
    path = f"/exchanges/{world['exchange']}"
    assert supervisor.get(path + "/edit").status_code == 200
    edited = _post(
        supervisor,
        path + "/edit",
        {
            "kind": "prisoner_exchange",
            "side_a": "A",
            "side_b": "B",
            "categories_text": "all for all",
        },
    )
    # "seriously wounded" holds both people: it cannot be dropped.
    assert edited.status_code == 200 and "cannot be removed" in edited.get_data(as_text=True)
    assert _post(supervisor, path + "/status", {"status-target": "agreed"}).status_code == 302
    refused = _post(supervisor, path + "/status", {"status-target": "failed"})
    assert refused.status_code == 200 and "why" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Exchange, world["exchange"]).status == "agreed"


def test_adding_a_line_by_case_number(app, supervisor, make_case, world):
    path = f"/exchanges/{world['exchange']}/lines"
    new_case = make_case(owner="caseworker", family_name="Новенька")
    assert _post(supervisor, path, {"line-case_number": f"RU-{new_case:06d}"}).status_code == 302
    again = _post(supervisor, path, {"line-case_number": str(new_case)})
    assert "already listed" in again.get_data(as_text=True)
    missing = _post(supervisor, path, {"line-case_number": "RU-999999"})
    assert "No such case" in missing.get_data(as_text=True)


def test_a_line_state_change_by_a_supervisor(app, supervisor, caseworker, world):
    path = f"/exchanges/{world['exchange']}/lines/{world['line']}/state"
    assert _post(caseworker, path, {"state-target": "acknowledged"}).status_code == 403
    assert (
        _post(supervisor, path, {"state-target": "acknowledged", "state-version": "1"}).status_code
        == 302
    )
    stale = _post(supervisor, path, {"state-target": "answered", "state-version": "1"})
    assert "meanwhile" in stale.get_data(as_text=True)
    illegal = _post(supervisor, path, {"state-target": "reunified"})
    assert "cannot go from" in illegal.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ExchangeLine, world["line"]).state == "acknowledged"


def test_the_two_person_rule_through_the_pages(app, caseworker, supervisor, login, world):
    base = f"/exchanges/{world['exchange']}/lines"
    # Another caseworker's line: refused, whatever they post.
    assert (
        _post(
            caseworker, f"{base}/{world['their_line']}/deceased", {"deceased-reason": "x"}
        ).status_code
        == 403
    )
    proposed = _post(
        caseworker, f"{base}/{world['line']}/deceased", {"deceased-reason": "Listed as dead"}
    )
    assert proposed.status_code == 302
    assert (
        _post(
            caseworker,
            f"{base}/{world['line']}/deceased/decide",
            {"decision-reason": "x", "decision-approve": "y"},
        ).status_code
        == 403
    )
    page = supervisor.get(f"/exchanges/{world['exchange']}").get_data(as_text=True)
    assert 'data-testid="deceased-decision-form"' in page
    approved = _post(
        supervisor,
        f"{base}/{world['line']}/deceased/decide",
        {
            "decision-reason": "Confirmed by their note",
            "decision-family_step": "Visit the family",
            "decision-approve": "y",
        },
    )
    assert approved.status_code == 302
    with app.app_context():
        assert db.session.get(ExchangeLine, world["line"]).state == "deceased"
        assert db.session.get(Case, world["mine"]).closure_reason == "found_deceased"


def test_the_same_supervisor_cannot_propose_and_confirm(app, supervisor, world):
    base = f"/exchanges/{world['exchange']}/lines/{world['line']}/deceased"
    assert _post(supervisor, base, {"deceased-reason": "Listed as dead"}).status_code == 302
    page = supervisor.get(f"/exchanges/{world['exchange']}").get_data(as_text=True)
    assert 'data-testid="deceased-decision-form"' not in page
    refused = _post(
        supervisor,
        base + "/decide",
        {"decision-reason": "Sure", "decision-family_step": "Visit", "decision-approve": "y"},
    )
    assert refused.status_code == 200
    assert "not the one who proposed" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ExchangeLine, world["line"]).state == "listed"


def test_the_case_page_shows_the_persons_exchanges(caseworker, supervisor, world):
    body = caseworker.get(f"/cases/{world['mine']}").get_data(as_text=True)
    assert 'data-testid="case-exchanges"' in body and "Сторона А" in body
    bare = supervisor.get(f"/cases/{world['mine']}").get_data(as_text=True)
    assert 'data-line="' in bare


def test_the_timeline_keeps_another_caseworkers_line_to_itself(
    caseworker, supervisor, login, world
):
    base = f"/exchanges/{world['exchange']}/lines/{world['their_line']}/deceased"
    reason = {"deceased-reason": f"{THEIRS} is on their list"}
    assert _post(supervisor, base, reason).status_code == 302
    other = login(world["other"])
    assert THEIRS in other.get(f"/exchanges/{world['exchange']}").get_data(as_text=True)
    assert THEIRS not in caseworker.get(f"/exchanges/{world['exchange']}").get_data(as_text=True)


def test_the_suggested_family_step_keeps_what_a_person_typed(app):
    """A refused decision shows its form again: the due date typed stays (it was overwritten by
    the suggestion on the exchange page, while the remains page kept it)."""
    typed = {"decision-family_step_due": "20.12.2030", "decision-family_step": "Call the aunt"}
    with app.test_request_context(method="POST", data=typed):
        form = DeceasedDecisionForm()
        _suggest_family_step(form)
        assert form.family_step_due.data == date(2030, 12, 20)
        assert form.family_step.data == "Call the aunt"
    with app.test_request_context():
        for form_class in (DeceasedDecisionForm, RemainsDecisionForm):
            empty = form_class(formdata=None)
            _suggest_family_step(empty)
            assert empty.family_step_due.data == date.today() + timedelta(days=FAMILY_CONTACT_DAYS)
            assert empty.family_step.data == "Tell the family in person"
