"""The demo seed: synthetic users of each role, cases, partner registers, matched, and enough
of everything that each queue, band and status of the product has something to show."""

import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

import app.models  # noqa: F401 - every table registered on the metadata
from app.auth.models import User
from app.auth.second_factor import code_at, current_step
from app.cases import queues
from app.cases.models import (
    Case,
    CaseStatus,
    CaseType,
    ContactLog,
    Relative,
    SourceList,
    count_cases_by_progress,
)
from app.demo.services import DEMO_TOTP_SECRET, seed_demo
from app.extensions import Model, db
from app.imports.models import BatchStatus, ImportBatch, ImportProblem
from app.matching.models import CandidateStatus, MatchCandidate, MatchingRun, RunStatus
from app.matching.review import approval_queue
from app.matching.scoring import LIKELY, POSSIBLE
from app.names.places import oblast_key, place_key, place_region
from app.records.models import PartnerRecord
from tests.conftest import csrf_token

ROOT = Path(__file__).resolve().parents[2]


def test_seed_fills_an_empty_database_once(app):
    with app.app_context():
        summary = seed_demo(password="demo-password-2026", case_count=40)
        assert summary.created and summary.cases == 40
        assert {role for _email, role in summary.logins} == {
            "admin",
            "supervisor",
            "caseworker",
            "dna_reviewer",
        }
        assert db.session.scalar(select(func.count(User.id))) == 5
        assert db.session.scalar(select(func.count(Case.id))) == 40
        records = db.session.scalar(select(func.count(PartnerRecord.id)))
        assert records >= 120  # strangers, plus children seen again and siblings
        (run,) = db.session.scalars(select(MatchingRun)).all()
        assert run.status == RunStatus.DONE and run.full and run.records_checked == records
        likely = db.session.scalar(
            select(func.count(MatchCandidate.id)).where(MatchCandidate.likely.is_(True))
        )
        assert likely >= 1
        before = _row_counts()
        again = seed_demo(password="demo-password-2026", case_count=40)
        assert not again.created
        assert _row_counts() == before  # no table gained or lost a row


def _row_counts() -> dict[str, int]:
    return {
        name: db.session.scalar(select(func.count()).select_from(table)) or 0
        for name, table in Model.metadata.tables.items()
    }


def _candidates() -> list[MatchCandidate]:
    return list(db.session.scalars(select(MatchCandidate)))


def test_demo_candidates_cover_every_band_status_and_kind(app):
    """Made by the matching engine over imported registers, decided through the review
    services: both bands with a spread of scores, several candidates for some cases, capped
    siblings and namesakes, duplicate reports, and every review status with its reviewers."""
    with app.app_context():
        seed_demo(password="demo-password-2026", case_count=60)
        candidates = _candidates()
        bands = Counter(c.band for c in candidates if c.status == CandidateStatus.PROPOSED)
        assert bands["likely"] >= 3 and bands["possible"] >= 3, bands
        assert all(c.likely == (c.score >= LIKELY) and c.score >= POSSIBLE for c in candidates)
        assert len({round(c.score, 2) for c in candidates}) >= 5  # not all 100 %
        per_case = Counter(c.case_id for c in candidates if c.record_id is not None)
        assert max(per_case.values()) >= 2
        assert sum(1 for n in per_case.values() if n >= 2) >= 3
        capped = Counter(c.explanation.get("capped", "") for c in candidates)
        assert capped["siblings"] >= 1 and capped["namesakes"] >= 1, capped
        levels = {f["level"] for c in candidates for f in c.explanation["fields"]}
        assert "swapped" in levels  # day and month swapped in a register
        assert any(c.other_case_id is not None for c in candidates)  # duplicate reports
        statuses = Counter(c.status for c in candidates)
        assert set(statuses) == {s.value for s in CandidateStatus}, statuses
        for c in candidates:
            if c.status != CandidateStatus.PROPOSED:
                assert c.reviewed_by_id is not None and c.review_reason
            if c.status == CandidateStatus.CONFIRMED:
                assert c.decided_by_id is not None
        assert db.session.scalar(select(func.count()).select_from(approval_queue().subquery()))
        merged = db.session.scalar(
            select(func.count(Case.id)).where(Case.duplicate_of_id.is_not(None))
        )
        assert merged >= 1  # a confirmed duplicate report


def _age_range(case: Case, today: date) -> tuple[int, int]:
    """The youngest and oldest the person can be today, from what is known of the birth."""
    assert case.dob_year is not None
    oldest = today.year - case.dob_year
    if (
        case.dob_month
        and case.dob_day
        and (case.dob_month, case.dob_day) <= (today.month, today.day)
    ):
        return oldest, oldest
    return oldest - 1, oldest


def test_demo_queues_and_cases_are_plausible(app):
    """Every queue of the supervisor and the caseworker has something in it; ages fit the
    case type and the list; places lie in their region; relatives' phones are fictional."""
    with app.app_context():
        seed_demo(password="demo-password-2026", case_count=60)
        days = app.config["STALE_CASE_DAYS"]
        assert queues.count(queues.stale_cases(days)) >= 3
        assert queues.count(queues.unassigned_cases()) >= 3
        assert 1 <= queues.count(queues.pending_transitions()) < 10  # on the first page
        today = date.today()
        overdue = db.session.scalar(
            select(func.count(ContactLog.id))
            .join(Case, Case.id == ContactLog.case_id)
            .where(
                ContactLog.next_step_done.is_(False),
                ContactLog.next_step_due < today,
                Case.is_open,
            )
        )
        upcoming = db.session.scalar(
            select(func.count(ContactLog.id)).where(ContactLog.next_step_due >= today)
        )
        assert overdue and upcoming
        assert any(n_overdue for _user, _open, n_overdue in queues.caseworker_load())

        cases = db.session.scalars(select(Case).join(SourceList)).all()
        assert {c.status for c in cases} == {s.value for s in CaseStatus}
        for case in cases:
            youngest, oldest = _age_range(case, today)
            if case.case_type == CaseType.CHILD:
                assert oldest <= 17, (case.id, case.dob_year)
            else:
                assert youngest >= 18, (case.id, case.case_type, case.dob_year)
            if "children" in case.source_list.name:
                assert case.case_type == CaseType.CHILD
            if "Prisoner" in case.source_list.name:
                assert case.case_type == CaseType.PRISONER_OF_WAR
            key = place_key(case.last_known_place)
            assert key is not None, case.last_known_place
            assert place_region(key) == oblast_key(case.region), (
                case.last_known_place,
                case.region,
            )
        for source_list in db.session.scalars(select(SourceList)):
            progress = count_cases_by_progress(source_list.id)
            assert sum(1 for n in progress.values() if n) >= 3, (source_list.name, progress)
        phones = db.session.scalars(select(Relative.phone).where(Relative.phone != "")).all()
        assert phones and all(p.startswith("+380 00 555 ") for p in phones)

        batches = db.session.scalars(select(ImportBatch).order_by(ImportBatch.id)).all()
        assert batches and all(b.status == BatchStatus.DONE for b in batches)
        assert any(b.rejected and b.warnings for b in batches)
        assert db.session.scalar(select(func.count(ImportProblem.id))) >= 3


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
        assert enrolled == {"admin", "supervisor", "dna_reviewer"}
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
