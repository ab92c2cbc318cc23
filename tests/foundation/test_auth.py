import secrets
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlalchemy import select

import config
from app import create_app
from app.audit.models import AuditEvent
from app.auth.models import User
from app.auth.passwords import hash_password, password_problems
from app.extensions import db, limiter
from tests import factories
from tests.conftest import PASSWORD, app_on, csrf_token


def _email(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).email


def _post_login(client, email, password, token=None):
    token = token or csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="password"' in response.get_data(as_text=True)


def test_login_success_redirects_and_records_event(app, client, users):
    response = _post_login(client, _email(app, users["caseworker"]), PASSWORD)
    assert response.status_code == 302
    assert client.get("/").headers["Location"] == "/my-cases"  # caseworkers start at their cases
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_id == users["caseworker"])
        ).all()
    assert "login" in actions


def test_login_email_is_case_insensitive(app, client, users):
    response = _post_login(client, _email(app, users["admin"]).upper(), PASSWORD)
    assert response.status_code == 302


def test_wrong_password_is_refused_and_audited(app, client, users):
    response = _post_login(client, _email(app, users["caseworker"]), "wrong-password-123")
    assert response.status_code == 401
    assert "Wrong e-mail or password" in response.get_data(as_text=True)
    with app.app_context():
        failed = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "login_failed")
        ).all()
    assert [event.object_id for event in failed] == [users["caseworker"]]


def test_sixth_wrong_password_in_a_minute_is_throttled(app, client, users):
    email = _email(app, users["caseworker"])
    token = csrf_token(client, "/login")
    for _ in range(5):
        assert _post_login(client, email, "wrong-password-123", token).status_code == 401
    sixth = _post_login(client, email, "wrong-password-123", token)
    assert sixth.status_code == 429
    assert "Too many attempts" in sixth.get_data(as_text=True)
    # Even the right password waits until the minute is over.
    assert _post_login(client, email, PASSWORD, token).status_code == 429


def test_successful_logins_do_not_count_towards_the_limit(app, client, users):
    email = _email(app, users["caseworker"])
    for _ in range(7):
        token = csrf_token(client, "/login")
        assert _post_login(client, email, PASSWORD, token).status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/my-cases")})


def test_inactive_user_cannot_log_in(app, client, users):
    with app.app_context():
        db.session.get(User, users["caseworker"]).active = False
        db.session.commit()
    assert _post_login(client, _email(app, users["caseworker"]), PASSWORD).status_code == 401


def test_logout_needs_post_with_csrf_and_ends_session(caseworker):
    assert caseworker.get("/logout").status_code == 405
    response = caseworker.post("/logout", data={"csrf_token": csrf_token(caseworker, "/my-cases")})
    assert response.status_code == 302
    assert caseworker.get("/my-cases").status_code == 302


def test_idle_session_expires(app, caseworker):
    assert caseworker.get("/my-cases").status_code == 200
    with caseworker.session_transaction() as session:
        session["last_seen"] = (datetime.now(UTC) - timedelta(hours=2)).timestamp()
    response = caseworker.get("/my-cases")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_cookie_flags(app, client, users):
    response = _post_login(client, _email(app, users["caseworker"]), PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_open_redirect_is_refused(app, client, users):
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=//evil.example/x",
        data={"email": _email(app, users["caseworker"]), "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_password_is_hashed_with_argon2(app, users):
    with app.app_context():
        user = db.session.get(User, users["admin"])
        assert user.password_hash.startswith("$argon2id$")
        assert user.check_password(PASSWORD)
        assert not user.check_password(PASSWORD + "x")


def test_cli_creates_user_from_stdin(app, runner):
    result = runner.invoke(
        args=["users", "create", "--role", "admin", "new.admin@example.org"],
        input="a-long-enough-passphrase\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new.admin@example.org"))
        assert user.role == "admin" and user.check_password("a-long-enough-passphrase")


def test_cli_refuses_weak_password(runner):
    result = runner.invoke(
        args=["users", "create", "--role", "admin", "w@example.org"], input="short\n"
    )
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output


def test_cli_refuses_unknown_role(runner):
    result = runner.invoke(args=["users", "create", "--role", "king", "k@example.org"], input="x\n")
    assert result.exit_code != 0


def _wrong_passwords_from(client, email, address, times):
    token = csrf_token(client, "/login")
    return [
        client.post(
            "/login",
            data={"email": email, "password": "wrong-password-123", "csrf_token": token},
            headers={"X-Forwarded-For": address},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},  # the load balancer
        ).status_code
        for _ in range(times)
    ]


