import pytest

from app.security import CONTENT_SECURITY_POLICY


def _html_pages(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            yield rule.rule


def test_csp_and_headers_on_every_page(app, admin, caseworker, client):
    checked = 0
    for path in _html_pages(app):
        for who in (admin, caseworker, client):
            response = who.get(path)
            assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["X-Frame-Options"] == "DENY"
            assert response.headers["Referrer-Policy"] == "same-origin"
            checked += 1
    assert checked >= 9


def test_csp_forbids_inline_scripts_and_styles():
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "style-src 'self'" in CONTENT_SECURITY_POLICY


def test_pages_have_no_inline_script_or_style(admin):
    for path in ("/", "/admin/users", "/admin/audit/", "/admin/users/new"):
        html = admin.get(path).get_data(as_text=True)
        assert "<script>" not in html and "style=" not in html and "<style" not in html


@pytest.mark.parametrize(
    "path,data",
    [
        ("/login", {"email": "a@example.org", "password": "x"}),
        ("/logout", {}),
        ("/language/uk", {}),
        (
            "/admin/users/new",
            {
                "email": "b@example.org",
                "name": "B",
                "role": "admin",
                "password": "a-good-long-passphrase",
                "confirm": "a-good-long-passphrase",
            },
        ),
    ],
)
def test_post_without_csrf_token_is_refused(app, admin, path, data):
    app.config["WTF_CSRF_ENABLED"] = True
    response = admin.post(path, data=data)
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)


def test_not_found_page_leaks_nothing(caseworker):
    response = caseworker.get("/no/such/page")
    assert response.status_code == 404
    assert "There is no page at this address" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_request_too_large_is_413(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/login", data={"email": "x" * (limit + 10)})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_server_error_page_leaks_nothing():
    from app import create_app
    from app.auth.permissions import public

    application = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})

    @public
    def boom():
        raise RuntimeError("secret detail Коваленко")

    application.add_url_rule("/boom", "boom", boom)
    response = application.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret detail" not in body and "Коваленко" not in body
    assert "Something went wrong" in body


def test_werkzeug_log_drops_query_strings():
    import logging

    from app.security import DropQueryStrings

    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        "",
        0,
        '%s - "%s" %s',
        ("127.0.0.1", "GET /cases?q=Коваленко HTTP/1.1", "200"),
        None,
    )
    DropQueryStrings().filter(record)
    assert "Коваленко" not in record.getMessage()
