# ruff: noqa: E501 - the section's template below is quoted word for word, its long lines too
"""The case page reads its candidates as rows of the columns it shows, in one statement
(app.matching.review ``case_page_candidates``), and its matches section writes its rows out
instead of calling the shared macros: the same candidates in the same order as the ORM objects
of ``case_candidates``, and the section says what it said of them, records, pairs seen from
either side, linked records and rejections (issue 9 item 4)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import render_template, render_template_string
from flask_babel import force_locale
from flask_login import login_user

from app.auth.models import User
from app.cases.models import Case
from app.database import utcnow
from app.extensions import db
from app.matching.models import CandidateStatus, MatchCandidate
from app.matching.review import (
    HiddenDuplicate,
    can_see,
    case_candidates,
    case_candidates_for,
    case_page_candidates,
    linked_records,
    linked_records_among,
)
from tests import factories
from tests.conftest import sql_statements
from tests.matching.conftest import explanation, make_candidate, make_record, make_source

# templates/matching/_case_candidates.html before it wrote its rows out, word for word.
SECTION_BEFORE = """{# The case page's matches section: needs case, candidates (pairs this user may see),
   hidden_duplicates (possible duplicates in cases they may not open: no content, whom to ask)
   and linked_records. #}
{% from "matching/_macros.html" import score, band_badge, status_badge, counterpart, notes with context %}
{% if current_user.can(Permission.MATCH_REVIEW) %}
<section id="matches" data-testid="matches">
  <h2>{{ _("Matches") }}</h2>
  {% if linked_records %}
  <h3>{{ _("Linked records") }}</h3>
  <div class="table-scroll">
  <table class="compact" data-testid="linked-records">
    <thead><tr><th scope="col">{{ _("Record") }}</th><th scope="col">{{ _("Partner source") }}</th><th scope="col">{{ _("Current location") }}</th><th scope="col">{{ _("Institution") }}</th></tr></thead>
    <tbody>
    {% for r in linked_records %}
      <tr>
        <td>{% if current_user.can(Permission.RECORD_READ) %}<a href="{{ url_for('records.show', record_id=r.id) }}">{{ r.display_name }}</a>{% else %}{{ r.display_name }}{% endif %}</td>
        <td>{{ r.source.name }}</td>
        <td>{{ r.current_location or "—" }}</td>
        <td>{{ r.institution or "—" }}</td>
      </tr>
    {% endfor %}
    </tbody>
  </table>
  </div>
  {% endif %}

  {% set open_candidates = candidates|rejectattr("status", "in", ["rejected", "confirmed"])|list %}
  {% set rejected = candidates|selectattr("status", "equalto", "rejected")|list %}
  {% set confirmed = candidates|selectattr("status", "equalto", "confirmed")|list %}
  <div class="table-scroll">
  <table class="compact match-table" data-testid="case-candidates">
    <thead><tr><th scope="col">{{ _("Score") }}</th><th scope="col">{{ _("Candidate") }}</th><th scope="col">{{ _("Why") }}</th><th scope="col">{{ _("Status") }}</th></tr></thead>
    <tbody>
    {% for c in open_candidates + confirmed %}
      <tr data-candidate="{{ c.id }}">
        <td>{{ score(c) }} {{ band_badge(c) }}</td>
        <td><a href="{{ url_for('matching.show', candidate_id=c.id) }}" data-testid="candidate-link">{{ counterpart(c, case) }}</a></td>
        <td>{{ notes(c) }}</td>
        <td>{{ status_badge(c.status) }}</td>
      </tr>
    {% endfor %}
    {% for c in hidden_duplicates %}
      <tr data-candidate="{{ c.id }}" data-testid="hidden-duplicate">
        <td>{{ score(c) }} {{ band_badge(c) }}</td>
        <td>{{ _("A possible duplicate in a case you may not open") }} <span class="small muted">{{ _("(not one of your cases)") }}</span></td>
        <td class="small">{% if c.ask %}{{ _("Ask %(name)s, who works on it.", name=c.ask) }}{% else %}{{ _("Ask a supervisor.") }}{% endif %}</td>
        <td>{{ status_badge(c.status) }}</td>
      </tr>
    {% endfor %}
    {% if not (open_candidates or confirmed or hidden_duplicates) %}
      <tr><td colspan="4" class="muted">{{ _("No candidates found for this case.") }}</td></tr>
    {% endif %}
    </tbody>
  </table>
  </div>
  {% if rejected %}
  <details data-testid="rejected-candidates">
    <summary>{{ ngettext("%(num)d rejected candidate", "%(num)d rejected candidates", rejected|length) }}</summary>
    <div class="table-scroll">
    <table class="compact match-table">
      <caption class="visually-hidden">{{ _("Rejected candidates") }}</caption>
      <tbody>
      {% for c in rejected %}
        <tr data-candidate="{{ c.id }}">
          <td>{{ score(c) }}</td>
          <td><a href="{{ url_for('matching.show', candidate_id=c.id) }}">{{ counterpart(c, case) }}</a></td>
          <td class="small prewrap">{{ c.review_reason }}</td>
        </tr>
      {% endfor %}
      </tbody>
    </table>
    </div>
  </details>
  {% endif %}
</section>
{% endif %}
"""


@pytest.fixture
def many(app, users, make_case):
    """A case with a candidate of every kind: proposed, confirmed (two, decided on different
    days), rejected with a reason, a record without a name, and pairs with a case it is the
    older of, the newer of, and one its caseworker may not open."""
    case_id = make_case(owner="caseworker")
    older = make_case(owner="caseworker", given_name="Олесь")
    newer = make_case(owner="caseworker", given_name="Сашко")
    theirs = make_case(owner="supervisor", given_name="Ярко")
    with app.app_context():
        now = utcnow()
        other_source = make_source("Institution register (test)")
        make_candidate(case_id, make_record().id, score=0.97)
        make_candidate(
            case_id,
            make_record(family_name="Першенко", source=other_source).id,
            score=0.91,
            status="confirmed",
            decided_at=now - timedelta(days=1),
        )
        make_candidate(
            case_id,
            make_record(family_name="Пізненко", current_location="", institution="").id,
            score=0.88,
            status="confirmed",
            decided_at=now,
        )
        make_candidate(
            case_id,
            make_record(family_name="Відхиленко").id,
            score=0.7,
            likely=False,
            status="rejected",
            review_reason="Інша дата народження <і місто>",
            decided_at=now,
        )
        make_candidate(
            case_id,
            make_record(family_name="", given_name="", external_id="БЕЗ-ІМЕНІ-1").id,
            score=0.66,
            explanation={},
        )
        make_candidate(case_id, other_case_id=newer, score=0.95)
        make_candidate(older, other_case_id=case_id, score=0.8, status="awaiting_approval")
        make_candidate(case_id, other_case_id=theirs, score=0.75, explanation=explanation(0.75))
        db.session.commit()
    return {"case": case_id, "theirs": theirs}


def _hidden(candidate: MatchCandidate, case: Case) -> HiddenDuplicate:
    """A pair the reader may not open, as the ORM objects gave it (the code before the rows)."""
    other = candidate.counterpart_of(case)
    owner = other.assigned_to if other is not None else None
    return HiddenDuplicate(
        id=candidate.id,
        score=candidate.score,
        likely=candidate.likely,
        status=candidate.status,
        ask=owner.name if owner is not None and owner.active else None,
    )


def _section(case: Case, candidates, hidden, linked) -> str:
    return render_template(
        "matching/_case_candidates.html",
        case=case,
        candidates=candidates,
        hidden_duplicates=hidden,
        linked_records=linked,
    )


def _normalised(html: str) -> str:
    """Whitespace as a browser shows it: runs as one space, none between tags nor at the
    start or end of an element's text (the macros' indentation)."""
    html = re.sub(r">\s+", ">", re.sub(r"\s+<", "<", re.sub(r"\s+", " ", html)))
    return html.strip()


@pytest.mark.parametrize("locale", ["uk", "en"])
@pytest.mark.parametrize("role", ["supervisor", "caseworker"])
def test_the_section_says_what_the_orm_candidates_and_the_macros_said(
    app, users, many, role, locale
):
    with app.test_request_context(), force_locale(locale):
        user = db.session.get(User, users[role])
        login_user(user)
        case = db.session.get(Case, many["case"])
        orm = case_candidates(case)
        before = render_template_string(
            SECTION_BEFORE,
            case=case,
            candidates=[c for c in orm if can_see(user, c)],
            hidden_duplicates=[
                _hidden(c, case)
                for c in orm
                if not can_see(user, c) and c.status != CandidateStatus.REJECTED
            ],
            linked_records=linked_records(case),
        )
        shown, hidden = case_candidates_for(user, case)
        after = _section(case, shown, hidden, linked_records_among(shown, case))
    assert _normalised(after) == _normalised(before)
    assert after.count('data-testid="candidate-link"') == (7 if role == "supervisor" else 6)
    assert after.count("/matches/") == (8 if role == "supervisor" else 7)


@pytest.mark.parametrize("locale", ["uk", "en"])
@pytest.mark.parametrize("role", ["supervisor", "caseworker"])
def test_the_rows_show_what_the_orm_candidates_showed(app, users, many, role, locale):
    with app.test_request_context(), force_locale(locale):
        user = db.session.get(User, users[role])
        login_user(user)
        case = db.session.get(Case, many["case"])
        orm = case_candidates(case)
        visible = [c for c in orm if can_see(user, c)]
        plain_hidden = [
            _hidden(c, case)
            for c in orm
            if not can_see(user, c) and c.status != CandidateStatus.REJECTED
        ]
        plain = _section(case, visible, plain_hidden, linked_records(case))
        shown, hidden = case_candidates_for(user, case)
        fast = _section(case, shown, hidden, linked_records_among(shown, case))
    assert fast == plain
    assert [c.id for c in shown] == [c.id for c in visible]
    assert hidden == plain_hidden
    assert ("Першенко" in fast) and ("Відхиленко" in fast) and ("БЕЗ-ІМЕНІ-1" in fast)
    assert "&lt;і місто&gt;" in fast
    assert bool(hidden) == (role == "caseworker")


def test_each_row_holds_what_its_candidate_holds(app, many):
    with app.app_context():
        case = db.session.get(Case, many["case"])
        orm = case_candidates(case)
        rows = case_page_candidates(case)
        assert [row.id for row in rows] == [c.id for c in orm]
        for row, candidate in zip(rows, orm, strict=True):
            assert (row.case_id, row.other_case_id, row.status, row.review_reason) == (
                candidate.case_id,
                candidate.other_case_id,
                candidate.status,
                candidate.review_reason,
            )
            assert (row.score, row.likely, row.band) == (
                candidate.score,
                candidate.likely,
                candidate.band,
            )
            assert row.explanation == (candidate.explanation or {})
            assert row.decided_at == candidate.decided_at
            if candidate.record is None:
                assert row.record is None
            else:
                record = candidate.record
                assert row.record is not None
                assert (row.record.id, row.record.display_name, row.record.source.name) == (
                    record.id,
                    record.display_name,
                    record.source.name,
                )
                assert (row.record.current_location, row.record.institution) == (
                    record.current_location,
                    record.institution,
                )
            other = candidate.counterpart_of(case)
            counterpart = row.counterpart_of(case)
            if other is None:
                assert counterpart is None
            else:
                assert counterpart is not None
                assert (counterpart.id, counterpart.case_number) == (other.id, other.case_number)
                assert counterpart.assigned_to_id == other.assigned_to_id
                assert counterpart.owner == other.assigned_to.name


def test_the_rows_are_one_statement(app, many):
    with app.app_context():
        case = db.session.get(Case, many["case"])
        db.session.expunge_all()  # nothing of the pairs' cases loaded already
        with sql_statements(app) as seen:
            rows = case_page_candidates(case)
            [(row.record, row.counterpart) for row in rows]
    assert len([s for s in seen if s.startswith("SELECT")]) == 1
    assert len(rows) == 8


def test_a_hidden_duplicate_asks_its_caseworker_only_while_their_account_is_active(
    app, users, many
):
    with app.app_context():
        caseworker = db.session.get(User, users["caseworker"])
        case = db.session.get(Case, many["case"])
        (hidden,) = case_candidates_for(caseworker, case)[1]
        assert hidden.ask == db.session.get(User, users["supervisor"]).name
        theirs = db.session.get(Case, many["theirs"])
        inactive = factories.make_user("supervisor", name="Вибула Ганна", active=False)
        theirs.assigned_to_id = inactive.id
        db.session.flush()
        (hidden,) = case_candidates_for(caseworker, case)[1]
        assert hidden.ask is None
        theirs.assigned_to_id = None
        db.session.flush()
        (hidden,) = case_candidates_for(caseworker, case)[1]
        assert hidden.ask is None
        assert db.session.get(MatchCandidate, hidden.id) is not None
