"""The records list sorts by name, date of birth and the partner's row id (issue 11)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.records.models import PartnerRecord
from tests.records.test_records_list_controls import records, shown  # noqa: F401 - a fixture


@pytest.mark.parametrize("descending", [False, True])
def test_by_date_of_birth_unknown_last(app, caseworker, records, descending):  # noqa: F811
    ids, html = shown(caseworker, f"?sort={'-' if descending else ''}born&per_page=50")
    with app.app_context():
        known = db.session.execute(
            select(PartnerRecord.id, PartnerRecord.dob_year, PartnerRecord.dob_month).where(
                PartnerRecord.dob_year.is_not(None)
            )
        ).all()
    assert known
    dates = {row.id: (row.dob_year, row.dob_month or 0) for row in known}
    shown_known = [dates[i] for i in ids if i in dates]
    assert shown_known == sorted(shown_known, reverse=descending)
    assert all(i in dates for i in ids[: len(dates)])  # unknown dates last, both ways
    state = "descending" if descending else "ascending"
    assert re.search(rf'aria-sort="{state}"><a [^>]*data-sort="born"', html)


def test_by_the_partners_row_id_source_by_source(app, caseworker, records):  # noqa: F811
    ids, html = shown(caseworker, "?sort=source_id&per_page=50")
    with app.app_context():
        expected = list(
            db.session.scalars(
                select(PartnerRecord.id).order_by(
                    PartnerRecord.source_id, PartnerRecord.external_id
                )
            )
        )
    assert ids == expected
    assert re.search(r'aria-sort="ascending"><a [^>]*data-sort="source_id"', html)
