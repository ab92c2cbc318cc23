"""No page's SQL query count grows with the data (issue 9).

Every page below is requested twice: over a small data set, then after five times as much
(cases, partner records, match candidates, requests for approval, caseworkers, and more
relatives, aliases, contacts, notes and timeline events on the viewed case and on the others).
The pages are paginated, so the number of statements a request runs must stay the same: a
statement per row or per related object (an N+1) would make it grow with the data.

The data is written the way the application writes it where that matters (cases through
``open_case``, so that their search keys exist) and with plain ORM rows, flushed in bulk,
everywhere else, so that the whole file stays fast.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from app.auth.models import User
from app.cases.models import (
    Case,
    CaseAlias,
    CaseEvent,
    CaseEventKind,
    CaseNote,
    CaseStatus,
    ContactLog,
    Priority,
    Relative,
    TransitionRequest,
)
from app.database import utcnow
from app.extensions import db
from app.matching.models import CandidateStatus, MatchCandidate
from app.records.models import PartnerRecord, PartnerSource
from tests import factories
from tests.conftest import csrf_token, sql_statements

ROUNDS_SMALL = 1
ROUNDS_LARGE = 5  # five times the small data set
CASES_PER_ROUND = 8

# An explanation as the engine stores it (notes as codes), so that the pages word it.
EXPLANATION: dict[str, Any] = {
    "score": 0.95,
    "bits": 12.0,
    "prior_bits": -9.0,
    "capped": "",
    "fields": [
        {
            "field": "given_name",
            "a": "Олександр",
            "b": "Александр",
            "level": "same",
            "note": {
                "code": "russian_form_of_ukrainian",
                "left": "Александр",
                "right": "Олександр",
                "sign": "=",
            },
            "bits": 6.3,
        },
        {"field": "family_name", "a": "Коваленко", "b": "Коваленко", "level": "same", "bits": 9},
    ],
}


@dataclass
class World:
    """The ids the pages need, and a way to add another round of data."""

    case_id: int
    candidate_id: int
    relative_id: int
    add_round: Callable[[], None]


@pytest.fixture
def world(app: Flask, users: dict[str, int]) -> World:
    """The viewed case (the caseworker's) with one of everything, and the small data set."""
    rounds = itertools.count(1)
    with app.app_context():
        supervisor = db.session.get_one(User, users["supervisor"])
        caseworker = db.session.get_one(User, users["caseworker"])
        case = factories.make_case(supervisor, assigned_to=caseworker, region="Херсонська")
        source = PartnerSource(name="Partner source 0")
        record = _record(source, 0)
        candidate = MatchCandidate(
            case_id=case.id, record=record, score=0.95, likely=True, explanation=EXPLANATION
        )
        relative = Relative(case=case, relationship_kind="aunt_uncle", full_name="Коваленко Ганна")
        db.session.add_all([source, record, candidate, relative])
        db.session.add(
            TransitionRequest(
                case_id=case.id,
                from_status=CaseStatus.NEW.value,
                to_status=CaseStatus.CLOSED.value,
                closure_reason="withdrawn",
                reason="The family withdrew the request.",
                requested_by_id=caseworker.id,
            )
        )
        db.session.flush()
        case_id, candidate_id, relative_id = case.id, candidate.id, relative.id
        db.session.commit()

    def add_round() -> None:
        with app.app_context():
            _add_round(next(rounds), case_id, users)
            db.session.commit()

    for _ in range(ROUNDS_SMALL):
        add_round()
    return World(case_id, candidate_id, relative_id, add_round)


def _record(source: PartnerSource, n: int) -> PartnerRecord:
    external_id = f"{source.name}-{n}"
    return PartnerRecord(
        source=source,
        external_id=external_id,
        family_name="КОВАЛЕНКО",
        given_name="Александр",
        dob_year=2014,
        current_location="Таганрог",
        institution="Детский дом № 3",
        raw={"id": external_id},
        row_hash=external_id,
    )


def _add_round(n: int, viewed_case_id: int, users: dict[str, int]) -> None:
    """One round of data: a new caseworker, source list and partner source; cases of every
    kind (the signed-in caseworker's, the new caseworker's, unassigned, stale, matching the
    search or not) with a relative, an alias, a contact, a note and events each; partner
    records, candidates (proposed, awaiting approval, duplicate pairs), requests for approval;
    and more of everything on the viewed case, written by the new caseworker."""
    supervisor = db.session.get_one(User, users["supervisor"])
    caseworker = db.session.get_one(User, users["caseworker"])
    newcomer = factories.make_user(role="caseworker", name=f"Caseworker {n}")
    source_list = factories.make_source_list(f"Source list {n}")
    assignees = [caseworker, newcomer, None, newcomer]
    cases = []
    for i in range(CASES_PER_ROUND):
        names = (
            {}
            if i % 3 != 2  # Коваленко Олександр, whom the search looks for
            else {"family_name": "Шевченко", "given_name": "Марія", "sex": "female"}
        )
        cases.append(
            factories.make_case(
                supervisor,
                source_list=source_list,
                assigned_to=assignees[i % 4],
                priority=list(Priority)[i % 4].value,
                status=CaseStatus.UNDER_INVESTIGATION.value if i == 5 else None,
                dob_year=2010 + i,
                **names,
            )
        )
    viewed = db.session.get_one(Case, viewed_case_id)
    today = date.today()
    rows: list[Any] = []
    for i, case in enumerate([*cases, viewed, viewed]):
        relative = Relative(
            case=case, relationship_kind="mother", full_name=f"Мати {n}.{i}", phone="+380 50 1"
        )
        rows += [
            relative,
            CaseAlias(case=case, kind="spelling", family_name="Kovalenko", given_name=f"A{n}"),
            ContactLog(
                case=case,
                relative=relative,
                contacted_on=today,
                channel="phone",
                outcome="No answer.",
                next_step="Call again",
                next_step_due=today + timedelta(days=(i % 3) - 1),  # overdue, today, later
                created_by=newcomer,
            ),
            CaseNote(case=case, author=newcomer, body=f"Note {n}.{i}"),
            CaseEvent(case=case, actor=newcomer, kind=CaseEventKind.NOTE.value, text="note"),
            CaseEvent(
                case=case,
                actor=newcomer,
                kind=CaseEventKind.CONTACT.value,
                data={"channel": "phone"},
            ),
        ]
    source = PartnerSource(name=f"Partner source {n}")
    records = [_record(source, i) for i in range(CASES_PER_ROUND + 2)]
    rows += [source, *records]
    for i, (case, record) in enumerate(zip(cases, records, strict=False)):
        awaiting = i % 4 == 3
        rows.append(
            MatchCandidate(
                case=case,
                record=record,
                score=0.95 if i % 3 else 0.7,
                likely=bool(i % 3),
                rank=1,
                explanation=EXPLANATION,
                status=(
                    CandidateStatus.AWAITING_APPROVAL if awaiting else CandidateStatus.PROPOSED
                ),
                reviewed_by=newcomer if awaiting else None,
                reviewed_at=utcnow() if awaiting else None,
                review_reason="Same mother's name." if awaiting else "",
            )
        )
    rows += [
        # Duplicate reports among the round's cases (the older case first).
        MatchCandidate(
            case=cases[0], other_case=cases[2], score=0.93, likely=True, explanation=EXPLANATION
        ),
        # On the viewed case: a proposal, a confirmed (linked) record, a possible duplicate.
        MatchCandidate(
            case=viewed, record=records[-2], score=0.91, likely=True, explanation=EXPLANATION
        ),
        MatchCandidate(
            case=viewed,
            record=records[-1],
            score=0.99,
            likely=True,
            explanation=EXPLANATION,
            status=CandidateStatus.CONFIRMED,
            reviewed_by=newcomer,
            reviewed_at=utcnow(),
            decided_by=supervisor,
            decided_at=utcnow(),
            review_reason="Confirmed by the mother.",
        ),
        MatchCandidate(
            case=viewed, other_case=cases[4], score=0.92, likely=True, explanation=EXPLANATION
        ),
    ]
    for case in cases[5:7]:
        rows.append(
            TransitionRequest(
                case=case,
                from_status=case.status,
                to_status=CaseStatus.CLOSED.value,
                closure_reason="not_found",
                reason="Searched everywhere.",
                requested_by=newcomer,
            )
        )
    db.session.add_all(rows)
    db.session.flush()
    # Two cases a round nobody has touched for long (the stale queue), after their events.
    db.session.execute(
        update(Case)
        .where(Case.id.in_([cases[1].id, cases[2].id]))
        .values(last_activity_at=utcnow() - timedelta(days=365))
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Page:
    name: str
    who: str  # the client fixture of tests/conftest.py that signs in the right role
    path: str  # formatted with the World's ids
    status: int = 200
    post: dict[str, str] | None = None  # the form's fields; posted with a CSRF token
    shows_more: bool = True  # the larger data set shows on the page (the test is not vacuous)


PAGES = [
    Page("my cases", "caseworker", "/my-cases"),
    Page("supervisor queues", "supervisor", "/queues"),
    Page("case list, filtered and sorted", "supervisor", "/cases?status=new&sort=priority"),
    Page("case list by name, 100 a page", "supervisor", "/cases?sort=-name&per_page=100"),
    Page("my cases by next step, reversed", "caseworker", "/my-cases?sort=-due&per_page=50"),
    Page("case page", "caseworker", "/cases/{case}"),
    Page("cross-script search", "supervisor", "/cases?q=Oleksandr Kovalenko"),
    Page("candidate page", "caseworker", "/matches/{candidate}", shows_more=False),
    Page("match queue", "supervisor", "/matches"),
    Page(
        "posting a contact",
        "caseworker",
        "/cases/{case}/contacts",
        status=302,
        post={
            "contact-contacted_on": "2026-11-20",
            "contact-channel": "phone",
            "contact-relative": "{relative}",
            "contact-with_whom": "the aunt",
            "contact-outcome": "Will call back.",
            "contact-next_step": "Call again",
            "contact-next_step_due": "2026-11-30",
        },
        shows_more=False,
    ),
    Page("sign-in page", "client", "/login", shows_more=False),
]


@pytest.mark.parametrize("target", PAGES, ids=[page.name for page in PAGES])
def test_query_count_does_not_grow_with_data(
    app: Flask, request: pytest.FixtureRequest, world: World, target: Page
) -> None:
    client: FlaskClient = request.getfixturevalue(target.who)
    ids = {"case": world.case_id, "candidate": world.candidate_id, "relative": world.relative_id}
    path = target.path.format(**ids)

    def measure() -> tuple[list[str], str]:
        data = None
        if target.post is not None:
            data = {name: value.format(**ids) for name, value in target.post.items()}
            data["csrf_token"] = csrf_token(client, f"/cases/{world.case_id}")
        with sql_statements(app) as statements:
            response = client.get(path) if data is None else client.post(path, data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == target.status, html[:500]
        return statements, html

    small, small_html = measure()
    for _ in range(ROUNDS_LARGE - ROUNDS_SMALL):
        world.add_round()
    large, large_html = measure()
    if target.shows_more:
        assert len(large_html) > len(small_html), f"{target.name} shows nothing more"
    assert len(large) == len(small), (
        f"{target.name}: {len(small)} statements over the small data set, {len(large)} over "
        f"five times as much; these:\n" + "\n".join(_first_lines(large))
    )


def _first_lines(statements: list[str]) -> list[str]:
    return [" ".join(statement.split())[:160] for statement in statements]


@pytest.mark.parametrize("activity", ["", "?activity=contacts", "?activity=notes&shown=60"])
def test_the_case_page_runs_as_many_statements_for_5_events_as_for_50(
    app: Flask, users: dict[str, int], caseworker: FlaskClient, activity: str
) -> None:
    """The activity stream shows each note and contact with its row: fetched for all the
    stream's events at once, not one statement per event. Written through the services, so
    that the events name their notes and contacts as in real use."""
    from app.cases.services import add_note, complete_next_step, log_contact

    with app.app_context():
        worker = db.session.get_one(User, users["caseworker"])
        case = factories.make_case(worker, assigned_to=worker)
        case_id = case.id
        db.session.commit()

    def add_events(n: int) -> None:
        with app.app_context():
            case = db.session.get_one(Case, case_id)
            worker = db.session.get_one(User, users["caseworker"])
            for i in range(n):
                if i % 3 == 0:
                    add_note(case, worker, f"Note {i}")
                else:
                    contact = log_contact(
                        case,
                        worker,
                        contacted_on=date.today(),
                        channel="phone",
                        with_whom=f"Person {i}",
                        next_step="Call again",
                    )
                    if i % 3 == 2:
                        complete_next_step(contact, worker)
            db.session.commit()

    def measure() -> tuple[int, str]:
        with sql_statements(app) as statements:
            response = caseworker.get(f"/cases/{case_id}{activity}")
        assert response.status_code == 200
        return len(statements), response.get_data(as_text=True)

    add_events(4)  # with the case's "created" event: five
    small, small_html = measure()
    add_events(45)
    large, large_html = measure()
    assert len(large_html) > len(small_html)
    assert large == small, f"{small} statements for 5 events, {large} for 50"


def test_an_activity_stream_without_notes_or_contacts_asks_for_none(
    app: Flask, users: dict[str, int]
) -> None:
    """case_activity reads the notes and the contacts its events name only when they name
    some: a case's first events (created, assigned) are one statement, a note adds one."""
    from app.cases.services import add_note, case_activity

    with app.app_context():
        worker = db.session.get_one(User, users["caseworker"])
        case = factories.make_case(worker, assigned_to=worker)
        db.session.commit()
        db.session.refresh(case)  # the commit expired it: not what is counted
        with sql_statements(app) as statements:
            quiet = case_activity(case)
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert len(selects) == 1, _first_lines(selects)
        add_note(case, worker, "Called the school; no answer.")
        db.session.commit()
        db.session.refresh(case)
        with sql_statements(app) as statements:
            noted = case_activity(case)
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert len(selects) == 2, _first_lines(selects)
    assert [item.note for item in quiet.items] == [None] * len(quiet.items)
    assert noted.items[0].note is not None
    assert noted.items[0].note.body == "Called the school; no answer."


@pytest.mark.parametrize(
    ("who", "path"),
    [("caseworker", "/cases/{case}"), ("supervisor", "/matches/{candidate}")],
    ids=["case page", "candidate page"],
)
def test_a_page_that_records_its_read_does_not_read_again_what_it_loaded(
    app: Flask,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    world: World,
    who: str,
    path: str,
) -> None:
    """The case page and the candidate page commit their read record and go on rendering what
    they had loaded (app.sqlite.brief_write, with app.extensions.commit_keeping_loaded). With a
    plain commit, which expires everything, the same page read the signed-in user and the case
    again, row by row."""
    client: FlaskClient = request.getfixturevalue(who)
    path = path.format(case=world.case_id, candidate=world.candidate_id)

    def measure() -> list[str]:
        with sql_statements(app) as statements:
            response = client.get(path)
        assert response.status_code == 200
        # The savepoints of the test's transaction are numbered; the numbers are not the point.
        return [
            re.sub(r"sa_savepoint_\d+", "sa_savepoint", " ".join(s.split())) for s in statements
        ]

    client.get(path)  # the same state for both measures (the first visit may differ)
    kept = measure()
    monkeypatch.setattr("app.sqlite.commit_keeping_loaded", lambda: db.session.commit())
    expired = measure()
    assert any(s.startswith("INSERT INTO audit_event") for s in kept)
    again = list((Counter(expired) - Counter(kept)).elements())
    assert len(kept) < len(expired) and len(kept) + len(again) == len(expired)
    by_id = (
        "user_account.id = ",
        "case_record.id = ",
        "partner_record.id = ",
        "match_candidate.id = ",
        "transition_request.id = ",  # the case page's pending change, read with the case
    )
    # The expired page reads after its commit, in a savepoint of the test's transaction of its
    # own (the kept one reads nothing after it): not a read of the page's.
    again = [s for s in again if "SAVEPOINT" not in s]
    assert again
    assert all(any(f"WHERE {key}" in s for key in by_id) for s in again), [s[-90:] for s in again]


def test_commit_keeping_loaded_commits_and_keeps_the_values_loaded(app, users) -> None:
    from sqlalchemy import inspect

    from app.extensions import commit_keeping_loaded

    with app.app_context():
        user = db.session.get_one(User, users["caseworker"])
        user.name = "Renamed in the same request"
        commit_keeping_loaded()
        assert db.session().expire_on_commit is True  # the next commit expires as before
        assert "name" not in inspect(user).expired_attributes and not inspect(user).modified
        assert user.name == "Renamed in the same request"
        db.session.commit()
        assert "name" in inspect(user).unloaded
        db.session.expunge_all()
        assert db.session.get_one(User, users["caseworker"]).name == "Renamed in the same request"
