"""Every route needs a login and a declared permission; roles get exactly what they should."""

import pytest
from flask import Blueprint

from app import create_app
from app.auth.permissions import (
    ROLE_PERMISSIONS,
    Permission,
    Role,
    check_every_route_declares_permission,
    routes_without_permission,
)


def _concrete_url(rule) -> str:
    values = {}
    for arg in rule.arguments:
        converter = rule._converters[arg].__class__.__name__
        values[arg] = 1 if "Integer" in converter else "x"
    return rule.build(values)[1]


def test_every_route_declares_a_permission(app):
    assert routes_without_permission(app) == []


def test_a_route_without_permission_stops_the_app():
    application = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    bp = Blueprint("forgotten", __name__)

    @bp.route("/forgotten")
    def forgotten():
        return "secret"

    application.register_blueprint(bp)
    with pytest.raises(RuntimeError, match=r"forgotten\.forgotten"):
        check_every_route_declares_permission(application)


def test_every_non_public_route_requires_login(app, client):
    from tests.conftest import csrf_token

    token = csrf_token(client, "/login")
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if view.required_permission is Permission.PUBLIC:
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(_concrete_url(rule), method=method, data={"csrf_token": token})
        assert response.status_code == 302, rule.endpoint
        assert "/login" in response.headers["Location"], rule.endpoint
        checked += 1
    assert checked >= 5


def test_public_routes_are_only_login_language_and_health(app):
    public = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and app.view_functions[rule.endpoint].required_permission is Permission.PUBLIC
    }
    # The second step of signing in, and the enrolment a supervisor must finish first, serve a
    # session that passed the password and is not signed in yet; anyone else goes to /login
    # (test_second_factor.py::test_the_code_pages_send_strangers_to_sign_in).
    second_step = {"auth.second_step", "auth.enrol"}
    assert public == {"auth.login", "main.set_language", "main.healthz", *second_step}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_refused_routes_it_lacks(app, login, users, role):
    """A role without a route's permission gets 403, never the page."""
    client = login(users[role.value])
    refused = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        permission = app.view_functions[rule.endpoint].required_permission
        if permission is Permission.PUBLIC or permission in ROLE_PERMISSIONS[role]:
            continue
        response = client.get(_concrete_url(rule))
        assert response.status_code == 403, (role, rule.endpoint)
        refused += 1
    # Admins may open every page that exists before the case features land.
    assert refused >= 1 or role is Role.ADMIN


def test_admin_does_not_read_case_content():
    assert Permission.CASE_READ not in ROLE_PERMISSIONS[Role.ADMIN]
    assert Permission.CASE_READ_ALL not in ROLE_PERMISSIONS[Role.ADMIN]


def test_caseworker_cannot_open_admin_pages(caseworker):
    assert caseworker.get("/admin/users").status_code == 403
    assert caseworker.get("/admin/audit/").status_code == 403


def test_deactivated_user_session_is_dropped(app, login, users):
    from app.auth.models import User
    from app.extensions import db

    client = login(users["caseworker"])
    assert client.get("/my-cases").status_code == 200
    with app.app_context():
        db.session.get(User, users["caseworker"]).active = False
        db.session.commit()
    response = client.get("/my-cases")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
