"""The case page's statements are built once for the process, the case a parameter
(app/cases/routes.py _case_page_case, app/cases/services.py _latest_events_statement and the
others): each case's page still shows its own contacts, notes, activity and candidates and
none of another's, whichever was shown first, and every case's page runs the same SQL."""

from __future__ import annotations

from datetime import date

from app.auth.models import User
from app.cases.models import ActivityKind, Case
from app.cases.services import add_note, case_activity, log_contact, timeline
from app.extensions import db
from tests.conftest import csrf_token, sql_statements
from tests.matching.conftest import make_candidate, make_record


def _busy_case(app, make_case, users, word: str) -> int:
    case_id = make_case(owner="caseworker", family_name=f"{word}енко")
    with app.app_context():
        case = db.session.get(Case, case_id)
        worker = db.session.get(User, users["caseworker"])
        add_note(case, worker, f"Note about {word}")
        log_contact(
            case,
            worker,
            contacted_on=date.today(),
            channel="phone",
            outcome=f"Called about {word}",
        )
        make_candidate(case_id, make_record(family_name=f"{word}ук").id)
        db.session.commit()
    return case_id


def test_each_case_page_shows_its_own_rows(app, make_case, users, supervisor):
    first = _busy_case(app, make_case, users, "Перш")
    second = _busy_case(app, make_case, users, "Друг")
    seen = {}
    for case_id in (first, second, first):
        with sql_statements(app) as statements:
            html = supervisor.get(f"/cases/{case_id}").get_data(as_text=True)
        seen.setdefault(case_id, []).append([s for s in statements if "SAVEPOINT" not in s])
        own, other = ("Перш", "Друг") if case_id == first else ("Друг", "Перш")
        for text in (f"Note about {own}", f"Called about {own}", f"{own}ук"):
            assert text in html
        for text in (f"Note about {other}", f"Called about {other}", f"{other}ук"):
            assert text not in html
    assert seen[first][0] == seen[first][1] == seen[second][0]  # the same SQL for each case


def test_the_activity_of_one_kind_and_the_timeline_are_each_cases_own(app, make_case, users):
    first = _busy_case(app, make_case, users, "Перш")
    second = _busy_case(app, make_case, users, "Друг")
    with app.app_context():
        for case_id in (first, second):
            case = db.session.get(Case, case_id)
            notes = case_activity(case, kind=ActivityKind.NOTES)
            assert [item.note.case_id for item in notes.items if item.note] == [case_id]
            assert {event.case_id for event in timeline(case)} == {case_id}
            assert len(timeline(case, limit=1)) == 1  # the limit is a parameter too


def test_the_change_waiting_for_approval_is_read_with_the_case(app, make_case, users, supervisor):
    """The case page reads the case's pending status change in the case's own statement
    (app/cases/routes.py _case_page_case): shown on its case's page only, a statement fewer."""
    from app.cases.services import change_status

    waiting, other = (
        _busy_case(app, make_case, users, "Чек"),
        _busy_case(app, make_case, users, "Інш"),
    )
    with app.app_context():
        worker = db.session.get(User, users["caseworker"])
        change_status(
            db.session.get(Case, waiting), worker, "closed", "Рідні знайшлися.", "reunified"
        )
        db.session.commit()
    for case_id in (waiting, other):
        with sql_statements(app) as statements:
            html = supervisor.get(f"/cases/{case_id}").get_data(as_text=True)
        assert ('data-testid="pending-request"' in html) == (case_id == waiting)
        assert ("Рідні знайшлися." in html) == (case_id == waiting)
        assert not [s for s in statements if s.startswith("SELECT transition_request")]
        assert len([s for s in statements if "FROM case_record" in s]) == 1


def test_the_features_questions_are_asked_with_the_case(app, make_case, supervisor):
    """Whether the case was in an exchange and has DNA samples or results (nearly every case:
    none) is asked in the statement that reads the case (app.cases.events.case_page_probes), not
    in a statement of each feature's own."""
    case_id = make_case(owner="caseworker")
    with sql_statements(app) as statements:
        response = supervisor.get(f"/cases/{case_id}")
    assert response.status_code == 200
    assert not [s for s in statements if s.lstrip().startswith("SELECT EXISTS")]
    reading_the_case = [s for s in statements if "FROM case_record" in s and "exchange_line" in s]
    assert len(reading_the_case) == 1
    assert "dna_reference_sample" in reading_the_case[0]
    assert "dna_proposal" in reading_the_case[0]


def test_a_refused_form_shows_the_case_page_whose_features_ask_themselves(
    app, make_case, supervisor
):
    """A form refused shows the case page again without the case's own statement: the
    features' sections ask their questions themselves, and the page is whole."""
    case_id = make_case(owner="supervisor")
    token = csrf_token(supervisor, f"/cases/{case_id}")
    with sql_statements(app) as statements:
        response = supervisor.post(
            f"/cases/{case_id}/contacts",
            data={"csrf_token": token, "contact-channel": "phone", "contact-outcome": ""},
        )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="case-dna"' in html  # the section, its question asked by itself
    assert 'data-testid="error-summary"' in html  # the refused form, with what is wrong
    assert [s for s in statements if s.lstrip().startswith("SELECT EXISTS")]
