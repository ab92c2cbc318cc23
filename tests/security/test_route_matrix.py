"""Every route × every kind of visitor × GET and POST, against one table of expected outcomes.

The routes come from ``app.url_map``: a new route without an entry in :data:`EXPECTED` fails
:func:`test_every_route_has_an_expectation`. Each route is requested by six visitors:

- ``anonymous``: no session;
- ``deactivated``: signed in, then deactivated by an admin;
- ``owner``: the caseworker assigned to the case (and who uploaded the batch) the URL points at;
- ``other_caseworker``: a caseworker who owns nothing the URL points at;
- ``supervisor`` and ``admin``;
- ``dna_reviewer``: reads DNA profiles and results, and no case.

Besides the status code, the matrix checks what a response *shows*: a caseworker's responses never
contain the names or the family's phone of another caseworker's case, an admin's and a DNA
reviewer's never contain any case's, nobody but a DNA reviewer ever sees a DNA profile's alleles,
and a refused request changes nothing in the database.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.routing import Rule

from app.auth.models import User
from app.cases.models import Case, CaseStatus, ContactLog, Relative, TransitionRequest
from app.cases.services import add_relative, log_contact
from app.extensions import db
from app.identification.models import IdentificationProposal, ReferenceSample
from app.imports.batches import create_batch, import_target
from app.imports.models import ImportBatch, ImportKind
from app.imports.storage import store_upload
from app.matching.models import MatchCandidate, MatchingRun, RunStatus
from tests import factories
from tests.answers.conftest import answer_ids
from tests.conftest import _login, csrf_token
from tests.exchanges.conftest import exchange_ids, remains_ids
from tests.identification.conftest import DNA_SECRET, dna_ids
from tests.matching.conftest import explanation, make_candidate, make_record

VISITORS = (
    "anonymous",
    "deactivated",
    "owner",
    "other_caseworker",
    "supervisor",
    "admin",
    "dna_reviewer",
)

# What each visitor gets. ALLOW: the page or its redirect (a form may answer 400 or 409 to an
# empty submission); DENY: 403 or 404, and nothing changes; LOGIN: a redirect to the sign-in page.
ALLOW, DENY, LOGIN = "allow", "deny", "login"

_SIGNED_OUT = {"anonymous": LOGIN, "deactivated": LOGIN}
PUBLIC = dict.fromkeys(VISITORS, ALLOW)
SIGNED_IN = {**_SIGNED_OUT, **dict.fromkeys(VISITORS[2:], ALLOW)}
# Caseworkers and supervisors; lists that each caseworker sees filtered to their own cases.
STAFF = {**SIGNED_IN, "admin": DENY, "dna_reviewer": DENY}
# The case (candidate, batch) the URL names belongs to "owner"; supervisors see every one.
OWNER = {**STAFF, "other_caseworker": DENY}
SUPERVISOR = {**STAFF, "owner": DENY, "other_caseworker": DENY}
ADMIN = {**_SIGNED_OUT, **dict.fromkeys(VISITORS[2:], DENY), "admin": ALLOW}
# DNA profiles and results: DNA reviewers only; caseworkers and supervisors see results on cases.
DNA = {**_SIGNED_OUT, **dict.fromkeys(VISITORS[2:], DENY), "dna_reviewer": ALLOW}
# Source lists are the admin's to manage; every signed-in role but the DNA reviewer (who
# works on profiles, not on lists of people) sees their progress.
LISTS = {**SIGNED_IN, "dna_reviewer": DENY}

EXPECTED: dict[str, dict[str, str]] = {
    "admin.audit": ADMIN,
    "admin.user_edit": ADMIN,
    "admin.user_new": ADMIN,
    "admin.user_end_sessions": ADMIN,
    "admin.user_reset_second_factor": ADMIN,
    "admin.users": ADMIN,
    "answers.decide": OWNER,  # a pairing with the line of the owner's case
    "answers.index": STAFF,  # the exchange holds a case of each caseworker
    "answers.pairing": OWNER,
    "answers.unanswered": STAFF,  # each caseworker's own people
    "answers.upload": STAFF,  # whoever imports partner lists and reads the exchange
    "auth.account": SIGNED_IN,
    # Only a sign-in that passed the password and waits for its code (or must set one up) gets
    # these pages: tests/foundation/test_second_factor.py. Anyone else is sent to sign in;
    # a signed-in user may add a factor from their account page.
    "auth.second_step": dict.fromkeys(VISITORS, LOGIN),
    "auth.enrol": SIGNED_IN,
    "auth.login": PUBLIC,
    # Everyone ends on the sign-in page (signed out, if they were in: tests/foundation/test_auth).
    "auth.logout": dict.fromkeys(VISITORS, LOGIN),
    "auth.password": SIGNED_IN,
    "cases.alias_add": OWNER,
    "cases.approvals": SUPERVISOR,
    "cases.archive": SUPERVISOR,
    "cases.assign": SUPERVISOR,
    "cases.contact_add": OWNER,
    "cases.contact_done": OWNER,
    "cases.decide": SUPERVISOR,
    "cases.detail": OWNER,
    "cases.print_summary": OWNER,
    "cases.duplicate": SUPERVISOR,
    "cases.edit": OWNER,
    "cases.export": STAFF,
    "cases.index": STAFF,
    "cases.my_cases": STAFF,
    "cases.new": STAFF,
    "cases.note_add": OWNER,
    "cases.relative_add": OWNER,
    "cases.relative_edit": OWNER,
    "cases.sibling_link": OWNER,
    "cases.source_list": LISTS,
    "cases.source_list_export": LISTS,  # counts per status, no names
    "cases.source_list_new": ADMIN,
    "cases.source_lists": LISTS,
    "cases.status": OWNER,
    "cases.supervisor_home": SUPERVISOR,
    # Numbers and lists for the other side: each caseworker's lists hold only their own cases.
    "dna.frequencies": ADMIN,
    "dna.lab_upload": DNA,
    "dna.proposal_forward": DNA,
    "dna.proposal_show": DNA,
    "dna.proposals": DNA,
    "dna.remains_profile": DNA,
    "dna.sample_new": OWNER,  # a relative's sample and consent, recorded on the case
    "dna.sample_show": DNA,
    "dna.screening": DNA,
    "dna.screening_progress": DNA,
    "exchange_reports.exchange_export": STAFF,
    "exchange_reports.exchange_page": STAFF,
    "exchange_reports.exchange_report_csv": STAFF,
    "exchange_reports.list_export": STAFF,
    "exchange_reports.list_page": STAFF,
    "exchange_reports.list_report_csv": STAFF,
    "exchange_reports.version_export": STAFF,  # each caseworker's file: their own people only
    "exchanges.deceased_decide": SUPERVISOR,
    "exchanges.deceased_propose": OWNER,  # the line of the owner's case
    "exchanges.edit": SUPERVISOR,
    "exchanges.index": STAFF,
    "exchanges.line_add": SUPERVISOR,
    "exchanges.lines_from_source_list": SUPERVISOR,
    "exchanges.line_state": SUPERVISOR,
    "exchanges.line_where_held": SUPERVISOR,
    "exchanges.new": SUPERVISOR,
    # Unidentified remains are every caseworker's to read and to propose for one of their cases.
    "exchanges.remains_add": SUPERVISOR,  # on a prisoner exchange: refused beside the form
    "exchanges.remains_decide": SUPERVISOR,
    "exchanges.remains_link": STAFF,
    "exchanges.remains_show": STAFF,
    "exchanges.show": STAFF,  # it holds a case of each caseworker; each sees only their own
    "exchanges.status": SUPERVISOR,
    # A list version of that exchange: each caseworker sees only their own people in it.
    "exchanges.version": STAFF,
    "exchanges.version_compare": STAFF,
    "exchanges.version_make": SUPERVISOR,
    "imports.index": STAFF,
    "imports.preview": OWNER,
    "imports.progress": OWNER,
    "imports.report": OWNER,
    "imports.retry": OWNER,
    "imports.show": OWNER,
    "imports.upload": STAFF,
    "main.healthz": PUBLIC,
    "main.index": SIGNED_IN,
    "main.set_language": PUBLIC,
    "matching.approvals": SUPERVISOR,
    "matching.confirm_candidate": OWNER,
    "matching.decide_candidate": SUPERVISOR,
    "matching.given_names": ADMIN,
    "matching.queue": SUPERVISOR,
    "matching.reject_candidate": OWNER,
    "matching.run_progress": SUPERVISOR,
    "matching.run_show": SUPERVISOR,
    "matching.runs": SUPERVISOR,
    "matching.show": OWNER,
    "records.index": STAFF,
    "records.show": STAFF,
}

# Flask's own endpoint, serving files from static/ to anyone.
UNCHECKED = {"static"}


@dataclass
class World:
    """The objects the URLs point at, and what each visitor must never see."""

    ids: dict[str, int]
    clients: dict[str, Callable[[], FlaskClient]]
    secrets: dict[str, tuple[str, ...]]  # visitor -> strings their responses must not contain


# Synthetic people with names no template, label or test data uses.
OWNED = {"family_name": "Вербицька-Тестова", "given_name": "Ярослава", "phone": "+380440001111"}
FOREIGN = {"family_name": "Гайдамаченко-Пробний", "given_name": "Остап", "phone": "+380440002222"}


def _case_with_family(supervisor: User, owner: User, person: dict[str, str], **fields) -> Case:
    case = factories.make_case(
        supervisor,
        family_name=person["family_name"],
        given_name=person["given_name"],
        family_name_latin=person["family_name"].upper()[:3] + "LATIN",
        assigned_to=owner,
        **fields,
    )
    add_relative(
        case,
        supervisor,
        relationship_kind="mother",
        full_name=f"{person['family_name']} Мати",
        phone=person["phone"],
    )
    log_contact(case, supervisor, contacted_on=date(2026, 1, 5), channel="phone", with_whom="мати")
    return case


@pytest.fixture
def world(app: Flask, users, tmp_path, monkeypatch) -> World:
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    with app.app_context():
        supervisor = db.session.get(User, users["supervisor"])
        owner = db.session.get(User, users["caseworker"])
        other = factories.make_user("caseworker")
        deactivated = factories.make_user("caseworker")
        investigating = CaseStatus.UNDER_INVESTIGATION.value
        owned = _case_with_family(supervisor, owner, OWNED, status=investigating)
        foreign = _case_with_family(supervisor, other, FOREIGN)
        record = make_record(family_name="ЗАПИСЕНКО", given_name="Партнер")
        candidate = make_candidate(owned.id, record.id)
        make_candidate(foreign.id, make_record(family_name="ІНШЕНКО").id)
        # The two children may be one: the owner's case page must not show the other's details.
        # Its explanation names both children, as the engine's does.
        duplicate = explanation()
        family = duplicate["fields"][0]
        family["a"], family["b"] = OWNED["family_name"], FOREIGN["family_name"]
        family["note"]["left"], family["note"]["right"] = family["b"], family["a"]
        make_candidate(owned.id, other_case_id=foreign.id, explanation=duplicate)
        request = TransitionRequest(
            case_id=owned.id,
            from_status=CaseStatus.UNDER_INVESTIGATION.value,
            to_status=CaseStatus.CLOSED.value,
            closure_reason="reunified",
            requested_by_id=owner.id,
        )
        db.session.add(request)
        run = MatchingRun(status=RunStatus.DONE.value, started_by_id=supervisor.id)
        db.session.add(run)
        stored_name, sha256, size = store_upload(io.BytesIO(b"id,surname\n1,Test\n"))
        batch = create_batch(
            ImportKind.RECORDS,
            import_target(ImportKind.RECORDS, "Matrix register"),
            "matrix.csv",
            sha256,
            size,
            stored_name=stored_name,
            user_id=owner.id,
        )
        exchange = exchange_ids(supervisor, owned, foreign)
        relative = db.session.scalars(select(Relative).where(Relative.case_id == owned.id)).one()
        contact = db.session.scalars(select(ContactLog).where(ContactLog.case_id == owned.id)).one()
        db.session.flush()
        ids = {
            "case_id": owned.id,
            "relative_id": relative.id,
            "contact_id": contact.id,
            "candidate_id": candidate.id,
            "record_id": record.id,
            "request_id": request.id,
            "run_id": run.id,
            "batch_id": batch.id,
            "source_list_id": owned.source_list_id,
            "user_id": other.id,
            **exchange,
            **answer_ids(exchange["exchange_id"], exchange["line_id"]),
            **remains_ids(supervisor),
        }
        ids |= dna_ids(supervisor, owned, ids["remains_id"])
        user_ids = {
            "owner": owner.id,
            "other_caseworker": other.id,
            "supervisor": supervisor.id,
            "admin": users["admin"],
            "deactivated": deactivated.id,
            "dna_reviewer": users["dna_reviewer"],
        }
        db.session.commit()

    def signed_in(visitor: str) -> Callable[[], FlaskClient]:
        def make() -> FlaskClient:
            client = _login(app.test_client(), user_ids[visitor])
            if visitor == "deactivated":
                with app.app_context():
                    db.session.get(User, user_ids[visitor]).active = False
                    db.session.commit()
            return client

        return make

    clients: dict[str, Callable[[], FlaskClient]] = {"anonymous": app.test_client}
    clients.update({visitor: signed_in(visitor) for visitor in user_ids})

    def shown(person: dict[str, str]) -> tuple[str, ...]:
        return (person["family_name"], person["phone"], person["family_name"].upper()[:3] + "LATIN")

    secrets = {
        "owner": (*shown(FOREIGN), DNA_SECRET),
        "other_caseworker": (*shown(OWNED), DNA_SECRET),
        "supervisor": (DNA_SECRET,),
        "admin": shown(OWNED) + shown(FOREIGN) + (DNA_SECRET,),
        "dna_reviewer": shown(OWNED) + shown(FOREIGN),
    }
    return World(ids=ids, clients=clients, secrets=secrets)


def _url(rule: Rule, ids: dict[str, int]) -> str:
    values: dict[str, object] = {}
    for argument in rule.arguments:
        if argument in ids:
            values[argument] = ids[argument]
        elif argument == "fmt":
            values[argument] = "csv"
        elif argument == "code":
            values[argument] = "uk"
        else:
            raise AssertionError(f"{rule.endpoint}: no test value for <{argument}>")
    return rule.build(values)[1]


def _fingerprint() -> tuple:
    """What a refused request must leave as it was (the audit trail may record the refusal)."""
    counts = tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Case, Relative, ContactLog, MatchCandidate, ImportBatch, MatchingRun, User)
    )
    cases = db.session.execute(
        select(Case.id, Case.version, Case.status, Case.assigned_to_id, Case.archived).order_by(
            Case.id
        )
    ).all()
    candidates = db.session.execute(
        select(MatchCandidate.id, MatchCandidate.status).order_by(MatchCandidate.id)
    ).all()
    batches = db.session.execute(select(ImportBatch.id, ImportBatch.status)).all()
    requests = db.session.execute(select(TransitionRequest.id, TransitionRequest.state)).all()
    users = db.session.execute(select(User.id, User.role, User.active).order_by(User.id)).all()
    dna = db.session.execute(
        select(IdentificationProposal.id, IdentificationProposal.status).order_by(
            IdentificationProposal.id
        )
    ).all()
    samples = db.session.scalar(select(func.count()).select_from(ReferenceSample))
    return counts, cases, candidates, batches, requests, users, dna, samples


def _outcome(response, login_path: str = "/login") -> str:
    status = response.status_code
    if status in (403, 404):
        return DENY
    if status in (301, 302, 303) and response.headers["Location"].split("?")[0].endswith(
        login_path
    ):
        return LOGIN
    assert status < 500, f"server error {status}"
    return ALLOW


def test_every_route_has_an_expectation(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - UNCHECKED
    assert endpoints - EXPECTED.keys() == set(), "add the new routes to EXPECTED"
    assert EXPECTED.keys() - endpoints == set(), "remove routes that are gone from EXPECTED"


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_route_answers_each_visitor_as_expected(app, world, endpoint, method):
    (rule,) = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint]
    url = _url(rule, world.ids)
    for visitor in VISITORS:
        client = world.clients[visitor]()
        data = (
            {"csrf_token": csrf_token(client, "/login", follow_redirects=True)}
            if method == "POST"
            else None
        )
        with app.app_context():
            before = _fingerprint()
        response = client.open(url, method=method, data=data)
        # Read and close before any assertion: an open streamed export keeps its request
        # context pushed, which would spoil the tests after a failure.
        body = response.get_data(as_text=True)
        response.close()
        where = f"{method} {url} as {visitor}"
        if method not in rule.methods:
            assert response.status_code == 405, where
            continue
        expected = EXPECTED[endpoint][visitor]
        assert _outcome(response) == expected, f"{where}: {response.status_code}"
        if expected != ALLOW:
            with app.app_context():
                assert _fingerprint() == before, f"{where} changed the database"
        for secret in world.secrets.get(visitor, ()):
            assert secret not in body, f"{where} shows {secret!r}"


def test_the_guarded_strings_are_shown_to_those_who_may_see_them(app, world):
    """The matrix's "never shows" checks mean something only if these strings do appear."""
    supervisor = world.clients["supervisor"]()
    owner = world.clients["owner"]()
    case_page = owner.get(f"/cases/{world.ids['case_id']}").get_data(as_text=True)
    for secret in world.secrets["other_caseworker"]:
        assert secret in case_page or secret == DNA_SECRET
    assert "MATRIX-REF-1" in case_page  # the sample is on the case page; its profile is not
    reviewer = world.clients["dna_reviewer"]()
    for url in (
        f"/dna/samples/{world.ids['sample_id']}",
        f"/dna/remains/{world.ids['remains_id']}",
        f"/dna/proposals/{world.ids['proposal_id']}",
    ):
        assert DNA_SECRET in reviewer.get(url).get_data(as_text=True), url
    listed = supervisor.get("/cases").get_data(as_text=True)
    assert OWNED["family_name"] in listed and FOREIGN["family_name"] in listed
