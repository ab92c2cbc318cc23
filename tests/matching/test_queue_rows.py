"""The match queue and the approvals page read their rows as plain values (issue 9 item 4):
the same words as the ORM objects gave, in the queue's order, in one statement, read anew on
every page (nothing kept between requests)."""

from __future__ import annotations

import math
import re

import pytest
from sqlalchemy import update

from app.auth.models import User
from app.cases.models import Case
from app.extensions import db
from app.matching.models import MatchCandidate
from app.matching.review import QueueRow, queue_rows, read_explanation
from app.records.models import PartnerRecord
from tests.conftest import sql_statements
from tests.matching.conftest import make_candidate, make_record

ROW = re.compile(r'<tr data-candidate="(\d+)"')


@pytest.fixture
def three(app, make_case, users):
    """A record candidate, a reviewed one (awaiting approval) and a duplicate pair."""
    case_id = make_case(owner="caseworker")
    nameless_id = make_case(owner="caseworker", family_name="", given_name="", patronymic="")
    twin_id = make_case(owner="caseworker", given_name="Сашко")
    with app.app_context():
        record = make_record(family_name="Тестенко", given_name="Іван", patronymic="")
        plain = make_candidate(case_id, record.id, score=0.91)
        reviewed = make_candidate(
            nameless_id,
            make_record(family_name="", given_name="", external_id="EXT-7").id,
            score=0.93,
            status="awaiting_approval",
            reviewed_by_id=users["caseworker"],
            review_reason="Same mother, same village.",
        )
        pair = make_candidate(case_id, other_case_id=twin_id, score=0.95)
        db.session.commit()
        return {
            "case": case_id,
            "nameless": nameless_id,
            "twin": twin_id,
            "record": record.id,
            "plain": plain.id,
            "reviewed": reviewed.id,
            "pair": pair.id,
        }


def test_queue_rows_name_both_sides_as_the_orm_objects_do(app, three):
    with app.app_context():
        ids = [three["pair"], three["reviewed"], three["plain"]]
        rows = queue_rows(ids)
        assert [row.id for row in rows] == ids  # the order asked for, not the table's
        for row in rows:
            candidate = db.session.get(MatchCandidate, row.id)
            assert row.case.id == candidate.case_id
            assert row.case.case_number == candidate.case.case_number
            assert row.case.display_name == candidate.case.display_name
            assert (row.score, row.likely, row.band) == (
                candidate.score,
                candidate.likely,
                candidate.band,
            )
            assert row.explanation == candidate.explanation
            assert (row.status, row.review_reason) == (candidate.status, candidate.review_reason)
            if candidate.record is not None:
                assert row.record is not None and row.other_case is None
                assert row.record.id == candidate.record.id
                assert row.record.display_name == candidate.record.display_name
                assert row.record.source.name == candidate.record.source.name
            else:
                assert row.record is None and row.other_case is not None
                assert row.other_case.case_number == candidate.other_case.case_number
                assert row.other_case.display_name == candidate.other_case.display_name
            if candidate.reviewed_by is not None:
                assert row.reviewed_by is not None
                assert row.reviewed_by.name == candidate.reviewed_by.name
            else:
                assert row.reviewed_by is None


def test_a_nameless_case_and_record_are_named_by_their_number_and_external_id(app, three):
    with app.app_context():
        (row,) = queue_rows([three["reviewed"]])
        case = db.session.get(Case, three["nameless"])
        assert row.case.display_name == case.case_number
        assert row.record is not None and row.record.display_name == "EXT-7"


def test_queue_rows_of_no_ids_read_nothing_and_unknown_ids_are_left_out(app, three):
    with sql_statements(app) as seen, app.app_context():
        assert queue_rows([]) == []
        assert seen == []
        rows = queue_rows([three["plain"], 10**9])
    assert [row.id for row in rows] == [three["plain"]]
    assert len([s for s in seen if s.startswith("SELECT")]) == 1  # (the test's savepoints aside)


def test_the_shown_sides_carry_what_the_audit_trail_records(app, three):
    with app.app_context():
        (row,) = queue_rows([three["plain"]])
    assert isinstance(row, QueueRow)
    assert (row.case.__tablename__, row.case.id) == (Case.__tablename__, three["case"])
    assert row.record is not None
    shown = (row.record.__tablename__, row.record.id)
    assert shown == (PartnerRecord.__tablename__, three["record"])


def test_the_queue_shows_both_sides_the_band_and_the_notes(supervisor, three):
    html = supervisor.get("/matches?band=all").get_data(as_text=True)
    assert ROW.findall(html) == [str(three["pair"]), str(three["plain"])]  # best first
    assert "Тестенко Іван" in html
    assert "Evacuation register (test)" in html
    assert "possible duplicate" in html
    assert 'data-band="likely"' in html
    assert 'class="match-notes small"' in html


def test_the_approvals_page_shows_who_confirmed_and_why(app, supervisor, users, three):
    html = supervisor.get("/matches/approvals").get_data(as_text=True)
    assert ROW.findall(html) == [str(three["reviewed"])]
    with app.app_context():
        name = db.session.get(User, users["caseworker"]).name
    assert name in html
    assert "Same mother, same village." in html
    assert "EXT-7" in html


