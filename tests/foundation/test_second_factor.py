"""The second factor: TOTP from an authenticator app, and one-time recovery codes. Required for
supervisors and admins (SECOND_FACTOR_ROLES), available to caseworkers."""

import re

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth import second_factor
from app.auth.models import RecoveryCode, User
from app.auth.services import needs_second_factor, required_roles
from app.extensions import db
from tests import factories
from tests.conftest import PASSWORD, csrf_token

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # a fixed test secret, no one's real factor
PAGES = ["/", "/queues", "/cases", "/admin/users", "/account", "/account/password"]


def _email(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).email


def _password_step(client, email, password=PASSWORD):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def _post_code(client, path, code):
    return client.post(path, data={"code": code, "csrf_token": csrf_token(client, path)})


def _now_code(secret=SECRET, offset=0):
    return second_factor.code_at(secret, second_factor.current_step() + offset)


def _with_factor(app, user_id, secret=SECRET) -> list[str]:
    with app.app_context():
        codes = factories.make_second_factor(db.session.get(User, user_id), secret)
        db.session.commit()
    return codes


def _actions(app, user_id):
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == user_id)
        ).all()


def _reaches_nothing(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path


def test_a_supervisor_without_a_factor_must_enrol_first(app, client, users):
    response = _password_step(client, _email(app, users["supervisor"]))
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/second-factor"
    _reaches_nothing(client)  # the password alone signs no one in
    page = client.get("/account/second-factor")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', html)[1]
    assert 'src="data:image/svg+xml' in html  # the QR code, made on the server

    wrong = _post_code(client, "/account/second-factor", "000000")
    assert wrong.status_code == 401 and "Wrong code" in wrong.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, users["supervisor"]).totp_secret is None
    _reaches_nothing(client)

    done = _post_code(client, "/account/second-factor", _now_code(secret))
    assert done.status_code == 200
    codes = re.findall(r"<code>([A-Z2-9]{5}-[A-Z2-9]{5})</code>", done.get_data(as_text=True))
    assert len(set(codes)) == 10
    assert client.get("/queues").status_code == 200  # signed in now
    with app.app_context():
        user = db.session.get(User, users["supervisor"])
        assert user.totp_secret == secret
        stored = db.session.scalars(
            select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
        ).all()
        # Only hashes are kept.
        assert sorted(stored) == sorted(second_factor.hash_recovery_code(c) for c in codes)
        login = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login"))
        assert login.detail == {"second_factor": "totp"}
        # The secret reaches no audit event.
        for event in db.session.scalars(select(AuditEvent)):
            assert secret not in f"{event.detail} {event.fields}"
    assert "second_factor_enrolled" in _actions(app, users["supervisor"])
    # The secret is never shown again: the enrolment page sends an enrolled user away.
    again = client.get("/account/second-factor")
    assert again.status_code == 302 and again.headers["Location"] == "/account"


def test_an_admin_is_required_too_but_a_caseworker_is_not(app, client, users):
    response = _password_step(client, _email(app, users["admin"]))
    assert response.headers["Location"] == "/account/second-factor"
    caseworker = app.test_client()
    response = _password_step(caseworker, _email(app, users["caseworker"]))
    assert response.headers["Location"] == "/"
    assert caseworker.get("/my-cases").status_code == 200


def test_the_roles_that_need_a_factor_are_a_setting(people):
    assert required_roles("supervisor,admin") == {"supervisor", "admin"}
    assert required_roles(" admin , ") == {"admin"}
    assert not needs_second_factor(people["supervisor"], required_roles("admin"))
    assert needs_second_factor(people["caseworker"], required_roles("caseworker"))


def test_a_caseworker_may_enrol_from_the_account_page(app, caseworker, users):
    assert "Set up a second factor" in caseworker.get("/account").get_data(as_text=True)
    html = caseworker.get("/account/second-factor").get_data(as_text=True)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', html)[1]
    response = _post_code(caseworker, "/account/second-factor", _now_code(secret))
    assert response.status_code == 200
    assert "10 recovery codes left" in caseworker.get("/account").get_data(as_text=True)
    # From now on the caseworker's sign-in asks for a code too.
    client = app.test_client()
    response = _password_step(client, _email(app, users["caseworker"]))
    assert response.headers["Location"] == "/login/code"


