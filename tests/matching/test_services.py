"""Matching runs against the database: full and incremental, decisions kept, export, CLI."""

from __future__ import annotations

import csv
import io
import math
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from app.matching import services
from app.matching.models import CandidateStatus, MatchCandidate, MatchingRun, RunStatus
from app.matching.review import MatchError, reject
from app.matching.services import (
    EXPORT_COLUMNS,
    add_given_name,
    export_candidates,
    run_matching,
)
from app.names import given as normalize
from app.records.models import PartnerRecord
from tests import factories
from tests.matching.conftest import make_candidate, make_record, make_source


@pytest.fixture
def ctx(app, users, monkeypatch):
    # Runs follow each other within milliseconds here; production keeps a few seconds' slack.
    monkeypatch.setattr(services, "SLACK", timedelta(0))
    with app.app_context():
        yield {role: db.session.get(User, user_id) for role, user_id in users.items()}


def _run(full: bool = False) -> MatchingRun:
    run = MatchingRun(full=full, trigger="test")
    db.session.add(run)
    db.session.commit()
    return run_matching(run.id)


def _candidates(**where) -> list[MatchCandidate]:
    query = select(MatchCandidate).order_by(MatchCandidate.score.desc())
    for name, value in where.items():
        query = query.where(getattr(MatchCandidate, name) == value)
    return list(db.session.scalars(query))


@pytest.fixture
def lysenko(ctx):
    """The issue's example: a case, its record in Russian spelling, a sister, a stranger."""
    case = factories.make_case(
        ctx["supervisor"],
        external_id="C-17",
        family_name="Лисенко",
        given_name="Олександр",
        patronymic="Сергійович",
        sex="male",
        dob_year=2014,
        dob_month=3,
        dob_day=12,
        last_known_place="Олешки",
        region="Херсонська область",
    )
    true = make_record(
        external_id="R-1",
        family_name="ЛЫСЕНКО",
        given_name="Александр",
        patronymic="Сергеевич",
        dob_year=2014,
        dob_month=3,
        dob_day=12,
        place_of_origin="Алешки Херсонская обл.",
        current_location="Ростов-на-Дону",
        institution="Дитячий будинок №4",
    )
    sister = make_record(
        external_id="R-2",
        family_name="Лысенко",
        given_name="Мария",
        patronymic="Сергеевна",
        sex="female",
        dob_year=2016,
        dob_month=7,
        dob_day=2,
        place_of_origin="Алешки",
    )
    stranger = make_record(
        external_id="R-3",
        family_name="Мельник",
        given_name="Ірина",
        dob_year=2009,
        place_of_origin="Київ",
    )
    db.session.commit()
    return {"case": case, "true": true, "sister": sister, "stranger": stranger}


def test_full_run_ranks_the_true_record_first_and_likely(lysenko):
    run = _run(full=True)
    assert run.status == RunStatus.DONE
    assert run.full and run.records_checked == 3
    found = _candidates(case_id=lysenko["case"].id)
    by_record = {c.record_id: c for c in found}
    best = by_record[lysenko["true"].id]
    assert best.rank == 1 and best.likely and best.status == CandidateStatus.PROPOSED
    assert lysenko["stranger"].id not in by_record
    sister = by_record.get(lysenko["sister"].id)
    assert sister is None or (not sister.likely and sister.score < best.score)
    fields = {f["field"]: f for f in best.explanation["fields"]}
    note = fields["family_name"]["note"]
    assert "Лисенко" in (note["left"], note["right"], fields["family_name"]["a"])
    assert fields["date_of_birth"]["level"] == "exact"
    assert f"run {run.id} (full)" in run.summary()


def test_first_run_is_full_and_a_second_scores_only_what_changed(lysenko):
    first = _run()
    assert first.full, "without frequencies from a full run, a run becomes full"
    second = _run()
    assert not second.full
    assert second.records_checked == 0 and second.cases_checked == 0
    assert second.created == 0 and second.removed == 0
    new = make_record(
        external_id="R-4", family_name="Лисенко", given_name="Олександр", dob_year=2014,
        place_of_origin="Олешки",
    )  # fmt: skip
    db.session.commit()
    third = _run()
    assert third.records_checked == 1 and third.created >= 1
    ranks = {c.record_id: c.rank for c in _candidates(case_id=lysenko["case"].id)}
    assert ranks[lysenko["true"].id] == 1
    assert new.id in ranks and ranks[new.id] > 1