def test_a_renamed_case_shows_its_new_name_on_the_next_page(app, supervisor, three):
    """Rows are read for each page: no copy of a name outlives a change."""
    with app.app_context():
        before = db.session.get(Case, three["case"]).display_name
    assert before in supervisor.get("/matches?band=all").get_data(as_text=True)
    with app.app_context():
        db.session.get(Case, three["case"]).family_name = "Перейменко"
        db.session.get(PartnerRecord, three["record"]).family_name = "Новенко"
        db.session.commit()
    html = supervisor.get("/matches?band=all").get_data(as_text=True)
    assert "Перейменко" in html
    assert before not in html
    assert "Новенко Іван" in html


@pytest.mark.parametrize("path", ["/matches?band=all", "/matches/approvals"])
def test_a_queue_page_reads_its_rows_in_one_statement_whatever_their_number(
    app, supervisor, make_match, path
):
    def count() -> int:
        with sql_statements(app) as seen:
            assert supervisor.get(path).status_code == 200
        return len(seen)

    make_match(status="awaiting_approval")
    one = count()
    for _ in range(6):
        make_match(status="awaiting_approval")
    assert count() == one


@pytest.mark.parametrize("who", ["caseworker", "other_caseworker", "admin"])
@pytest.mark.parametrize("path", ["/matches", "/matches/approvals"])
def test_only_a_supervisor_sees_the_queues(request, three, who, path):
    response = request.getfixturevalue(who).get(path)
    assert response.status_code == 403
    assert "Тестенко" not in response.get_data(as_text=True)


def test_a_cases_candidates_come_with_their_records_and_sources_in_one_statement(app, three):
    """A case's candidates as ORM objects (app.matching.review.case_candidates): the records
    and their sources are joined to the candidates, not read by a statement of their own."""
    from app.matching.review import case_candidates

    with app.app_context():
        case = db.session.get(Case, three["case"])
        with sql_statements(app) as seen:
            candidates = case_candidates(case)
            names = [(c.record.display_name, c.record.source.name) for c in candidates if c.record]
    assert [c.id for c in candidates] == [three["pair"], three["plain"]]
    assert names == [("Тестенко Іван", "Evacuation register (test)")]
    selects = [s for s in seen if s.startswith("SELECT")]
    assert "JOIN partner_record" in selects[0] and "JOIN partner_source" in selects[0]
    assert not any("partner_record" in s for s in selects[1:]), selects


@pytest.mark.parametrize("shown", ["plain", "pair"])
def test_a_queue_row_writes_what_the_shared_macros_write(app, supervisor, three, shown):
    """candidate_table writes the score, band, counterpart, notes and status out and builds
    its links once (for speed): the same markup as the macros the case page and the answers
    page call, and the same links as url_for, for a record and for a possible duplicate."""
    html = supervisor.get("/matches?band=all").get_data(as_text=True)
    with app.test_request_context(), app.app_context():
        from flask import render_template_string

        (row,) = queue_rows([three[shown]])
        pieces = render_template_string(
            '{% from "matching/_macros.html" import score, band_badge, status_badge, notes,'
            " counterpart with context %}"
            "{{ score(c) }}|{{ band_badge(c) }}|{{ status_badge(c.status) }}|{{ notes(c) }}"
            "|<a href=\"{{ url_for('matching.show', candidate_id=c.id) }}\">"
            "{{ counterpart(c) }}</a>"
            '|<a href="{{ url_for(\'cases.detail\', case_id=c.case_id) }}" class="case-number">',
            c=row,
        ).split("|")
    squeezed = re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html))
    for piece in pieces:
        piece = re.sub(r"\s+", " ", re.sub(r">\s+<", "><", piece.strip()))
        assert re.sub(r"> ", ">", re.sub(r" <", "<", piece)) in re.sub(
            r"> ", ">", re.sub(r" <", "<", squeezed)
        ), piece


def test_the_approvals_rows_post_each_decision_to_its_own_candidate(supervisor, three):
    html = supervisor.get("/matches/approvals").get_data(as_text=True)
    assert f'action="/matches/{three["reviewed"]}/decide"' in html


def test_the_pending_matches_card_counts_anew_on_every_page(supervisor, make_match):
    """Its statement is built once for the process (app/matching/events.py): the count is
    still the database's at each request."""

    def pending() -> int:
        html = supervisor.get("/queues").get_data(as_text=True)
        return int(re.search(r'data-testid="count-matches-pending">(\d+)<', html).group(1))

    before = pending()
    make_match(status="awaiting_approval")
    make_match(status="proposed")
    assert pending() == before + 1


def test_an_explanation_is_read_as_the_matcher_wrote_it():
    assert read_explanation(None) == {} and read_explanation("") == {}
    assert read_explanation("null") == {}
    stored = '{"score": 0.97, "fields": [{"field": "family_name", "a": "\\u041b\\u0438\\u0441"}]}'
    assert read_explanation(stored) == {
        "score": 0.97,
        "fields": [{"field": "family_name", "a": "Лис"}],
    }
    # What orjson refuses, the standard library (which wrote it) reads.
    assert math.isinf(read_explanation('{"bits": Infinity}')["bits"])
    assert math.isnan(read_explanation('{"bits": NaN}')["bits"])


def test_a_candidate_with_no_explanation_is_shown_with_none(app, three):
    with app.app_context():
        db.session.execute(
            update(MatchCandidate)
            .where(MatchCandidate.id == three["plain"])
            .values(explanation=None)
        )
        (row,) = queue_rows([three["plain"]])
    assert row.explanation == {}