def test_sign_in_with_a_code_and_no_replay(app, client, users):
    _with_factor(app, users["supervisor"])
    email = _email(app, users["supervisor"])
    response = _password_step(client, email)
    assert response.headers["Location"] == "/login/code"
    _reaches_nothing(client)
    assert _post_code(client, "/login/code", "123 456").status_code == 401
    code = _now_code()
    response = _post_code(client, "/login/code", code)
    assert response.status_code == 302
    assert client.get("/queues").status_code == 200
    # The same code again, within its window, from another browser: refused (replay).
    other = app.test_client()
    _password_step(other, email)
    replay = _post_code(other, "/login/code", code)
    assert replay.status_code == 401
    assert "already used" in replay.get_data(as_text=True)
    _reaches_nothing(other)
    assert _actions(app, users["supervisor"]).count("second_factor_failed") == 2


def test_a_recovery_code_signs_in_once(app, users):
    codes = _with_factor(app, users["admin"])
    email = _email(app, users["admin"])
    first = app.test_client()
    _password_step(first, email)
    response = _post_code(first, "/login/code", codes[3].lower())  # as a person might type it
    assert response.status_code == 302
    assert first.get("/admin/users").status_code == 200
    assert "recovery_code_used" in _actions(app, users["admin"])
    second = app.test_client()
    _password_step(second, email)
    assert _post_code(second, "/login/code", codes[3]).status_code == 401
    _reaches_nothing(second)
    assert "9 recovery codes left" in first.get("/account").get_data(as_text=True)


def test_code_attempts_are_rate_limited_like_passwords(app, client, users):
    _with_factor(app, users["supervisor"])
    _password_step(client, _email(app, users["supervisor"]))
    for _ in range(5):
        assert _post_code(client, "/login/code", "000000").status_code == 401
    assert _post_code(client, "/login/code", _now_code()).status_code == 429


def test_a_half_signed_in_session_expires(app, client, users):
    _with_factor(app, users["supervisor"])
    _password_step(client, _email(app, users["supervisor"]))
    token = csrf_token(client, "/login/code")
    with client.session_transaction() as session:
        pending = session["pending_sign_in"]
        session["pending_sign_in"] = {**pending, "since": pending["since"] - 3600}
    response = client.post("/login/code", data={"code": _now_code(), "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    _reaches_nothing(client)


def test_the_code_pages_send_strangers_to_sign_in(client):
    for path in ("/login/code", "/account/second-factor"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_admin_resets_a_lost_factor_and_the_user_enrols_again(app, admin, login, users):
    _with_factor(app, users["supervisor"])
    supervisor = login(users["supervisor"])
    page = f"/admin/users/{users['supervisor']}"
    assert "Reset second factor" in admin.get(page).get_data(as_text=True)
    response = admin.post(
        f"{page}/second-factor/reset", data={"csrf_token": csrf_token(admin, page)}
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, users["supervisor"])
        assert user.totp_secret is None
        left = select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id)
        assert db.session.scalar(left) == 0
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "second_factor_reset")
        )
        assert (event.actor_id, event.object_id) == (users["admin"], users["supervisor"])
    assert supervisor.get("/queues").status_code == 302  # their sessions ended
    client = app.test_client()
    response = _password_step(client, _email(app, users["supervisor"]))
    assert response.headers["Location"] == "/account/second-factor"


@pytest.mark.parametrize("role", ["caseworker", "supervisor"])
def test_only_an_admin_resets_a_factor(app, login, users, role):
    client = login(users[role])
    path = f"/admin/users/{users['admin']}/second-factor/reset"
    token = csrf_token(client, "/account")
    assert client.post(path, data={"csrf_token": token}).status_code == 403
