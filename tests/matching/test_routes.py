"""Every matching route for every role, allowed and refused, through the test client."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import Case
from app.extensions import db
from app.jobs import report_progress
from app.matching.models import CandidateStatus, GivenNameEntry, MatchCandidate, MatchingRun
from tests.conftest import csrf_token, sql_statements
from tests.matching.conftest import explanation, make_candidate, make_record


@pytest.fixture
def ids(make_match):
    return make_match(owner="caseworker")


@pytest.fixture
def run_id(app, users):
    with app.app_context():
        run = MatchingRun(full=True, trigger="manual", status="done", cases_checked=3, seconds=1.5)
        db.session.add(run)
        db.session.commit()
        return run.id


def _clients(request):
    return {
        "anonymous": request.getfixturevalue("client"),
        "caseworker": request.getfixturevalue("caseworker"),
        "other_caseworker": request.getfixturevalue("other_caseworker"),
        "supervisor": request.getfixturevalue("supervisor"),
        "admin": request.getfixturevalue("admin"),
    }


ROLES = ("anonymous", "caseworker", "other_caseworker", "supervisor", "admin")
LOGIN = "login"  # a redirect to the sign-in page

GET_MATRIX = [
    # path, then the expected answer for each of ROLES
    ("/matches/{candidate}", (LOGIN, 200, 403, 200, 403)),
    ("/matches/999999", (LOGIN, 404, 404, 404, 403)),
    ("/matches", (LOGIN, 403, 403, 200, 403)),
    ("/matches?band=all&status=rejected&kind=case&source=1", (LOGIN, 403, 403, 200, 403)),
    ("/matches?band=nonsense&page=7", (LOGIN, 403, 403, 200, 403)),
    ("/matches/approvals", (LOGIN, 403, 403, 200, 403)),
    ("/matches/runs", (LOGIN, 403, 403, 200, 403)),
    ("/matches/runs/{run}", (LOGIN, 403, 403, 200, 403)),
    ("/matches/runs/999999", (LOGIN, 403, 403, 404, 403)),
    ("/matches/runs/{run}/progress", (LOGIN, 403, 403, 200, 403)),
    ("/matches/given-names", (LOGIN, 403, 403, 403, 200)),
]


@pytest.mark.parametrize("path,expected", GET_MATRIX)
def test_get_routes_per_role(request, ids, run_id, path, expected):
    path = path.format(candidate=ids["candidate"], run=run_id)
    for (role, client), answer in zip(_clients(request).items(), expected, strict=True):
        response = client.get(path)
        if answer == LOGIN:
            assert response.status_code == 302, (role, path)
            assert "/login" in response.headers["Location"], (role, path)
        else:
            assert response.status_code == answer, (role, path)


def _post(role, client, path, data):
    # Anonymous visitors take the token from the sign-in page, like a browser would.
    token = csrf_token(client, "/login" if role == "anonymous" else "/source-lists")
    return client.post(path, data={**data, "csrf_token": token})


POST_MATRIX = [
    # path, data, then the expected answer for each of ROLES (a fresh candidate each time)
    ("/matches/{candidate}/confirm", {"confirm-reason": "same"}, (LOGIN, 302, 403, 302, 403)),
    ("/matches/{candidate}/reject", {"reject-reason": "not her"}, (LOGIN, 302, 403, 302, 403)),
    ("/matches/{candidate}/decide", {"decision-approve": "1"}, (LOGIN, 403, 403, 302, 403)),
    ("/matches/999999/confirm", {"confirm-reason": "same"}, (LOGIN, 404, 404, 404, 403)),
    ("/matches/runs", {"scope": "changed"}, (LOGIN, 403, 403, 302, 403)),
    (
        "/matches/given-names",
        {"canonical": "Ярема", "sex": "m", "variants": "Yarema"},
        (LOGIN, 403, 403, 403, 302),
    ),
]


@pytest.mark.parametrize("path,data,expected", POST_MATRIX)
def test_post_routes_per_role(request, app, make_match, path, data, expected):
    waiting = "decide" in path
    for (role, client), answer in zip(_clients(request).items(), expected, strict=True):
        made = make_match(status="awaiting_approval" if waiting else "proposed")
        target = path.format(candidate=made["candidate"])
        if "given-names" in path:
            data = {**data, "canonical": f"Ярема{role}"}  # one new name per role
        response = _post(role, client, target, data)
        if answer == LOGIN:
            assert response.status_code == 302, (role, target)
            assert "/login" in response.headers["Location"], (role, target)
        else:
            assert response.status_code == answer, (role, target)
        if "{candidate}" in path:
            # Allowed decisions change the candidate; refused ones leave it as it was.
            with app.app_context():
                status = db.session.get(MatchCandidate, made["candidate"]).status
            changed = status != ("awaiting_approval" if waiting else "proposed")
            assert changed == (answer == 302), role


def test_post_without_csrf_token_is_refused(caseworker, ids):
    response = caseworker.post(f"/matches/{ids['candidate']}/confirm", data={"confirm-reason": "x"})
    assert response.status_code == 400


# --- the candidate page -------------------------------------------------------------------


def test_candidate_page_shows_fields_side_by_side(caseworker, ids):
    html = caseworker.get(f"/matches/{ids['candidate']}").get_data(as_text=True)
    assert "ЛЫСЕНКО ≈ Лисенко: Russian spelling of the Ukrainian name" in html
    assert 'data-field="family_name" data-level="same"' in html
    # Rows that differ are highlighted by level.
    assert re.search(r'class="cmp-near level-swapped" data-field="date_of_birth"', html)
    assert re.search(r'class="cmp-differ level-different" data-field="place"', html)
    assert re.search(r'class="cmp-agree level-same" data-field="given_name"', html)
    assert "ЛЫСЕНКО" in html and "Таганрог" in html
    assert "97%" in html
    assert "+9.1" in html and "-2.6" in html
    assert 'data-testid="confirm-form"' in html and 'data-testid="reject-form"' in html
    assert re.search(r'<input checked [^>]*name="confirm-advance_status"', html)  # on by default
    assert 'data-testid="decision-form"' not in html
    assert 'data-testid="match-capped"' not in html


def test_candidate_page_shows_the_cap(app, caseworker, make_match):
    made = make_match(score=0.85, explanation=explanation(0.85, capped="siblings"))
    html = caseworker.get(f"/matches/{made['candidate']}").get_data(as_text=True)
    assert 'data-testid="match-capped"' in html
    assert "different given names: siblings or twins share everything else" in html


def test_candidate_page_in_ukrainian_explains_in_ukrainian(app, caseworker, make_match):
    stored = explanation(0.85, capped="namesakes")
    dob = stored["fields"][2]
    dob["b"] = dob["note"]["left"] = {"age": 7, "on": "2021-05-01"}
    made = make_match(score=0.85, explanation=stored)
    caseworker.post(
        "/language/uk",
        data={"csrf_token": csrf_token(caseworker, "/my-cases"), "next": "/my-cases"},
    )
    html = caseworker.get(f"/matches/{made['candidate']}").get_data(as_text=True)
    assert "ЛЫСЕНКО ≈ Лисенко: російське написання українського імені" in html
    assert "Херсон / Олешки: різні місця" in html
    assert "вік 7 станом на 01.05.2021 / 12.03.2014: день і місяць переставлено" in html
    assert "<td>вік 7 станом на 01.05.2021</td>" in html
    capped = re.search(r'data-testid="match-capped">([^<]*)<', html)
    assert capped and "різні дати народження: у тезок усе інше збігається" in capped[1]
    assert "namesakes" not in html and "Russian spelling" not in html


def test_candidate_page_audits_reading_the_case_and_the_record(app, supervisor, users, ids):
    assert supervisor.get(f"/matches/{ids['candidate']}").status_code == 200
    with app.app_context():
        reads = db.session.execute(
            select(AuditEvent.object_type, AuditEvent.object_id, AuditEvent.actor_id).where(
                AuditEvent.action == "read"
            )
        ).all()
    assert ("case_record", ids["case"], users["supervisor"]) in reads
    assert ("partner_record", ids["record"], users["supervisor"]) in reads


def test_refused_candidate_page_shows_nothing(other_caseworker, ids):
    response = other_caseworker.get(f"/matches/{ids['candidate']}")
    assert response.status_code == 403
    assert "ЛЫСЕНКО" not in response.get_data(as_text=True)


def test_duplicate_pair_page_shows_both_cases(app, supervisor, make_duplicate_pair):
    pair = make_duplicate_pair()
    html = supervisor.get(f"/matches/{pair['candidate']}").get_data(as_text=True)
    with app.app_context():
        older, newer = (db.session.get(Case, pair[k]).case_number for k in ("case", "other_case"))
    assert older in html and newer in html
    assert 'name="confirm-advance_status"' not in html  # only record links move a case


def test_awaiting_candidate_shows_decision_to_supervisors_only(caseworker, supervisor, make_match):
    made = make_match(status=CandidateStatus.AWAITING_APPROVAL.value)
    path = f"/matches/{made['candidate']}"
    mine = caseworker.get(path).get_data(as_text=True)
    assert 'data-testid="match-pending"' in mine
    assert 'data-testid="decision-form"' not in mine and 'data-testid="confirm-form"' not in mine
    assert 'data-testid="decision-form"' in supervisor.get(path).get_data(as_text=True)


# --- decisions through the browser forms --------------------------------------------------


def test_caseworker_confirms_and_supervisor_approves(app, caseworker, supervisor, ids):
    path = f"/matches/{ids['candidate']}"
    response = caseworker.post(
        f"{path}/confirm",
        data={
            "confirm-reason": "Same birthday and mother.",
            "confirm-advance_status": "y",
            "csrf_token": csrf_token(caseworker, path),
        },
        follow_redirects=True,
    )
    assert "waits for a supervisor" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(MatchCandidate, ids["candidate"]).status == "awaiting_approval"
    queue = supervisor.get("/matches/approvals").get_data(as_text=True)
    assert f'data-candidate="{ids["candidate"]}"' in queue
    assert "Same birthday and mother." in queue
    response = supervisor.post(
        f"{path}/decide",
        data={
            "decision-approve": "Approve",
            "next": "/matches/approvals",
            "csrf_token": csrf_token(supervisor, "/matches/approvals"),
        },
    )
    assert response.headers["Location"] == "/matches/approvals"
    with app.app_context():
        case = db.session.get(Case, ids["case"])
        assert db.session.get(MatchCandidate, ids["candidate"]).status == "confirmed"
        assert case.status == "located"
        assert case.current_location == "Таганрог, Детский дом № 3"
    case_page = caseworker.get(f"/cases/{ids['case']}").get_data(as_text=True)
    assert 'data-testid="linked-records"' in case_page and "Детский дом № 3" in case_page


def test_unchecked_box_keeps_the_status(app, supervisor, ids):
    path = f"/matches/{ids['candidate']}"
    supervisor.post(
        f"{path}/confirm",
        data={"confirm-reason": "Same child.", "csrf_token": csrf_token(supervisor, path)},
    )
    with app.app_context():
        assert db.session.get(MatchCandidate, ids["candidate"]).status == "confirmed"
        assert db.session.get(Case, ids["case"]).status == "new"


def test_reason_is_required(app, caseworker, ids):
    path = f"/matches/{ids['candidate']}"
    response = caseworker.post(
        f"{path}/reject",
        data={"reject-reason": "  ", "csrf_token": csrf_token(caseworker, path)},
    )
    # The candidate page again, the error at the top and beside the reason (issue 11).
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="error-summary"' in html and 'id="reject-reason-error"' in html
    with app.app_context():
        assert db.session.get(MatchCandidate, ids["candidate"]).status == "proposed"


def test_refused_decision_is_flashed(app, caseworker, supervisor, ids):
    path = f"/matches/{ids['candidate']}"
    response = supervisor.post(
        f"{path}/decide",
        data={"decision-approve": "Approve", "csrf_token": csrf_token(supervisor, path)},
        follow_redirects=True,
    )
    assert "not waiting for approval" in response.get_data(as_text=True)


def test_next_must_stay_on_this_site(supervisor, ids):
    path = f"/matches/{ids['candidate']}"
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        response = supervisor.post(
            f"{path}/reject",
            data={
                "reject-reason": "Different people.",
                "next": evil,
                "csrf_token": csrf_token(supervisor, path),
            },
        )
        assert response.headers["Location"] == path


# --- the case page ------------------------------------------------------------------------


def test_case_page_lists_candidates_best_first_and_collapses_rejected(
    app, caseworker, admin, make_case, make_duplicate_pair
):
    case_id = make_case()
    with app.app_context():
        low = make_candidate(case_id, make_record(given_name="Олексій").id, score=0.62)
        high = make_candidate(case_id, make_record().id, score=0.96)
        gone = make_candidate(
            case_id,
            make_record(family_name="ЛИСЕНКОВ").id,
            score=0.7,
            status="rejected",
            review_reason="Different mother.",
        )
        db.session.commit()
        ids = [low.id, high.id, gone.id]
    html = caseworker.get(f"/cases/{case_id}").get_data(as_text=True)
    section = html[html.index('data-testid="matches"') :]
    assert section.index(f'data-candidate="{ids[1]}"') < section.index(f'data-candidate="{ids[0]}"')
    assert "96%" in section and "62%" in section
    assert "Evacuation register (test)" in section
    assert "Russian spelling of the Ukrainian name" in section  # the top note
    rejected = section[section.index('data-testid="rejected-candidates"') :]
    assert f'data-candidate="{ids[2]}"' in rejected and "Different mother." in rejected


def test_case_page_shows_the_other_case_of_a_duplicate_pair(app, caseworker, make_duplicate_pair):
    pair = make_duplicate_pair()
    with app.app_context():
        older = db.session.get(Case, pair["case"]).case_number
    html = caseworker.get(f"/cases/{pair['other_case']}").get_data(as_text=True)
    section = html[html.index('data-testid="matches"') :]
    assert older in section and "possible duplicate" in section


def test_case_page_does_not_link_a_pair_the_caseworker_may_not_see(
    app, caseworker, make_duplicate_pair
):
    pair = make_duplicate_pair(owner="caseworker", other_owner=None)
    html = caseworker.get(f"/cases/{pair['case']}").get_data(as_text=True)
    section = html[html.index('data-testid="matches"') :]
    assert f"/matches/{pair['candidate']}" not in section
    assert "not one of your cases" in section


# --- queues -------------------------------------------------------------------------------


def test_review_queue_filters_and_counts(app, supervisor, make_match):
    likely = make_match(score=0.95)["candidate"]
    possible = make_match(score=0.7)["candidate"]
    rejected = make_match(score=0.93, status="rejected")["candidate"]
    html = supervisor.get("/matches").get_data(as_text=True)
    assert f'data-candidate="{likely}"' in html
    assert f'data-candidate="{possible}"' not in html and f'data-candidate="{rejected}"' not in html
    assert re.search(r'data-testid="count-proposed">2<', html)
    assert re.search(r'data-testid="count-rejected">1<', html)
    html = supervisor.get("/matches?band=possible").get_data(as_text=True)
    assert f'data-candidate="{possible}"' in html and f'data-candidate="{likely}"' not in html
    html = supervisor.get("/matches?band=all&status=rejected").get_data(as_text=True)
    assert f'data-candidate="{rejected}"' in html and f'data-candidate="{likely}"' not in html
    html = supervisor.get("/matches?kind=case").get_data(as_text=True)
    assert f'data-candidate="{likely}"' not in html


def test_review_queue_query_count_does_not_grow(app, supervisor, make_match):
    def count_queries(path):
        with sql_statements(app) as statements:
            assert supervisor.get(path).status_code == 200
        return len(statements)

    make_match()
    few = count_queries("/matches")
    for _ in range(6):
        make_match()
    assert count_queries("/matches") <= few + 1


def test_supervisor_home_counts_matches_awaiting_approval(supervisor, make_match):
    for _ in range(2):
        make_match(status=CandidateStatus.AWAITING_APPROVAL.value)
    make_match()
    html = supervisor.get("/queues").get_data(as_text=True)
    assert re.search(r'data-testid="count-matches-pending">2<', html)
    assert 'href="/matches/approvals"' in html


def test_nav_links_matches_for_supervisors_only(caseworker, supervisor):
    assert 'href="/matches"' in supervisor.get("/cases").get_data(as_text=True)
    assert 'href="/matches"' not in caseworker.get("/cases").get_data(as_text=True)


# --- runs ---------------------------------------------------------------------------------


def test_run_matching_now_redirects_to_the_run(app, supervisor):
    response = supervisor.post(
        "/matches/runs",
        data={"scope": "full", "csrf_token": csrf_token(supervisor, "/matches/runs")},
    )
    assert response.status_code == 302
    run_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        run = db.session.get(MatchingRun, run_id)
        assert run.full and run.trigger == "manual" and run.status == "done"
    html = supervisor.get(f"/matches/runs/{run_id}").get_data(as_text=True)
    assert 'data-testid="run-summary"' in html
    # The prior the run scored with, and where it came from.
    assert 'data-testid="run-prior"' in html and "16,384" in html and "-14.0" in html
    progress = supervisor.get(f"/matches/runs/{run_id}/progress").get_json()
    assert progress["finished"] is True and progress["status"] == "done"
    assert f"/matches/runs/{run_id}" in supervisor.get("/matches/runs").get_data(as_text=True)


def test_running_run_polls_its_progress(app, supervisor, users):
    with app.app_context():
        run = MatchingRun(full=False, trigger="import")
        db.session.add(run)
        db.session.commit()
        run_id = run.id
        report_progress(run.job_key, 300, 1000, items=300)
    html = supervisor.get(f"/matches/runs/{run_id}").get_data(as_text=True)
    assert f'data-progress-url="/matches/runs/{run_id}/progress"' in html
    progress = supervisor.get(f"/matches/runs/{run_id}/progress").get_json()
    assert progress["finished"] is False and progress["status"] == "running"
    assert (progress["done"], progress["total"]) == (300, 1000)
    assert "300" in progress["message"]


# --- given names --------------------------------------------------------------------------


def test_admin_adds_a_given_name(app, admin):
    path = "/matches/given-names"
    response = admin.post(
        path,
        data={
            "canonical": "Ярема",
            "sex": "m",
            "variants": "Yarema | Ерема, Jarema",
            "diminutives": "Яремко",
            "csrf_token": csrf_token(admin, path),
        },
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert 'data-testid="given-names"' in html and "Jarema" in html
    with app.app_context():
        entry = db.session.scalar(select(GivenNameEntry))
        assert entry.variants == "Yarema|Ерема|Jarema"
        assert entry.diminutives == "Яремко"


def test_given_name_errors_are_shown(app, admin):
    path = "/matches/given-names"
    response = admin.post(
        path, data={"canonical": "Ярема", "sex": "m", "csrf_token": csrf_token(admin, path)}
    )
    assert response.status_code == 200
    assert 'id="canonical-error"' in response.get_data(as_text=True)