def test_a_changed_record_that_no_longer_matches_loses_its_proposal(lysenko):
    _run(full=True)
    lysenko["true"].family_name = "Шевчишин"
    lysenko["true"].given_name = "Ярема"
    lysenko["true"].dob_year = 2001
    db.session.commit()
    run = _run()
    assert run.records_checked == 1 and run.removed >= 1
    assert not _candidates(record_id=lysenko["true"].id)


def test_a_rejected_pair_is_never_proposed_again(lysenko, ctx):
    _run(full=True)
    (candidate,) = _candidates(record_id=lysenko["true"].id)
    with pytest.raises(MatchError):
        reject(candidate, ctx["supervisor"], "  ")
    reject(candidate, ctx["supervisor"], "Different mother on the birth certificate")
    db.session.commit()
    lysenko["true"].place_of_origin = "Олешки"  # re-imported, corrected
    db.session.commit()
    _run()
    _run(full=True)
    (kept,) = _candidates(record_id=lysenko["true"].id)
    assert kept.id == candidate.id and kept.status == CandidateStatus.REJECTED
    assert kept.rank == 0


def test_two_cases_of_the_same_child_are_flagged_as_duplicates(lysenko, ctx):
    _run(full=True)
    twin_report = factories.make_case(
        ctx["supervisor"],
        family_name="Лысенко",
        given_name="Саша",
        dob_year=2014,
        dob_month=3,
        dob_day=12,
        last_known_place="Алешки",
    )
    db.session.commit()
    run = _run()
    assert run.cases_checked == 1
    (pair,) = _candidates(other_case_id=twin_report.id)
    assert pair.case_id == lysenko["case"].id and pair.record_id is None


