"""Every case route for every role, allowed and refused, through the test client."""

import re

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.cases.models import (
    Case,
    ContactLog,
    Relative,
    SourceList,
    TransitionRequest,
    format_case_number,
)
from app.extensions import db
from tests.conftest import csrf_token, sql_statements


def _any_token(client):
    html = client.get("/source-lists").get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match
    return match.group(1)


GET_MATRIX = [
    # path template, caseworker, supervisor, admin
    ("/cases", 200, 200, 403),
    ("/cases?q=Коваленко&status=new&age_band=5-9&sort=name", 200, 200, 403),
    ("/cases/new", 200, 200, 403),
    ("/my-cases", 200, 200, 403),
    ("/queues", 403, 200, 403),
    ("/approvals", 403, 200, 403),
    ("/source-lists", 200, 200, 200),
    ("/source-lists/new", 403, 403, 200),
    ("/cases/{own}", 200, 200, 403),
    ("/cases/{own}/edit", 200, 200, 403),
    ("/cases/{other}", 403, 200, 403),
    ("/cases/{other}/edit", 403, 200, 403),
    ("/cases/999999", 404, 404, 403),
]


@pytest.mark.parametrize("path,as_caseworker,as_supervisor,as_admin", GET_MATRIX)
def test_get_routes_per_role(
    request, own_case, other_case, path, as_caseworker, as_supervisor, as_admin
):
    path = path.format(own=own_case, other=other_case)
    for role, expected in (
        ("caseworker", as_caseworker),
        ("supervisor", as_supervisor),
        ("admin", as_admin),
    ):
        client = request.getfixturevalue(role)
        assert client.get(path).status_code == expected, (role, path)


POST_ROUTES = [
    # path, data, caseworker (own case), caseworker (other case), supervisor, admin
    ("/cases/{id}/notes", {"note-body": "called school"}, 302, 403, 302, 403),
    (
        "/cases/{id}/aliases",
        {"alias-kind": "spelling", "alias-family_name": "Kovalenko"},
        302,
        403,
        302,
        403,
    ),
    (
        "/cases/{id}/relatives",
        {"relative-relationship_kind": "mother", "relative-full_name": "Коваленко Ганна"},
        302,
        403,
        302,
        403,
    ),
    (
        "/cases/{id}/contacts",
        {
            "contact-contacted_on": "2026-11-01",
            "contact-channel": "phone",
            "contact-outcome": "no answer",
        },
        302,
        403,
        302,
        403,
    ),
    ("/cases/{id}/status", {"status-target": "under_investigation"}, 302, 403, 302, 403),
    # {number}: an existing case's number (ids are not reused after a rollback on PostgreSQL).
    ("/cases/{id}/duplicate", {"duplicate-case_number": "{number}"}, 403, 403, 302, 403),
    ("/cases/{id}/archive", {"archive-reason": "test"}, 403, 403, 302, 403),
]


@pytest.mark.parametrize("path,data,own,other,as_supervisor,as_admin", POST_ROUTES)
def test_post_routes_per_role(request, make_case, path, data, own, other, as_supervisor, as_admin):
    number = format_case_number(make_case(owner=None))
    data = {name: value.format(number=number) for name, value in data.items()}
    for role, owner, expected in (
        ("caseworker", "caseworker", own),
        ("caseworker", None, other),
        ("supervisor", None, as_supervisor),
        ("admin", None, as_admin),
    ):
        case_id = make_case(owner=owner)
        client = request.getfixturevalue(role)
        response = client.post(
            path.format(id=case_id), data={**data, "csrf_token": _any_token(client)}
        )
        assert response.status_code == expected, (role, owner, path)


def test_bulk_assign_is_supervisor_only(app, caseworker, supervisor, admin, users, make_case):
    ids = [make_case(owner=None) for _ in range(3)]
    data = {"case_ids": [str(i) for i in ids], "assignee": str(users["caseworker"])}
    for client, expected in ((caseworker, 403), (admin, 403)):
        assert (
            client.post(
                "/cases/assign", data={**data, "csrf_token": _any_token(client)}
            ).status_code
            == expected
        )
    response = supervisor.post("/cases/assign", data={**data, "csrf_token": _any_token(supervisor)})
    assert response.status_code == 302
    with app.app_context():
        assigned = db.session.scalars(select(Case.assigned_to_id).where(Case.id.in_(ids))).all()
        assert set(assigned) == {users["caseworker"]}


