"""The two state tables, and the categories' little language: pure functions, no database."""

from __future__ import annotations

from itertools import pairwise

import pytest

from app.exchanges.models import ExchangeStatus as X
from app.exchanges.models import LineState as L
from app.exchanges.services import parse_categories
from app.exchanges.workflow import (
    EXCHANGE_MOVES,
    LINE_MOVES,
    ExchangeError,
    check_exchange_move,
    check_line_move,
    line_targets,
)


@pytest.fixture(autouse=True)
def _context(app):
    with app.test_request_context():  # gettext needs a request's locale
        yield


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (X.PROPOSED, X.AGREED),
        (X.AGREED, X.SCHEDULED),
        (X.SCHEDULED, X.CARRIED_OUT),
    ],
)
def test_an_exchange_moves_forward_without_a_reason(source, target):
    assert check_exchange_move(source, target, "").target == target


@pytest.mark.parametrize(
    ("source", "target"),
    [(X.SCHEDULED, X.PARTLY_CARRIED_OUT), (X.PROPOSED, X.FAILED), (X.FAILED, X.PROPOSED)],
)
def test_a_failure_a_partial_outcome_and_a_retry_say_why(source, target):
    with pytest.raises(ExchangeError) as refused:
        check_exchange_move(source, target, "  ")
    assert refused.value.field == "reason"
    assert check_exchange_move(source, target, "The convoy was stopped").target == target


@pytest.mark.parametrize(
    ("source", "target"),
    [(X.PROPOSED, X.CARRIED_OUT), (X.CARRIED_OUT, X.FAILED), (X.AGREED, "nonsense")],
)
def test_illegal_exchange_moves_are_refused(source, target):
    with pytest.raises(ExchangeError) as refused:
        check_exchange_move(source, target, "why")
    assert refused.value.field == "target"


def test_every_exchange_status_and_line_state_is_reachable_or_a_start():
    assert {m.target for m in EXCHANGE_MOVES} | {X.PROPOSED} == set(X)
    assert {m.target for m in LINE_MOVES} | {L.LISTED} == set(L)


@pytest.mark.parametrize(
    "path",
    [
        [L.LISTED, L.ACKNOWLEDGED, L.ANSWERED, L.HANDED_OVER, L.REUNIFIED],
        [L.LISTED, L.ACKNOWLEDGED, L.ANSWERED, L.RETURNED, L.REUNIFIED],
    ],
)
def test_a_line_follows_the_other_sides_answers(path):
    for source, target in pairwise(path):
        check_line_move(source, target, "")


@pytest.mark.parametrize("target", [L.REFUSED, L.NOT_FOUND])
@pytest.mark.parametrize("source", [L.LISTED, L.ACKNOWLEDGED, L.ANSWERED])
def test_a_refusal_or_not_found_needs_the_other_sides_reason(source, target):
    with pytest.raises(ExchangeError):
        check_line_move(source, target, "")
    check_line_move(source, target, "Not on their lists")


@pytest.mark.parametrize(
    ("source", "target"),
    [(L.LISTED, L.HANDED_OVER), (L.REUNIFIED, L.LISTED), (L.DECEASED, L.LISTED), (L.LISTED, "x")],
)
def test_illegal_line_moves_are_refused(source, target):
    with pytest.raises(ExchangeError):
        check_line_move(source, target, "why")


def test_deceased_is_never_a_plain_state_change():
    with pytest.raises(ExchangeError, match="another"):
        check_line_move(L.ANSWERED, L.DECEASED, "Reported by the other side")
    assert L.DECEASED not in {m.target for m in line_targets(L.ANSWERED)}
    assert check_line_move(L.ANSWERED, L.DECEASED, "Reported", two_person=True)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        (
            "seriously wounded = 50\nyoung soldiers 18–25=12\n\nall for all",
            [("seriously wounded", 50), ("young soldiers 18–25", 12), ("all for all", None)],
        ),
        ("a = b = 3", [("a = b", 3)]),
        ("", []),
    ],
)
def test_categories_are_one_a_line_with_an_optional_quota(text, parsed):
    assert parse_categories(text) == parsed


@pytest.mark.parametrize("text", ["wounded = -1", "wounded = many", "= 5", "a\nA", "x = 9999999"])
def test_bad_categories_are_refused_with_their_line(text):
    with pytest.raises(ExchangeError) as refused:
        parse_categories(text)
    assert refused.value.field == "categories_text"
