"""The case lists' rows (cases/_macros.html, case_table) write the date of birth and the status
badge out instead of calling dob() and status_badge() for each row (issue 9 item 4): they must
still say what those macros say, which the case page and the printed summary call."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string

from app.cases.models import Case
from app.extensions import db


def _squeezed(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.fixture
def three_cases(make_case):
    """Born on a known day, of an estimated age only, and of no known age; three statuses
    (new, located, and one whose badge has no colour of its own)."""
    return [
        make_case(owner="caseworker", dob_year=2014, dob_month=3, dob_day=5),
        make_case(owner="caseworker", estimated_age=7, status="located"),
        make_case(owner="caseworker", status="under_investigation"),
    ]


@pytest.mark.parametrize("language", ["en", "uk"])
def test_a_case_row_writes_what_the_shared_macros_write(app, caseworker, three_cases, language):
    html = caseworker.get("/my-cases", headers={"Accept-Language": language}).get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-case="(\d+)">(.*?)</tr>', html, flags=re.S))
    with app.test_request_context(headers={"Accept-Language": language}):
        for case_id in three_cases:
            case = db.session.get(Case, case_id)
            dob, badge = render_template_string(
                '{% from "cases/_macros.html" import dob, status_badge with context %}'
                "<td>{{ dob(case) }}</td>|<td>{{ status_badge(case.status) }}</td>",
                case=case,
            ).split("|")
            row = _squeezed(rows[str(case_id)])
            assert _squeezed(dob) in row
            assert _squeezed(badge) in row


def test_the_rows_show_the_date_the_age_and_the_status(caseworker, three_cases):
    html = caseworker.get("/my-cases", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "5 Mar 2014" in html
    assert "about 7 years" in html
    assert 'class="badge badge-ok" data-status="located"' in html
    assert 'class="badge badge-warn" data-status="new"' in html
    assert 'class="badge " data-status="under_investigation"' in html


@pytest.fixture
def varied_cases(make_case):
    """Every kind of row: each status and priority, born on a day, of an estimated age, of no
    known age, with and without a caseworker, and text that must be escaped."""
    statuses = ["new", "under_investigation", "located", "contact_established",
                "reunification_in_progress", "reunified", "closed"]  # fmt: skip
    priorities = ["low", "normal", "high", "urgent"]
    made = []
    for n, status in enumerate(statuses):
        ages = [
            {"dob_year": 2014, "dob_month": 3, "dob_day": 5},
            {"estimated_age": 1},
            {"estimated_age": 7},
            {},
        ][n % 4]
        made.append(
            make_case(
                owner="caseworker" if n % 2 else None,
                status=status,
                priority=priorities[n % 4],
                last_known_place='<b>Kyiv</b> & "Irpin"' if n == 0 else f"Place {n}",
                **ages,
            )
        )
    return made


@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize("kind", ["plain", "select", "due"])
def test_the_python_rows_are_the_case_row_macro(app, varied_cases, language, kind):
    """case_rows_html (the lists' rows) writes what the case_row macro, their plain
    definition, writes: for every status, priority, age, caseworker or none, a checkbox, a
    due date before, on and after today or none, in both languages."""
    from datetime import date, timedelta

    from app.cases.table import case_rows_html

    today = date(2026, 6, 15)
    options: dict = {}
    if kind == "select":
        options = {"select": True}
    elif kind == "due":
        days = [-3, 0, 4, None]
        options = {
            "due_dates": {
                case_id: today + timedelta(days=days[n % 4])
                for n, case_id in enumerate(varied_cases)
                if days[n % 4] is not None
            },
            "today": today,
        }
    with app.test_request_context(headers={"Accept-Language": language}):
        cases = [db.session.get(Case, case_id) for case_id in varied_cases]
        expected = render_template_string(
            '{% from "cases/_macros.html" import case_row with context %}'
            '{% set case_url = id_url("cases.detail", "case_id") %}'
            "{% for case in cases %}{{ case_row(case, case_url, **options) }}{% endfor %}",
            cases=cases,
            options=options,
        )
        written = case_rows_html(cases, id_url_for_cases(), **options)
    assert _squeezed(str(written)) == _squeezed(expected)
    assert "&lt;b&gt;Kyiv&lt;/b&gt; &amp; &#34;Irpin&#34;" in written
    assert written.count("<tr ") == len(varied_cases)
    if kind == "due":
        assert written.count("badge-danger") == 2  # the two cases due three days ago


def id_url_for_cases():
    from app.web import id_url

    return id_url("cases.detail", "case_id")


def test_an_empty_list_says_so(supervisor):
    html = supervisor.get("/cases?q=nobody-has-this-name-xyz").get_data(as_text=True)
    assert "No cases." in html
    assert "<tr data-case" not in html


@pytest.mark.parametrize("language", ["en", "uk"])
def test_the_lists_light_rows_write_what_their_cases_write(app, varied_cases, language):
    """The lists read CaseRow (a dozen columns and the caseworker's name, case_rows) instead
    of mapped cases: the same rows, in the statement's order, with the same markup."""
    from sqlalchemy import select

    from app.cases.table import CaseRow, case_rows_html, reading

    statement = select(Case).where(Case.id.in_(varied_cases)).order_by(Case.id.desc())
    with app.test_request_context(headers={"Accept-Language": language}):
        rows = reading(statement)(100, 0)
        cases = db.session.scalars(statement).all()
        assert [row.id for row in rows] == [case.id for case in cases] == sorted(varied_cases)[::-1]
        assert all(isinstance(row, CaseRow) for row in rows)
        for row, case in zip(rows, cases, strict=True):
            assert (row.case_number, row.display_name, row.date_of_birth) == (
                case.case_number,
                case.display_name,
                case.date_of_birth,
            )
            assert (row.assigned_to and row.assigned_to.name) == (
                case.assigned_to and case.assigned_to.name
            )
        assert any(row.assigned_to for row in rows) and not all(row.assigned_to for row in rows)
        url = id_url_for_cases()
        for options in ({}, {"select": True}):
            assert case_rows_html(rows, url, **options) == case_rows_html(cases, url, **options)


def test_a_paged_list_reads_light_rows_and_counts_them(app, varied_cases):
    """db.paginate(..., read=reading(statement)): the page's items are CaseRow, the total the
    statement's count (or what ``total`` says), a page past the end empty."""
    from sqlalchemy import select

    from app.cases.table import CaseRow, reading

    statement = select(Case).where(Case.id.in_(varied_cases)).order_by(Case.id)
    read = reading(statement)
    with app.test_request_context():
        first = db.paginate(statement, page=1, per_page=3, error_out=False, read=read)
        last = db.paginate(statement, page=3, per_page=3, error_out=False, read=read)
        past = db.paginate(statement, page=9, per_page=3, error_out=False, read=read)
        counted = db.paginate(
            None, page=2, per_page=3, error_out=False, read=read, total=lambda: 41
        )
    assert first.total == len(varied_cases) == 7
    assert [row.id for row in first.items] == sorted(varied_cases)[:3]
    assert [row.id for row in last.items] == sorted(varied_cases)[6:]
    assert all(isinstance(row, CaseRow) for row in first.items) and past.items == []
    assert counted.total == 41 and [row.id for row in counted.items] == sorted(varied_cases)[3:6]


def test_a_page_known_to_be_past_the_end_is_not_read(app):
    """db.paginate with a known total (the queues read their three totals first) does not
    read a page past it: an empty queue costs no statement."""
    calls = []

    def read(limit, offset):
        calls.append((limit, offset))
        return ["row"]

    with app.test_request_context():
        empty = db.paginate(None, page=1, per_page=10, error_out=False, read=read, total=0)
        past = db.paginate(None, page=3, per_page=10, error_out=False, read=read, total=20)
        within = db.paginate(None, page=2, per_page=10, error_out=False, read=read, total=20)
    assert calls == [(10, 10)]
    assert (empty.items, empty.total, past.items, past.total) == ([], 0, [], 20)
    assert (within.items, within.total, within.pages) == (["row"], 20, 2)


# The caseworker load table's rows as its Jinja wrote them before they were written in Python.
LOAD_ROWS_JINJA = (
    '{% set caseworker_url = id_url("cases.index", "caseworker", status="open") %}'
    "{% for user, n_open, n_overdue in load %}"
    '<tr><td><a href="{{ caseworker_url(user.id) }}">{{ user.name }}</a></td>'
    "<td>{{ n_open }}</td><td>{{ n_overdue }}</td></tr>"
    "{% endfor %}"
)


def test_the_load_rows_are_what_their_jinja_wrote(app):
    """caseworker_load_rows_html (the queues page's load table) writes each caseworker's
    link, name (escaped), open cases and overdue steps as the table's Jinja did."""
    from flask import url_for
    from markupsafe import escape

    from app.cases.table import Caseworker, caseworker_load_rows_html

    load = [
        (Caseworker(3, 'Olena <b>"Bold"</b> & Co'), 12, 0),
        (Caseworker(41, "Петро Коваль"), 0, 7),
    ]
    with app.test_request_context("/reunite/queues", base_url="http://localhost/reunite/"):
        written = caseworker_load_rows_html(load)
        expected = render_template_string(LOAD_ROWS_JINJA, load=load)
        link = url_for("cases.index", caseworker=41, status="open")
        assert caseworker_load_rows_html([]) == ""
    assert written == expected
    assert "Olena &lt;b&gt;&#34;Bold&#34;&lt;/b&gt; &amp; Co" in written
    assert f'<a href="{escape(link)}">Петро Коваль</a></td><td>0</td><td>7</td>' in written


# The case lists' headers as the case_table macro wrote them before case_headers_html.
HEADERS_JINJA = (
    '{% from "_macros/forms.html" import column_header %}'
    '{% set p = {"param": sort_param, "page_param": page_param} %}'
    '{{ column_header(_("Number"), "number", sort, **p) }}'
    '{{ column_header(_("Name"), "name", sort, **p) }}'
    '{{ column_header(_("Born"), "born", sort, **p) }}'
    '{{ column_header(_("Last known place"), "place", sort, **p) }}'
    '{{ column_header(_("Status"), "status", sort, **p) }}'
    '{{ column_header(_("Priority"), "priority", sort, **p) }}'
    '{{ column_header(_("Caseworker"), "caseworker", sort, **p) }}'
    '{{ column_header(_("Last activity"), "activity", sort, **p) }}'
    '{% if due %}{{ column_header(_("Next step due"), "due", sort) }}{% endif %}'
)


@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize(
    ("path", "sort", "params", "due"),
    [
        ("/cases?q=x", None, ("sort", "page"), False),  # search: no sort links
        ("/cases?status=new&page=3&per_page=50", "-name", ("sort", "page"), False),
        ("/my-cases?page=2", "due", ("sort", "page"), True),
        (
            "/queues?stale_page=2&unassigned_page=4",
            "priority",
            ("unassigned_sort", "unassigned_page"),
            False,
        ),
        ("/queues?stale_sort=-activity&x=a%20b", "-activity", ("stale_sort", "stale_page"), False),
    ],
)
def test_the_python_headers_are_the_column_header_macros(app, language, path, sort, params, due):
    """case_headers_html writes what the column_header macro wrote for each of the case
    lists' columns: their sort links (keeping the other parameters, dropping the page), the
    current order's arrow, the labels in both languages (an apostrophe as the catalogue has it)."""
    from app.cases.table import case_headers_html
    from app.sorting import parse_sort

    keys = (
        "number",
        "name",
        "born",
        "place",
        "status",
        "priority",
        "caseworker",
        "activity",
        "due",
    )
    with app.test_request_context(path, headers={"Accept-Language": language}):
        order = parse_sort(sort, keys, "number") if sort else None
        sort_param, page_param = params
        expected = render_template_string(
            HEADERS_JINJA, sort=order, sort_param=sort_param, page_param=page_param, due=due
        )
        written = case_headers_html(order, sort_param, page_param, due=due)
    assert written == expected
    assert written.count("<th ") == (9 if due else 8)


def test_kept_headers_carry_each_requests_own_link(app):
    """The headers are kept for the process per language and order (app.web.kept_headers_html):
    a second list with the same order but other query values (ones that need quoting and
    escaping) shows its own, as the macro would, not the first one's."""
    from app.cases.table import case_headers_html
    from app.sorting import Sort

    paths = [
        "/cases?status=new&sort=-born&page=3",
        "/cases?q=%D0%9A%D0%BE%D0%B2%D0%B0%D0%BB%20%22%3Cb%3E%26x&region=a%2Bb&sort=-born",
        "/cases?sort=-born",
    ]
    shown = []
    for path in paths:
        with app.test_request_context(path):
            expected = render_template_string(
                HEADERS_JINJA,
                sort=Sort("born", True),
                sort_param="sort",
                page_param="page",
                due=False,
            )
            written = case_headers_html(Sort("born", True))
        assert written == expected
        shown.append(written)
    assert len(set(shown)) == 3
    assert any(key[0] == "headers" for key in app.extensions["kept_urls"])
    assert "region=a%2Bb" in shown[1] and "page=" not in shown[0]
