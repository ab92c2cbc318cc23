"""A whole source list added to an exchange at once: the service and its page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.cases.models import Case
from app.exchanges.models import Exchange, ExchangeEvent, ExchangeLine, ExchangeLineEvent
from app.exchanges.services import add_source_list
from app.exchanges.workflow import ExchangeError
from app.extensions import db
from tests import factories
from tests.conftest import csrf_token
from tests.exchanges.conftest import make_exchange


@pytest.fixture
def listed(app, users):
    """A source list of four children (one archived), a child of another list already in the
    exchange, and an exchange holding one child of the list already."""
    with app.test_request_context():
        supervisor = db.session.get(User, users["supervisor"])
        caseworker = db.session.get(User, users["caseworker"])
        the_list = factories.make_source_list("Список 339-тест")
        children = [
            factories.make_case(
                supervisor, source_list=the_list, assigned_to=caseworker, family_name=name
            )
            for name in ("Списочна", "Переліченко", "Рядкова", "Архівна")
        ]
        children[3].archived = True
        elsewhere = factories.make_case(supervisor, family_name="Стороння")
        exchange = make_exchange(supervisor, children[0], elsewhere)
        db.session.commit()
        return {
            "exchange": exchange.id,
            "list": the_list.id,
            "children": [c.id for c in children],
            "elsewhere": elsewhere.id,
        }


def _case_ids(exchange_id: int) -> list[int]:
    return sorted(
        db.session.scalars(
            select(ExchangeLine.case_id).where(ExchangeLine.exchange_id == exchange_id)
        )
    )


def _post(client, path, data):
    token = csrf_token(client, "/login", follow_redirects=True)
    return client.post(path, data={"csrf_token": token, **data})


def test_the_service_adds_the_newcomers_once_and_audits(app, users, listed):
    with app.test_request_context():
        supervisor = db.session.get(User, users["supervisor"])
        exchange = db.session.get(Exchange, listed["exchange"])
        the_list = db.session.get(Case, listed["children"][0]).source_list
        lines = add_source_list(exchange, supervisor, the_list)
        first, second, third, _archived = listed["children"]
        # The child already listed and the archived one are left alone.
        assert [line.case_id for line in lines] == [second, third]
        assert _case_ids(exchange.id) == sorted([first, second, third, listed["elsewhere"]])
        # Each new line starts its history as a line added by hand does.
        for line in lines:
            events = db.session.scalars(
                select(ExchangeLineEvent).where(ExchangeLineEvent.line_id == line.id)
            ).all()
            assert [(e.source, e.target, e.actor_id) for e in events] == [
                (None, "listed", supervisor.id)
            ]
        added = db.session.scalars(
            select(ExchangeEvent).where(
                ExchangeEvent.exchange_id == exchange.id, ExchangeEvent.kind == "line_added"
            )
        ).all()
        assert {e.data["line_id"] for e in added} >= {line.id for line in lines}
        audit = db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "exchange")
        ).all()
        detail = next(
            e.detail for e in audit if (e.detail or {}).get("what") == "source_list_added"
        )
        assert detail["source_list_id"] == the_list.id
        assert detail["cases"] == [second, third] and detail["added"] == 2

        # Again: nothing new, and said so by an empty result, not an error.
        assert add_source_list(exchange, supervisor, the_list) == []
        assert len(_case_ids(exchange.id)) == 4


def test_only_a_supervisor_adds_a_list_and_only_in_the_exchanges_categories(app, users, listed):
    with app.test_request_context():
        caseworker = db.session.get(User, users["caseworker"])
        supervisor = db.session.get(User, users["supervisor"])
        exchange = db.session.get(Exchange, listed["exchange"])
        the_list = db.session.get(Case, listed["children"][0]).source_list
        with pytest.raises(ExchangeError):
            add_source_list(exchange, caseworker, the_list)
        with pytest.raises(ExchangeError) as refused:
            add_source_list(exchange, supervisor, the_list, category_id=999_999)
        assert refused.value.field == "category"
        assert len(_case_ids(exchange.id)) == 2


def test_the_page_adds_the_list_and_says_how_many(app, supervisor, caseworker, listed):
    path = f"/exchanges/{listed['exchange']}/lines/source-list"
    page = supervisor.get(f"/exchanges/{listed['exchange']}").get_data(as_text=True)
    assert 'data-testid="source-list-form"' in page and "Список 339-тест" in page
    assert 'data-testid="source-list-form"' not in caseworker.get(
        f"/exchanges/{listed['exchange']}"
    ).get_data(as_text=True)

    assert _post(caseworker, path, {"from_list-source_list": listed["list"]}).status_code == 403
    done = _post(supervisor, path, {"from_list-source_list": listed["list"]})
    assert done.status_code == 302
    shown = supervisor.get(done.headers["Location"]).get_data(as_text=True)
    assert "2 people added." in shown
    again = _post(supervisor, path, {"from_list-source_list": listed["list"]})
    assert "already listed" in supervisor.get(again.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert len(_case_ids(listed["exchange"])) == 4


def test_the_page_refuses_a_missing_or_unknown_list(app, supervisor, listed):
    path = f"/exchanges/{listed['exchange']}/lines/source-list"
    empty = _post(supervisor, path, {"from_list-source_list": ""})
    assert empty.status_code == 200 and "This field is required" in empty.get_data(as_text=True)
    unknown = _post(supervisor, path, {"from_list-source_list": "999999"})
    assert unknown.status_code == 200 and "Not a valid choice" in unknown.get_data(as_text=True)
    assert supervisor.post("/exchanges/999999/lines/source-list").status_code in (400, 404)
    with app.app_context():
        assert len(_case_ids(listed["exchange"])) == 2
