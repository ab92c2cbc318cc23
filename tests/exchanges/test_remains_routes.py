"""The remains pages through the test client, per role, and the two-person link."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.cases.models import Case
from app.exchanges.models import ExchangeRemains
from app.extensions import db
from tests import factories
from tests.conftest import csrf_token
from tests.exchanges.conftest import make_remains, make_repatriation

MINE, THEIRS = "Останченко-Шуканий", "Чужинець-Шуканий"


@pytest.fixture
def world(app, users):
    with app.test_request_context():
        supervisor = db.session.get(User, users["supervisor"])
        caseworker = db.session.get(User, users["caseworker"])
        other = factories.make_user("caseworker")
        mine = factories.make_case(supervisor, assigned_to=caseworker, family_name=MINE)
        theirs = factories.make_case(supervisor, assigned_to=other, family_name=THEIRS)
        exchange = make_repatriation(supervisor, side_a="Сторона Р")
        first = make_remains(exchange, supervisor, body_number="Т-001", lab_sample_number="ЛАБ-1")
        second = make_remains(exchange, supervisor, body_number="Т-002")
        ids = {
            "exchange": exchange.id,
            "first": first.id,
            "second": second.id,
            "mine": mine.id,
            "theirs": theirs.id,
            "other": other.id,
            "supervisor": supervisor.id,
        }
        db.session.commit()
        return ids


def _post(client, path, data):
    token = csrf_token(client, "/login", follow_redirects=True)
    return client.post(path, data={"csrf_token": token, **data})


def _remains(app, remains_id) -> tuple[int | None, int | None]:
    with app.app_context():
        found = db.session.get(ExchangeRemains, remains_id)
        return found.proposed_case_id, found.line.case_id


def test_the_repatriation_page_lists_remains_with_counts_and_filters(supervisor, caseworker, world):
    path = f"/exchanges/{world['exchange']}"
    body = supervisor.get(path).get_data(as_text=True)
    assert 'data-testid="remains"' in body and "Т-001" in body and "Т-002" in body
    assert 'data-testid="remains-counts"' in body and 'data-testid="remains-add-form"' in body
    assert 'data-link="unlinked">2<' in body and 'data-link="linked">0<' in body
    seen = caseworker.get(path)
    assert seen.status_code == 200
    assert "Т-001" in seen.get_data(as_text=True)
    assert "remains-add-form" not in seen.get_data(as_text=True)  # supervisors only
    assert "Т-001" not in supervisor.get(path + "?remains=linked").get_data(as_text=True)
    assert "Т-001" in supervisor.get(path + "?remains=unlinked").get_data(as_text=True)
    assert "Т-001" in supervisor.get(path + "?remains=bogus").get_data(as_text=True)


def test_a_prisoner_exchange_has_no_remains_section(app, supervisor, world):
    with app.test_request_context():
        from tests.exchanges.conftest import make_exchange

        exchange = make_exchange(db.session.get(User, world["supervisor"]), side_a="Обмін")
        db.session.commit()
        exchange_id = exchange.id
    body = supervisor.get(f"/exchanges/{exchange_id}").get_data(as_text=True)
    assert 'id="remains"' not in body
    refused = _post(supervisor, f"/exchanges/{exchange_id}/remains", {"remains-body_number": "1"})
    assert refused.status_code == 200 and "repatriation" in refused.get_data(as_text=True)


def test_a_supervisor_records_remains(app, supervisor, caseworker, world):
    path = f"/exchanges/{world['exchange']}/remains"
    data = {
        "remains-body_number": "Т-003",
        "remains-recovery_region": "Південна область",
        "remains-recovered_on": "2026-10-02",
        "remains-claimed_family_name": "Вигаданий",
        "remains-claimed_service_number": "ВС-1",
        "remains-sex": "female",
        "remains-age_min": "20",
        "remains-age_max": "30",
        "remains-personal_effects": "Каблучка",
        "remains-lab_sample_number": "ЛАБ-3",
    }
    assert _post(supervisor, path, data).status_code == 302
    with app.app_context():
        found = db.session.scalars(
            select(ExchangeRemains).where(ExchangeRemains.body_number == "Т-003")
        ).one()
        assert (found.sex, found.age_min, found.age_max) == ("female", 20, 30)
        assert found.recovered_on.isoformat() == "2026-10-02"
    again = _post(supervisor, path, data)
    assert again.status_code == 200 and "already has remains" in again.get_data(as_text=True)
    upside_down = _post(
        supervisor, path, {**data, "remains-body_number": "Т-4", "remains-age_min": "50"}
    )
    assert "lowest age" in upside_down.get_data(as_text=True)
    assert _post(caseworker, path, {**data, "remains-body_number": "Т-5"}).status_code == 403


def test_the_remains_page_per_role(client, caseworker, supervisor, admin, login, world):
    path = f"/exchanges/remains/{world['first']}"
    assert client.get(path).status_code == 302
    assert admin.get(path).status_code == 403
    body = caseworker.get(path).get_data(as_text=True)
    assert "ЛАБ-1" in body and 'data-testid="remains-link-form"' in body
    assert "remains-decision-form" not in body
    assert supervisor.get("/exchanges/remains/999999").status_code == 404


def test_the_remains_page_is_audited_as_read(app, caseworker, world):
    caseworker.get(f"/exchanges/remains/{world['first']}")
    with app.app_context():
        read = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "exchange_remains", AuditEvent.action == "read"
            )
        ).all()
        assert [e.object_id for e in read] == [world["first"]]


def test_the_two_person_link_through_the_pages(app, caseworker, supervisor, login, world):
    base = f"/exchanges/remains/{world['first']}/link"
    proposal = {"link-case_number": f"RU-{world['mine']:06d}", "link-reason": "Жетон з прізвищем"}
    assert _post(caseworker, base, proposal).status_code == 302
    assert _remains(app, world["first"]) == (world["mine"], None)
    # The caseworker cannot approve it; the page does not offer them to.
    decision = {
        "link_decision-reason": "ДНК збігається",
        "link_decision-family_step": "Відвідати родину",
        "link_decision-approve": "y",
    }
    assert _post(caseworker, base + "/decide", decision).status_code == 403
    page = caseworker.get(f"/exchanges/remains/{world['first']}").get_data(as_text=True)
    assert MINE in page and "remains-decision-form" not in page
    # Another caseworker learns only that a case was proposed, not whose.
    other = login(world["other"]).get(f"/exchanges/remains/{world['first']}")
    assert other.status_code == 200
    assert MINE not in other.get_data(as_text=True)
    assert "Жетон з прізвищем" not in other.get_data(as_text=True)
    page = supervisor.get(f"/exchanges/remains/{world['first']}").get_data(as_text=True)
    assert 'data-testid="remains-decision-form"' in page
    assert _post(supervisor, base + "/decide", decision).status_code == 302
    assert _remains(app, world["first"]) == (world["mine"], world["mine"])
    with app.app_context():
        case = db.session.get(Case, world["mine"])
        assert (case.status, case.closure_reason) == ("closed", "found_deceased")
    # The case page shows the remains and the family contact as its next step.
    case_page = caseworker.get(f"/cases/{world['mine']}").get_data(as_text=True)
    assert 'data-testid="case-remains"' in case_page and "Т-001" in case_page
    assert "Відвідати родину" in case_page
    # Now linked to the caseworker's case: the other caseworker may not open it.
    assert login(world["other"]).get(f"/exchanges/remains/{world['first']}").status_code == 403
    listed = login(world["other"]).get(f"/exchanges/{world['exchange']}").get_data(as_text=True)
    assert 'data-testid="hidden-remains"' in listed


def test_the_same_supervisor_cannot_propose_and_approve(app, supervisor, world):
    base = f"/exchanges/remains/{world['first']}/link"
    proposal = {"link-case_number": str(world["mine"]), "link-reason": "Жетон"}
    assert _post(supervisor, base, proposal).status_code == 302
    page = supervisor.get(f"/exchanges/remains/{world['first']}").get_data(as_text=True)
    assert "remains-decision-form" not in page and "Another supervisor" in page
    refused = _post(
        supervisor,
        base + "/decide",
        {
            "link_decision-reason": "Так",
            "link_decision-family_step": "Сказати",
            "link_decision-approve": "y",
        },
    )
    assert refused.status_code == 200
    assert "not the one who proposed" in refused.get_data(as_text=True)
    assert _remains(app, world["first"]) == (world["mine"], None)


def test_a_rejection_through_the_pages_leaves_the_case_open(app, caseworker, login, world):
    base = f"/exchanges/remains/{world['first']}/link"
    proposal = {"link-case_number": str(world["mine"]), "link-reason": "Жетон"}
    assert _post(caseworker, base, proposal).status_code == 302
    with app.app_context():
        second = factories.make_user("supervisor")
        db.session.commit()
        second_id = second.id
    rejected = _post(
        login(second_id),
        base + "/decide",
        {"link_decision-reason": "ДНК не збігається", "link_decision-reject": "y"},
    )
    assert rejected.status_code == 302
    assert _remains(app, world["first"]) == (None, None)
    with app.app_context():
        assert db.session.get(Case, world["mine"]).status != "closed"


def test_a_caseworker_cannot_propose_a_case_they_may_not_read(app, caseworker, world):
    base = f"/exchanges/remains/{world['first']}/link"
    for number in (str(world["theirs"]), "RU-999999", "не номер"):
        refused = _post(caseworker, base, {"link-case_number": number, "link-reason": "Жетон"})
        assert refused.status_code == 200
        body = refused.get_data(as_text=True)
        assert "No such case" in body and THEIRS not in body
    assert _remains(app, world["first"]) == (None, None)


def test_a_stale_decision_is_refused_with_a_message(app, caseworker, supervisor, world):
    base = f"/exchanges/remains/{world['first']}/link"
    proposal = {"link-case_number": str(world["mine"]), "link-reason": "Жетон", "link-version": "1"}
    assert _post(caseworker, base, proposal).status_code == 302
    stale = _post(
        supervisor,
        base + "/decide",
        {
            "link_decision-reason": "Так",
            "link_decision-family_step": "Сказати",
            "link_decision-version": "1",
            "link_decision-approve": "y",
        },
    )
    assert stale.status_code == 200 and "meanwhile" in stale.get_data(as_text=True)
    assert _remains(app, world["first"]) == (world["mine"], None)


@pytest.mark.parametrize("version", ["²", "٣", "1²"])
def test_a_version_that_is_a_digit_but_no_number_is_no_500(app, caseworker, world, version):
    # str.isdigit says yes to "²", int() says no: the form's version was read as a number.
    base = f"/exchanges/remains/{world['first']}/link"
    proposal = {"link-case_number": str(world["mine"]), "link-reason": "Жетон"}
    response = _post(caseworker, base, {**proposal, "link-version": version})
    assert response.status_code == 302
