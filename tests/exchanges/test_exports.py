"""Lists for the other side: an exchange's people and a source list's cases as CSV, XLSX and
PDF, in a chosen script, per role (synthetic people)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.exchanges.services import add_line, change_line_state
from app.extensions import db
from tests import factories
from tests.conftest import csrf_token
from tests.exchanges.conftest import line_of, make_exchange
from tests.exchanges.pdf_text import page_count, pdf_text
from tests.matching.conftest import make_record

THEIRS = "Гайдамаченко-Експортний"
FORMULA = '=HYPERLINK("http://example.org","x")'


@pytest.fixture
def world(app, users):
    with app.test_request_context():
        supervisor = db.session.get(User, users["supervisor"])
        caseworker = db.session.get(User, users["caseworker"])
        other = factories.make_user("caseworker")
        source_list = factories.make_source_list("Список експорту")
        mine = factories.make_case(
            supervisor,
            source_list,
            assigned_to=caseworker,
            family_name="Лисенко",
            given_name="Микола",
            patronymic="Миколайович",
            dob_year=2014,
            dob_month=3,
            dob_day=5,
        )
        formula = factories.make_case(
            supervisor,
            source_list,
            assigned_to=caseworker,
            family_name=FORMULA,
            given_name="Олена",
            dob_year=2012,
        )
        theirs = factories.make_case(supervisor, source_list, assigned_to=other, family_name=THEIRS)
        exchange = make_exchange(
            supervisor,
            mine,
            formula,
            theirs,
            document_refs="Протокол № 12/34\nНота 56",
            place="Кордон",
        )
        record = make_record(family_name="ЛЫСЕНКО", given_name="Александр")
        add_line(exchange, supervisor, partner_record=record)
        change_line_state(
            line_of(exchange, mine.id),
            supervisor,
            "refused",
            reason="у відповідь на ноту",
            other_side_reason="-не знайдено в реєстрі",
        )
        other_exchange = make_exchange(supervisor, side_a="Інша сторона")
        ids = {
            "exchange": exchange.id,
            "mine": mine.id,
            "formula": formula.id,
            "theirs": theirs.id,
            "record": record.id,
            "list": source_list.id,
            "foreign_category": other_exchange.categories[0].id,
            "other": other.id,
        }
        db.session.commit()
        return ids


def _csv(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    data = response.get_data()
    assert data.startswith("\ufeff".encode())
    return data.decode("utf-8-sig")


def test_a_caseworker_exports_their_people_in_russian(app, caseworker, world):
    body = _csv(caseworker.get(f"/exchanges/{world['exchange']}/export.csv?script=ru"))
    header, *rows = body.splitlines()
    assert header.startswith("No.,Reference,Family name,Given name,Patronymic,Date of birth")
    assert "Лысенко,Николай,Николаевич,05.03.2014,seriously wounded,Refused" in body
    assert "2012," in body  # a year alone, as written
    assert THEIRS not in body and "Гайдамаченко" not in body  # another caseworker's case
    # Cells a spreadsheet would run as formulas are neutralised.
    assert "'-не знайдено в реєстрі" in body
    assert "\"'=HYPERLINK(" in body
    assert len(rows) == 3  # and the partner record: caseworkers read partner records
    assert "Partner record" in rows[2]
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id.desc())
        ).first()
        assert event.object_type == "exchange" and event.object_id == world["exchange"]
        assert event.detail["script"] == "ru" and event.detail["format"] == "csv"
        assert event.detail["cases"] == sorted([world["mine"], world["formula"]])


def test_records_and_every_case_for_a_supervisor_in_latin(supervisor, world):
    body = _csv(supervisor.get(f"/exchanges/{world['exchange']}/export.csv?script=latin_uk2010"))
    assert "Lysenko,Mykola,Mykolaiovych" in body
    assert "Haidamachenko-Eksportnyi" in body
    assert "LYSENKO,Aleksandr" in body  # a partner record written in Russian, romanised
    body = _csv(supervisor.get(f"/exchanges/{world['exchange']}/export.csv?script=latin_bgn"))
    assert "Lysenko,Nikolay,Nikolayevich" in body


def test_only_open_lines_and_the_page_filters(supervisor, world):
    base = f"/exchanges/{world['exchange']}/export.csv"
    open_only = _csv(supervisor.get(base + "?state=open"))
    assert "Лисенко" not in open_only and THEIRS in open_only
    refused = _csv(supervisor.get(base + "?state=refused"))
    assert "Лисенко" in refused and THEIRS not in refused
    as_written = _csv(supervisor.get(base))
    assert "Лисенко,Микола,Миколайович" in as_written


def test_xlsx_opens_with_openpyxl(supervisor, world):
    response = supervisor.get(f"/exchanges/{world['exchange']}/export.xlsx?script=ru")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 5  # the header and four people
    assert rows[1][2:6] == ("Лысенко", "Николай", "Николаевич", "05.03.2014")
    assert any(str(row[2]).startswith("'=HYPERLINK") for row in rows[1:])


def test_pdf_has_the_title_references_page_numbers_and_signatures(supervisor, world):
    query = "?script=ru&signer_name=Тестова Особа&signer_position=інспектор"
    response = supervisor.get(f"/exchanges/{world['exchange']}/export.pdf{query}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = response.get_data()
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert page_count(pdf) == 1
    assert "List of people" in text
    assert "Reference numbers: Протокол № 12/34; Нота 56" in text
    assert "Page 1 of 1" in text
    assert "Тестова Особа" in text and "інспектор" in text and "Signature:" in text
    assert "Лысенко" in text and "Николаевич" in text


def test_unhappy_paths(supervisor, world):
    base = f"/exchanges/{world['exchange']}"
    assert supervisor.get(base + "/export.csv?script=klingon").status_code == 400
    assert supervisor.get(base + "/export.csv?state=lost").status_code == 400
    category = world["foreign_category"]
    assert supervisor.get(base + f"/export.csv?category={category}").status_code == 400
    assert supervisor.get(base + "/export.doc").status_code == 404
    assert supervisor.get("/exchanges/999999/export.csv").status_code == 404
    assert supervisor.get(f"/source-lists/{world['list']}/people.csv?script=x").status_code == 400


def test_who_may_export(client, admin, login, world, app):
    path = f"/exchanges/{world['exchange']}/export.csv"
    assert client.get(path).status_code == 302
    assert admin.get(path).status_code == 403
    with app.app_context():
        stranger = factories.make_user("caseworker")
        db.session.commit()
        stranger_id = stranger.id
    assert login(stranger_id).get(path).status_code == 403
    # The other caseworker sees their own case only.
    body = _csv(login(world["other"]).get(path))
    assert THEIRS in body and "Лисенко" not in body


def test_a_source_list_export_holds_the_readable_cases_with_their_state(caseworker, world):
    body = _csv(caseworker.get(f"/source-lists/{world['list']}/people.csv?script=ru"))
    assert "Лысенко,Николай,Николаевич,05.03.2014,seriously wounded,Refused" in body
    assert THEIRS not in body
    assert len(body.splitlines()) == 3


def test_the_report_page_offers_the_export_form(caseworker, admin, world):
    page = caseworker.get(f"/exchanges/{world['exchange']}/report")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="export-form"' in body and 'formaction="/exchanges/' in body
    assert "Лисенко" not in body  # numbers only
    assert admin.get(f"/exchanges/{world['exchange']}/report").status_code == 403
    show = caseworker.get(f"/exchanges/{world['exchange']}").get_data(as_text=True)
    assert 'data-testid="exchange-report-link"' in show
    source_list = caseworker.get(f"/source-lists/{world['list']}").get_data(as_text=True)
    assert 'data-testid="list-exchange-report-link"' in source_list


def test_exports_are_downloads_not_forms(supervisor, world):
    # A GET changes nothing but the audit trail, so it needs no CSRF token; a POST is refused.
    token = csrf_token(supervisor, "/login", follow_redirects=True)
    response = supervisor.post(
        f"/exchanges/{world['exchange']}/export.csv", data={"csrf_token": token}
    )
    assert response.status_code == 405
