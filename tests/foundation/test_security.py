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


# --- numbers too large for the database (issue 10, item 8) ---------------------------------

HUGE = "99999999999999999999"
# Every page and filter number the lists read from the address bar.
NUMBER_ARGS = (
    "page",
    "unassigned_page",
    "stale_page",
    "pending_page",
    "source",
    "source_list",
    "caseworker",
    "actor",
)


def _list_routes(app):
    """Every GET route without arguments: the lists, queues, exports and the rest."""
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            yield rule.rule
    yield "/cases/export.csv"
    yield "/cases/export.xlsx"


@pytest.mark.parametrize("number", [HUGE, "-" + HUGE, "2147483648", "0", "²"])
def test_huge_page_and_filter_numbers_are_no_server_error(app, admin, supervisor, number):
    query = "&".join(f"{name}={number}" for name in NUMBER_ARGS)
    checked = []
    for path in _list_routes(app):
        for who in (supervisor, admin):
            response = _read(who, f"{path}?{query}")
            assert response.status_code < 500, (path, response.status_code)
            checked.append(path)
    assert {"/cases", "/my-cases", "/queues", "/approvals", "/matches", "/matches/approvals",
            "/records/", "/imports/", "/admin/users", "/admin/audit/"} <= set(checked)  # fmt: skip


def test_a_huge_page_is_an_empty_page(app, supervisor, make_case):
    make_case()
    html = supervisor.get(f"/cases?page={HUGE}").get_data(as_text=True)
    assert 'data-total="1"' in html and "Коваленко" not in html


def test_ids_too_large_for_the_database_are_not_found(app, supervisor):
    int_routes = [
        rule for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.arguments - {"fmt"} and all(
            type(rule._converters[name]).__name__ == "DatabaseIntegerConverter"
            or name == "fmt" for name in rule.arguments
        )
    ]  # fmt: skip
    assert len(int_routes) >= 8
    for rule in int_routes:
        path = rule.build({name: "csv" if name == "fmt" else 1 for name in rule.arguments})[1]
        path = path.replace("/1", f"/{HUGE}")
        response = supervisor.get(path)
        assert response.status_code == 404, (path, response.status_code)


def test_database_int_refuses_numbers_the_database_cannot_hold():
    from app.web import database_int

    assert database_int("2147483647") == 2**31 - 1
    for text in (HUGE, "2147483648", "-2147483648", "abc", ""):
        with pytest.raises(ValueError):
            database_int(text)


# --- caching and content types (issue 10, item 8) ------------------------------------------


def _read(client, path):
    """The response, read to its end (a streamed export keeps its request open till then)."""
    response = client.get(path)
    response.get_data()
    response.close()
    return response


def test_every_response_but_static_files_is_no_store(app, supervisor, client, make_case):
    case_id = make_case()
    responses = {
        "html": _read(supervisor, f"/cases/{case_id}"),
        "csv": _read(supervisor, "/cases/export.csv"),
        "xlsx": _read(supervisor, "/cases/export.xlsx"),
        "json": _read(supervisor, "/healthz"),
        "redirect": _read(client, "/cases"),
        "not found": _read(supervisor, "/no/such/page"),
        "missing": _read(supervisor, f"/cases/{case_id}/relatives/1"),
    }
    assert responses["redirect"].status_code == 302
    assert responses["missing"].status_code == 404
    for kind, response in responses.items():
        assert response.headers.get("Cache-Control") == "no-store", kind
    static = _read(client, "/static/css/app.css")
    assert static.status_code == 200 and static.headers.get("Cache-Control") != "no-store"


def test_progress_json_is_no_store(app, supervisor):
    from app.extensions import db
    from app.matching.models import MatchingRun

    with app.app_context():
        run = MatchingRun(full=True, trigger="manual", status="done")
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    response = supervisor.get(f"/matches/runs/{run_id}/progress")
    assert response.is_json and response.headers["Cache-Control"] == "no-store"


def test_csv_exports_name_their_charset_once(supervisor):
    response = _read(supervisor, "/cases/export.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


# --- the production access log (issue 10, item 8) ------------------------------------------


def _production_access_format() -> str:
    """The access log format scripts/production hands gunicorn."""
    import re
    from pathlib import Path

    script = (Path(__file__).parents[2] / "scripts" / "production").read_text(encoding="utf-8")
    (line,) = re.findall(r"^access='(.+)'$", script, flags=re.M)
    assert '--access-logformat "$access"' in script
    return line


def test_gunicorns_access_log_keeps_no_query_string_and_no_referrer():
    """A search for a child's name must not reach the access log: run the production format
    through gunicorn's own logger on such a request."""
    import io
    import json
    import logging
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    access_format = _production_access_format()
    for atom in ("%(r)s", "%(q)s", "%(f)s", "{referer}i", "{raw_uri}e"):
        assert atom not in access_format.lower(), atom
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", access_format)
    logger = Logger(config)
    out = io.StringIO()
    logger.access_log.handlers = [logging.StreamHandler(out)]
    name = "Коваленко"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/cases?q={name}",
        "PATH_INFO": "/cases",
        "QUERY_STRING": f"q={name}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://reunite.example/cases?q={name}",
    }
    response = SimpleNamespace(status="200 OK", sent=512, headers=[("X-Request-Id", "r-1")])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    logger.access(response, request, environ, timedelta(milliseconds=12))
    line = out.getvalue().strip()
    assert name not in line and "q=" not in line
    entry = json.loads(line)
    assert entry["path"] == "/cases" and entry["status"] == 200
    assert entry["request_id"] == "r-1" and entry["ms"] == 12


# --- addresses behind a reverse proxy (issue 10, item 8) -----------------------------------
# The sign-in limit's key is tested with and without TRUSTED_PROXIES in test_auth.py; these
# follow the address into the audit trail of an ordinary page.

PROXY, CLIENT = "10.0.0.2", "203.0.113.7"


def _signed_in_behind_proxy(app, user_id):
    """A client signed in through the proxy (Flask-Login's "strong" session protection
    fingerprints the forwarded address too)."""
    from tests.conftest import _login

    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": CLIENT})
    _login(client, user_id, remote_addr=CLIENT)  # Flask-Login reads X-Forwarded-For itself
    return client


def _read_addresses(app, case_id):
    from sqlalchemy import select

    from app.audit.models import AuditEvent
    from app.extensions import db

    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.ip_address).where(
                    AuditEvent.action == "read", AuditEvent.object_id == case_id
                )
            )
        )


def test_without_trusted_proxies_the_audit_trail_ignores_a_forwarded_address(app, users, make_case):
    assert app.config["TRUSTED_PROXIES"] == 0
    case_id = make_case()
    client = _signed_in_behind_proxy(app, users["supervisor"])
    assert client.get(f"/cases/{case_id}").status_code == 200
    assert _read_addresses(app, case_id) == [PROXY]  # X-Forwarded-For could be forged


def test_behind_a_trusted_proxy_the_audit_trail_has_the_clients_address(fresh_database):

    from app.extensions import db
    from tests import factories
    from tests.conftest import app_on

    behind = app_on(fresh_database(migrated=True), TRUSTED_PROXIES=1)
    with behind.app_context():
        supervisor = factories.make_user(role="supervisor")
        case_id = factories.make_case(supervisor).id
        db.session.commit()
        user_id = supervisor.id
    client = _signed_in_behind_proxy(behind, user_id)
    assert client.get(f"/cases/{case_id}").status_code == 200
    try:
        assert _read_addresses(behind, case_id) == [CLIENT]
    finally:
        with behind.app_context():
            db.session.remove()
            db.engine.dispose()
