import csv
import io
from datetime import timedelta

import openpyxl
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import Case
from app.database import utcnow
from app.extensions import db


def _rows(response):
    # Exports start with a BOM so that Excel reads them as UTF-8.
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_case_export_is_neutralised_against_formulas(app, supervisor, make_case):
    make_case(owner=None, family_name='=HYPERLINK("http://x")', given_name="+380", region="-1")
    response = supervisor.get("/cases/export.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _rows(response)
    header, data = rows[0], rows[1:]
    row = dict(zip(header, data[0], strict=True))
    assert row["family_name"] == '\'=HYPERLINK("http://x")'
    assert row["given_name"] == "'+380" and row["region"] == "'-1"


def test_case_export_xlsx_has_no_formulas(supervisor, make_case):
    make_case(owner=None, family_name="@SUM(A1)")
    response = supervisor.get("/cases/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "'@SUM(A1)" in values
    assert not any(isinstance(v, str) and v.startswith(("=", "@")) for v in values)


def test_case_export_follows_filters_and_visibility(caseworker, supervisor, make_case):
    mine = make_case(owner="caseworker", region="Херсонська")
    make_case(owner=None, region="Херсонська")
    make_case(owner="caseworker", region="Донецька")
    numbers = [r[0] for r in _rows(caseworker.get("/cases/export.csv?region=Херсонська"))[1:]]
    assert numbers == [f"RU-{mine:06d}"]
    assert len(_rows(supervisor.get("/cases/export.csv?region=Херсонська"))) == 3


def test_case_export_permissions_and_audit(app, admin, caseworker, users, make_case):
    make_case()
    assert admin.get("/cases/export.csv").status_code == 403
    assert caseworker.get("/cases/export.pdf").status_code == 404
    caseworker.get("/cases/export.csv")
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
        assert event.actor_id == users["caseworker"] and event.detail["rows"] == 1


def test_progress_export_for_admin(app, admin, make_case):
    case_id = make_case()
    with app.app_context():
        list_id = db.session.get(Case, case_id).source_list_id
    rows = _rows(admin.get(f"/source-lists/{list_id}/export.csv"))
    assert rows[0] == ["source_list", "status", "label", "cases"]
    assert [rows[1][1], rows[1][3]] == ["new", "1"]
    assert len(rows) == 8


def test_stale_filter(app, supervisor, make_case):
    old = make_case(owner=None)
    fresh = make_case(owner=None)
    with app.app_context():
        db.session.get(Case, old).last_activity_at = utcnow() - timedelta(days=60)
        db.session.commit()
    html = supervisor.get("/cases?stale=y").get_data(as_text=True)
    assert f"RU-{old:06d}" in html and f"RU-{fresh:06d}" not in html


def test_queue_pagers_use_their_own_page_parameter(app, supervisor, make_case):
    for _ in range(12):
        make_case(owner=None)
    html = supervisor.get("/queues").get_data(as_text=True)
    assert "unassigned_page=2" in html
    assert supervisor.get("/queues?unassigned_page=2").status_code == 200
