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


def test_the_kept_links_are_those_of_each_site_prefix(app):
    """id_url keeps a URL's parts for the process, by its arguments and the site's prefix: a
    second request under another prefix, or with other values, gets its own links."""
    for script_root in ["", "/reunite", "", "/other", "/reunite"]:
        with app.test_request_context(base_url=f"http://localhost{script_root}/"):
            for values in ({"status": "open"}, {"status": "closed"}, {}):
                link = id_url("cases.index", "caseworker", **values)
                assert link(5) == url_for("cases.index", caseworker=5, **values)
            assert id_url("cases.detail", "case_id")(8) == url_for("cases.detail", case_id=8)


def test_the_kept_links_are_bounded(app, monkeypatch):
    """Past URLS_KEPT kept URLs, they are forgotten and built again (a caller whose values
    vary must not grow the process without end)."""
    from app import web

    monkeypatch.setattr(web, "URLS_KEPT", 3)
    with app.test_request_context():
        for n in range(10):
            assert id_url("cases.index", "caseworker", page=n)(2) == url_for(
                "cases.index", caseworker=2, page=n
            )
        assert len(app.extensions["kept_urls"]) <= 3


def test_fixed_links_are_url_for_under_each_site_prefix(app):
    """fixed_url keeps a page's fixed links for the process, by their values and the site's
    prefix: the same as url_for, whichever request asks first."""
    from app.web import fixed_url

    for script_root in ["", "/reunite", ""]:
        with app.test_request_context(base_url=f"http://localhost{script_root}/"):
            for status in ("proposed", "confirmed", "proposed"):
                assert fixed_url("matching.queue", band="all", status=status) == url_for(
                    "matching.queue", band="all", status=status
                )
            assert fixed_url("matching.approvals") == url_for("matching.approvals")
            assert fixed_url("cases.index", stale="y", sort="activity") == url_for(
                "cases.index", stale="y", sort="activity"
            )
