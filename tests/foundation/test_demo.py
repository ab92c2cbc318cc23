"""The demo seed: synthetic users of each role, cases, a partner register, matched."""

from sqlalchemy import func, select

from app.auth.models import User
from app.cases.models import Case
from app.demo.services import seed_demo
from app.extensions import db
from app.matching.models import MatchCandidate, MatchingRun, RunStatus
from app.records.models import PartnerRecord


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