def test_a_failed_run_stores_nothing(lysenko, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("Лисенко must not reach the log or the run")

    monkeypatch.setattr(services, "link", broken)
    run = _run(full=True)
    assert run.status == RunStatus.FAILED and run.error == "RuntimeError"
    assert "Лисенко" not in run.error
    assert "RuntimeError" in caplog.text and "Лисенко" not in caplog.text
    assert db.session.scalar(select(func.count(MatchCandidate.id))) == 0


def test_export_has_the_issue_columns_in_order(lysenko, ctx):
    _run(full=True)
    (candidate,) = _candidates(record_id=lysenko["true"].id)
    out = io.StringIO()
    count = export_candidates(out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert count == len(rows) - 1 >= 1
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["case_external_id"] == "C-17"
    assert first["record_source"] == "Evacuation register (test)"
    assert first["record_external_id"] == "R-1"
    assert 0.9 <= float(first["score"]) <= 1
    assert first["rank"] == "1" and first["likely"] == "1" and first["status"] == "proposed"
    reject(candidate, ctx["supervisor"], "not him")
    db.session.commit()
    out = io.StringIO()
    export_candidates(out)
    assert "R-1" in out.getvalue() and ",rejected" in out.getvalue()


def test_export_neutralises_formulas(lysenko):
    lysenko["true"].external_id = "=HYPERLINK(1)"
    db.session.commit()
    _run(full=True)
    out = io.StringIO()
    export_candidates(out)
    assert "'=HYPERLINK(1)" in out.getvalue()


def test_cli_run_and_export(app, runner, lysenko, tmp_path):
    result = runner.invoke(args=["matches", "run", "--all"])
    assert result.exit_code == 0, result.output
    assert "Matching run" in result.output and "full" in result.output
    target = tmp_path / "candidates.csv"
    result = runner.invoke(args=["matches", "export", str(target)])
    assert result.exit_code == 0, result.output
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(EXPORT_COLUMNS)
    assert any(line.startswith("C-17,") for line in lines[1:])


def test_importing_records_matches_them_afterwards(app, runner, lysenko, tmp_path):
    path = tmp_path / "tracing.csv"
    path.write_text(
        "ID;Фамилия;Имя;Отчество;Дата рождения;Откуда прибыл\n"
        "T-9;ЛЫСЕНКО;Александр;Сергеевич;12.03.2014;Алешки\n",
        encoding="cp1251",
    )
    result = runner.invoke(args=["records", "import", str(path), "--source", "Tracing list"])
    assert result.exit_code == 0, result.output
    assert "Matching run" in result.output
    imported = db.session.scalar(select(PartnerRecord).where(PartnerRecord.external_id == "T-9"))
    (candidate,) = _candidates(record_id=imported.id)
    assert candidate.case_id == lysenko["case"].id and candidate.likely


@pytest.fixture
def given_name_table():
    yield
    normalize._EXTRA_GIVEN_NAMES.clear()
    normalize.extend_given_names([])


def test_admins_extend_the_given_name_table(ctx, given_name_table):
    assert not normalize.given_name_keys("Ярчик") & normalize.given_name_keys("Ярема")
    add_given_name("yarema", "m", ["Ярема", "Yarema", "Jarema"], ["Ярчик"], ctx["admin"])
    assert normalize.given_name_keys("Jarema") == normalize.given_name_keys("Ярема")
    assert normalize.given_name_keys("Ярчик") & normalize.given_name_keys("Yarema")
    with pytest.raises(MatchError):
        add_given_name("yarema", "m", ["Ярема"], [], ctx["admin"])
    with pytest.raises(MatchError):
        add_given_name("x", "q", ["x"], [], ctx["admin"])


def test_an_admin_spelling_joins_the_shipped_row(ctx, given_name_table):
    before = normalize.given_name_keys("Олександр")
    add_given_name("Олександр", "m", ["Aljaksandr"], [], ctx["admin"])
    assert normalize.given_name_keys("Aljaksandr") == before


def test_a_duplicate_pair_explains_the_older_case_first(lysenko, ctx):
    _run(full=True)
    newer = factories.make_case(
        ctx["supervisor"], family_name="Лысенко", given_name="Саша", dob_year=2014,
        dob_month=3, dob_day=12, last_known_place="Алешки",
    )  # fmt: skip
    db.session.commit()
    _run()
    (pair,) = _candidates(other_case_id=newer.id)
    fields = {f["field"]: f for f in pair.explanation["fields"]}
    assert fields["given_name"]["a"] == "Олександр" and fields["given_name"]["b"] == "Саша"
    note = fields["given_name"]["note"]  # its note follows the values (the record's side first)
    assert (note["left"], note["right"]) == ("Саша", "Олександр")


def test_a_run_whose_process_died_is_marked_interrupted(ctx):
    from app.matching.services import mark_interrupted_runs

    dead = MatchingRun(full=True, trigger="test", runner="no-such-host-or-pid:1")
    dead.started_at = services.utcnow() - timedelta(days=2)
    gone_here = MatchingRun(full=True, trigger="test", runner=services.runner_id())
    fresh = MatchingRun(full=True, trigger="test")  # not picked up yet: give it time
    db.session.add_all([dead, gone_here, fresh])
    db.session.flush()
    assert mark_interrupted_runs() == 2
    assert dead.status == gone_here.status == RunStatus.FAILED
    assert dead.error == "interrupted" and fresh.status == RunStatus.RUNNING


def test_runs_take_turns(app, monkeypatch):
    """The lock is in the queue's store, which every process and thread shares."""
    import threading
    import time

    inside, most = [0], [0]

    def slow_run(run_id, progress):
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        time.sleep(0.05)
        inside[0] -= 1
        return run_id

    def run(n):
        with app.app_context():
            services.run_matching(n)

    monkeypatch.setattr(services, "_run_matching", slow_run)
    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1


def test_a_lock_left_by_a_dead_process_is_taken_over(app):
    from app.jobs import exclusive, queue_of, runner_id

    with app.app_context():
        store = queue_of(app).huey
        host = runner_id().rpartition(":")[0]
        store.put("lock:matching-run", f"{host}:999999999:1")  # a killed worker's lock
        with exclusive("matching-run", poll=0.01):
            assert store.get("lock:matching-run", peek=True).startswith(runner_id())
        assert store.get("lock:matching-run", peek=True) is None


def _new_case_form(client, list_id: int) -> dict:
    from tests.conftest import csrf_token

    return {
        "csrf_token": csrf_token(client, "/cases/new"),
        "source_list": list_id,
        "external_id": "H-1",
        "case_type": "child",
        "priority": "normal",
        "family_name": "Лисенко",
        "given_name": "Олександр",
        "sex": "male",
        "date_of_birth": "12.03.2014",
        "last_known_place": "Олешки",
    }


def test_a_case_created_in_the_browser_is_matched_at_once(app, caseworker, monkeypatch):
    monkeypatch.setattr(services, "SLACK", timedelta(0))
    with app.app_context():
        list_id = factories.make_source_list("Hotline").id
        make_record(external_id="R-9", family_name="ЛЫСЕНКО", given_name="Александр", dob_year=2014,
                dob_month=3, dob_day=12, place_of_origin="Алешки")  # fmt: skip
        db.session.commit()
    response = caseworker.post("/cases/new", data=_new_case_form(caseworker, list_id))
    assert response.status_code == 302
    with app.app_context():
        (run,) = db.session.scalars(select(MatchingRun)).all()
        assert run.trigger == "case" and run.status == RunStatus.DONE
        (candidate,) = _candidates()
        assert candidate.case.external_id == "H-1" and candidate.likely
    page = caseworker.get(response.headers["Location"]).get_data(as_text=True)
    assert "ЛЫСЕНКО" in page


def test_new_cases_wait_for_one_queued_run(app, caseworker, monkeypatch):
    """While a run asked for by a new case waits for a worker, the next case asks for none."""
    with app.app_context():
        list_id = factories.make_source_list("Hotline").id
        waiting = MatchingRun(full=False, trigger="case")  # queued: no worker has it yet
        db.session.add(waiting)
        db.session.commit()
    caseworker.post("/cases/new", data=_new_case_form(caseworker, list_id))
    with app.app_context():
        assert db.session.scalar(select(func.count(MatchingRun.id))) == 1


def test_matching_after_a_new_case_can_be_switched_off(app, caseworker, monkeypatch):
    monkeypatch.setitem(app.config, "MATCH_AFTER_CASE", False)
    with app.app_context():
        list_id = factories.make_source_list("Hotline").id
        db.session.commit()
    caseworker.post("/cases/new", data=_new_case_form(caseworker, list_id))
    with app.app_context():
        assert db.session.scalar(select(func.count(MatchingRun.id))) == 0


@pytest.mark.parametrize("action", ["confirm", "reject"])
def test_two_people_deciding_one_match_do_not_overwrite_each_other(lysenko, ctx, action):
    from sqlalchemy import update

    from app.matching import review

    _run(full=True)
    (candidate,) = _candidates(record_id=lysenko["true"].id)
    # Someone else rejects it after this user loaded the page (this session has not seen it).
    db.session.execute(
        update(MatchCandidate)
        .where(MatchCandidate.id == candidate.id)
        .values(status=CandidateStatus.REJECTED.value)
        .execution_options(synchronize_session=False)
    )
    assert candidate.status == CandidateStatus.PROPOSED  # the stale view
    with pytest.raises(MatchError, match="in the meantime"):
        if action == "confirm":
            review.confirm(candidate, ctx["supervisor"], "same birth certificate")
        else:
            review.reject(candidate, ctx["supervisor"], "other mother")


# Issue 12, item 3: a day of casework (contacts, notes, assignments, a status moving along the
# workflow) made every touched case "changed", so the next run re-linked it against every record.
def test_casework_that_changes_nothing_the_matcher_reads_leaves_a_case_unchanged(lysenko, ctx):
    from app.cases.services import add_note, assign_cases, change_status, log_contact

    _run(full=True)
    case, supervisor = lysenko["case"], ctx["supervisor"]
    log_contact(case, supervisor, contacted_on=case.created_at.date(), channel="phone",
                outcome="Called the mother.")  # fmt: skip
    add_note(case, supervisor, "The aunt may know more.")
    assign_cases([case.id], ctx["caseworker"], supervisor)
    change_status(case, supervisor, "under_investigation", "Started")
    case.nationality = "Україна"  # the matcher does not read it
    db.session.commit()
    run = _run()
    assert not run.full and run.cases_checked == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("given_name", "Сашко"),
        ("dob_day", 13),
        ("last_known_place", "Херсон"),
        ("sex", "female"),
        ("document_number", "КА 123456"),
        ("postcode", "61000"),
    ],
)
def test_a_change_the_matcher_reads_makes_a_case_changed(lysenko, field, value):
    _run(full=True)
    setattr(lysenko["case"], field, value)
    db.session.commit()
    assert _run().cases_checked == 1


