from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.cases import queues
from app.cases.labels import event_text
from app.cases.models import Case, CaseNameKey, CaseStatus
from app.cases.search import CaseFilters, search_cases
from app.cases.services import (
    CaseError,
    StaleCaseError,
    add_alias,
    advance_while_free,
    assign_cases,
    change_status,
    link_siblings,
    log_contact,
    mark_duplicate,
    open_case,
    timeline,
    update_case,
)
from app.database import utcnow
from app.extensions import db
from tests import factories


def _found(user, text, **filters):
    query = search_cases(user, CaseFilters(text=text, **filters))
    return {case.id for case in db.session.scalars(query)}


def test_open_case_assigns_the_caseworker_and_starts_timeline(app, people):
    with app.app_context():
        case = open_case(factories.make_source_list(), people["caseworker"], given_name="Дарина")
        assert case.assigned_to_id == people["caseworker"].id
        assert case.case_number == f"RU-{case.id:06d}"
        assert [e.kind for e in timeline(case)] == ["created"]


def test_duplicate_number_on_one_list_is_refused(app, people):
    with app.app_context():
        source_list = factories.make_source_list()
        open_case(source_list, people["supervisor"], external_id="17", given_name="A")
        with pytest.raises(CaseError, match="already has a case with number 17"):
            open_case(source_list, people["supervisor"], external_id="17", given_name="B")


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"dob_month": 3}, "needs a birth year"),
        ({"dob_year": 2014, "dob_day": 3}, "needs a birth month"),
        ({"dob_year": 2014, "dob_month": 2, "dob_day": 31}, "Date of birth"),
    ],
)
def test_impossible_dates_of_birth_are_refused(app, people, fields, message):
    with app.app_context(), pytest.raises(CaseError, match=message):
        open_case(factories.make_source_list(), people["supervisor"], given_name="A", **fields)


@pytest.mark.parametrize(
    "query",
    ["Oleksandr Kovalenko", "Александр Коваленко", "коваленко олександр", "KOVALENKO", "Саша"],
)
def test_search_finds_case_across_scripts(app, people, query):
    with app.app_context():
        case = factories.make_case(
            people["supervisor"],
            family_name="Коваленко",
            given_name="Олександр",
            patronymic="Петрович",
        )
        other = factories.make_case(
            people["supervisor"], family_name="Коваленко", given_name="Марія"
        )
        found = _found(people["supervisor"], query)
        assert case.id in found
        if "олександр" in query.lower() or "oleksandr" in query.lower():
            assert other.id not in found


def test_search_by_alias_and_case_number(app, people):
    with app.app_context():
        case = factories.make_case(people["supervisor"], family_name="Лисенко", given_name="Ірина")
        add_alias(case, people["supervisor"], "adoption", "Петрова", "Ирина")
        assert case.id in _found(people["supervisor"], "Петрова")
        assert case.id in _found(people["supervisor"], "Lysenko Iryna")
        assert _found(people["supervisor"], case.case_number) == {case.id}
        assert _found(people["supervisor"], str(case.id)) == {case.id}


def test_search_prefix_when_no_whole_name_matches(app, people):
    with app.app_context():
        case = factories.make_case(people["supervisor"], family_name="Коваленко")
        query = search_cases(people["supervisor"], CaseFilters(text="Ковал"), prefix=True)
        assert case.id in {c.id for c in db.session.scalars(query)}


def test_search_uses_the_key_index_not_a_scan(app, people):
    with app.app_context():
        factories.make_case(people["supervisor"])
        query = search_cases(people["supervisor"], CaseFilters(text="Коваленко"))
        sql = str(query.compile(compile_kwargs={"literal_binds": True}))
        assert "case_name_key.key IN" in sql


def test_caseworker_search_sees_only_own_cases(app, people):
    with app.app_context():
        mine = factories.make_case(people["supervisor"], assigned_to=people["caseworker"])
        theirs = factories.make_case(people["supervisor"])
        found = _found(people["caseworker"], "Коваленко")
        assert mine.id in found and theirs.id not in found


def test_filters_status_region_age_band_and_assignment(app, people):
    with app.app_context():
        year = date.today().year
        child = factories.make_case(
            people["supervisor"], region="Херсонська", dob_year=year - 7, status="located"
        )
        adult = factories.make_case(people["supervisor"], region="Донецька", dob_year=year - 30)
        estimated = factories.make_case(
            people["supervisor"], estimated_age=6, age_estimated_on=date.today()
        )
        user = people["supervisor"]
        assert _found(user, "", status="located") >= {child.id}
        assert adult.id not in _found(user, "", status="located")
        assert _found(user, "", region="Донецька") == {adult.id}
        assert {child.id, estimated.id} <= _found(user, "", age_band="5-9")
        assert adult.id not in _found(user, "", age_band="5-9")
        assert {child.id, adult.id} <= _found(user, "", unassigned=True)


