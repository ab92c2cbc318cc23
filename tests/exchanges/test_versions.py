"""List versions: what a version freezes, that nothing changes it, and its pages per role."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.exc import DBAPIError

from app.audit.models import AuditEvent
from app.auth.models import User
from app.exchanges.models import ExchangeLine, ExchangeListVersion
from app.exchanges.services import add_line
from app.exchanges.versions import compare_versions, make_version, version_rows
from app.exchanges.workflow import ExchangeError
from app.extensions import db
from tests import factories
from tests.conftest import csrf_token
from tests.exchanges.conftest import line_of, make_exchange
from tests.matching.conftest import make_record

MINE, THEIRS = "Вербицька-Версійна", "Гайдамаченко-Версійний"


def _names(version) -> list[str]:
    return [row["family_name"] for row in version_rows(version)]


# --- making a version ---------------------------------------------------------------------------


@pytest.fixture
def people(app, users):
    with app.test_request_context():
        supervisor = db.session.get(User, users["supervisor"])
        caseworker = db.session.get(User, users["caseworker"])
        mine = factories.make_case(
            supervisor,
            assigned_to=caseworker,
            family_name=MINE,
            family_name_latin="Verbytska",
            dob_year=2014,
            region="Харківська",
            document_number="МК 000001",
        )
        theirs = factories.make_case(supervisor, family_name=THEIRS)
        exchange = make_exchange(supervisor, mine, theirs, kind="list_handover")
        yield {
            "supervisor": supervisor,
            "caseworker": caseworker,
            "mine": mine,
            "theirs": theirs,
            "exchange": exchange,
        }


def test_a_version_freezes_each_persons_identity_as_handed_over(people):
    version = make_version(
        people["exchange"], people["supervisor"], note="Протокол №7", expected_latest=0
    )
    assert (version.number, version.people, version.added, version.note) == (
        1,
        2,
        2,
        "Протокол №7",
    )
    row = next(version_rows(version))
    assert (
        row["key"] == f"case:{people['mine'].id}" and row["reference"] == people["mine"].case_number
    )
    assert row["family_name_latin"] == "Verbytska"
    assert row["date_of_birth"] == "2014"  # a year only: as stored, not made a full date
    assert (row["region"], row["document_number"]) == ("Харківська", "МК 000001")
    assert row["category"] == "seriously wounded"


def test_later_edits_of_the_case_do_not_change_an_old_version(people):
    exchange, supervisor, mine = people["exchange"], people["supervisor"], people["mine"]
    first = make_version(exchange, supervisor)
    mine.family_name, mine.dob_month = "Вербицька", 3
    db.session.flush()
    db.session.expire_all()
    assert _names(first) == [MINE, THEIRS]
    second = make_version(exchange, supervisor, expected_latest=1)
    assert _names(second) == ["Вербицька", THEIRS]
    assert (second.added, second.removed, second.corrected) == (0, 0, 1)
    (correction,) = compare_versions(supervisor, first, second).diff.corrected
    assert {(c.field, c.old, c.new) for c in correction.changes} == {
        ("family_name", MINE, "Вербицька"),
        ("date_of_birth", "2014", "2014-03"),
    }


def test_a_removed_line_still_appears_in_the_old_version(people):
    exchange, supervisor = people["exchange"], people["supervisor"]
    first = make_version(exchange, supervisor)
    # No page removes a line yet: the row goes as any future removal would take it.
    db.session.execute(delete(ExchangeLine).where(ExchangeLine.case_id == people["theirs"].id))
    record = make_record(family_name="Записана", document_number="КА 654321")
    add_line(exchange, supervisor, partner_record=record)
    second = make_version(exchange, supervisor)
    assert _names(first) == [MINE, THEIRS]
    assert _names(second) == [MINE, "Записана"]
    assert (second.people, second.added, second.removed, second.corrected) == (2, 1, 1, 0)
    assert next(iter(version_rows(second, None)))["kind"] == "case"
    assert list(version_rows(second))[1]["kind"] == "record"
    # A partner's list may give a document number now: the version shows it.
    assert list(version_rows(second))[1]["document_number"] == "КА 654321"


def test_making_a_version_is_audited_and_on_the_timeline(people):
    version = make_version(people["exchange"], people["supervisor"], note="Нота 12")
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "list_version")
    ).one()
    assert event.action == "create" and event.object_id == version.id
    assert event.detail == {"exchange_id": people["exchange"].id, "number": 1, "people": 2}
    kinds = [e.kind for e in db.session.scalars(people["exchange"].events.select())]
    assert "version_made" in kinds


def test_only_a_supervisor_hands_over_and_never_on_a_list_not_seen(people):
    with pytest.raises(ExchangeError, match="supervisor"):
        make_version(people["exchange"], people["caseworker"])
    make_version(people["exchange"], people["supervisor"], expected_latest=0)
    with pytest.raises(ExchangeError, match="meanwhile"):
        make_version(people["exchange"], people["supervisor"], expected_latest=0)


def test_a_version_is_never_changed(people):
    version = make_version(people["exchange"], people["supervisor"])
    db.session.flush()
    version.note = "переписано"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("table", ["list_version", "list_version_person"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET id = id", "DELETE FROM {t}"])
def test_the_database_refuses_to_change_a_version_too(people, table, statement):
    make_version(people["exchange"], people["supervisor"])
    db.session.flush()
    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(text(statement.format(t=table)))


def test_a_caseworker_reads_only_the_rows_of_their_cases(people):
    version = make_version(people["exchange"], people["supervisor"])
    assert [r["family_name"] for r in version_rows(version, people["caseworker"])] == [MINE]


# --- the pages ----------------------------------------------------------------------------------


@pytest.fixture
def world(app, users):
    with app.test_request_context():
        supervisor = db.session.get(User, users["supervisor"])
        caseworker = db.session.get(User, users["caseworker"])
        other = factories.make_user("caseworker")
        mine = factories.make_case(supervisor, assigned_to=caseworker, family_name=MINE)
        theirs = factories.make_case(supervisor, assigned_to=other, family_name=THEIRS)
        exchange = make_exchange(supervisor, mine, theirs)
        first = make_version(exchange, supervisor, note="Протокол №1")
        mine.family_name = MINE + "-Виправлена"
        theirs.family_name = THEIRS + "-Виправлений"
        second = make_version(exchange, supervisor, note="Протокол №2")
        elsewhere = make_exchange(supervisor, mine)
        foreign = make_version(elsewhere, supervisor)
        ids = {
            "exchange": exchange.id,
            "first": first.id,
            "second": second.id,
            "elsewhere": elsewhere.id,
            "foreign": foreign.id,
            "line": line_of(exchange, mine.id).id,
        }
        db.session.commit()
        return ids


def _post(client, path, data):
    token = csrf_token(client, "/login", follow_redirects=True)
    return client.post(path, data={"csrf_token": token, **data})


@pytest.fixture
def stranger(app, login):
    with app.app_context():
        user = factories.make_user("caseworker")
        db.session.commit()
        return login(user.id)


def test_a_supervisor_hands_over_a_version_from_the_exchange_page(app, supervisor, world):
    path = f"/exchanges/{world['exchange']}"
    page = supervisor.get(path).get_data(as_text=True)
    assert 'data-testid="list-versions"' in page and "version-make-form" in page
    assert "+0 / −0 / ~2" in page
    made = _post(
        supervisor, path + "/versions", {"version-note": "Протокол №3", "version-latest": "2"}
    )
    assert made.status_code == 302
    stale = _post(supervisor, path + "/versions", {"version-latest": "2"})
    assert stale.status_code == 200 and "meanwhile" in stale.get_data(as_text=True)
    with app.app_context():
        numbers = db.session.scalars(
            select(ExchangeListVersion.number).where(
                ExchangeListVersion.exchange_id == world["exchange"]
            )
        ).all()
        assert sorted(numbers) == [1, 2, 3]


def test_only_supervisors_hand_over(caseworker, admin, world):
    path = f"/exchanges/{world['exchange']}/versions"
    assert _post(caseworker, path, {"version-latest": "2"}).status_code == 403
    assert _post(admin, path, {"version-latest": "2"}).status_code == 403
    assert "version-make-form" not in caseworker.get(f"/exchanges/{world['exchange']}").get_data(
        as_text=True
    )


def test_the_version_page_per_role(client, caseworker, supervisor, admin, stranger, world):
    path = f"/exchanges/{world['exchange']}/versions/{world['first']}"
    body = supervisor.get(path).get_data(as_text=True)
    assert MINE in body and THEIRS in body and "Протокол №1" in body
    assert MINE + "-Виправлена" not in body  # as handed over then
    own = caseworker.get(path)
    assert own.status_code == 200
    assert MINE in own.get_data(as_text=True) and THEIRS not in own.get_data(as_text=True)
    assert 'data-testid="hidden-people"' in own.get_data(as_text=True)
    assert client.get(path).status_code == 302
    assert admin.get(path).status_code == 403
    assert stranger.get(path).status_code == 403


def test_a_version_of_another_exchange_is_not_found(supervisor, world):
    base = f"/exchanges/{world['exchange']}/versions"
    assert supervisor.get(f"{base}/{world['foreign']}").status_code == 404
    assert supervisor.get(f"{base}/999999").status_code == 404
    assert supervisor.get(f"{base}/compare?old={world['foreign']}").status_code == 404
    assert (
        supervisor.get(f"{base}/compare?old={world['first']}&new={world['foreign']}").status_code
        == 404
    )


def test_the_comparison_defaults_to_the_latest_against_the_previous(supervisor, world):
    body = supervisor.get(f"/exchanges/{world['exchange']}/versions/compare").get_data(as_text=True)
    assert "From version 1 to version 2" in body
    assert 'data-testid="diff-corrected"' in body
    assert MINE + "-Виправлена" in body and THEIRS + "-Виправлений" in body
    assert "2 corrected" in body


def test_a_caseworker_compares_only_their_own_people(caseworker, world):
    body = caseworker.get(
        f"/exchanges/{world['exchange']}/versions/compare?old={world['first']}&new={world['second']}"
    ).get_data(as_text=True)
    assert MINE + "-Виправлена" in body and THEIRS not in body
    assert 'data-testid="hidden-changes"' in body


def test_comparing_the_other_way_and_odd_parameters(supervisor, world):
    base = f"/exchanges/{world['exchange']}/versions/compare"
    backwards = supervisor.get(f"{base}?old={world['second']}&new={world['first']}")
    assert backwards.status_code == 200 and "From version 2 to version 1" in backwards.get_data(
        as_text=True
    )
    same = supervisor.get(f"{base}?old={world['first']}&new={world['first']}")
    assert 'data-testid="no-changes"' in same.get_data(as_text=True)
    for odd in ("old=x", "new=-1", "old=" + "9" * 30):
        assert supervisor.get(f"{base}?{odd}").status_code in (200, 404)


def test_an_exchange_with_one_version_or_none(supervisor, world):
    one = supervisor.get(f"/exchanges/{world['elsewhere']}/versions/compare")
    assert one.status_code == 200 and "the first" in one.get_data(as_text=True)
    page = supervisor.get(f"/exchanges/{world['elsewhere']}").get_data(as_text=True)
    assert "first version" in page


def test_changes_since_the_previous_version_of_an_older_version(app, supervisor, users, world):
    with app.test_request_context():
        exchange = db.session.get(ExchangeLine, world["line"]).exchange
        make_version(exchange, db.session.get(User, users["supervisor"]))
        db.session.commit()
    base = f"/exchanges/{world['exchange']}/versions/compare"
    older = supervisor.get(f"{base}?new={world['second']}").get_data(as_text=True)
    assert "From version 1 to version 2" in older
    first = supervisor.get(f"{base}?new={world['first']}").get_data(as_text=True)
    assert "the first" in first and 'data-testid="diff-added"' in first
    latest = supervisor.get(base).get_data(as_text=True)
    assert "From version 2 to version 3" in latest and 'data-testid="no-changes"' in latest
