"""Partner records: list and detail, for the roles with record:read only; reads are audited."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.records.models import PartnerRecord
from tests.imports.conftest import import_file


def _first_record_id(app) -> int:
    with app.app_context():
        batch = import_file("records_uk_utf8.csv", "Register A")
        return db.session.scalar(
            select(PartnerRecord.id).where(
                PartnerRecord.source_id == batch.partner_source_id,
                PartnerRecord.external_id == "1",
            )
        )


def test_list_filters_by_source_and_family_name(caseworker, app):
    record_id = _first_record_id(app)
    with app.app_context():
        import_file("records_en_bom.csv", "Register B")
    html = caseworker.get("/records/").get_data(as_text=True)
    assert "Kovalenko Oleksandr Petrovych" in html  # Latin sorts first
    assert "35 items" in html
    with app.app_context():
        source_id = db.session.get(PartnerRecord, record_id).source_id
    html = caseworker.get(f"/records/?source={source_id}&q=Ковал").get_data(as_text=True)
    assert "Коваленко Марія Іванівна" in html
    assert "Kovalenko" not in html
    assert "Kovalenko" not in html and "Бондар" not in html


def test_detail_shows_fields_and_the_raw_row_and_is_audited(supervisor, app, users):
    record_id = _first_record_id(app)
    html = supervisor.get(f"/records/{record_id}").get_data(as_text=True)
    assert "Харківська область" in html
    assert "Синтетичний запис" in html  # a column without a field, from the raw row
    assert 'data-testid="raw-row"' in html
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "read", AuditEvent.object_type == "partner_record"
            )
        )
        assert (event.object_id, event.actor_id) == (record_id, users["supervisor"])


def test_admins_cannot_read_records(admin, app):
    record_id = _first_record_id(app)
    assert admin.get("/records/").status_code == 403
    assert admin.get(f"/records/{record_id}").status_code == 403


def test_a_missing_record_is_404(caseworker):
    assert caseworker.get("/records/999999").status_code == 404
