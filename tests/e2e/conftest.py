"""End-to-end fixtures: the real app on a real server thread, driven by Debian's Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

import config
from app import create_app
from app.auth.second_factor import code_at, current_step
from app.demo.services import DEMO_TOTP_SECRET, seed_demo
from app.extensions import db
from tests.conftest import _empty_postgres, _on_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
DEMO_PASSWORD = "reunite-demo-2026"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Use the system Chromium: Playwright's own browser download is not possible here."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a server thread and a job worker process (`flask jobs worker`), sharing a
    database and a SQLite queue, as `scripts/serve` runs them."""
    folder = tmp_path_factory.mktemp("e2e")
    url = _database_url(folder)
    queue_url = f"sqlite:///{folder / 'queue.db'}"
    settings = type(
        "E2EConfig",
        (config.TestingConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "QUEUE_URL": queue_url,
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "JOBS_INLINE": False,
            "TESTING": False,
            "DEBUG": False,
            "LOGIN_RATE_LIMIT": "1000 per minute",
        },
    )
    app = create_app(settings)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            _empty_postgres(app)
        upgrade()
        seed_demo(password=DEMO_PASSWORD, case_count=60)
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "jobs", "worker", "--workers", "2"],
        cwd=ROOT,
        env={
            **os.environ,
            "REUNITE_ENV": "development",
            "DATABASE_URL": url,
            "QUEUE_URL": queue_url,
            "UPLOAD_FOLDER": str(folder / "uploads"),
        },
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    worker.terminate()
    worker.wait(timeout=30)
    with app.app_context():
        db.engine.dispose()
    if os.environ.get("PYTEST_XDIST_WORKER") and url.startswith("postgresql"):
        _on_server(url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def _database_url(folder: Path) -> str:
    """E2E_DATABASE_URL, a database of its own for each xdist worker (should several run
    browser tests), or a SQLite file."""
    url = os.environ.get("E2E_DATABASE_URL")
    if not url:
        return f"sqlite:///{folder / 'e2e.db'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not url.startswith("postgresql"):
        return url
    name = f"{make_url(url).database}_{worker}"
    _on_server(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def screenshot_on_failure(request, page):
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        out = Path("test-results")
        out.mkdir(exist_ok=True)
        page.screenshot(path=str(out / f"{request.node.name}.png"), full_page=True)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# The last time step whose code each account used here: the server refuses a step twice.
_USED_STEPS: dict[str, int] = {}


def fresh_code(email: str, secret: str = DEMO_TOTP_SECRET) -> str:
    """A code of ``secret`` the server has not seen used for ``email``: this step's, else the
    next one's (accepted for clock drift), else wait for a new step."""
    while True:
        now = current_step()
        for step in (now, now + 1):
            if step > _USED_STEPS.get(email, 0):
                _USED_STEPS[email] = step
                return code_at(secret, step)
        time.sleep(1)


def sign_in(page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form; the demo supervisor and admin give their code too."""
    page.goto(f"{base_url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if page.url.endswith("/login/code"):
        page.get_by_label("Code").fill(fresh_code(email))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: "/login" not in url)
