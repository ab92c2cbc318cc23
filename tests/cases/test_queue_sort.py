"""The supervisor's queues sort by their column headers, each table by its own parameter, so
that sorting one leaves the other as it was (issue 11)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit


def _section(html: str, name: str) -> str:
    return html.split(f'<section id="{name}">', 1)[1].split("</section>", 1)[0]


def _rows(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-case="(\d+)"', html)]


def test_the_unassigned_queue_sorts_by_name_and_keeps_the_other_table(supervisor, make_case):
    yana = make_case(owner=None, family_name="Яна", priority="urgent")
    ihor = make_case(owner=None, family_name="Ігор", priority="low")
    html = supervisor.get("/queues").get_data(as_text=True)
    unassigned = _section(html, "unassigned")
    assert _rows(unassigned) == [yana, ihor]  # most urgent first by default
    assert re.search(r'aria-sort="ascending"><a [^>]*data-sort="priority"', unassigned)
    link = re.search(r'<a href="([^"]*)"[^>]*data-sort="name"', unassigned)[1]
    query = parse_qs(urlsplit(unescape(link)).query)
    assert query == {"unassigned_sort": ["name"]}

    html = supervisor.get(
        "/queues?unassigned_sort=name&stale_sort=-activity&unassigned_page=1"
    ).get_data(as_text=True)
    unassigned = _section(html, "unassigned")
    assert _rows(unassigned) == [ihor, yana]  # І before Я
    assert re.search(r'aria-sort="ascending"><a [^>]*data-sort="name"', unassigned)
    # The other table keeps its order in the links of this one.
    link = re.search(r'<a href="([^"]*)"[^>]*data-sort="number"', unassigned)[1]
    assert parse_qs(urlsplit(unescape(link)).query) == {
        "unassigned_sort": ["number"],
        "stale_sort": ["-activity"],
    }
    assert re.search(
        r'aria-sort="descending"><a [^>]*data-sort="activity"', _section(html, "stale")
    )
