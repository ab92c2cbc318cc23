"""The partner records list sorts by name either way and offers 25, 50 or 100 rows a page."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.records.models import PartnerRecord
from tests.imports.conftest import import_file

RECORD = re.compile(r'href="/records/(\d+)"')


@pytest.fixture
def records(app) -> list[int]:
    """35 records (two registers), by family name and id: the list's default order."""
    with app.app_context():
        import_file("records_uk_utf8.csv", "Register A")
        import_file("records_en_bom.csv", "Register B")
        return list(
            db.session.scalars(
                select(PartnerRecord.id).order_by(PartnerRecord.family_name, PartnerRecord.id)
            )
        )


def shown(client, query: str) -> tuple[list[int], str]:
    html = client.get(f"/records/{query}").get_data(as_text=True)
    return [int(i) for i in RECORD.findall(html)], html


@pytest.mark.parametrize("query", ["", "?sort=name", "?sort=sideways", "?sort=-source"])
def test_by_name_a_to_z_by_default(caseworker, records, query):
    ids, html = shown(caseworker, f"{query}{'&' if query else '?'}per_page=50")
    assert ids == records
    assert re.search(r'aria-sort="ascending"><a href="([^"]*)"[^>]*data-sort="name"', html)


def test_a_click_on_name_reverses_and_keeps_the_filters(caseworker, records):
    _, html = shown(caseworker, "?q=&per_page=50&page=1")
    link = re.search(r'<a href="([^"]*)"[^>]*data-sort="name"', html)
    query = parse_qs(urlsplit(unescape(link.group(1))).query, keep_blank_values=True)
    assert query == {"q": [""], "per_page": ["50"], "sort": ["-name"]}
    ids, html = shown(caseworker, "?sort=-name&per_page=50")
    assert ids == records[::-1]
    assert 'aria-sort="descending"' in html


@pytest.mark.parametrize(("size", "rows"), [("25", 25), ("50", 35), ("100", 35), ("500", 25)])
def test_rows_per_page(caseworker, records, size, rows):
    ids, html = shown(caseworker, f"?per_page={size}")
    assert len(ids) == rows
    assert f'<span aria-current="true">{25 if size == "500" else size}</span>' in html
