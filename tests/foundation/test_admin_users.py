from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from tests.conftest import csrf_token


def test_admin_lists_users(admin):
    response = admin.get("/admin/users")
    assert response.status_code == 200
    assert "@example.org" in response.get_data(as_text=True)


def test_admin_creates_user(app, admin):
    token = csrf_token(admin, "/admin/users/new")
    response = admin.post(
        "/admin/users/new",
        data={
            "email": "Olena.Test@Example.org",
            "name": "Olena Test",
            "role": "supervisor",
            "password": "a-good-long-passphrase",
            "confirm": "a-good-long-passphrase",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "olena.test@example.org"))
        assert user is not None and user.role == "supervisor"


def test_weak_password_error_is_shown_beside_the_field(admin):
    token = csrf_token(admin, "/admin/users/new")
    response = admin.post(
        "/admin/users/new",
        data={
            "email": "a@example.org",
            "name": "A",
            "role": "caseworker",
            "password": "short",
            "confirm": "short",
            "csrf_token": token,
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="password-error"' in html and "at least 12 characters" in html
    assert 'aria-invalid="true"' in html


def test_duplicate_email_is_refused(app, admin, users):
    with app.app_context():
        existing = db.session.get(User, users["caseworker"]).email
    token = csrf_token(admin, "/admin/users/new")
    response = admin.post(
        "/admin/users/new",
        data={
            "email": existing,
            "name": "Dup",
            "role": "caseworker",
            "password": "a-good-long-passphrase",
            "confirm": "a-good-long-passphrase",
            "csrf_token": token,
        },
    )
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)


def test_admin_deactivates_and_re_roles_user(app, admin, users):
    path = f"/admin/users/{users['caseworker']}"
    token = csrf_token(admin, path)
    response = admin.post(path, data={"name": "Renamed", "role": "supervisor", "csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, users["caseworker"])
        assert (user.name, user.role, user.active) == ("Renamed", "supervisor", False)


def test_admin_cannot_deactivate_self(app, admin, users):
    path = f"/admin/users/{users['admin']}"
    token = csrf_token(admin, path)
    response = admin.post(
        path, data={"name": "Me", "role": "admin", "csrf_token": token}, follow_redirects=True
    )
    assert "cannot change your own role" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, users["admin"]).active is True


def test_unknown_user_is_404(admin):
    assert admin.get("/admin/users/99999").status_code == 404
