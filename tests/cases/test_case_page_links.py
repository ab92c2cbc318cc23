"""The case page's links to its case's addresses (its forms, its other pages, its activity
narrowed to a kind) are built once per site prefix and kept (app/cases/routes.py
``_case_page_links``): each is what url_for gives for that case, under each prefix, whichever
case and prefix were shown first."""

from __future__ import annotations

import pytest
from flask import url_for

from app.cases.models import ActivityKind
from app.cases.routes import _CASE_PAGE_LINKS, _case_page_links

IDS = [1, 42, 2**31 - 1]


@pytest.mark.parametrize("prefix", ["", "/reunite"])
def test_each_link_is_url_for_of_its_case(app, prefix):
    other = "/other" if prefix else ""
    with app.test_request_context("/", base_url=f"http://localhost{other}/"):
        _case_page_links(7)  # the other prefix's, kept first
    with app.test_request_context("/", base_url=f"http://localhost{prefix}/"):
        for case_id in IDS:
            links = _case_page_links(case_id)
            assert links == {
                name: url_for(endpoint, case_id=case_id, **values)
                for name, (endpoint, values) in _CASE_PAGE_LINKS.items()
            }
            assert all(link.startswith(f"{prefix}/cases/{case_id}") for link in links.values())


def test_the_page_links_its_forms_and_each_kind_of_activity(app, make_case, caseworker):
    case_id = make_case(owner="caseworker")
    html = caseworker.get(f"/cases/{case_id}").get_data(as_text=True)
    with app.test_request_context():
        expected = [
            url_for("cases.contact_add", case_id=case_id),
            url_for("cases.note_add", case_id=case_id),
            url_for("cases.edit", case_id=case_id),
            url_for("cases.print_summary", case_id=case_id),
            url_for("cases.detail", case_id=case_id) + "#activity",
            *(
                url_for("cases.detail", case_id=case_id, activity=kind) + "#activity"
                for kind in ActivityKind
                if kind != ActivityKind.ALL
            ),
        ]
    for link in expected:
        assert f'"{link}"' in html, link
