"""The demo seed: synthetic users of each role, cases, a partner register, matched."""

import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from app.auth.models import User
from app.cases.models import Case
from app.demo.services import seed_demo
from app.extensions import db
from app.matching.models import MatchCandidate, MatchingRun, RunStatus
from app.records.models import PartnerRecord

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
