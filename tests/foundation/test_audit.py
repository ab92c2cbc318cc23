import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.audit.models import AuditEvent
from app.audit.services import record
from app.auth.models import User
from app.extensions import db
from tests import factories


def _events(**where):
    query = select(AuditEvent).order_by(AuditEvent.id)
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    return db.session.scalars(query).all()


def test_create_update_delete_are_recorded_with_field_names(app):
    with app.app_context():
        user = factories.make_user(name="Before")
        user.name = "After"
        db.session.flush()
        db.session.delete(user)
        db.session.flush()
        events = _events(object_type="user_account", object_id=user.id)
        assert [e.action for e in events] == ["create", "update", "delete"]
        assert "email" in events[0].fields
        assert events[1].fields == ["name"]


def test_values_never_enter_the_audit_trail(app):
    with app.app_context():
        user = factories.make_user(name="Синтетична Особа")
        db.session.flush()
        rows = db.session.execute(text("SELECT fields, detail FROM audit_event")).all()
        assert "Синтетична" not in repr(rows)
        assert user.password_hash not in repr(rows)


def test_ignored_fields_do_not_make_events(app):
    from app.database import utcnow

    with app.app_context():
        user = factories.make_user()
        before = len(_events(object_id=user.id))
        user.last_login_at = utcnow()
        db.session.flush()
        assert len(_events(object_id=user.id)) == before


def test_audit_events_cannot_be_changed_by_the_orm(app):
    with app.app_context():
        record("read", object_type="thing", object_id=1)
        event = _events(object_type="thing")[0]
        event.action = "tampered"
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"]
)
def test_audit_events_cannot_be_changed_in_the_database(app, statement):
    with app.app_context():
        record("read", object_type="thing", object_id=1)
        db.session.flush()
        with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(text(statement))


def test_admin_browses_and_filters_audit(app, admin, users):
    with app.app_context():
        record("export", object_type="case", object_id=7, actor_id=users["supervisor"])
        db.session.commit()
    page = admin.get("/admin/audit/?action=export").get_data(as_text=True)
    assert "export" in page and "case 7" in page
    filtered = admin.get("/admin/audit/?action=login").get_data(as_text=True)
    assert "case 7" not in filtered


def test_audit_filter_by_actor_and_date(app, admin, users):
    with app.app_context():
        record("export", object_type="case", object_id=8, actor_id=users["supervisor"])
        db.session.commit()
    page = admin.get(f"/admin/audit/?actor={users['supervisor']}&date_from=2000-01-01")
    assert "case 8" in page.get_data(as_text=True)
    assert "case 8" not in admin.get(f"/admin/audit/?actor={users['admin']}").get_data(as_text=True)


def test_request_events_record_actor_and_address(app, admin, users):
    from tests.conftest import csrf_token

    path = f"/admin/users/{users['caseworker']}"
    admin.post(
        path,
        data={
            "name": "X Y",
            "role": "caseworker",
            "active": "y",
            "csrf_token": csrf_token(admin, path),
        },
    )
    with app.app_context():
        event = _events(object_type="user_account", action="update")[-1]
        assert event.actor_id == users["admin"]
        assert event.ip_address == "127.0.0.1"
        assert event.fields == ["name"]
        assert db.session.get(User, users["caseworker"]).name == "X Y"


def test_audit_page_names_actions_and_objects_in_words(app, admin, users):
    """It showed the stored codes ("status_change", "case_record") in every language."""
    with app.app_context():
        record("status_change", object_type="case_record", object_id=5, actor_id=users["admin"])
        db.session.commit()
    page = admin.get("/admin/audit/?action=status_change").get_data(as_text=True)
    table = page[page.index("<tbody>") :]
    assert "Status changed" in table and "Case 5" in table
    assert "status_change" not in table and "case_record" not in table
    assert '<option selected value="status_change">Status changed</option>' in page


def test_the_filter_by_object_finds_the_list_pages_that_showed_it(
    app, admin, supervisor, make_case
):
    """A list page's read is one event holding the ids it showed: the administrator's "who saw
    this case" (type and id, or the id alone) lists it with the case's own events and says how
    many it showed; a case it did not show finds no read."""
    shown_ids = [make_case(owner=None), make_case(owner=None)]
    assert supervisor.get("/cases").status_code == 200  # the list shows both
    for query in (f"object_type=case_record&object_id={shown_ids[0]}", f"object_id={shown_ids[1]}"):
        page = admin.get(f"/admin/audit/?{query}")
        assert page.status_code == 200
        table = page.get_data(as_text=True).split("<tbody>")[1]
        assert "Viewed" in table and "Case ×2" in table and "Created" in table
    unseen = admin.get(f"/admin/audit/?object_type=case_record&object_id={max(shown_ids) + 1}")
    assert "Viewed" not in unseen.get_data(as_text=True).split("<tbody>")[1]
    assert supervisor.get(f"/admin/audit/?object_id={shown_ids[0]}").status_code == 403


@pytest.mark.parametrize("object_id", ["99999999999999999999", "0", "abc"])
def test_an_object_id_the_database_cannot_hold_is_refused_beside_its_field(admin, object_id):
    """An id beyond the database's integers reached the driver, which could not send it (a
    500); it, and any id that is not a positive number, is an error beside the field."""
    page = admin.get(f"/admin/audit/?object_type=case_record&object_id={object_id}")
    assert page.status_code == 200
    form = page.get_data(as_text=True).split("<tbody>")[0]
    assert 'aria-invalid="true"' in form
