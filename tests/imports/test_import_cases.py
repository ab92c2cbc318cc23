"""Cases from a source-list file: the same pipeline, written to case_record and relatives."""

from __future__ import annotations

from sqlalchemy import func, select

from app.cases.models import Case, CaseEvent, CaseNameKey, Relative
from app.extensions import db
from app.imports.models import ImportProblem
from tests.imports.conftest import import_file


def _cases(batch) -> dict[str, Case]:
    cases = db.session.scalars(select(Case).where(Case.source_list_id == batch.source_list_id))
    return {case.external_id: case for case in cases}


def test_a_case_file_creates_cases_relatives_events_and_name_keys(app):
    with app.app_context():
        batch = import_file("cases_339_sample.csv", "339 children", kind="cases")
        assert (batch.status, batch.rows_read, batch.created, batch.rejected) == ("done", 40, 40, 0)
        cases = _cases(batch)
        first = cases["339-001"]
        assert (first.family_name, first.given_name, first.patronymic, first.sex) == (
            "Закусило",
            "Богуслава",
            "Андріївна",
            "female",
        )
        assert (first.dob_year, first.dob_month, first.dob_day) == (2007, 2, 23)
        assert first.last_known_place == "Знам'янка"
        assert first.region == "Тернопільська область"
        # Row 5 of the file has a year only, row 7 a year and a month.
        assert cases["339-005"].dob_year is not None and cases["339-005"].dob_month is None
        assert cases["339-007"].dob_month is not None and cases["339-007"].dob_day is None
        relatives = {r.relationship_kind: r for r in first.relatives}
        assert relatives["mother"].full_name == "Бабʼяк Маруся"
        assert relatives["mother"].phone == "+380 00 702 12 90"
        assert relatives["father"].full_name == "Верменич Олександр"
        events = db.session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == "imported")
        )
        assert events == 40
        keys = db.session.scalar(
            select(func.count()).select_from(CaseNameKey).where(CaseNameKey.case_id == first.id)
        )
        assert keys > 0


def test_reimporting_a_case_list_updates_in_place(app, tmp_path):
    with app.app_context():
        import_file("cases_339_sample.csv", "339 children", kind="cases")
        again = import_file("cases_339_sample.csv", "339 children", kind="cases")
        assert (again.created, again.updated, again.unchanged) == (0, 0, 40)
        path = tmp_path / "corrected.csv"
        path.write_text(
            "external_id,given_name,date_of_birth\n339-001,Богуслава-Марія,2007\n",
            encoding="utf-8",
        )
        corrected = import_file(path, "339 children", kind="cases")
        assert (corrected.created, corrected.updated) == (0, 1)
        case = _cases(corrected)["339-001"]
        # Only the columns in the file change: the family name stays.
        assert (case.family_name, case.given_name, case.dob_year, case.dob_month) == (
            "Закусило",
            "Богуслава-Марія",
            2007,
            None,
        )
        assert case.version == 2
        assert len(_cases(corrected)) == 40
        relatives = db.session.scalar(
            select(func.count()).select_from(Relative).where(Relative.case_id == case.id)
        )
        assert relatives == 2


def test_an_import_follows_the_rules_of_the_case_form(app, tmp_path, users):
    """open_cases shares open_case's and update_case's rules: a caseworker who opens cases is
    assigned to them, a change is an UPDATED event with its fields and version, and a date
    the form refuses is a rejected row."""
    path = tmp_path / "list.csv"
    path.write_text(
        "external_id,family_name,given_name\n9-001,Коваленко,Іван\n9-002,Мельник,Олена\n",
        encoding="utf-8",
    )
    with app.app_context():
        batch = import_file(path, "Hotline", kind="cases", user_id=users["caseworker"])
        cases = _cases(batch)
        assert {case.assigned_to_id for case in cases.values()} == {users["caseworker"]}
        path.write_text("external_id,given_name\n9-001,Іванко\n", encoding="utf-8")
        again = import_file(path, "Hotline", kind="cases", user_id=users["supervisor"])
        case = _cases(again)["9-001"]
        (event,) = db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "updated")
        ).all()
        assert event.data["fields"] == ["given_name"] and event.data["version"] == 2
        assert (event.actor_id, event.data["batch_id"], event.data["line"]) == (
            users["supervisor"],
            again.id,
            2,
        )
        assert case.assigned_to_id == users["caseworker"]  # an update reassigns no one


def test_a_case_number_twice_in_one_file_is_rejected_with_the_first_line(app, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text(
        "external_id,family_name\n9-001,Коваленко\n9-002,Мельник\n9-001,Шевчук\n",
        encoding="utf-8",
    )
    with app.app_context():
        batch = import_file(path, "Twice", kind="cases")
        assert (batch.created, batch.rejected) == (2, 1)
        (problem,) = db.session.scalars(select(ImportProblem)).all()
        assert problem.line_number == 4
        assert (problem.reason_code, problem.reason_params) == (
            "duplicate_id",
            {"id": "case_number", "first_line": 2},
        )
        assert _cases(batch)["9-001"].family_name == "Коваленко"
