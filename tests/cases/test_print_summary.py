"""The printed case summary: what a caseworker hands over or files."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.cases.services import add_relative, log_contact
from app.extensions import db
from tests import factories


def _case_with_family(app, users) -> int:
    with app.app_context():
        owner = db.session.get(User, users["caseworker"])
        case = factories.make_case(owner, assigned_to=owner, document_number="ТТ-000001")
        add_relative(
            case, owner, relationship_kind="mother", full_name="Ганна Тестова",
            phone="+380 00 000 0001",
        )  # fmt: skip
        log_contact(
            case, owner, contacted_on=case.created_at.date(), channel="phone",
            outcome="Called the mother; no news yet.", next_step="Call the school",
        )  # fmt: skip
        db.session.commit()
        return case.id


def test_the_summary_shows_the_case_its_family_and_contacts_and_no_forms(app, caseworker, users):
    case_id = _case_with_family(app, users)
    response = caseworker.get(f"/cases/{case_id}/print")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for shown in ("Коваленко", "ТТ-000001", "Ганна Тестова", "+380 00 000 0001",
                  "Called the mother; no news yet.", "Call the school"):  # fmt: skip
        assert shown in page
    assert 'data-testid="confidential"' in page and 'data-testid="signatures"' in page
    assert 'data-testid="printed-by"' in page
    assert 'method="post"' not in page.split('data-testid="case-summary"')[1]
    assert "css/print.css" in page and 'media="print"' in page
    assert "<script>" not in page  # the print button's script is a static file (CSP)


def test_printing_is_recorded_as_a_read_of_the_case(app, caseworker, users):
    case_id = _case_with_family(app, users)
    assert caseworker.get(f"/cases/{case_id}/print").status_code == 200
    with app.app_context():
        (event,) = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "read",
                AuditEvent.object_type == "case_record",
                AuditEvent.object_id == case_id,
            )
        )
        assert event.detail == {"page": "print"} and event.actor_id == users["caseworker"]


def test_others_may_not_print_a_case_they_may_not_open(app, login, users, other_caseworker):
    case_id = _case_with_family(app, users)
    for client in (other_caseworker, login(users["admin"])):
        response = client.get(f"/cases/{case_id}/print")
        assert response.status_code == 403
        assert "Ганна Тестова" not in response.get_data(as_text=True)
    assert app.test_client().get(f"/cases/{case_id}/print").status_code == 302
    assert login(users["supervisor"]).get(f"/cases/{case_id}/print").status_code == 200
    assert login(users["supervisor"]).get("/cases/999999/print").status_code == 404


def test_the_case_page_links_to_its_summary(app, caseworker, users):
    case_id = _case_with_family(app, users)
    page = caseworker.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f'href="/cases/{case_id}/print"' in page