def test_name_keys_are_rebuilt_when_names_change(app, people):
    with app.app_context():
        case = factories.make_case(people["supervisor"], family_name="Бондар")
        update_case(case, people["supervisor"], {"family_name": "Мельник"}, case.version)
        keys = set(
            db.session.scalars(select(CaseNameKey.key).where(CaseNameKey.case_id == case.id))
        )
        assert "melnik" in keys or any(k.startswith("meln") for k in keys)
        assert not any(k.startswith("bondar") for k in keys)


def test_update_records_changed_fields_on_timeline(app, people):
    with app.app_context():
        case = factories.make_case(people["supervisor"])
        changed = update_case(
            case,
            people["supervisor"],
            {"region": "Запорізька", "given_name": case.given_name},
            case.version,
        )
        assert changed == ["region"]
        assert timeline(case)[0].data["fields"] == ["region"]


def test_stale_save_is_refused_and_shows_what_changed(app, people):
    with app.app_context():
        case = factories.make_case(people["supervisor"])
        opened_version = case.version
        update_case(case, people["supervisor"], {"region": "Херсонська"}, opened_version)
        with pytest.raises(StaleCaseError) as caught:
            update_case(
                case,
                people["caseworker"],
                {"region": "Донецька", "last_known_place": "Олешки"},
                opened_version,
            )
        error = caught.value
        assert error.changed_fields == ["region"]
        region = next(row for row in error.differences() if row.name == "region")
        assert (region.saved, region.yours, region.changed_by_other) == (
            "Херсонська",
            "Донецька",
            True,
        )
        # Without what the form started from, every difference waits for a choice.
        assert region.clash and region.unresolved
        assert error.submitted["last_known_place"] == "Олешки"  # nothing the user typed is lost
        assert case.region == "Херсонська"


def test_concurrent_flush_with_old_version_is_refused_by_the_database(app, people):
    """Even if two saves pass the version check at the same moment, the UPDATE ... WHERE
    version = n of the second one matches no row."""
    from sqlalchemy import update
    from sqlalchemy.orm.exc import StaleDataError

    with app.app_context():
        case = factories.make_case(people["supervisor"])
        # Another session's save: the row's version moves on behind this session's back.
        db.session.execute(
            update(Case)
            .where(Case.id == case.id)
            .values(version=Case.version + 1)
            .execution_options(synchronize_session=False)
        )
        case.region = "Луганська"
        with pytest.raises(StaleDataError):
            db.session.flush()
        db.session.rollback()


def test_siblings_are_linked_both_ways(app, people):
    with app.app_context():
        one = factories.make_case(people["supervisor"], given_name="Ігор")
        two = factories.make_case(people["supervisor"], given_name="Олена")
        link_siblings(one, two, people["supervisor"])
        link_siblings(one, two, people["supervisor"])  # twice is harmless
        assert [r.linked_case_id for r in one.relatives] == [two.id]
        assert [r.linked_case_id for r in two.relatives] == [one.id]
        with pytest.raises(CaseError):
            link_siblings(one, one, people["supervisor"])


def test_mark_duplicate_keeps_both_histories_and_names(app, people):
    from app.cases.services import add_relative

    with app.app_context():
        original = factories.make_case(people["supervisor"], family_name="Лисенко")
        duplicate = factories.make_case(
            people["supervisor"], family_name="Лысенко", given_name="Александр"
        )
        add_relative(
            duplicate, people["supervisor"], relationship_kind="father", full_name="Лысенко Сергей"
        )
        mark_duplicate(duplicate, original, people["supervisor"], "same child")
        assert duplicate.duplicate_of_id == original.id
        assert (duplicate.status, duplicate.closure_reason) == ("closed", "duplicate")
        assert db.session.get(Case, duplicate.id) is not None  # nothing is deleted
        assert any(a.family_name == "Лысенко" for a in original.aliases)
        assert any(r.full_name == "Лысенко Сергей" for r in original.relatives)
        assert timeline(original)[0].kind == "merged" and timeline(duplicate)[0].kind == "merged"
        with pytest.raises(CaseError):
            mark_duplicate(original, original, people["supervisor"])


def test_mark_duplicate_closes_through_the_workflow_with_a_status_event(app, people):
    with app.app_context():
        original = factories.make_case(people["supervisor"], family_name="Лисенко")
        duplicate = factories.make_case(people["supervisor"], family_name="Лысенко")
        mark_duplicate(duplicate, original, people["supervisor"])
        changes = [e for e in timeline(duplicate) if e.kind == "status_changed"]
        assert len(changes) == 1
        data = changes[0].data
        assert (data["source"], data["target"]) == ("new", "closed")
        assert data["closure_reason"] == "duplicate"
        assert data["approved_by"] == people["supervisor"].id
        # The system's reason is a code, worded in the reader's language when shown.
        assert changes[0].text == ""
        assert data["why"] == "duplicate_of"
        assert data["why_params"] == {"n": original.case_number}
        with app.test_request_context(), force_locale("en"):
            shown = event_text(changes[0].text, data)
        assert shown == f"Duplicate of {original.case_number}"


def test_mark_duplicate_respects_a_pending_status_change(app, people):
    """The one way to move a status: a change waiting for approval is decided first."""
    with app.app_context():
        original = factories.make_case(people["supervisor"])
        duplicate = factories.make_case(people["caseworker"])
        change_status(duplicate, people["caseworker"], "closed", "not found", "not_found")
        with pytest.raises(CaseError, match="waiting for approval"):
            mark_duplicate(duplicate, original, people["supervisor"], "same child")
        assert duplicate.status == "new" and duplicate.duplicate_of_id is None


