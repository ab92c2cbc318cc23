"""Who may see and run which batch: the uploader and supervisors; cases only by supervisors.

Every page of a batch shows cell values (a child's name, a mother's phone), so another
caseworker gets 404 on all of them; an import that changes a case leaves the same trace as an
edit in the browser (timeline and audit trail, naming the person who started it).
"""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import Case, CaseEvent
from app.extensions import db
from app.imports.batches import INTERRUPTED
from app.imports.models import ImportBatch
from tests import factories
from tests.conftest import csrf_token
from tests.imports.conftest import DATA, import_file

CASES_FILE = b"external_id,family_name,given_name\n7-001,\xd0\x9a\xd0\xbe\xd0\xb2,Ivan\n"


def _upload(client, kind="records", name="records_rejects.csv", data=None):
    token = csrf_token(client, "/imports/new")
    content = data if data is not None else (DATA / name).read_bytes()
    return client.post(
        "/imports/new",
        data={
            "csrf_token": token,
            "kind": kind,
            "target": "Access register",
            "file": (io.BytesIO(content), name),
        },
        content_type="multipart/form-data",
    )


def _batch_id(response) -> int:
    return int(re.search(r"/imports/(\d+)", response.headers["Location"])[1])


def _token(client) -> str:
    return csrf_token(client, "/imports/new")


def _pending_batch(app, owner_id: int, kind: str = "records") -> int:
    """A batch uploaded by ``owner_id`` (a cases batch from before only supervisors could)."""
    with app.app_context():
        target = factories.make_source_list("Old list") if kind == "cases" else None
        if target is None:
            from app.records.services import get_or_create_partner_source

            target = get_or_create_partner_source("Old register")
        batch = ImportBatch(
            kind=kind,
            filename="x.csv",
            sha256="0" * 64,
            stored_name=None,
            created_by_id=owner_id,
            headers=["external_id"],
            mapping=["external_id"],
            encoding="utf-8",
            delimiter=",",
        )
        if kind == "cases":
            batch.source_list = target
        else:
            batch.partner_source = target
        db.session.add(batch)
        db.session.commit()
        return batch.id


def _interrupt(app, batch_id: int) -> None:
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        batch.status, batch.error, batch.runner = "failed", INTERRUPTED, "gone-host:1"
        db.session.commit()


def _audit(app, action: str, object_type: str, object_id: int) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.action == action,
                    AuditEvent.object_type == object_type,
                    AuditEvent.object_id == object_id,
                )
                .order_by(AuditEvent.id)
            )
        )


# --- importing cases: supervisors only ------------------------------------------------------


def test_a_caseworker_is_not_offered_cases_and_a_forged_upload_is_refused(
    caseworker, supervisor, app, uploads
):
    assert 'value="cases"' not in caseworker.get("/imports/new").get_data(as_text=True)
    assert 'value="cases"' in supervisor.get("/imports/new").get_data(as_text=True)
    response = _upload(caseworker, "cases", "list.csv", CASES_FILE)
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(ImportBatch.id)) is None
    assert not uploads.exists() or not list(uploads.iterdir())  # nothing stored either
    assert _upload(supervisor, "cases", "list.csv", CASES_FILE).status_code == 302


def test_a_caseworker_cannot_preview_start_or_retry_a_cases_batch(caseworker, app, users):
    """Even their own (uploaded before the rule): every path that can start it is refused."""
    batch_id = _pending_batch(app, users["caseworker"], kind="cases")
    token = _token(caseworker)
    assert caseworker.get(f"/imports/{batch_id}/preview").status_code == 403
    started = caseworker.post(
        f"/imports/{batch_id}/preview",
        data={"csrf_token": token, "col_0": "external_id", "submit": "Import"},
    )
    assert started.status_code == 403
    _interrupt(app, batch_id)
    assert (
        caseworker.post(f"/imports/{batch_id}/retry", data={"csrf_token": token}).status_code == 403
    )
    with app.app_context():
        assert db.session.get(ImportBatch, batch_id).status == "failed"


