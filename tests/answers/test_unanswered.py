"""The queue of people handed over with no answer yet: oldest first, days shown, per role."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.auth.models import User
from app.database import utcnow
from app.exchanges.models import ExchangeEvent, ExchangeLine
from app.exchanges.services import change_exchange_status, change_line_state
from app.exchanges.unanswered import unanswered_count, unanswered_query, waiting
from app.extensions import db
from tests import factories
from tests.exchanges.conftest import line_of, make_exchange


def _world(users):
    """Three exchanges: one carried out 20 days ago with a listed person, one whose list was
    acknowledged 5 days ago, one only proposed (not handed over), plus an answered line."""
    supervisor = db.session.get(User, users["supervisor"])
    caseworker = db.session.get(User, users["caseworker"])
    other = factories.make_user("caseworker")
    mine = factories.make_case(supervisor, assigned_to=caseworker, family_name="Черговий")
    theirs = factories.make_case(supervisor, assigned_to=other, family_name="Чужий")
    answered = factories.make_case(supervisor, assigned_to=caseworker, family_name="Відповіданий")
    waiting_long = make_exchange(supervisor, mine, theirs)
    for target in ("agreed", "scheduled", "carried_out"):
        change_exchange_status(waiting_long, supervisor, target)
    for event in db.session.scalars(
        select(ExchangeEvent).where(ExchangeEvent.exchange_id == waiting_long.id)
    ):
        event.at = utcnow() - timedelta(days=20)
    acknowledged = make_exchange(supervisor, mine, answered)
    line = line_of(acknowledged, mine.id)
    change_line_state(line, supervisor, "acknowledged")
    line.state_changed_at = utcnow() - timedelta(days=5)
    done = line_of(acknowledged, answered.id)
    change_line_state(done, supervisor, "acknowledged")
    change_line_state(done, supervisor, "answered")
    make_exchange(supervisor, factories.make_case(supervisor, assigned_to=caseworker))
    db.session.flush()
    return {
        "long": line_of(waiting_long, mine.id).id,
        "their": line_of(waiting_long, theirs.id).id,
        "acknowledged": line.id,
        "exchange": acknowledged.id,
    }


def test_the_queue_is_oldest_first_with_days(app, users):
    with app.test_request_context():
        ids = _world(users)
        supervisor = db.session.get(User, users["supervisor"])
        rows = waiting(db.session.scalars(unanswered_query(supervisor)).all())
        oldest = sorted([ids["long"], ids["their"]])
        assert [row.line.id for row in rows] == [*oldest, ids["acknowledged"]]
        assert [row.days for row in rows] == [20, 20, 5]
        assert unanswered_count(supervisor) == 3
        assert unanswered_count(supervisor, ids["exchange"]) == 1
        caseworker = db.session.get(User, users["caseworker"])
        shown = db.session.scalars(unanswered_query(caseworker)).all()
        assert [line.id for line in shown] == [ids["long"], ids["acknowledged"]]


def test_the_queue_page_per_role(app, users, caseworker, supervisor, admin):
    with app.test_request_context():
        ids = _world(users)
        db.session.commit()
    html = supervisor.get("/exchanges/unanswered").get_data(as_text=True)
    assert re.findall(r'data-line="(\d+)"', html) == [
        str(i) for i in (*sorted([ids["long"], ids["their"]]), ids["acknowledged"])
    ]
    assert re.findall(r'data-testid="days">(\d+)<', html) == ["20", "20", "5"]
    html = caseworker.get("/exchanges/unanswered").get_data(as_text=True)
    assert "Черговий" in html and "Чужий" not in html
    filtered = caseworker.get(f"/exchanges/unanswered?exchange={ids['exchange']}")
    assert re.findall(r'data-line="(\d+)"', filtered.get_data(as_text=True)) == [
        str(ids["acknowledged"])
    ]
    assert admin.get("/exchanges/unanswered").status_code == 403
    # The exchange page counts them and links the filtered queue; the supervisor's queues
    # page counts them all.
    page = caseworker.get(f"/exchanges/{ids['exchange']}").get_data(as_text=True)
    assert "1 person unanswered" in page
    queues = supervisor.get("/queues").get_data(as_text=True)
    assert 'data-testid="count-unanswered">3<' in queues


def test_a_line_leaves_the_queue_once_answered(app, users):
    with app.test_request_context():
        ids = _world(users)
        supervisor = db.session.get(User, users["supervisor"])
        change_line_state(db.session.get(ExchangeLine, ids["acknowledged"]), supervisor, "answered")
        assert unanswered_count(supervisor) == 2