def test_create_case_through_the_form(app, caseworker, users):
    with app.app_context():
        source_list = SourceList(name="Form list")
        db.session.add(source_list)
        db.session.commit()
        list_id = source_list.id
    response = caseworker.post(
        "/cases/new",
        data={
            "csrf_token": csrf_token(caseworker, "/cases/new"),
            "source_list": list_id,
            "external_id": "12",
            "case_type": "child",
            "priority": "high",
            "family_name": "Шевченко",
            "given_name": "Дарина",
            "sex": "female",
            "date_of_birth": "03.2014",
            "last_known_place": "Олешки",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.external_id == "12"))
        assert (case.dob_year, case.dob_month, case.dob_day) == (2014, 3, None)
        assert case.assigned_to_id == users["caseworker"]


def test_form_errors_are_shown_beside_fields(app, caseworker):
    with app.app_context():
        db.session.add(SourceList(name="Errors list"))
        db.session.commit()
    response = caseworker.post(
        "/cases/new",
        data={
            "csrf_token": csrf_token(caseworker, "/cases/new"),
            "case_type": "child",
            "priority": "normal",
            "sex": "unknown",
            "date_of_birth": "31.02.2014",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="date_of_birth-error"' in html and "31" in html
    assert 'id="family_name-error"' in html


def test_detail_read_is_audited(app, supervisor, own_case, users):
    supervisor.get(f"/cases/{own_case}")
    with app.app_context():
        reads = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "read", AuditEvent.object_id == own_case)
        ).all()
        assert [e.actor_id for e in reads] == [users["supervisor"]]


def test_refused_read_is_not_shown(caseworker, other_case):
    response = caseworker.get(f"/cases/{other_case}")
    assert response.status_code == 403
    assert "Коваленко" not in response.get_data(as_text=True)


def test_edit_conflict_keeps_input_and_shows_changes(app, caseworker, supervisor, own_case):
    path = f"/cases/{own_case}/edit"
    mine = caseworker.get(path).get_data(as_text=True)
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', mine).group(1)
    base = {
        "case_type": "child",
        "priority": "normal",
        "sex": "unknown",
        "family_name": "Коваленко",
        "given_name": "Олександр",
        "version": version,
    }
    first = supervisor.post(
        path, data={**base, "region": "Херсонська", "csrf_token": csrf_token(supervisor, path)}
    )
    assert first.status_code == 302
    second = caseworker.post(
        path,
        data={
            **base,
            "region": "Донецька",
            "last_known_place": "Маріуполь",
            "csrf_token": csrf_token(caseworker, path),
        },
    )
    html = second.get_data(as_text=True)
    assert second.status_code == 200
    assert 'data-testid="conflict"' in html
    assert 'data-field="region"' in html and "Херсонська" in html
    assert 'value="Маріуполь"' in html  # the caseworker's typing survives
    with app.app_context():
        assert db.session.get(Case, own_case).region == "Херсонська"
    # Saving again, knowingly, now succeeds.
    new_version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', html)
    third = caseworker.post(
        path,
        data={
            **base,
            "region": "Донецька",
            "version": new_version.group(1),
            "csrf_token": csrf_token(caseworker, path),
        },
    )
    assert third.status_code == 302
    with app.app_context():
        assert db.session.get(Case, own_case).region == "Донецька"


def test_caseworker_closure_waits_for_approval_then_supervisor_approves(
    app, caseworker, supervisor, own_case
):
    response = caseworker.post(
        f"/cases/{own_case}/status",
        data={
            "status-target": "closed",
            "status-closure_reason": "withdrawn",
            "status-reason": "family withdrew",
            "csrf_token": _any_token(caseworker),
        },
        follow_redirects=True,
    )
    assert "waits for a supervisor" in response.get_data(as_text=True)
    with app.app_context():
        request_id = db.session.scalar(select(TransitionRequest.id))
        assert db.session.get(Case, own_case).status == "new"
    queue = supervisor.get("/queues").get_data(as_text=True)
    assert 'data-testid="count-pending">1<' in queue
    # The request's row on both pages that list it: its links, and the form's token and
    # buttons (written once for the table) as markup, not as escaped text.
    for page in (queue, supervisor.get("/approvals").get_data(as_text=True)):
        table = re.search(r'data-testid="approvals">.*?</table>', page, flags=re.S)[0]
        assert f'href="/cases/{own_case}"' in table
        assert f'action="/approvals/{request_id}"' in table
        assert 'name="decision-csrf_token" type="hidden" value="' in table
        assert 'name="decision-approve"' in table and 'name="decision-reject"' in table
        assert "&lt;input" not in table
    supervisor.post(
        f"/approvals/{request_id}",
        data={"decision-approve": "Approve", "csrf_token": _any_token(supervisor)},
    )
    with app.app_context():
        case = db.session.get(Case, own_case)
        assert (case.status, case.closure_reason) == ("closed", "withdrawn")


