"""A search's total is counted with its page's rows (app/cases/table.py ``CountedReading``),
not by a statement of its own: the same totals on every page, a page past the end counted
alone, and the broadened search (words as beginnings) counted the same way."""

from __future__ import annotations

import re

import pytest

from tests.conftest import sql_statements


def _total(html: str) -> int:
    match = re.search(r'data-testid="total" data-total="(\d+)"', html)
    assert match, "no total on the page"
    return int(match[1])


def _rows(html: str) -> int:
    return len(re.findall(r'<tr data-case="', html))


def _counts(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().lower().startswith("select count(")]


@pytest.fixture
def thirty(make_case):
    """30 cases whose name the search finds, and 2 it does not."""
    for n in range(30):
        make_case(owner="caseworker", family_name="Коваленко", given_name=f"Олег{n:02d}")
    make_case(owner="caseworker", family_name="Шевченко", given_name="Тарас")
    make_case(owner="caseworker", family_name="Бойко", given_name="Іван")


def test_each_page_of_a_search_has_its_total_without_a_count_statement(app, supervisor, thirty):
    for page, rows in ((1, 25), (2, 5)):
        with sql_statements(app) as statements:
            html = supervisor.get(f"/cases?q=Коваленко&page={page}").get_data(as_text=True)
        assert (_total(html), _rows(html)) == (30, rows)
        assert _counts(statements) == []


def test_a_page_past_the_end_is_counted_alone(app, supervisor, thirty):
    with sql_statements(app) as statements:
        html = supervisor.get("/cases?q=Коваленко&page=3").get_data(as_text=True)
    assert (_total(html), _rows(html)) == (30, 0)
    assert len(_counts(statements)) == 1


def test_a_search_finding_nobody_shows_none_and_a_broadened_one_counts_its_own(
    app, supervisor, thirty
):
    html = supervisor.get("/cases?q=Мельник").get_data(as_text=True)
    assert (_total(html), _rows(html)) == (0, 0)
    # "Ковал" is no whole name: the words as beginnings find the thirty.
    with sql_statements(app) as statements:
        html = supervisor.get("/cases?q=Ковал").get_data(as_text=True)
    assert (_total(html), _rows(html)) == (30, 25)
    assert _counts(statements) == []


def test_a_search_with_a_filter_counts_only_what_both_find(supervisor, make_case, thirty):
    for n in range(3):
        make_case(owner=None, family_name="Коваленко", given_name=f"Петро{n}")
    html = supervisor.get("/cases?q=Коваленко&caseworker=none").get_data(as_text=True)
    assert (_total(html), _rows(html)) == (3, 3)
