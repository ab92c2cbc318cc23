"""The match queue's total and its status cards come from the totals the database keeps by
status and band (app/tallies.py; issue 9): the total must still be the number of rows the list
holds, in every band and status, and with a kind or a source (which those totals do not know)
it is counted as before."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.matching.review import band_holds
from tests.conftest import sql_statements

ROW = re.compile(r'<tr data-candidate="(\d+)"')
TOTAL = re.compile(r'data-total="(\d+)"')


@pytest.mark.parametrize(
    ("band", "likely", "held"),
    [
        ("likely", True, True),
        ("likely", False, False),
        ("possible", True, False),
        ("possible", False, True),
        ("all", True, True),
        ("all", False, True),
        (None, False, True),
        ("sideways", True, True),  # as review_queue: anything else filters nothing
    ],
)
def test_a_band_holds_the_candidates_review_queue_lists(band, likely, held):
    assert band_holds(band, likely) is held


@pytest.fixture
def mixed(make_match):
    """Likely and possible record candidates in two statuses."""
    for n in range(3):
        make_match(score=0.95 + n / 100)
    for n in range(2):
        make_match(score=0.5 + n / 100)
    make_match(score=0.97, status="rejected")
    for _ in range(2):
        make_match(score=0.4, status="rejected", likely=False)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", 3),  # likely proposals by default
        ("?band=possible", 2),
        ("?band=all", 5),
        ("?band=all&status=rejected", 3),
        ("?band=likely&status=rejected", 1),
        ("?band=possible&status=rejected", 2),
        ("?band=all&status=confirmed", 0),
        ("?band=all&kind=record", 5),  # a kind: counted by the query itself
        ("?band=all&kind=case", 0),
    ],
)
def test_the_queue_total_is_the_number_of_rows_it_lists(supervisor, mixed, query, expected):
    html = supervisor.get(f"/matches{query}").get_data(as_text=True)
    assert TOTAL.search(html)[1] == str(expected)
    assert len(ROW.findall(html)) == expected
    assert re.search(r'data-testid="count-proposed">5<', html)
    assert re.search(r'data-testid="count-rejected">3<', html)


def test_the_queue_total_follows_a_new_candidate_and_a_decision(app, supervisor, make_match):
    """The totals follow every change: each page shows what is there now."""
    first = make_match(score=0.96)["candidate"]
    html = supervisor.get("/matches").get_data(as_text=True)
    assert TOTAL.search(html)[1] == "1"
    make_match(score=0.99)
    with app.app_context():
        from app.matching.models import MatchCandidate

        db.session.get(MatchCandidate, first).status = "rejected"
        db.session.commit()
    html = supervisor.get("/matches").get_data(as_text=True)
    assert TOTAL.search(html)[1] == "1"
    assert re.search(r'data-testid="count-rejected">1<', html)


def test_the_default_queue_counts_no_candidate(app, supervisor, make_match):
    """Its total and the status cards come from the kept totals, in one statement: no count
    of the candidates (38,563 at national scale) for each page."""
    for n in range(3):
        make_match(score=0.95 + n / 100)
    with sql_statements(app) as statements:
        assert supervisor.get("/matches").status_code == 200
    counts = [s for s in statements if "count(" in s.lower() and "match_candidate" in s]
    assert counts == []
    assert len([s for s in statements if "FROM tally" in s]) == 1
