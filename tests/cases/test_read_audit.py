"""Hole 7 (issue 10): every page that shows a case's or a relative's personal data records who
read it; a refused request records nothing and shows nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.audit.services import about
from app.cases.models import Case, Relative
from app.extensions import db
from app.matching.models import MatchCandidate
from tests.matching.conftest import make_candidate, make_record


def _reads(app, object_type: str, object_id: int | None = None) -> list[AuditEvent]:
    """The reads and exports about objects of this type (or this one): their own events and
    the list pages that showed them, as the audit trail's filter finds them."""
    with app.app_context():
        query = select(AuditEvent).where(
            AuditEvent.action.in_(("read", "export")), about(object_type, object_id)
        )
        return list(db.session.scalars(query.order_by(AuditEvent.id)))


def _shown(events: list[AuditEvent], object_type: str) -> set[int | None]:
    return {object_id for e in events for kind, object_id in e.objects() if kind == object_type}


@pytest.fixture
def world(app, make_case):
    """The caseworker's case with a relative, a partner record candidate and a duplicate pair
    with another of their cases."""
    case_id = make_case(owner="caseworker")
    twin_id = make_case(owner="caseworker", given_name="Сашко")
    with app.app_context():
        relative = Relative(case_id=case_id, relationship_kind="mother", full_name="Ганна Тестова")
        db.session.add(relative)
        record = make_record()
        candidate = make_candidate(case_id, record.id)
        pair = make_candidate(case_id, other_case_id=twin_id)
        db.session.commit()
        return {
            "case": case_id,
            "twin": twin_id,
            "relative": relative.id,
            "record": record.id,
            "candidate": candidate.id,
            "pair": pair.id,
        }


def test_the_case_edit_page_records_a_read(app, caseworker, users, world):
    response = caseworker.get(f"/cases/{world['case']}/edit")
    assert response.status_code == 200
    (event,) = _reads(app, "case_record", world["case"])
    assert event.action == "read" and event.actor_id == users["caseworker"]


def test_a_refused_case_edit_page_records_nothing(app, login, users, make_case):
    other = make_case(owner="supervisor")
    response = login(users["caseworker"]).get(f"/cases/{other}/edit")
    assert response.status_code == 403
    assert _reads(app, "case_record", other) == []


def test_the_case_edit_form_shown_again_with_errors_records_a_read(app, caseworker, world):
    from tests.conftest import csrf_token

    path = f"/cases/{world['case']}/edit"
    token = csrf_token(caseworker, path)
    before = len(_reads(app, "case_record", world["case"]))
    response = caseworker.post(path, data={"csrf_token": token, "family_name": "", "version": 1})
    assert response.status_code == 200  # shown again: neither name given
    assert len(_reads(app, "case_record", world["case"])) == before + 1


def test_the_relative_page_records_a_read(app, caseworker, users, world):
    response = caseworker.get(f"/cases/{world['case']}/relatives/{world['relative']}")
    assert response.status_code == 200 and "Ганна Тестова" in response.get_data(as_text=True)
    (event,) = _reads(app, "relative", world["relative"])
    assert event.actor_id == users["caseworker"]
    assert event.detail == {"case_id": world["case"]}


def test_a_refused_relative_page_records_nothing(app, login, make_case, world):
    from tests import factories

    with app.app_context():
        stranger = factories.make_user(role="caseworker")
        db.session.commit()
        stranger_id = stranger.id
    response = login(stranger_id).get(f"/cases/{world['case']}/relatives/{world['relative']}")
    assert response.status_code == 403
    assert "Ганна Тестова" not in response.get_data(as_text=True)
    assert _reads(app, "relative") == []


def test_the_candidate_page_records_reads_of_the_case_and_the_record(app, caseworker, world):
    assert caseworker.get(f"/matches/{world['candidate']}").status_code == 200
    assert len(_reads(app, "case_record", world["case"])) == 1
    assert len(_reads(app, "partner_record", world["record"])) == 1


def test_a_duplicate_pair_page_records_reads_of_both_cases(app, supervisor, world):
    assert supervisor.get(f"/matches/{world['pair']}").status_code == 200
    assert len(_reads(app, "case_record", world["case"])) == 1
    assert len(_reads(app, "case_record", world["twin"])) == 1