def test_a_supervisor_imports_cases_from_a_browser_upload(supervisor, app, users, uploads):
    batch_id = _batch_id(_upload(supervisor, "cases", "list.csv", CASES_FILE))
    html = supervisor.get(f"/imports/{batch_id}/preview").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1]
    response = supervisor.post(
        f"/imports/{batch_id}/preview",
        data={
            "csrf_token": token,
            "encoding": "utf-8",
            "delimiter": ",",
            "col_0": "external_id",
            "col_1": "family_name",
            "col_2": "given_name",
            "submit": "Import",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert (batch.status, batch.created, batch.started_by_id) == (
            "done",
            1,
            users["supervisor"],
        )


# --- a batch belongs to its uploader and to supervisors -----------------------------------


def test_another_caseworkers_batch_is_404_on_every_page(
    caseworker, other_caseworker, supervisor, app, users, uploads
):
    pending = _batch_id(_upload(caseworker))
    with app.app_context():
        done = import_file("records_rejects.csv", "Done register", user_id=users["caseworker"]).id
    token = _token(other_caseworker)
    for path in (
        f"/imports/{pending}/preview",
        f"/imports/{done}",
        f"/imports/{done}/progress",
        f"/imports/{done}/problems.csv",
        f"/imports/{done}/problems.xlsx",
    ):
        assert other_caseworker.get(path).status_code == 404, path
        assert caseworker.get(path).status_code in (200, 302), path
        assert supervisor.get(path).status_code in (200, 302), path
    forged = other_caseworker.post(
        f"/imports/{pending}/preview", data={"csrf_token": token, "submit": "Import"}
    )
    assert forged.status_code == 404
    _interrupt(app, pending)
    retried = other_caseworker.post(f"/imports/{pending}/retry", data={"csrf_token": token})
    assert retried.status_code == 404
    with app.app_context():
        assert db.session.get(ImportBatch, pending).status == "failed"  # not run again

    mine = other_caseworker.get("/imports/").get_data(as_text=True)
    assert f"#{pending}<" not in mine and f"#{done}<" not in mine
    theirs = caseworker.get("/imports/").get_data(as_text=True)
    assert f"#{pending}<" in theirs and f"#{done}<" in theirs
    everyone = supervisor.get("/imports/").get_data(as_text=True)
    assert f"#{pending}<" in everyone and f"#{done}<" in everyone


def test_a_command_line_batch_is_for_supervisors_only(caseworker, supervisor, app):
    with app.app_context():
        batch_id = import_file("records_rejects.csv").id  # no uploader
    assert caseworker.get(f"/imports/{batch_id}").status_code == 404
    assert supervisor.get(f"/imports/{batch_id}").status_code == 200


def test_a_supervisor_who_starts_a_caseworkers_batch_is_named_in_the_audit_trail(
    caseworker, supervisor, app, users, uploads
):
    batch_id = _batch_id(_upload(caseworker))
    html = supervisor.get(f"/imports/{batch_id}/preview").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1]
    form = {"encoding": "utf-8", "delimiter": ";", "col_0": "external_id"}
    response = supervisor.post(
        f"/imports/{batch_id}/preview", data={**form, "csrf_token": token, "submit": "Import"}
    )
    assert response.status_code == 302
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status == "done"
        assert (batch.created_by_id, batch.started_by_id) == (
            users["caseworker"],
            users["supervisor"],
        )
    (imported,) = _audit(app, "import", "import_batch", batch_id)
    assert imported.actor_id == users["supervisor"]


def test_previews_and_problem_pages_are_audited_reads(caseworker, app, users, uploads):
    batch_id = _batch_id(_upload(caseworker))
    assert caseworker.get(f"/imports/{batch_id}/preview").status_code == 200
    (read,) = _audit(app, "read", "import_batch", batch_id)
    assert (read.actor_id, read.detail) == (users["caseworker"], {"page": "preview"})

    with app.app_context():
        done = import_file("records_rejects.csv", "Read register", user_id=users["caseworker"]).id
    assert caseworker.get(f"/imports/{done}").status_code == 200
    (shown,) = _audit(app, "read", "import_batch", done)
    assert (shown.actor_id, shown.detail) == (users["caseworker"], {"page": "problems"})


# --- an import's changes to cases leave the trace of an edit ------------------------------


def test_an_import_that_updates_a_case_is_on_its_timeline_and_in_the_audit_trail(
    app, tmp_path, users
):
    path = tmp_path / "list.csv"
    path.write_text("external_id,family_name,given_name\n9-001,Шевчук,Іван\n", encoding="utf-8")
    with app.app_context():
        first = import_file(path, "Audited list", kind="cases", user_id=users["supervisor"])
        case = db.session.scalar(select(Case).where(Case.source_list_id == first.source_list_id))
        case_id = case.id
        other = factories.make_user(role="supervisor")
        db.session.commit()
        other_id = other.id
        path.write_text("external_id,given_name,region\n9-001,Іванко,Київ\n", encoding="utf-8")
        import_file(path, "Audited list", kind="cases", user_id=other_id)
        (updated,) = db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == "updated")
        ).all()
        assert updated.actor_id == other_id
        assert sorted(updated.data["fields"]) == ["given_name", "region"]
    (created,) = _audit(app, "create", "case_record", case_id)
    assert created.actor_id == users["supervisor"]
    (changed,) = _audit(app, "update", "case_record", case_id)
    assert (changed.actor_id, changed.fields) == (other_id, ["given_name", "region"])
    assert "Іванко" not in str(changed.detail)  # names of fields, never their values


def test_the_case_events_name_who_started_the_import_not_the_uploader(app, tmp_path, users):
    """A supervisor starting a batch another user uploaded is the one who changed the cases."""
    from app.imports.batches import create_batch, import_target, start_batch
    from app.imports.mapping import detect_format
    from app.imports.pipeline import run_import
    from app.imports.storage import file_sha256

    path = tmp_path / "list.csv"
    path.write_text("external_id,family_name\n5-001,Мельник\n", encoding="utf-8")
    with app.app_context():
        sha256, size = file_sha256(path)
        batch = create_batch(
            "cases",
            import_target("cases", "Started list"),
            "list.csv",
            sha256,
            size,
            user_id=users["caseworker"],
        )
        with open(path, "rb") as stream:
            detect_format(batch, stream)
        start_batch(batch, users["supervisor"])
        db.session.commit()
        batch = run_import(batch.id, path)
        case_id = db.session.scalar(
            select(Case.id).where(Case.source_list_id == batch.source_list_id)
        )
        (event,) = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)).all()
        assert event.actor_id == users["supervisor"]
        # A supervisor opening a case from a list is not its first assignee.
        assert db.session.get(Case, case_id).assigned_to_id is None
    (imported,) = _audit(app, "import", "import_batch", batch.id)
    assert imported.actor_id == users["supervisor"]


def test_start_batch_itself_refuses_a_caseworker_starting_a_cases_batch(app, users):
    """Whatever path starts a cases batch (a future route, a script), the service refuses."""
    from app.imports.batches import start_batch
    from app.imports.mapping import ImportRefused

    batch_id = _pending_batch(app, users["caseworker"], kind="cases")
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        with pytest.raises(ImportRefused, match="cases_need_supervisor"):
            start_batch(batch, users["caseworker"])
        assert batch.status == "pending"
        start_batch(batch, users["supervisor"])
        assert (batch.status, batch.started_by_id) == ("running", users["supervisor"])