def test_a_new_alias_makes_its_case_changed(lysenko, ctx):
    from app.cases.services import add_alias

    _run(full=True)
    add_alias(lysenko["case"], ctx["supervisor"], "adoption", "Петренко", "Олександр")
    db.session.commit()
    assert _run().cases_checked == 1


def test_a_status_change_counts_only_into_or_out_of_the_searched_statuses(lysenko, ctx):
    from app.cases.models import identity_changed

    _run(full=True)
    case = lysenko["case"]
    case.status = "under_investigation"
    assert not identity_changed(case)  # one searched status to another
    case.status = "closed"
    assert identity_changed(case)
    db.session.rollback()


@pytest.mark.parametrize(
    ("values", "changed"),
    [({"current_location": "Ростов-на-Дону", "priority": "high"}, 0),
     ({"given_name": "Сашко"}, 1)],
)  # fmt: skip
def test_a_list_import_makes_a_case_changed_only_by_what_the_matcher_reads(
    lysenko, ctx, values, changed
):
    from app.cases.services import CaseRow, open_cases

    _run(full=True)
    case = lysenko["case"]
    open_cases(
        case.source_list, ctx["supervisor"], [CaseRow(2, "C-17", values)], batch_id=1, seen={}
    )
    db.session.commit()
    db.session.refresh(case)
    assert case.version == 2, "the import did write the row"
    assert _run().cases_checked == changed