def test_behind_a_proxy_one_persons_wrong_passwords_do_not_lock_out_the_rest(fresh_database):
    """With TRUSTED_PROXIES set, the sign-in limit counts the client's address, not the
    load balancer's (which every request would share), and so does the audit trail."""
    behind = app_on(fresh_database(migrated=True), TRUSTED_PROXIES=1)
    with behind.app_context():
        email = factories.make_user(role="caseworker").email
        db.session.commit()
    limiter.reset()
    client = behind.test_client()
    assert _wrong_passwords_from(client, email, "203.0.113.7", 6)[-1] == 429
    assert _wrong_passwords_from(client, email, "198.51.100.4", 1) == [401]
    with behind.app_context():
        addresses = set(
            db.session.scalars(
                select(AuditEvent.ip_address).where(AuditEvent.action == "login_failed")
            )
        )
        db.session.remove()
        db.engine.dispose()
    assert addresses == {"203.0.113.7", "198.51.100.4"}


def test_without_trusted_proxies_a_forged_forwarded_header_is_ignored(app, client, users):
    email = _email(app, users["caseworker"])
    _wrong_passwords_from(client, email, "203.0.113.7", 5)
    # Another forged address does not buy more attempts: the limit is on the real peer.
    assert _wrong_passwords_from(client, email, "198.51.100.4", 1) == [429]


def _count_verifications(monkeypatch) -> list[str]:
    """Every argon2 verification made from now on (the hash checked against) is listed."""
    verified: list[str] = []
    real_verify = PasswordHasher.verify

    def counting(self, hash, password):
        verified.append(hash)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return verified


def test_a_failed_sign_in_verifies_one_hash_whether_or_not_the_account_exists(
    app, client, users, monkeypatch
):
    """Hole 6: an unknown or deactivated account used to answer at once (6 ms against 126 ms),
    which told an attacker which e-mail addresses have accounts. Now every failed sign-in
    verifies exactly one argon2 hash of the same parameters (timings: bench/login_timing.py)."""
    with app.app_context():
        factories.make_user(email="gone@example.org", active=False)
        db.session.commit()
    verified = _count_verifications(monkeypatch)
    attempts = [
        (_email(app, users["caseworker"]), "wrong-password-123"),  # existing, wrong password
        ("nobody@example.org", "wrong-password-123"),  # unknown
        ("gone@example.org", "wrong-password-123"),  # deactivated, wrong password
        ("gone@example.org", PASSWORD),  # deactivated, right password
    ]
    for email, password in attempts:
        limiter.reset()
        before = len(verified)
        assert _post_login(client, email, password).status_code == 401
        assert len(verified) == before + 1, email
    # The dummy hash costs what a real one does: the same argon2id parameters.
    with app.app_context():
        real = db.session.get(User, users["caseworker"]).password_hash
    assert verified[1].rsplit("$", 2)[0] == real.rsplit("$", 2)[0]


@pytest.mark.parametrize(
    "password", ["qwerty1234567", "password1234", "111111111111", "abcabcabcabc"]
)
def test_guessable_passwords_are_refused_with_advice(app, password):
    with app.test_request_context():
        problems = password_problems(password, "olena@example.org")
    assert problems and "too easy to guess" in problems[0]


def test_the_persons_own_email_and_name_make_a_weak_password(app):
    with app.test_request_context():
        assert password_problems("olenakovalenko", "x@example.org") == []
        assert password_problems("olenakovalenko", "x@example.org", "Olena Kovalenko")
        assert password_problems("my-olena2026-x", "olena2026@example.org")


