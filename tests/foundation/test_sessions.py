"""Hole 4: sessions end on the server. A copy of a session cookie (stolen, or left on a shared
computer) stops working on logout, password change, deactivation (and stays dead after
reactivation) and when an administrator signs the user out everywhere."""

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from tests.conftest import PASSWORD, csrf_token

COOKIE = "reunite_session"


def copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


def signed_out(client, path="/my-cases") -> bool:
    response = client.get(path)
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_copied_cookie_works_until_logout_and_not_after(app, caseworker):
    assert caseworker.get("/my-cases").status_code == 200
    thief = copy_of(app, caseworker)
    assert thief.get("/my-cases").status_code == 200  # the copy is a real session...
    caseworker.post("/logout", data={"csrf_token": csrf_token(caseworker, "/my-cases")})
    assert signed_out(caseworker)
    assert signed_out(thief)  # ...until its owner signs out


def test_a_session_without_the_current_token_is_refused(app, users):
    """Sessions from before tokens (only the user id) and forged tokens name no session."""
    for session_id in (str(users["caseworker"]), f"{users['caseworker']}:not-the-token"):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
        assert signed_out(client)


def test_password_change_ends_other_sessions_but_keeps_this_one(app, caseworker):
    thief = copy_of(app, caseworker)
    response = caseworker.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "violet-kettle-harbour-51",
            "confirm": "violet-kettle-harbour-51",
            "csrf_token": csrf_token(caseworker, "/account/password"),
        },
    )
    assert response.status_code == 302
    assert caseworker.get("/my-cases").status_code == 200
    assert signed_out(thief)


def _edit_user(admin, user_id, active: bool, role="caseworker"):
    path = f"/admin/users/{user_id}"
    data = {"name": "Test User", "role": role, "csrf_token": csrf_token(admin, path)}
    if active:
        data["active"] = "y"
    assert admin.post(path, data=data).status_code == 302


def test_deactivation_ends_sessions_and_reactivation_does_not_revive_them(
    app, admin, caseworker, users
):
    thief = copy_of(app, caseworker)
    _edit_user(admin, users["caseworker"], active=False)
    assert signed_out(thief)
    _edit_user(admin, users["caseworker"], active=True)
    assert signed_out(thief)
    assert signed_out(caseworker)


def test_a_new_role_signs_in_again(app, admin, caseworker, users):
    """A promoted caseworker meets the supervisor's rules (a second factor) at sign-in."""
    _edit_user(admin, users["caseworker"], active=True, role="supervisor")
    assert signed_out(caseworker, "/")


def test_admin_signs_a_user_out_everywhere_audited(app, admin, caseworker, users):
    thief = copy_of(app, caseworker)
    page = f"/admin/users/{users['caseworker']}"
    assert "Sign out everywhere" in admin.get(page).get_data(as_text=True)
    response = admin.post(f"{page}/sessions/end", data={"csrf_token": csrf_token(admin, page)})
    assert response.status_code == 302
    assert signed_out(caseworker) and signed_out(thief)
    assert admin.get("/admin/users").status_code == 200  # the admin's own session goes on
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sessions_ended"))
        assert (event.actor_id, event.object_id) == (users["admin"], users["caseworker"])
        # The token itself never reaches the audit trail.
        token = db.session.get(User, users["caseworker"]).session_token
        assert token not in str(event.detail) and token not in str(event.fields)


def test_signing_out_everywhere_needs_csrf_and_the_admin_role(app, admin, supervisor, users):
    path = f"/admin/users/{users['caseworker']}/sessions/end"
    assert admin.post(path).status_code == 400  # no CSRF token
    token = csrf_token(supervisor, "/queues")
    assert supervisor.post(path, data={"csrf_token": token}).status_code == 403
    assert admin.get(path).status_code == 405
