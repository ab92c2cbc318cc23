"""The case lists' controls: sorting by a column header, rows per page, and the header's search
box that goes straight to a case by its number."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from app.auth.models import User
from app.cases.models import Case, format_case_number
from app.cases.services import log_contact
from app.database import utcnow
from app.extensions import db
from app.sorting import Fixed, Sort, ordering, parse_sort

ROW = re.compile(r'<tr data-case="(\d+)"')


def rows(html: str) -> list[int]:
    return [int(case_id) for case_id in ROW.findall(html)]


def link_query(html: str, pattern: str) -> dict[str, list[str]]:
    """The query string of the first link whose opening tag matches ``pattern``."""
    match = re.search(rf'<a href="([^"]*)"[^>]*{pattern}', html)
    assert match, pattern
    return parse_qs(urlsplit(unescape(match.group(1))).query)


# --- the pure core -------------------------------------------------------------------------

KEYS = ("name", "number")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("name", Sort("name")),
        ("-name", Sort("name", descending=True)),
        (" -number ", Sort("number", descending=True)),
        ("", Sort("number", descending=True)),
        (None, Sort("number", descending=True)),
        ("sideways", Sort("number", descending=True)),
        ("--name", Sort("number", descending=True)),
        ("-", Sort("number", descending=True)),
    ],
)
def test_parse_sort_falls_back_to_the_default(value, expected):
    assert parse_sort(value, KEYS, "-number") == expected


def test_a_second_click_reverses_and_another_column_starts_ascending():
    by_name = Sort("name")
    assert by_name.toggled("name") == "-name"
    assert Sort("name", descending=True).toggled("name") == "name"
    assert by_name.toggled("number") == "number"
    assert by_name.aria("name") == "ascending"
    assert Sort("name", descending=True).aria("name") == "descending"
    assert by_name.aria("number") is None


def test_ordering_reverses_every_column_but_fixed_ones():
    class Column:
        def __init__(self, name):
            self.name = name

        def asc(self):
            return f"{self.name} ASC"

        def desc(self):
            return f"{self.name} DESC"

    columns = {"due": (Fixed("no_due_last"), Column("due"), Column("id"))}
    assert ordering(columns, Sort("due")) == ["no_due_last", "due ASC", "id ASC"]
    assert ordering(columns, Sort("due", True)) == ["no_due_last", "due DESC", "id DESC"]


def test_a_default_that_is_no_key_is_a_programming_error():
    with pytest.raises(ValueError):
        parse_sort("x", KEYS, "nothing")


# --- the case list -------------------------------------------------------------------------


@pytest.fixture
def four_cases(app, make_case):
    """Four of the caseworker's cases, each column ordering them differently; by id:
    a (Бондар, normal, touched 3 days ago, born 2012, in Дубно, located),
    b (Андрієнко, urgent, 1 day, born 2010, in Ірпінь, new),
    c (Гнатюк, high, 4 days, born 2014, in Ґалич, under investigation),
    d (Вовк, low, 2 days, born 2011-03, in Єнакієве, contact established)."""
    made = {
        "a": make_case(
            family_name="Бондар",
            priority="normal",
            dob_year=2012,
            last_known_place="Дубно",
            status="located",
        ),
        "b": make_case(
            family_name="Андрієнко",
            priority="urgent",
            dob_year=2010,
            dob_month=5,
            dob_day=1,
            last_known_place="Ірпінь",
        ),
        "c": make_case(
            family_name="Гнатюк",
            priority="high",
            dob_year=2014,
            last_known_place="Ґалич",
            status="under_investigation",
        ),
        "d": make_case(
            family_name="Вовк",
            priority="low",
            dob_year=2011,
            dob_month=3,
            last_known_place="Єнакієве",
            status="contact_established",
        ),
    }
    days = {"a": 3, "b": 1, "c": 4, "d": 2}
    with app.app_context():
        for key, case_id in made.items():
            db.session.execute(
                update(Case)
                .where(Case.id == case_id)
                .values(last_activity_at=utcnow() - timedelta(days=days[key]))
            )
        db.session.commit()
    return made


ORDERS = {  # each sort's rows, ascending
    "number": "abcd",
    "name": "badc",  # Андрієнко, Бондар, Вовк, Гнатюк
    "priority": "bcad",  # urgent, high, normal, low
    "activity": "cadb",  # least recently touched first
    "born": "bdac",  # 2010, 2011, 2012, 2014
    "place": "cadb",  # Ґалич, Дубно, Єнакієве, Ірпінь: by code point Є І Д Ґ
    "status": "bcad",  # new, under investigation, located, contact established (the workflow)
    "caseworker": "abcd",  # all the caseworker's: by number
}


@pytest.mark.parametrize("path", ["/cases", "/my-cases"])
@pytest.mark.parametrize("key", ORDERS)
@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
def test_each_column_sorts_both_ways(
    request, four_cases, path, key, descending, supervisor, caseworker
):
    client = supervisor if path == "/cases" else caseworker
    param = f"-{key}" if descending else key
    html = client.get(f"{path}?sort={param}").get_data(as_text=True)
    expected = [four_cases[letter] for letter in ORDERS[key]]
    assert rows(html) == (expected[::-1] if descending else expected)
    # The header says so, and its link is the other way round.
    state = "descending" if descending else "ascending"
    header = re.search(
        rf'<th scope="col" aria-sort="{state}"><a href="([^"]*)"[^>]*data-sort="{key}"', html
    )
    assert header, html
    assert parse_qs(urlsplit(unescape(header.group(1))).query)["sort"] == [
        key if descending else f"-{key}"
    ]
    assert html.count("aria-sort=") == 1


def test_case_list_is_by_recent_activity_by_default_and_for_unknown_sorts(supervisor, four_cases):
    recent_first = [four_cases[letter] for letter in "bdac"]
    for query in ["", "?sort=", "?sort=sideways", "?sort=-", "?sort=colour", "?sort=-due"]:
        response = supervisor.get(f"/cases{query}")
        assert response.status_code == 200, query
        html = response.get_data(as_text=True)
        assert rows(html) == recent_first, query
        assert re.search(r'aria-sort="descending"><a [^>]*data-sort="activity"', html), query


def test_my_cases_put_the_earliest_next_step_first_and_reverse(app, caseworker, people, four_cases):
    today = date.today()
    with app.app_context():
        worker = db.session.get(User, people["caseworker"].id)
        for letter, days in (("c", -2), ("a", 5)):
            log_contact(
                db.session.get(Case, four_cases[letter]),
                worker,
                contacted_on=today,
                channel="phone",
                outcome="x",
                next_step="call",
                next_step_due=today + timedelta(days=days),
            )
        db.session.commit()
    html = caseworker.get("/my-cases").get_data(as_text=True)
    # Overdue c, then a; then those with no next step, by priority: b urgent, d low.
    assert rows(html) == [four_cases[letter] for letter in "cabd"]
    assert re.search(r'aria-sort="ascending"><a [^>]*data-sort="due"', html)
    html = caseworker.get("/my-cases?sort=-due").get_data(as_text=True)
    # Latest next step first; cases with none stay last (by priority, reversed too).
    assert rows(html) == [four_cases[letter] for letter in "acdb"]


def test_sort_links_keep_the_filters_and_go_back_to_page_one(supervisor, four_cases):
    html = supervisor.get("/cases?status=new&per_page=50&page=2&sort=name").get_data(as_text=True)
    query = link_query(html, 'data-sort="name"')
    assert query == {"status": ["new"], "per_page": ["50"], "sort": ["-name"]}
    assert link_query(html, 'data-sort="number"')["sort"] == ["number"]


@pytest.mark.parametrize("key", ["", *ORDERS, *(f"-{key}" for key in ORDERS)])
def test_a_caseworker_sees_only_their_cases_in_every_sort(caseworker, make_case, four_cases, key):
    others = {make_case(owner=None, family_name="Аарон"), make_case(owner="supervisor")}
    html = caseworker.get(f"/cases?sort={key}").get_data(as_text=True)
    assert sorted(rows(html)) == sorted(four_cases.values())
    assert not others & set(rows(html))
    assert "Аарон" not in html


# --- rows per page -------------------------------------------------------------------------


@pytest.fixture
def many_cases(app):
    """120 unassigned cases, made in bulk: the service's keys and timeline are not needed."""
    from tests import factories

    with app.app_context():
        source = factories.make_source_list()
        now = utcnow()
        db.session.add_all(
            Case(
                source_list=source,
                family_name=f"Прізвище{n:03d}",
                given_name="Ім'я",
                last_activity_at=now - timedelta(minutes=n),
            )
            for n in range(120)
        )
        db.session.commit()


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        *(("25", 25), ("50", 50), ("100", 100)),
        # Not on offer: the default, whatever is sent.
        *(("", 25), ("abc", 25), ("1000", 25), ("-5", 25), ("30", 25)),
        ("99999999999999999999999", 25),
    ],
)
def test_rows_per_page_is_one_of_the_offered_sizes(supervisor, many_cases, size, shown):
    response = supervisor.get(f"/cases?per_page={size}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert len(rows(html)) == shown
    assert re.search(rf'<span aria-current="true">{shown}</span>', html)


def test_page_size_links_keep_the_list_and_start_again_at_page_one(supervisor, many_cases):
    html = supervisor.get("/cases?status=new&sort=-name&page=2").get_data(as_text=True)
    sizes = html[html.index('data-testid="page-sizes"') :]
    query = link_query(sizes, ">100<")
    assert query == {"status": ["new"], "sort": ["-name"], "per_page": ["100"]}


def test_pager_links_keep_sort_size_and_filters(supervisor, many_cases):
    html = supervisor.get("/cases?status=new&sort=name&per_page=50").get_data(as_text=True)
    assert len(rows(html)) == 50
    query = link_query(html, 'rel="next"')
    assert query == {"status": ["new"], "sort": ["name"], "per_page": ["50"], "page": ["2"]}
    html = supervisor.get("/cases?status=new&sort=name&per_page=50&page=3").get_data(as_text=True)
    assert len(rows(html)) == 20
    # The filter form sends the order and the size again with a new search.
    assert '<input type="hidden" name="sort" value="name">' in html
    assert '<input type="hidden" name="per_page" value="50">' in html


def test_my_cases_page_sizes(caseworker, app, many_cases, users):
    with app.app_context():
        db.session.execute(update(Case).values(assigned_to_id=users["caseworker"]))
        db.session.commit()
    assert len(rows(caseworker.get("/my-cases").get_data(as_text=True))) == 25
    html = caseworker.get("/my-cases?per_page=100&sort=name").get_data(as_text=True)
    assert len(rows(html)) == 100
    assert link_query(html, 'rel="next"') == {"per_page": ["100"], "sort": ["name"], "page": ["2"]}


# --- the header's search box ---------------------------------------------------------------


def test_header_search_is_on_every_page_for_those_who_read_cases(caseworker, admin):
    html = caseworker.get("/my-cases").get_data(as_text=True)
    assert re.search(r'<form method="get" action="/cases" class="header-search">', html)
    assert '<label for="header-search" class="visually-hidden">Find a case</label>' in html
    assert "header-search" not in admin.get("/account").get_data(as_text=True)


@pytest.mark.parametrize("typed", ["{number}", "{lower}", "{id}", " {number} "])
def test_a_case_number_goes_straight_to_the_owners_case(caseworker, make_case, typed):
    case_id = make_case(owner="caseworker")
    number = format_case_number(case_id)
    text = typed.format(number=number, lower=number.lower().replace("-", " "), id=case_id)
    response = caseworker.get("/cases", query_string={"q": text})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cases/{case_id}"


def test_a_number_of_a_case_one_may_not_open_finds_nothing(caseworker, make_case):
    hidden = make_case(owner=None, family_name="Таємниця")
    for text in (format_case_number(hidden), str(hidden)):
        response = caseworker.get("/cases", query_string={"q": text})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert rows(html) == []
        assert "Таємниця" not in html
        assert f"/cases/{hidden}" not in html


def test_a_number_no_case_has_finds_nothing(caseworker):
    response = caseworker.get("/cases?q=RU-999999")
    assert response.status_code == 200
    assert 'data-total="0"' in response.get_data(as_text=True)


def test_the_header_search_finds_by_name(caseworker, make_case):
    wanted = make_case(family_name="Шевчук", given_name="Марія")
    make_case(family_name="Бондар")
    response = caseworker.get("/cases?q=Шевчук")
    assert response.status_code == 200
    assert rows(response.get_data(as_text=True)) == [wanted]


def test_the_filter_bar_lists_a_case_by_number_instead_of_leaving(supervisor, make_case):
    """From the filter bar a supervisor searches a number to select the case, not to leave."""
    case_id = make_case(owner=None)
    response = supervisor.get(f"/cases?q={format_case_number(case_id)}&status=&sort=number")
    assert response.status_code == 200
    assert rows(response.get_data(as_text=True)) == [case_id]
