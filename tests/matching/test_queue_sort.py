"""The match queue sorts by its Score and Case headers, each either way (issue 11)."""

from __future__ import annotations

import re

import pytest

ROW = re.compile(r'<tr data-candidate="(\d+)"')


@pytest.mark.parametrize(
    ("query", "order", "header", "state"),
    [
        ("", "bca", "score", "descending"),  # best first by default
        ("?sort=score", "acb", "score", "ascending"),
        ("?sort=case", "abc", "case", "ascending"),
        ("?sort=-case", "cba", "case", "descending"),
        ("?sort=sideways", "bca", "score", "descending"),
    ],
)
def test_the_match_queue_sorts_by_score_and_by_case(
    supervisor, make_match, query, order, header, state
):
    made = {
        "a": make_match(score=0.91)["candidate"],
        "b": make_match(score=0.99)["candidate"],
        "c": make_match(score=0.95)["candidate"],
    }
    html = supervisor.get(f"/matches{query}").get_data(as_text=True)
    assert [int(i) for i in ROW.findall(html)] == [made[letter] for letter in order]
    assert re.search(rf'<th scope="col" aria-sort="{state}"><a [^>]*data-sort="{header}"', html)
    assert html.count("aria-sort=") == 1
