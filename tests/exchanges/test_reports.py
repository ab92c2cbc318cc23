"""Reports on exchanges: counts by state and category, and waiting times from the lines'
histories, per exchange and per source list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete

from app.auth.models import User
from app.exchanges.models import ExchangeLineEvent
from app.exchanges.reports import Spread, bucket_counts, line_durations, spread
from app.exchanges.services import add_line
from app.extensions import db
from tests import factories
from tests.exchanges.conftest import line_of, make_exchange

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def test_spread_of_days():
    assert spread([]) == Spread(0)
    assert spread([10, 2, 4]) == Spread(3, 4, 3, 7, 2, 10)
    assert spread([5]) == Spread(1, 5, 5, 5, 5, 5)


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ([("listed", day(0)), ("acknowledged", day(1)), ("answered", day(2))], (2, None)),
        ([("listed", day(0)), ("answered", day(2)), ("handed_over", day(5))], (2, 3)),
        ([("listed", day(0)), ("refused", day(4))], (4, None)),
        # Listed again after a refusal: the first listing and the first answer count.
        ([("listed", day(0)), ("refused", day(4)), ("listed", day(6)), ("answered", day(9)),
          ("handed_over", day(12))], (4, 3)),
        ([("listed", day(0))], (None, None)),
        ([("answered", day(3)), ("returned", day(4))], (None, 1)),
    ],
)  # fmt: skip
def test_line_durations(history, expected):
    assert line_durations(history) == expected


def test_bucket_counts():
    assert bucket_counts([0.5, 7, 7.1, 30, 31, 90, 400]) == {
        "week": 2,
        "month": 2,
        "quarter": 2,
        "longer": 1,
    }


@pytest.fixture
def world(app, users):
    """Four people of one exchange with a hand-written history; the fourth is another
    caseworker's and has no category."""
    with app.test_request_context():
        supervisor = db.session.get(User, users["supervisor"])
        caseworker = db.session.get(User, users["caseworker"])
        other = factories.make_user("caseworker")
        source_list = factories.make_source_list()
        cases = [
            factories.make_case(supervisor, source_list, assigned_to=caseworker) for _ in range(3)
        ]
        theirs = factories.make_case(supervisor, source_list, assigned_to=other)
        exchange = make_exchange(supervisor, *cases)
        second = make_exchange(supervisor, side_a="Друга сторона")
        add_line(second, supervisor, case=theirs)
        histories = [
            [("listed", 0), ("acknowledged", 1), ("answered", 2), ("handed_over", 5)],
            [("listed", 0), ("refused", 4)],
            [("listed", 0), ("acknowledged", 1), ("answered", 10), ("returned", 30)],
        ]
        for case, history in zip(cases, histories, strict=True):
            line = line_of(exchange, case.id)
            db.session.execute(
                delete(ExchangeLineEvent).where(ExchangeLineEvent.line_id == line.id)
            )
            for target, days in history:
                db.session.add(ExchangeLineEvent(line_id=line.id, target=target, at=day(days)))
            line.state = history[-1][0]
        db.session.commit()
        return {"exchange": exchange.id, "list": source_list.id}


def test_the_exchange_report_numbers(supervisor, world):
    page = supervisor.get(f"/exchanges/{world['exchange']}/report")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'data-status="handed_over" data-count="1"' in body
    assert 'data-status="refused" data-count="1"' in body
    assert 'data-status="listed" data-count="0"' in body
    assert "style=" not in body
    csv = supervisor.get(f"/exchanges/{world['exchange']}/report.csv").get_data(as_text=True)
    rows = {tuple(line.split(",")[:2]): line.split(",")[-1] for line in csv.splitlines()[1:]}
    assert rows[("state", "returned")] == "1"
    assert rows[("category", "seriously wounded")] == "3"
    # Listing to answer: 2, 4 and 10 days; answer to hand-over: 3 and 20 days.
    assert rows[("days_listing_to_answer", "count")] == "3"
    assert rows[("days_listing_to_answer", "median")] == "4.0"
    assert rows[("days_listing_to_answer", "longest")] == "10.0"
    assert rows[("days_answer_to_handover", "count")] == "2"
    assert rows[("days_answer_to_handover", "median")] == "11.5"
    assert rows[("days_answer_to_handover", "shortest")] == "3.0"


def test_the_source_list_report_counts_every_exchange_of_its_readable_cases(
    supervisor, caseworker, admin, world
):
    csv = supervisor.get(f"/source-lists/{world['list']}/exchange-report.csv").get_data(
        as_text=True
    )
    assert "state,listed,Listed,1" in csv  # the other caseworker's case, in a second exchange
    assert "category,,No category,1" in csv
    mine = caseworker.get(f"/source-lists/{world['list']}/exchange-report.csv").get_data(
        as_text=True
    )
    assert "state,listed,Listed,0" in mine
    page = caseworker.get(f"/source-lists/{world['list']}/exchange-report")
    assert page.status_code == 200
    assert 'data-testid="report-scope"' in page.get_data(as_text=True)
    assert admin.get(f"/source-lists/{world['list']}/exchange-report").status_code == 403
    assert admin.get(f"/source-lists/{world['list']}/exchange-report.csv").status_code == 403
    assert supervisor.get("/source-lists/999999/exchange-report").status_code == 404