def test_illegal_transition_shows_clear_error(caseworker, own_case):
    response = caseworker.post(
        f"/cases/{own_case}/status",
        data={"status-target": "reunified", "csrf_token": _any_token(caseworker)},
        follow_redirects=True,
    )
    assert "cannot go from" in response.get_data(as_text=True)


def test_relative_contact_and_done(app, caseworker, own_case):
    token = _any_token(caseworker)
    caseworker.post(
        f"/cases/{own_case}/relatives",
        data={
            "relative-relationship_kind": "grandmother",
            "relative-full_name": "Коваленко Ганна",
            "relative-phone": "+380 00",
            "relative-consents_to_contact": "y",
            "csrf_token": token,
        },
    )
    with app.app_context():
        relative_id = db.session.scalar(select(Relative.id).where(Relative.case_id == own_case))
    caseworker.post(
        f"/cases/{own_case}/contacts",
        data={
            "contact-contacted_on": "2026-11-20",
            "contact-channel": "phone",
            "contact-relative": relative_id,
            "contact-outcome": "will call back",
            "contact-next_step": "call",
            "contact-next_step_due": "2026-11-30",
            "csrf_token": token,
        },
    )
    with app.app_context():
        contact = db.session.scalar(select(ContactLog).where(ContactLog.case_id == own_case))
        assert contact.relative_id == relative_id and not contact.next_step_done
        contact_id = contact.id
    caseworker.post(f"/cases/{own_case}/contacts/{contact_id}/done", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(ContactLog, contact_id).next_step_done
    html = caseworker.get(f"/cases/{own_case}").get_data(as_text=True)
    assert "Коваленко Ганна" in html and "will call back" in html


def _add_relative(client, case_id: int, name: str) -> None:
    response = client.post(
        f"/cases/{case_id}/relatives",
        data={
            "relative-relationship_kind": "grandmother",
            "relative-full_name": name,
            "relative-phone": "+380 00",
            "relative-consents_to_contact": "y",
            "csrf_token": _any_token(client),
        },
    )
    assert response.status_code == 302


def test_a_contact_names_only_a_relative_of_its_case(app, caseworker, own_case, make_case):
    """The contact form offers the case's relatives, read as names on a post (not loaded as
    objects: app/cases/routes.py _relative_choices); another case's relative is refused, and
    the refused form offers the case's own relatives again."""
    second = make_case(owner="caseworker")
    _add_relative(caseworker, own_case, "Мельник Олена")
    _add_relative(caseworker, second, "Шевчук Ірина")
    with app.app_context():
        theirs = db.session.scalar(select(Relative.id).where(Relative.case_id == second))
        ours = db.session.scalar(select(Relative.id).where(Relative.case_id == own_case))
    contact = {
        "contact-contacted_on": "2026-11-20",
        "contact-channel": "phone",
        "contact-outcome": "no answer",
        "csrf_token": _any_token(caseworker),
    }
    with sql_statements(app) as statements:
        refused = caseworker.post(
            f"/cases/{own_case}/contacts", data={**contact, "contact-relative": theirs}
        )
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert f'<option value="{ours}">Мельник Олена</option>' in html
    assert "Шевчук Ірина" not in html
    assert any(s.startswith("SELECT relative.id, relative.full_name \nFROM") for s in statements)
    with app.app_context():
        assert db.session.scalar(select(func.count(ContactLog.id))) == 0
    accepted = caseworker.post(
        f"/cases/{own_case}/contacts", data={**contact, "contact-relative": ours}
    )
    assert accepted.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ContactLog.relative_id)) == ours


def test_invalid_small_form_shows_error(caseworker, own_case):
    response = caseworker.post(
        f"/cases/{own_case}/contacts",
        data={"contact-channel": "phone", "csrf_token": _any_token(caseworker)},
        follow_redirects=True,
    )
    assert "This field is required" in response.get_data(as_text=True)


