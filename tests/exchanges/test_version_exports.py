"""A list version exported for the other side: as handed over, in its script, per reader."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.cases.models import Case
from app.exchanges.versions import make_version
from app.extensions import db
from tests import factories
from tests.exchanges.conftest import make_exchange
from tests.exchanges.pdf_text import pdf_text

THEIRS = "Гайдамаченко-Версійний"


@pytest.fixture
def world(app, users):
    """Version 1 of an exchange holding a case of each caseworker; the caseworker's child is
    renamed after it was handed over."""
    with app.test_request_context():
        supervisor = db.session.get(User, users["supervisor"])
        caseworker = db.session.get(User, users["caseworker"])
        other = factories.make_user("caseworker")
        mine = factories.make_case(
            supervisor,
            assigned_to=caseworker,
            family_name="Лисенко",
            given_name="Олександр",
            patronymic="Миколайович",
            dob_year=2013,
            dob_month=4,
        )
        theirs = factories.make_case(supervisor, assigned_to=other, family_name=THEIRS)
        exchange = make_exchange(supervisor, mine, theirs, document_refs="Протокол № 7")
        version = make_version(exchange, supervisor, note="Нота 339/1")
        mine.family_name = "Перейменований"
        db.session.commit()
        return {
            "exchange": exchange.id,
            "version": version.id,
            "mine": mine.id,
            "theirs": theirs.id,
            "other": other.id,
        }


def _path(world, fmt="csv", query="script=ru"):
    return f"/exchanges/{world['exchange']}/versions/{world['version']}/export.{fmt}?{query}"


def _csv(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    return response.get_data().decode("utf-8-sig")


def test_a_caseworker_exports_their_people_as_handed_over_in_russian(app, caseworker, world):
    body = _csv(caseworker.get(_path(world)))
    header, *rows = body.splitlines()
    assert header.startswith("No.,Reference,Family name,Given name,Patronymic,Date of birth")
    # As handed over (not the later rename), in Russian, a month-and-year date as known.
    assert "Лысенко,Александр,Николаевич,04.2013" in body
    assert "Перейменований" not in body
    assert THEIRS not in body and len(rows) == 1
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id.desc())
        ).first()
        assert event.object_type == "list_version"
        assert event.object_id == world["version"]
        assert event.detail["script"] == "ru" and event.detail["format"] == "csv"
        assert event.detail["cases"] == [world["mine"]] and event.detail["number"] == 1


def test_a_supervisor_gets_everyone_as_written(supervisor, world):
    body = _csv(supervisor.get(_path(world, query="script=as_written")))
    assert "Лисенко,Олександр" in body and THEIRS in body


def test_xlsx_and_a_signed_pdf_with_the_versions_facts(supervisor, world):
    xlsx = supervisor.get(_path(world, "xlsx"))
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert any(row[2] == "Лысенко" for row in sheet.iter_rows(values_only=True))
    pdf = supervisor.get(_path(world, "pdf", "script=ru&signer_name=Підписант+Тестовий"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.get_data())
    assert "version 1" in text and "Нота 339/1" in text and "Протокол № 7" in text
    assert "Лысенко" in text and "Підписант Тестовий" in text


def test_the_version_page_offers_the_export(caseworker, world):
    page = caseworker.get(f"/exchanges/{world['exchange']}/versions/{world['version']}")
    html = page.get_data(as_text=True)
    assert 'data-testid="version-export-form"' in html
    assert f"/versions/{world['version']}/export.csv" in html
    # Once, in the page's body: a copy inside the title block put the form into <title>.
    assert html.count('data-testid="version-export-form"') == 1
    title = html[html.index("<title>") : html.index("</title>")]
    assert "<form" not in title


def test_unhappy_paths_and_who_may_export(app, users, client, admin, supervisor, login, world):
    assert client.get(_path(world)).status_code == 302
    assert admin.get(_path(world)).status_code == 403
    assert supervisor.get(_path(world, "doc")).status_code == 404
    assert supervisor.get(_path(world, query="script=klingon")).status_code == 400
    # A version of another exchange is not found through this one.
    with app.test_request_context():
        supervisor_user = db.session.get(User, users["supervisor"])
        other = make_exchange(supervisor_user, side_a="Інша сторона")
        foreign = make_version(other, supervisor_user)
        db.session.commit()
        foreign_id = foreign.id
    path = f"/exchanges/{world['exchange']}/versions/{foreign_id}/export.csv"
    assert supervisor.get(path).status_code == 404
    with app.app_context():
        stranger = factories.make_user("caseworker")
        db.session.commit()
        stranger_id = stranger.id
    assert login(stranger_id).get(_path(world)).status_code == 403
    body = _csv(login(world["other"]).get(_path(world)))
    assert "Гайдамаченко" in body and "Лысенко" not in body


def test_a_case_deleted_from_reach_still_exports_as_handed_over(supervisor, app, world):
    """The case archived after the hand-over: the version keeps its row."""
    with app.app_context():
        db.session.get(Case, world["mine"]).archived = True
        db.session.commit()
    assert "Лысенко" in _csv(supervisor.get(_path(world)))