def test_only_a_supervisor_merges_cases(app, people):
    with app.app_context():
        original = factories.make_case(people["caseworker"])
        duplicate = factories.make_case(people["caseworker"])
        with pytest.raises(CaseError):
            mark_duplicate(duplicate, original, people["caseworker"], "same child")
        assert duplicate.status == "new"


def test_advance_while_free_stops_at_a_pending_request(app, people):
    with app.app_context():
        case = factories.make_case(people["caseworker"])
        path = [CaseStatus.NEW, CaseStatus.UNDER_INVESTIGATION, CaseStatus.LOCATED]
        change_status(case, people["caseworker"], "closed", "not found", "not_found")
        advance_while_free(case, people["supervisor"], path, "match confirmed")
        assert case.status == "new"
        other = factories.make_case(people["caseworker"])
        advance_while_free(other, people["supervisor"], path, "match confirmed")
        assert other.status == "located"
        steps = [e.data["target"] for e in timeline(other) if e.kind == "status_changed"]
        assert steps == ["located", "under_investigation"]


def test_bulk_assignment_and_load(app, people):
    with app.app_context():
        ids = [factories.make_case(people["supervisor"]).id for _ in range(3)]
        assert assign_cases(ids, people["caseworker"], people["supervisor"]) == 3
        assert assign_cases(ids, people["caseworker"], people["supervisor"]) == 0
        load = {user.id: n for user, n, _ in queues.caseworker_load()}
        assert load[people["caseworker"].id] == 3
        with pytest.raises(CaseError):
            assign_cases(ids, people["admin"], people["supervisor"])


def test_my_cases_puts_overdue_next_steps_first(app, people):
    with app.app_context():
        worker = people["caseworker"]
        calm = factories.make_case(people["supervisor"], assigned_to=worker)
        later = factories.make_case(people["supervisor"], assigned_to=worker)
        overdue = factories.make_case(people["supervisor"], assigned_to=worker)
        today = date.today()
        log_contact(
            later,
            worker,
            contacted_on=today,
            channel="phone",
            outcome="x",
            next_step="call",
            next_step_due=today + timedelta(days=5),
        )
        log_contact(
            overdue,
            worker,
            contacted_on=today,
            channel="phone",
            outcome="x",
            next_step="call",
            next_step_due=today - timedelta(days=2),
        )
        order = [case.id for case in db.session.scalars(queues.my_cases(worker))]
        assert order == [overdue.id, later.id, calm.id]
        assert queues.next_due_dates(order) == {
            overdue.id: today - timedelta(days=2),
            later.id: today + timedelta(days=5),
        }


def test_stale_and_unassigned_queues(app, people):
    with app.app_context():
        old = factories.make_case(people["supervisor"])
        old.last_activity_at = utcnow() - timedelta(days=40)
        fresh = factories.make_case(people["supervisor"], assigned_to=people["caseworker"])
        closed = factories.make_case(people["supervisor"], status="closed")
        closed.last_activity_at = utcnow() - timedelta(days=40)
        db.session.flush()
        stale = {c.id for c in db.session.scalars(queues.stale_cases(21))}
        assert old.id in stale and fresh.id not in stale and closed.id not in stale
        unassigned = {c.id for c in db.session.scalars(queues.unassigned_cases())}
        assert old.id in unassigned and fresh.id not in unassigned
        assert queues.count(queues.unassigned_cases()) == len(unassigned)


def test_due_date_without_next_step_is_refused(app, people):
    with app.app_context():
        case = factories.make_case(people["supervisor"])
        with pytest.raises(CaseError, match="needs a next step"):
            log_contact(
                case,
                people["supervisor"],
                contacted_on=date.today(),
                channel="phone",
                outcome="x",
                next_step="",
                next_step_due=date.today(),
            )


def test_caseworker_load_counts_overdue_steps_on_the_day_it_is_read(app, people, monkeypatch):
    """Its statement is built once for the process (app/cases/queues.py): the day is a
    parameter, so a step due today is overdue on the load read tomorrow, not frozen."""
    with app.app_context():
        worker = people["caseworker"]
        case = factories.make_case(people["supervisor"], assigned_to=worker)
        today = date.today()
        log_contact(
            case,
            worker,
            contacted_on=today,
            channel="phone",
            outcome="x",
            next_step="call",
            next_step_due=today,
        )

        def load_on(day: date) -> dict[int, tuple[str, int, int]]:
            monkeypatch.setattr(
                queues, "date", type("Day", (date,), {"today": classmethod(lambda cls: day)})
            )
            return {user.id: (user.name, n, late) for user, n, late in queues.caseworker_load()}

        assert load_on(today)[worker.id] == (worker.name, 1, 0)
        assert load_on(today + timedelta(days=1))[worker.id] == (worker.name, 1, 1)
        assert people["admin"].id not in load_on(today)  # admins hold no cases