def test_admin_creates_source_list_and_sees_progress(app, admin):
    response = admin.post(
        "/source-lists/new",
        data={
            "name": "339 list",
            "organisation": "Delegation",
            "csrf_token": csrf_token(admin, "/source-lists/new"),
        },
    )
    assert response.status_code == 302
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="progress-chart"' in page
    duplicate = admin.post(
        "/source-lists/new",
        data={"name": "339 list", "csrf_token": csrf_token(admin, "/source-lists/new")},
    )
    assert "already exists" in duplicate.get_data(as_text=True)


def test_progress_chart_counts(app, supervisor):
    from tests import factories

    with app.app_context():
        from app.auth.models import User

        actor = db.session.scalar(select(User).where(User.role == "supervisor"))
        source_list = factories.make_source_list(name="Chart list")
        for status in ["new", "new", "located", "reunified"]:
            factories.make_case(actor, source_list=source_list, status=status)
        db.session.commit()
        list_id = source_list.id
    html = supervisor.get(f"/source-lists/{list_id}").get_data(as_text=True)
    assert '<g data-status="new" data-count="2">' in html
    assert '<g data-status="located" data-count="1">' in html
    assert '<g data-status="closed" data-count="0">' in html


def test_duplicate_merge_through_route(app, supervisor, make_case):
    original = make_case(owner=None, family_name="Лисенко")
    duplicate = make_case(owner=None, family_name="Лысенко")
    supervisor.post(
        f"/cases/{duplicate}/duplicate",
        data={"duplicate-case_number": f"RU-{original:06d}", "csrf_token": _any_token(supervisor)},
    )
    with app.app_context():
        assert db.session.get(Case, duplicate).duplicate_of_id == original
        assert db.session.scalar(select(func.count()).select_from(Case)) >= 2


def test_list_page_query_count_does_not_grow_with_cases(app, supervisor, make_case):
    def count_queries(path):
        with sql_statements(app) as statements:
            assert supervisor.get(path).status_code == 200
        return len(statements)

    make_case(owner="caseworker")
    few = count_queries("/cases")
    for _ in range(8):
        make_case(owner="caseworker")
    assert count_queries("/cases") <= few + 1


def test_my_cases_shows_overdue_next_step(app, caseworker, users, own_case):
    from datetime import date, timedelta

    from app.auth.models import User
    from app.cases.services import log_contact

    overdue = date.today() - timedelta(days=3)
    with app.app_context():
        case = db.session.get(Case, own_case)
        log_contact(
            case,
            db.session.get(User, users["caseworker"]),
            contacted_on=date.today(),
            channel="phone",
            outcome="x",
            next_step="call",
            next_step_due=overdue,
        )
        db.session.commit()
    html = caseworker.get("/my-cases").get_data(as_text=True)
    shown = f"{overdue.day} {overdue:%b %Y}"  # the English date format
    assert f'<span class="badge badge-danger" title="Overdue">{shown}</span>' in html


def test_relative_is_edited_and_consent_withdrawn(app, caseworker, supervisor, make_case):
    from app.auth.models import User
    from app.cases.services import add_relative

    case_id = make_case(owner="caseworker")
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.role == "supervisor"))
        relative = add_relative(
            db.session.get(Case, case_id),
            actor,
            relationship_kind="mother",
            full_name="Бондар Олена",
            consents_to_contact=True,
        )
        db.session.commit()
        relative_id = relative.id
    path = f"/cases/{case_id}/relatives/{relative_id}"
    assert caseworker.get(path).status_code == 200
    response = caseworker.post(
        path,
        data={
            "relative-relationship_kind": "mother",
            "relative-full_name": "Бондар Олена Іванівна",
            "relative-phone": "+380 00 1234567",
            "csrf_token": csrf_token(caseworker, path),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(Relative, relative_id)
        assert saved.full_name == "Бондар Олена Іванівна" and not saved.consents_to_contact
    assert caseworker.get(f"/cases/{case_id}/relatives/999999").status_code == 404
    other = make_case(owner=None)
    assert caseworker.get(f"/cases/{other}/relatives/{relative_id}").status_code == 403
    assert supervisor.get(f"/cases/{other}/relatives/{relative_id}").status_code == 404
