"""The browser import: upload, preview and mapping, progress, summary, report; every role."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.imports.models import ImportBatch
from app.records.models import PartnerRecord, PartnerSource
from tests.conftest import csrf_token
from tests.imports.conftest import DATA, import_file


def _upload(client, name="records_rejects.csv", target="Browser register", kind="records"):
    token = csrf_token(client, "/imports/new")
    with open(DATA / name, "rb") as f:
        return client.post(
            "/imports/new",
            data={
                "csrf_token": token,
                "kind": kind,
                "target": target,
                "file": (io.BytesIO(f.read()), name),
            },
            content_type="multipart/form-data",
        )


def _batch_id(response) -> int:
    return int(re.search(r"/imports/(\d+)", response.headers["Location"])[1])


def _mapping_form(html: str) -> dict[str, str]:
    data = {}
    for match in re.finditer(
        r'<select[^>]*name="(col_\d+|encoding|delimiter)"[^>]*>(.*?)</select>', html, re.S
    ):
        selected = re.search(r'<option selected value="([^"]*)"', match[2]) or re.search(
            r'<option value="([^"]*)" selected', match[2]
        )
        data[match[1]] = selected[1] if selected else ""
    return data


def test_upload_preview_map_import_and_summary(caseworker, app, uploads):
    response = _upload(caseworker)
    assert response.status_code == 302
    batch_id = _batch_id(response)
    assert list(uploads.iterdir())  # stored under a random name
    assert not (uploads / "records_rejects.csv").exists()

    preview = caseworker.get(f"/imports/{batch_id}/preview")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "utf-8" in html and "semicolon" in html
    assert "Нас. пункт" in html and "Бондаренко" in html
    form = _mapping_form(html)
    assert form["col_0"] == "external_id" and form["col_5"] == ""
    form["col_5"] = "place_of_origin"  # the operator corrects one column
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1]
    response = caseworker.post(
        f"/imports/{batch_id}/preview",
        data={**form, "csrf_token": token, "save_mapping": "y", "submit": "Import"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/imports/{batch_id}")

    page = caseworker.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert 'data-testid="count-created">4<' in page
    assert 'data-testid="count-rejected">2<' in page
    assert "first on line 3" in page
    progress = caseworker.get(f"/imports/{batch_id}/progress").get_json()
    assert progress["finished"] is True and progress["status"] == "done"
    assert not list(uploads.iterdir())  # the upload is deleted once imported

    with app.app_context():
        source = db.session.scalar(
            select(PartnerSource).where(PartnerSource.name == "Browser register")
        )
        assert source.mapping["Нас. пункт"] == "place_of_origin"
        record = db.session.scalar(
            select(PartnerRecord).where(
                PartnerRecord.source_id == source.id, PartnerRecord.external_id == "1"
            )
        )
        assert record.place_of_origin == "с. Вигадане"

    # Next time the saved mapping is proposed, and the same file is recognised.
    again = _batch_id(_upload(caseworker))
    html = caseworker.get(f"/imports/{again}/preview").get_data(as_text=True)
    assert _mapping_form(html)["col_5"] == "place_of_origin"
    assert 'data-testid="already-imported"' in html
    assert f"/imports/{batch_id}" in html

    history = caseworker.get("/imports/").get_data(as_text=True)
    assert f"#{batch_id}" in history and f"#{again}" in history


def test_the_report_downloads_as_csv_and_xlsx_neutralised_and_audited(caseworker, app, users):
    with app.app_context():
        batch = import_file("records_rejects.csv", user_id=users["caseworker"])
        batch_id = batch.id
    response = caseworker.get(f"/imports/{batch_id}/problems.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["line", "column", "value", "severity", "code", "reason"]
    assert ["4", "№", "2", "rejected"] in [row[:4] for row in rows]
    formula = next(r for r in rows if r[0] == "7" and r[1] == "Дата народження")
    assert formula[2] == "'=1+2"

    response = caseworker.get(f"/imports/{batch_id}/problems.xlsx?severity=rejected")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.values)
    assert values[0] == ("line", "column", "value", "severity", "code", "reason")
    assert {row[3] for row in values[1:]} == {"rejected"}
    assert len(values) == 3

    with app.app_context():
        exports = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "export", AuditEvent.object_id == batch_id
            )
        ).all()
        assert len(exports) == 2
        assert exports[0].actor_id == users["caseworker"]


def test_an_unreadable_upload_says_why(caseworker, uploads):
    batch_id = _batch_id(_upload(caseworker, "binary.csv"))
    response = caseworker.get(f"/imports/{batch_id}/preview", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "not a text file" in html
    assert 'data-testid="batch-status">failed' in html


def test_a_non_csv_file_name_is_refused(caseworker, uploads):
    token = csrf_token(caseworker, "/imports/new")
    response = caseworker.post(
        "/imports/new",
        data={
            "csrf_token": token,
            "kind": "records",
            "target": "X",
            "file": (io.BytesIO(b"a,b\n1,2\n"), "list.exe"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "Upload a CSV file" in response.get_data(as_text=True)


def test_a_too_large_upload_gets_the_413_page(caseworker, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    token = csrf_token(caseworker, "/imports/new")
    response = caseworker.post(
        "/imports/new",
        data={"csrf_token": token, "file": (io.BytesIO(b"x" * 4096), "big.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_changing_the_encoding_reads_the_file_again(caseworker, uploads):
    batch_id = _batch_id(_upload(caseworker, "records_ru_cp1251.csv"))
    html = caseworker.get(f"/imports/{batch_id}/preview").get_data(as_text=True)
    assert "cp1251" in html and "Соколова" in html
    form = _mapping_form(html)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1]
    response = caseworker.post(
        f"/imports/{batch_id}/preview",
        data={**form, "delimiter": ",", "csrf_token": token, "refresh": "Read again"},
    )
    assert response.status_code == 302
    html = caseworker.get(f"/imports/{batch_id}/preview").get_data(as_text=True)
    assert "1 columns" in html or "comma" in html


def test_a_field_chosen_for_two_columns_is_refused(caseworker, uploads):
    batch_id = _batch_id(_upload(caseworker))
    html = caseworker.get(f"/imports/{batch_id}/preview").get_data(as_text=True)
    form = _mapping_form(html)
    form["col_5"] = "family_name"
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1]
    response = caseworker.post(
        f"/imports/{batch_id}/preview", data={**form, "csrf_token": token, "submit": "Import"}
    )
    assert response.status_code == 200
    assert "already chosen" in response.get_data(as_text=True)


def test_a_case_list_upload_imports_cases(supervisor, app, uploads):
    batch_id = _batch_id(_upload(supervisor, "cases_339_sample.csv", "339 children", "cases"))
    html = supervisor.get(f"/imports/{batch_id}/preview").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1]
    supervisor.post(
        f"/imports/{batch_id}/preview",
        data={**_mapping_form(html), "csrf_token": token, "submit": "Import"},
    )
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert (batch.status, batch.created) == ("done", 40)


def test_progress_reports_a_running_batch(caseworker, app, users):
    from app.imports import batches
    from app.jobs import report_progress, runner_id
    from app.records import services as record_services

    with app.app_context():
        source = record_services.get_or_create_partner_source("Running")
        batch = batches.create_batch(
            "records", source, "x.csv", "0" * 64, 1, user_id=users["caseworker"]
        )
        batch.headers, batch.mapping = ["№"], ["external_id"]
        batches.start_batch(batch)
        batch.runner = runner_id()  # picked up by a worker: this process
        db.session.commit()
        batch_id, key = batch.id, batch.job_key
    from app import jobs

    with jobs._lock:
        jobs._live.add(key)
    try:
        with app.app_context():
            report_progress(key, 50, 200, items=4000)
        state = caseworker.get(f"/imports/{batch_id}/progress").get_json()
        assert state == {
            "done": 50,
            "total": 200,
            "finished": False,
            "message": "4,000 rows read",
            "status": "running",
        }
        page = caseworker.get(f"/imports/{batch_id}").get_data(as_text=True)
        assert f'data-progress-url="/imports/{batch_id}/progress"' in page
    finally:
        with jobs._lock:
            jobs._live.discard(key)
    # Without a live job the batch is shown as interrupted.
    state = caseworker.get(f"/imports/{batch_id}/progress").get_json()
    assert state["finished"] is True and state["status"] == "failed"


@pytest.mark.parametrize("role", ["caseworker", "supervisor"])
def test_import_pages_open_for_roles_with_import_run(role, login, users):
    client = login(users[role])
    assert client.get("/imports/").status_code == 200
    assert client.get("/imports/new").status_code == 200


def test_admins_are_refused_import_pages_and_reports(admin, app, users):
    with app.app_context():
        batch_id = import_file("records_rejects.csv").id
    for path in (
        "/imports/",
        "/imports/new",
        f"/imports/{batch_id}",
        f"/imports/{batch_id}/preview",
        f"/imports/{batch_id}/progress",
        f"/imports/{batch_id}/problems.csv",
    ):
        assert admin.get(path).status_code == 403, path


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/imports/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_report_format_is_404(caseworker, app, users):
    with app.app_context():
        batch_id = import_file("records_rejects.csv", user_id=users["caseworker"]).id
    assert caseworker.get(f"/imports/{batch_id}/problems.pdf").status_code == 404
    assert caseworker.get("/imports/999999").status_code == 404


def test_an_interrupted_import_runs_again_from_its_kept_file(caseworker, admin, app, uploads):
    """A worker killed mid-import committed nothing and left the upload: one button runs it
    again. A batch that failed otherwise (or lost its file) offers no such button."""
    from app.imports.batches import INTERRUPTED

    batch_id = _batch_id(_upload(caseworker))
    html = caseworker.get(f"/imports/{batch_id}/preview").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1]
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        batch.status, batch.error, batch.runner = "failed", INTERRUPTED, "gone-host:1"
        db.session.commit()
    page = caseworker.get(f"/imports/{batch_id}").get_data(as_text=True)
    assert 'data-testid="retry-form"' in page
    admin_token = csrf_token(admin, "/admin/users/new")
    refused = admin.post(f"/imports/{batch_id}/retry", data={"csrf_token": admin_token})
    assert refused.status_code == 403
    assert caseworker.post(f"/imports/{batch_id}/retry").status_code == 400  # no CSRF token
    response = caseworker.post(f"/imports/{batch_id}/retry", data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert (batch.status, batch.error, batch.created) == ("done", "", 4)
    # Done now, and its upload deleted: nothing to run again.
    response = caseworker.post(f"/imports/{batch_id}/retry", data={"csrf_token": token})
    page = caseworker.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="retry-form"' not in page
    assert "Only an interrupted import" in page
