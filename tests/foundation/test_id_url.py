"""``id_url`` (app/web.py): a list page's links to its rows, built once for the page, are the
links url_for builds for each row, on a site at the root and under a prefix, in a path and in a
query string."""

from __future__ import annotations

import pytest
from flask import url_for

from app.web import id_url

IDS = [1, 7, 42, 1000, 918273645091827, 2**31 - 1]


@pytest.mark.parametrize("script_root", ["", "/reunite", "/site918273645091827"])
@pytest.mark.parametrize(
    ("endpoint", "name", "values"),
    [
        ("cases.detail", "case_id", {}),
        ("matching.show", "candidate_id", {}),
        ("matching.decide_candidate", "candidate_id", {}),
        ("cases.index", "caseworker", {"status": "open"}),
        ("main.index", "case_id", {}),  # a value the route does not name: in the query
    ],
)
def test_the_same_links_as_url_for(app, script_root, endpoint, name, values):
    with app.test_request_context(base_url=f"http://localhost{script_root}/"):
        link = id_url(endpoint, name, **values)
        for value in IDS:
            assert link(value) == url_for(endpoint, **{name: value}, **values)


def test_an_id_that_is_no_number_is_refused(app):
    """Only integers go in unquoted: text (a hand-made value) would need quoting."""
    with app.test_request_context():
        link = id_url("cases.detail", "case_id")
        with pytest.raises(ValueError):
            link("1/../../admin")