def test_the_partner_record_page_records_a_read(app, supervisor, users, world):
    assert supervisor.get(f"/records/{world['record']}").status_code == 200
    (event,) = _reads(app, "partner_record", world["record"])
    assert event.actor_id == users["supervisor"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_case_export_records_who_exported_how_many(app, supervisor, users, world, fmt):
    response = supervisor.get(f"/cases/export.{fmt}")
    assert response.status_code == 200
    response.get_data()  # the rows stream after the event is committed
    (event,) = _reads(app, "case_record", None)
    assert event.action == "export" and event.actor_id == users["supervisor"]
    assert event.detail["rows"] == 2 and event.detail["format"] == fmt


# The list pages: the last item of issue 10. They only read (a snapshot, served while an import
# holds SQLite's write lock), so their events are written by a job once the page is sent.
LIST_PAGES = [
    ("supervisor", "/cases", "cases.index", {"case"}),
    ("supervisor", "/cases?q=Коваленко", "cases.index", {"case"}),
    ("caseworker", "/my-cases", "cases.my_cases", {"case"}),
    ("supervisor", "/queues", "cases.supervisor_home", {"case"}),
    ("supervisor", "/matches?band=all", "matching.queue", {"case", "twin", "record"}),
    ("supervisor", "/records/", "records.index", {"record"}),
]


@pytest.mark.parametrize(("who", "path", "endpoint", "shown"), LIST_PAGES)
def test_a_list_page_records_a_read_of_every_case_and_record_it_shows(
    app, login, users, world, who, path, endpoint, shown
):
    if who == "supervisor":
        with app.app_context():  # unassigned, so that the supervisor's queues show it
            case = db.session.get(Case, world["case"])
            case.assigned_to_id = None
            db.session.commit()
    response = login(users[who]).get(path)
    assert response.status_code == 200
    expected = {
        ("case_record" if name != "record" else "partner_record", world[name]) for name in shown
    }
    events = {
        event.id: event
        for object_type in ("case_record", "partner_record")
        for event in _reads(app, object_type)
    }.values()
    assert len(events) == 1  # one event a page, holding what it showed
    assert {pair for event in events for pair in event.objects()} >= expected
    assert all(event.detail == {"list": endpoint} for event in events)
    assert all(event.actor_id == users[who] for event in events)
    assert all(event.ip_address == "127.0.0.1" for event in events)


def test_the_approval_queues_record_reads_of_what_they_show(app, supervisor, users, world):
    with app.app_context():
        db.session.get(MatchCandidate, world["candidate"]).status = "awaiting_approval"
        db.session.commit()
    assert supervisor.get("/matches/approvals").status_code == 200
    assert _shown(_reads(app, "partner_record"), "partner_record") == {world["record"]}
    assert {e.detail["list"] for e in _reads(app, "case_record")} == {"matching.approvals"}


def test_a_list_page_a_reader_may_not_open_records_nothing(app, caseworker, world):
    assert caseworker.get("/queues").status_code == 403
    assert _reads(app, "case_record") == []


def test_a_caseworkers_case_list_records_only_the_cases_it_shows(app, login, make_case, world):
    from tests import factories

    with app.app_context():
        stranger = factories.make_user(role="caseworker")
        db.session.commit()
        stranger_id = stranger.id
    theirs = make_case(owner=None)
    with app.app_context():
        db.session.get(Case, theirs).assigned_to_id = stranger_id
        db.session.commit()
    assert login(stranger_id).get("/cases").status_code == 200
    assert _shown(_reads(app, "case_record"), "case_record") == {theirs}


def test_a_list_pages_read_is_one_event_that_the_filter_by_object_finds(app, users):
    """write_list_read writes one event holding the page's ids by type (it wrote one event per
    id: the match queue's 50 rows made 50 audit rows with five index entries each); "who saw
    this" finds it by type and id, by type alone and by id alone, and not for an id it did not
    show or the same id of another type."""
    from datetime import UTC, datetime

    from app.audit.services import write_list_read

    at = datetime(2026, 12, 2, 11, 5, 7, 123456, tzinfo=UTC)
    ids = {"case_record": list(range(1, 121)), "partner_record": [7, 9]}
    with app.app_context():
        write_list_read.run_here(users["supervisor"], "10.0.0.9", at, "cases.index", ids)
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "read"))
        assert event.shown == ids and event.object_type is None and event.object_id is None
        assert event.objects() == [
            (kind, object_id) for kind, object_ids in ids.items() for object_id in object_ids
        ]
        assert (event.at, event.actor_id, event.ip_address) == (
            at,
            users["supervisor"],
            "10.0.0.9",
        )
        assert event.detail == {"list": "cases.index"} and event.fields is None

        def found(object_type: str | None, object_id: int | None) -> bool:
            query = select(AuditEvent.id).where(about(object_type, object_id))
            return db.session.scalars(query).all() == [event.id]

        assert found("case_record", 1) and found("case_record", 120)
        assert found("partner_record", 9) and found("case_record", None)
        assert found(None, 9) and found(None, 120)
        assert not found("case_record", 121) and not found("partner_record", 1)
        assert not found(None, 121) and not found("contact_log", None)
        with pytest.raises(ValueError, match="needs"):
            about(None, None)
