"""Screening weighs the other side's claims beside the DNA (name, sex, age, region), shows its
progress, and never leaves a dead run "running"."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.database import utcnow
from app.extensions import db
from app.identification.models import IdentificationProposal, RunStatus, ScreeningRun
from app.identification.services import (
    DnaError,
    active_run,
    evidence_summary,
    import_lab_file,
    mark_interrupted_runs,
    run_proposals,
    run_screening,
    start_screening,
)
from app.jobs import get_progress, report_progress
from tests.conftest import csrf_token
from tests.identification.conftest import actors_of, long_form, make_scene


def _describe(scene, *, case_sex: str = "male", remains_sex: str = "male") -> None:
    """The case's facts and the other side's claims agreeing (unless told otherwise)."""
    case = scene.case
    case.sex, case.dob_year, case.region = case_sex, 1996, "Херсонська обл."
    found = scene.remains
    found.claimed_family_name, found.claimed_given_name = case.family_name, case.given_name
    found.sex, found.age_min, found.age_max = remains_sex, 25, 35
    found.recovered_on, found.recovery_region = date(2026, 5, 1), "Херсонська область"
    # The stranger claims to be the other family's missing person, name and all.
    stranger = scene.stranger
    stranger.claimed_family_name = scene.other_case.family_name
    stranger.claimed_given_name = scene.other_case.given_name
    db.session.flush()


def _screen(actors) -> ScreeningRun:
    run = start_screening(actors["dna_reviewer"])
    db.session.commit()
    run = run_screening(run.id)
    assert run.status == RunStatus.DONE.value, run.error
    return run


def _proposals(run: ScreeningRun) -> list[IdentificationProposal]:
    return [p for band in run_proposals(run).values() for p in band]


def test_screening_stores_the_other_evidence_beside_the_dna(app, actors):
    scene = make_scene(actors["supervisor"], actors["caseworker"])
    _describe(scene)
    run = _screen(actors)
    (proposed,) = run_proposals(run)["proposed"]
    assert proposed.case_id == scene.case.id and proposed.flag == ""
    codes = {note["factor"]: note["code"] for note in proposed.evidence}
    assert codes == {
        "name": "name_capped",
        "sex": "sex_same",
        "age": "age_inside",
        "region": "region_same",
    }
    assert proposed.combined_log10_lr > proposed.log10_lr + 3
    name = next(note for note in proposed.evidence if note["factor"] == "name")
    assert name["case"] == ""  # DNA reviewers do not read cases: never the case's name
    assert proposed.explanation  # the locus table as before
    assert "With the other evidence" in evidence_summary(proposed)


def test_a_claimed_name_alone_proposes_nobody(app, actors):
    scene = make_scene(actors["supervisor"], actors["caseworker"])
    _describe(scene)
    run = _screen(actors)
    pairs = {(p.remains_id, p.case_id) for p in _proposals(run)}
    assert (scene.stranger.id, scene.other_case.id) not in pairs
    assert run.proposals_count == len(pairs)


def test_a_sex_contradiction_turns_the_proposal_into_a_pair_to_review(app, actors):
    scene = make_scene(actors["supervisor"], actors["caseworker"])
    _describe(scene, case_sex="female")
    run = _screen(actors)
    banded = run_proposals(run)
    assert banded["proposed"] == []
    (flagged,) = [p for p in banded["possible"] if p.remains_id == scene.remains.id]
    assert flagged.flag == "contradicted" and flagged.log10_lr > 6  # the DNA as it was
    sex = next(note for note in flagged.evidence if note["factor"] == "sex")
    assert (sex["code"], sex["remains"], sex["case"]) == ("sex_different", "male", "female")
    assert "contradicts" in evidence_summary(flagged)  # the reason handed to the link says so


def test_the_laboratory_s_amelogenin_is_weighed_before_the_written_sex(app, actors):
    scene = make_scene(actors["supervisor"], actors["caseworker"], attach=False)
    _describe(scene)  # the case and the paper both say male
    data = long_form(scene.profiles) + b"RM-1;AMEL;X;\n"
    result = import_lab_file(data, "lab.csv", actors["dna_reviewer"])
    assert not [p for p in result.problems if p.sample == "RM-1"]
    run = _screen(actors)
    (flagged,) = [p for p in _proposals(run) if p.remains_id == scene.remains.id]
    assert (flagged.band, flagged.flag) == ("possible", "contradicted")
    sex = next(note for note in flagged.evidence if note["factor"] == "sex")
    assert (sex["code"], sex["remains"], sex["source"]) == ("sex_different", "female", "amelogenin")


def test_a_screening_reports_its_progress(app, actors):
    make_scene(actors["supervisor"], actors["caseworker"])
    run = _screen(actors)
    state = get_progress(run.job_key)
    assert state is not None and state.finished
    assert (state.done, state.total, state.items) == (2, 2, 2)  # both remains screened


def _dead_runner() -> str:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return f"{socket.gethostname()}:{child.pid}"


def test_a_run_whose_worker_died_is_failed_and_a_new_one_can_start(app, actors):
    make_scene(actors["supervisor"], actors["caseworker"])
    dead = ScreeningRun(status=RunStatus.RUNNING.value, runner=_dead_runner(), started_at=utcnow())
    db.session.add(dead)
    db.session.commit()
    assert active_run() is None
    assert (dead.status, dead.error) == (RunStatus.FAILED.value, "interrupted")
    assert dead.finished_at is not None
    assert _screen(actors).status == RunStatus.DONE.value


def test_a_queued_run_waits_an_hour_for_a_worker(app, actors):
    make_scene(actors["supervisor"], actors["caseworker"])
    waiting = start_screening(actors["dna_reviewer"])
    db.session.commit()
    with pytest.raises(DnaError):
        start_screening(actors["dna_reviewer"])  # one at a time
    assert mark_interrupted_runs() == 0
    waiting.created_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    assert mark_interrupted_runs() == 1 and waiting.status == RunStatus.FAILED.value
    assert start_screening(actors["dna_reviewer"]).id != waiting.id
    db.session.commit()
    late = run_screening(waiting.id)  # a worker takes it up after all: it stays failed
    assert (late.status, late.error, late.proposals_count) == ("failed", "interrupted", 0)


# --- pages ------------------------------------------------------------------------------------


@pytest.fixture
def screened(app, users):
    """A finished screening of the described scene, and a run still waiting for a worker."""
    with app.app_context():
        actors = actors_of(users)
        scene = make_scene(actors["supervisor"], actors["caseworker"])
        _describe(scene)
        run = _screen(actors)
        (proposal,) = run_proposals(run)["proposed"]
        waiting = ScreeningRun(status=RunStatus.QUEUED.value)
        db.session.add(waiting)
        db.session.commit()
        return {"run": run.id, "proposal": proposal.id, "waiting": waiting.id}


def test_the_reviewer_sees_the_other_evidence(login, users, screened):
    reviewer = login(users["dna_reviewer"])
    page = reviewer.get(f"/dna/proposals/{screened['proposal']}").get_data(as_text=True)
    assert 'data-testid="proposal-evidence"' in page and 'data-testid="proposal-loci"' in page
    assert 'data-code="sex_same"' in page and 'data-code="region_same"' in page
    assert "Синтетичний Тарас" in page  # the claimed name, as the other side wrote it
    listing = reviewer.get("/dna/proposals").get_data(as_text=True)
    assert f'data-proposal="{screened["proposal"]}"' in listing


@pytest.mark.parametrize("role", ["caseworker", "supervisor", "admin"])
def test_case_staff_see_neither_evidence_nor_progress(login, users, screened, role):
    client = login(users[role])
    assert client.get(f"/dna/proposals/{screened['proposal']}").status_code == 403
    assert client.get(f"/dna/screening/{screened['run']}/progress").status_code == 403


def test_progress_of_a_finished_and_of_a_waiting_run(app, login, users, screened):
    reviewer = login(users["dna_reviewer"])
    done = reviewer.get(f"/dna/screening/{screened['run']}/progress").get_json()
    assert done["finished"] and done["status"] == "done" and done["total"] == 2
    waiting = reviewer.get(f"/dna/screening/{screened['waiting']}/progress").get_json()
    assert not waiting["finished"] and waiting["message"] == "Waiting for a worker."
    page = reviewer.get("/dna/screening").get_data(as_text=True)
    assert f"/dna/screening/{screened['waiting']}/progress" in page
    refused = reviewer.post(
        "/dna/screening", data={"csrf_token": csrf_token(reviewer, "/dna/screening")}
    )
    assert "already under way" in refused.get_data(as_text=True)
    assert reviewer.get("/dna/screening/999999/progress").status_code == 404


def test_progress_while_running_and_after_the_worker_died(app, login, users, screened):
    reviewer = login(users["dna_reviewer"])
    with app.app_context():
        run = db.session.get(ScreeningRun, screened["waiting"])
        run.status, run.runner, run.started_at = "running", _dead_runner(), utcnow()
        db.session.commit()
        report_progress(run.job_key, 3, 10, "screening", items=3)
    state = reviewer.get(f"/dna/screening/{screened['waiting']}/progress").get_json()
    assert state["finished"] and state["status"] == "failed"  # its process is gone
    page = reviewer.get("/dna/screening").get_data(as_text=True)
    assert "interrupted" in page
    with app.app_context():
        assert (
            db.session.scalar(
                select(ScreeningRun.error).where(ScreeningRun.id == screened["waiting"])
            )
            == "interrupted"
        )


def test_progress_of_a_live_run_says_how_far_it_got(app, login, users, screened):
    reviewer = login(users["dna_reviewer"])
    with app.app_context():
        run = db.session.get(ScreeningRun, screened["waiting"])
        # Another host's runner cannot be seen, so it is trusted (for a day).
        run.status, run.runner, run.started_at = "running", "elsewhere:1", utcnow()
        db.session.commit()
        report_progress(run.job_key, 3, 10, "screening", items=3)
    state = reviewer.get(f"/dna/screening/{screened['waiting']}/progress").get_json()
    assert (state["done"], state["total"], state["finished"]) == (3, 10, False)
    assert state["message"] == "3 remains screened"
