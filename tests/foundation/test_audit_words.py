"""The audit page shows changed fields and event details in words, in the reader's language."""

from __future__ import annotations

import re

import pytest

from app.audit.services import record
from app.extensions import db
from tests.conftest import csrf_token
from tests.pseudo_locale import pseudo_ukrainian  # noqa: F401 - a fixture


def _row_cells(html: str, column: str) -> list[str]:
    return [
        " ".join(c.split()) for c in re.findall(rf'<td class="{column}">(.*?)</td>', html, re.S)
    ]


def _events(app, users):
    with app.app_context():
        record(
            "status_change",
            object_type="case_record",
            object_id=7,
            actor_id=users["admin"],
            detail={"from": "new", "to": "closed"},
        )
        record(
            "update",
            object_type="case_record",
            object_id=7,
            actor_id=users["admin"],
            fields=["family_name", "dob_year", "mystery_column"],
        )
        record(
            "update",
            object_type="relative",
            object_id=3,
            actor_id=users["admin"],
            fields=["phone", "full_name"],
        )
        db.session.commit()


def test_fields_and_details_are_in_words(app, admin, users):
    _events(app, users)
    html = admin.get("/admin/audit/").get_data(as_text=True)
    details = _row_cells(html, "audit-detail")
    fields = _row_cells(html, "audit-fields")
    assert "Status: New → Closed" in details
    assert "Family name, Date of birth, mystery_column" in fields
    assert "Phone, Full name" in fields
    assert "from=new" not in html


@pytest.mark.usefixtures("pseudo_ukrainian")
def test_fields_and_details_are_in_the_readers_language(app, admin, users):
    _events(app, users)
    path = "/admin/audit/"
    admin.post("/language/uk", data={"csrf_token": csrf_token(admin, path), "next": path})
    html = admin.get(path).get_data(as_text=True)
    assert "⟦Status: ⟦New⟧ → ⟦Closed⟧⟧" in _row_cells(html, "audit-detail")
    fields = _row_cells(html, "audit-fields")
    assert "⟦Family name⟧, ⟦Date of birth⟧, mystery_column" in fields
    assert "⟦Phone⟧, ⟦Full name⟧" in fields
