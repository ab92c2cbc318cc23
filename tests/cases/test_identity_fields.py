"""A case's identity document number, street address and postcode: edited on the case form by
those who may edit the case, shown escaped on the case page, exported safe from formulas; a
record's are shown on its page."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.records.models import PartnerRecord
from tests.conftest import csrf_token
from tests.imports.conftest import import_file


def _edit(client, case_id: int, **fields: str):
    path = f"/cases/{case_id}/edit"
    html = client.get(path).get_data(as_text=True)
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', html)
    data = {
        "case_type": "child",
        "priority": "normal",
        "sex": "unknown",
        "family_name": "Коваленко",
        "given_name": "Олександр",
        "version": version.group(1) if version else "1",
        "csrf_token": csrf_token(client, path),
        **fields,
    }
    return client.post(path, data=data)


def test_the_case_form_edits_the_fields_and_the_page_shows_them_escaped(app, caseworker, own_case):
    form = caseworker.get(f"/cases/{own_case}/edit").get_data(as_text=True)
    assert 'name="street_address"' in form and 'name="postcode"' in form
    response = _edit(
        caseworker,
        own_case,
        document_number="КА 123456",
        street_address="<b>вул. Садова</b> 12",
        postcode="01001",
    )
    assert response.status_code == 302
    with app.app_context():
        case = db.session.get(Case, own_case)
        assert (case.document_number, case.street_address, case.postcode) == (
            "КА 123456",
            "<b>вул. Садова</b> 12",
            "01001",
        )
    html = caseworker.get(f"/cases/{own_case}").get_data(as_text=True)
    assert "&lt;b&gt;вул. Садова&lt;/b&gt; 12, 01001" in html
    assert "<b>вул. Садова</b>" not in html


def test_a_supervisor_edits_them_too_and_others_may_not(
    app, caseworker, supervisor, admin, other_case
):
    assert _edit(supervisor, other_case, postcode="61000").status_code == 302
    with app.app_context():
        assert db.session.get(Case, other_case).postcode == "61000"
    # A caseworker may not edit a case they are not assigned; an admin reads no cases.
    assert _edit(caseworker, other_case, postcode="1").status_code == 403
    assert _edit(admin, other_case, postcode="1").status_code == 403
    with app.app_context():
        assert db.session.get(Case, other_case).postcode == "61000"


def test_a_value_too_long_is_shown_beside_its_field(app, caseworker, own_case):
    response = _edit(caseworker, own_case, postcode="9" * 21, street_address="x" * 301)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="postcode-error"' in html and 'id="street_address-error"' in html
    with app.app_context():
        assert db.session.get(Case, own_case).postcode == ""


def test_the_case_export_carries_them_neutralised(supervisor, make_case):
    make_case(
        owner=None,
        document_number="=cmd|' /C calc'!A0",
        street_address="+380 Садова",
        postcode="-1",
    )
    response = supervisor.get("/cases/export.csv")
    header, *rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    row = dict(zip(header, rows[0], strict=True))
    assert row["document_number"] == "'=cmd|' /C calc'!A0"
    assert row["street_address"] == "'+380 Садова"
    assert row["postcode"] == "'-1"


def test_the_record_page_shows_them_escaped(app, caseworker, tmp_path):
    path = tmp_path / "records.csv"
    path.write_text(
        "ID,Прізвище,Passport number,Address,Postcode\nr1,Ковальчук,<i>КА1</i>,Садова 1,01001\n",
        encoding="utf-8",
    )
    with app.app_context():
        import_file(path, "Register")
        record_id = db.session.scalar(select(PartnerRecord.id))
    html = caseworker.get(f"/records/{record_id}").get_data(as_text=True)
    assert "&lt;i&gt;КА1&lt;/i&gt;" in html and "<i>КА1</i>" not in html
    assert "Садова 1" in html and "01001" in html
