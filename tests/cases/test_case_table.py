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