def test_a_strong_passphrase_passes_even_beyond_zxcvbns_length_limit(app):
    with app.test_request_context():
        assert password_problems("violet-kettle-harbour-51") == []
        # zxcvbn refuses more than 72 characters; our policy judges the start instead.
        assert password_problems("violet-kettle-harbour-51 " * 5) == []
        assert password_problems("x" * 300)  # too long to hash for nothing


def _change_password(client, current, new, confirm=None):
    return client.post(
        "/account/password",
        data={
            "current_password": current,
            "password": new,
            "confirm": confirm or new,
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )


def test_users_change_their_own_password_audited(app, caseworker, users):
    assert "Change password" in caseworker.get("/account").get_data(as_text=True)
    response = _change_password(caseworker, PASSWORD, "violet-kettle-harbour-51")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    with app.app_context():
        user = db.session.get(User, users["caseworker"])
        assert user.check_password("violet-kettle-harbour-51")
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "password_change"))
        assert (event.actor_id, event.object_id) == (user.id, user.id)


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("wrong-password-123", "violet-kettle-harbour-51", None, "current password is wrong"),
        (PASSWORD, "qwerty1234567", None, "too easy to guess"),
        (PASSWORD, "violet-kettle-harbour-51", "violet-kettle-harbour-52", "Passwords differ"),
    ],
)
def test_a_refused_password_change_changes_nothing(
    app, supervisor, users, current, new, confirm, message
):
    response = _change_password(supervisor, current, new, confirm)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, users["supervisor"]).check_password(PASSWORD)
    assert supervisor.get("/queues").status_code == 200


def test_password_change_is_rate_limited_like_sign_in(caseworker):
    for _ in range(5):
        assert _change_password(caseworker, "wrong-password-123", "x").status_code == 400
    assert _change_password(caseworker, PASSWORD, "violet-kettle-harbour-51").status_code == 429


def test_the_account_pages_need_a_signed_in_user(client):
    for path in ("/account", "/account/password"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_passwords_are_hashed_at_full_cost_outside_the_tests(app):
    """The tests hash cheaply (ARGON2_PROFILE "test", for speed); production must keep
    argon2-cffi's defaults, RFC 9106's low-memory profile, whatever the tests use."""
    production = create_app(
        type(
            "P",
            (config.ProductionConfig,),
            {"SECRET_KEY": secrets.token_hex(32), "SQLALCHEMY_DATABASE_URI": "sqlite://"},
        )
    )
    low = RFC_9106_LOW_MEMORY
    with production.app_context():
        used = extract_parameters(hash_password("a long synthetic passphrase"))
    assert (used.time_cost, used.memory_cost, used.parallelism) == (
        low.time_cost,
        low.memory_cost,
        low.parallelism,
    )
    with app.app_context():
        cheap = extract_parameters(hash_password("a long synthetic passphrase"))
    assert cheap.memory_cost < low.memory_cost


def test_the_last_activity_is_written_at_most_once_a_minute(app, caseworker):
    """A signed-in page writes the session's last activity, and so sends its cookie again,
    only when the one it holds is a minute old or more (config.SESSION_REFRESH_EACH_REQUEST is
    off): every page signing the cookie again was a twentieth of a small page's Python. The
    idle time still counts from a moment at most a minute old."""
    assert caseworker.get("/my-cases").status_code == 200
    assert "Set-Cookie" not in caseworker.get("/my-cases").headers  # written just now
    with caseworker.session_transaction() as session:
        recent = (datetime.now(UTC) - timedelta(seconds=30)).timestamp()
        session["last_seen"] = recent
    assert "Set-Cookie" not in caseworker.get("/my-cases").headers
    with caseworker.session_transaction() as session:
        assert session["last_seen"] == recent
        session["last_seen"] = (datetime.now(UTC) - timedelta(minutes=5)).timestamp()
    response = caseworker.get("/my-cases")
    assert response.status_code == 200 and "reunite_session=" in response.headers["Set-Cookie"]
    with caseworker.session_transaction() as session:
        assert datetime.now(UTC).timestamp() - session["last_seen"] < 30