def test_a_run_keeps_the_prior_it_scored_with_and_incremental_runs_reuse_its_rate(
    lysenko, monkeypatch
):
    from app.matching.models import MatchingState
    from app.matching.scoring import PRIOR_BITS

    full = _run(full=True)
    # Three records: the data alone would give very high odds; the ceiling holds.
    assert full.calibration["bits"] == PRIOR_BITS and full.calibration["capped"]
    assert full.calibration["pairs"] == 1 * 3
    best = _candidates(case_id=lysenko["case"].id)[0]
    assert best.explanation["prior_bits"] == PRIOR_BITS
    state = db.session.get(MatchingState, 1)
    assert state.true_pairs_per_case == pytest.approx(full.calibration["expected_true"])
    # As if a million records had been counted: the next run's prior is the rate over them.
    state.true_pairs_per_case = 1.5
    frequencies = dict(state.frequencies, total=1_000_000)
    state.frequencies = frequencies
    db.session.commit()
    make_record(external_id="R-9", family_name="Лисенко", given_name="Олександр", dob_year=2014)
    db.session.commit()
    incremental = _run()
    assert not incremental.full
    expected = math.log2(1.5 / (1_000_001 - 1.5))
    assert incremental.calibration["bits"] == pytest.approx(expected, abs=1e-3)
    new = _candidates(case_id=lysenko["case"].id)
    rescored = [c for c in new if c.explanation.get("prior_bits") != PRIOR_BITS]
    assert rescored and all(
        c.explanation["prior_bits"] == pytest.approx(expected, abs=0.01) for c in rescored
    )


