"""The demo seed: synthetic users of each role, cases, a partner register, matched."""

import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from app.auth.models import User
from app.auth.second_factor import code_at, current_step
from app.cases.models import Case
from app.demo.services import DEMO_TOTP_SECRET, seed_demo
from app.extensions import db
from app.matching.models import MatchCandidate, MatchingRun, RunStatus
from app.records.models import PartnerRecord
from tests.conftest import csrf_token

ROOT = Path(__file__).resolve().parents[2]


def test_seed_fills_an_empty_database_once(app):
    with app.app_context():
        summary = seed_demo(password="demo-password-2026", case_count=40)
        assert summary.created and summary.cases == 40
        assert {role for _email, role in summary.logins} == {"admin", "supervisor", "caseworker"}
        assert db.session.scalar(select(func.count(User.id))) == 4
        assert db.session.scalar(select(func.count(Case.id))) == 40
        records = db.session.scalar(select(func.count(PartnerRecord.id)))
        assert records >= 120  # strangers, plus children seen again and siblings
        (run,) = db.session.scalars(select(MatchingRun)).all()
        assert run.status == RunStatus.DONE and run.full and run.records_checked == records
        likely = db.session.scalar(
            select(func.count(MatchCandidate.id)).where(MatchCandidate.likely.is_(True))
        )
        assert likely >= 1
        again = seed_demo(password="demo-password-2026", case_count=40)
        assert not again.created
        assert db.session.scalar(select(func.count(Case.id))) == 40


def test_the_app_runs_without_the_demo_extra():
    """Faker is the optional "demo" extra: without it the app starts, and the demo command
    says what to install instead of failing with a traceback."""
    script = (
        "import sys; sys.modules['faker'] = None\n"  # what a missing package looks like
        "import config\n"
        "from app import create_app\n"
        "app = create_app(config.TestingConfig)\n"
        "result = app.test_cli_runner().invoke(args=['demo', 'seed'])\n"
        "print(result.exit_code, result.output)\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("1 ")
    assert "pip install -e '.[demo]'" in result.stdout


def test_demo_staff_sign_in_with_the_published_demo_key(app, runner):
    """Supervisors and admins need a second factor; the demo gives theirs a known key, printed
    by `flask demo seed` and in the README, and `flask demo code` prints the current code."""
    with app.app_context():
        summary = seed_demo(password="demo-password-2026", case_count=5)
        assert summary.second_factor_secret == DEMO_TOTP_SECRET
        staff = db.session.scalars(select(User).order_by(User.email)).all()
        enrolled = {user.role for user in staff if user.totp_secret == DEMO_TOTP_SECRET}
        assert enrolled == {"admin", "supervisor"}
        assert all(user.totp_secret is None for user in staff if user.role == "caseworker")
    result = runner.invoke(args=["demo", "code"])
    assert result.exit_code == 0
    assert result.output.strip() in {
        code_at(DEMO_TOTP_SECRET, current_step() + offset) for offset in (-1, 0)
    }
    client = app.test_client()
    token = csrf_token(client, "/login")
    client.post(
        "/login",
        data={
            "email": "supervisor@demo.reunite.test",
            "password": "demo-password-2026",
            "csrf_token": token,
        },
    )
    token = csrf_token(client, "/login/code")
    code = code_at(DEMO_TOTP_SECRET, current_step())
    response = client.post("/login/code", data={"code": code, "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/queues").status_code == 200