def test_a_full_run_learns_each_source_and_its_page_shows_what(lysenko, supervisor):
    from app.matching.models import MatchingState
    from app.matching.scoring import DEFAULT_PARAMETERS

    other = make_source("Tracing list (test)")
    make_record(source=other, external_id="T-1", family_name="Lysenko", given_name="Oleksandr",
                dob_year=2014)  # fmt: skip
    db.session.commit()
    full = _run(full=True)
    rows = {row["source"]: row for row in full.calibration["sources"]}
    assert set(rows) == {"Evacuation register (test)", "Tracing list (test)"}
    register = rows["Evacuation register (test)"]
    assert register["pairs"] >= 1 and register["learnt_here"]
    # A handful of records: what was learnt is near the defaults, and the caps stay.
    assert register["sibling_cap"] and register["namesake_cap"]
    state = db.session.get(MatchingState, 1)
    kept = state.parameters[str(lysenko["true"].source_id)]
    assert kept["parameters"]["given_name"]["same"] == pytest.approx(
        DEFAULT_PARAMETERS.given["same"], abs=0.05
    )
    page = supervisor.get(f"/matches/runs/{full.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="run-sources"' in html and "Tracing list (test)" in html


def test_an_incremental_run_scores_with_what_the_last_full_run_learnt(lysenko, monkeypatch):
    from app.matching.models import MatchingState
    from app.matching.scoring import Parameters

    _run(full=True)
    state = db.session.get(MatchingState, 1)
    source_id = str(lysenko["true"].source_id)
    # As if the register had shown no families: its caps lifted.
    learnt = dict(state.parameters)
    learnt[source_id] = {
        **learnt[source_id],
        "parameters": {**learnt[source_id]["parameters"], "sibling_cap": False},
    }
    state.parameters = learnt
    db.session.commit()
    seen: list[dict] = []
    real_link = services.link

    def spy(*args, **kwargs):
        seen.append(kwargs.get("by_source") or {})
        return real_link(*args, **kwargs)

    monkeypatch.setattr(services, "link", spy)
    # The sister's record again, with the case's given name garbled beyond recognition.
    make_record(external_id="R-8", family_name="Лысенко", given_name="Мирослав",
                patronymic="Сергеевич", dob_year=2014, dob_month=3, dob_day=12,
                place_of_origin="Алешки")  # fmt: skip
    db.session.commit()
    incremental = _run()
    assert not incremental.full
    used = seen[0][int(source_id)]
    assert isinstance(used, Parameters) and not used.sibling_cap
    assert incremental.calibration["sources"][0]["learnt_here"] is False
    record = db.session.scalar(select(PartnerRecord).where(PartnerRecord.external_id == "R-8"))
    found = _candidates(case_id=lysenko["case"].id, record_id=record.id)
    assert found and found[0].explanation["capped"] == ""


def test_an_incremental_run_learns_a_list_no_full_run_has_seen(lysenko, supervisor):
    from app.matching.models import MatchingState
    from app.matching.scoring import PRIOR_BITS

    _run(full=True)
    tracing = make_source("Tracing list (test)")
    make_record(source=tracing, external_id="T-1", family_name="Lysenko",
                given_name="Oleksandr", dob_year=2014)  # fmt: skip
    db.session.commit()
    incremental = _run()
    assert not incremental.full
    rows = {row["source"]: row for row in incremental.calibration["sources"]}
    # The new list was learnt from its own pairs (all of them are new); the register kept what
    # the full run learnt.
    assert rows["Tracing list (test)"]["learnt_here"] and rows["Tracing list (test)"]["pairs"] >= 1
    assert rows["Evacuation register (test)"]["learnt_here"] is False
    assert str(tracing.id) in db.session.get(MatchingState, 1).parameters
    # One record is no ground for a prior: the one the last full run's rate gives.
    assert incremental.calibration["bits"] == PRIOR_BITS or not incremental.calibration["capped"]
    found = _candidates(case_id=lysenko["case"].id)
    assert any(c.record_id and c.record.source_id == tracing.id for c in found)
    page = supervisor.get(f"/matches/runs/{incremental.id}")
    assert page.status_code == 200 and "Tracing list (test)" in page.get_data(as_text=True)
    # Its next records score with what was learnt: the list is not learnt a second time.
    make_record(source=tracing, external_id="T-2", family_name="Lysenko", given_name="Olena",
                dob_year=2016)  # fmt: skip
    db.session.commit()
    again = {row["source"]: row for row in _run().calibration["sources"]}
    assert again["Tracing list (test)"]["learnt_here"] is False


def test_a_new_list_with_enough_true_pairs_gives_the_incremental_run_its_prior(
    lysenko, monkeypatch
):
    from app.matching.models import MatchingState

    _run(full=True)
    kept = _run().calibration  # nothing new: the prior of the kept rate, over every record
    tracing = make_source("Tracing list (test)")
    make_record(source=tracing, external_id="T-1", family_name="Lysenko",
                given_name="Oleksandr", dob_year=2014, dob_month=3, dob_day=12)  # fmt: skip
    db.session.commit()
    # As if the list held enough true pairs for its estimate to be trusted.
    from app.matching import calibration

    monkeypatch.setattr(services, "TRUSTED_TRUE_PAIRS", 0)
    monkeypatch.setattr(calibration, "TRUSTED_TRUE_PAIRS", 0)
    incremental = _run()
    # The list's true pairs join the rate kept from the last full run: this run and the next
    # score with the higher odds, as a full run would.
    assert incremental.calibration["expected_true"] > kept["expected_true"]
    assert incremental.calibration["bits"] > kept["bits"]
    state = db.session.get(MatchingState, 1)
    assert state.true_pairs_per_case == pytest.approx(incremental.calibration["expected_true"])
    assert _run().calibration["bits"] == pytest.approx(incremental.calibration["bits"], abs=0.01)


def test_a_full_run_learns_from_reviewers_decisions(lysenko, supervisor, monkeypatch):
    from app.matching.quality import reviewer_labels

    _run(full=True)
    case_id = lysenko["case"].id
    confirmed = _candidates(case_id=case_id, record_id=lysenko["true"].id)[0]
    confirmed.status = CandidateStatus.CONFIRMED.value
    # The sister scores below the possible band; a reviewer rejected her when she did not.
    make_candidate(case_id, lysenko["sister"].id, score=0.5, status=CandidateStatus.REJECTED.value)
    db.session.commit()
    assert reviewer_labels() == {
        (("case", case_id), ("record", lysenko["true"].id)): True,
        (("case", case_id), ("record", lysenko["sister"].id)): False,
    }
    seen: list[dict] = []
    real_link = services.link

    def spy(*args, **kwargs):
        seen.append(kwargs.get("labels") or {})
        return real_link(*args, **kwargs)

    monkeypatch.setattr(services, "link", spy)
    full = _run(full=True)
    assert seen[0] == reviewer_labels()
    register = full.calibration["sources"][0]
    # Both decided pairs still share a block: the learning counted them as the reviewers said.
    assert (register["confirmed"], register["rejected"]) == (1, 1)
    html = supervisor.get(f"/matches/runs/{full.id}").get_data(as_text=True)
    assert "1 / 1" in html


def test_records_read_again_by_the_next_run_are_counted_once(lysenko):
    from app.matching.models import MatchingState

    _run(full=True)
    record = make_record(external_id="R-9", family_name="Лисенко", given_name="Олександр",
                         dob_year=2014)  # fmt: skip
    db.session.commit()
    _run()
    state = db.session.get(MatchingState, 1)
    records = db.session.scalar(select(func.count()).select_from(PartnerRecord))
    assert state.records_counted == records
    # The next run reads R-9 again (edited since; likewise a record of an import that ended
    # during the last run), and must not count it a second time: the prior is the rate over
    # the records counted, and twice the records would lower it by a bit.
    record.region = "Херсонська область"
    db.session.commit()
    again = _run()
    assert again.records_checked >= 1
    state = db.session.get(MatchingState, 1)
    assert state.records_counted == records
    assert state.counted_through_id == db.session.scalar(select(func.max(PartnerRecord.id)))


def test_the_records_stream_as_sqlalchemy_reads_them(ctx):
    """The run reads the records from the driver's cursor (SQLite) or SQLAlchemy's rows
    (elsewhere): every row, the first included, with the same values and a date as a date,
    whole and since a moment (the incremental run's filter, a bound timestamp)."""
    from datetime import date

    from app.database import utcnow

    source = make_source()
    make_record(source, external_id="R-age", dob_year=None, age=7, age_on=date(2024, 2, 29))
    make_record(source, external_id="R-dob", dob_year=2015, dob_month=3, dob_day=1)
    make_record(source, external_id="R-blank", family_name="", given_name="Марія",
                patronymic=None, place_of_birth="Херсон", document_number="КА 123456")  # fmt: skip
    query = select(*services._RECORD_COLUMNS).order_by(PartnerRecord.id)
    expected = [tuple(row) for row in db.session.execute(query)]
    assert len(expected) >= 3
    assert [tuple(row) for row in services._stream_records()] == expected
    aged = [row for row in services._stream_records() if row[0] == expected[-3][0]]
    assert isinstance(aged[0][services._AGE_ON], date)
    recent = list(services._stream_records(utcnow() - timedelta(hours=1)))
    assert [tuple(row) for row in recent] == expected
    assert list(services._stream_records(utcnow() + timedelta(hours=1))) == []
