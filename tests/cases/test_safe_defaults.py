"""Defaults that do no harm when left untouched: a new case's sex is unknown (a boy entered
as "female" by default is counted against his true records by matching) and its priority
normal; a bulk assignment names its person, and unassigning is asked for, never assumed."""

import re

from sqlalchemy import select

from app.cases.models import Case, SourceList
from app.extensions import db
from tests.conftest import csrf_token


def _selected(html: str, name: str) -> list[str]:
    select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option selected value="([^"]*)"', select_html) or re.findall(
        r'<option[^>]*value="([^"]*)"[^>]*selected', select_html
    )


def test_new_case_form_selects_unknown_sex_and_normal_priority(caseworker):
    html = caseworker.get("/cases/new").get_data(as_text=True)
    assert _selected(html, "sex") == ["unknown"]
    assert _selected(html, "priority") == ["normal"]


def test_new_case_posted_without_sex_or_priority_is_unknown_and_normal(app, caseworker):
    with app.app_context():
        source_list = SourceList(name="Defaults list")
        db.session.add(source_list)
        db.session.commit()
        list_id = source_list.id
    response = caseworker.post(
        "/cases/new",
        data={
            "csrf_token": csrf_token(caseworker, "/cases/new"),
            "source_list": list_id,
            "external_id": "defaults-1",
            "case_type": "child",
            "family_name": "Бондар",
            "given_name": "Сашко",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.external_id == "defaults-1"))
        assert (case.sex, case.priority) == ("unknown", "normal")


def _assign(client, case_ids, assignee):
    return client.post(
        "/cases/assign",
        data={
            "case_ids": [str(i) for i in case_ids],
            "assignee": assignee,
            "csrf_token": csrf_token(client, "/cases"),
        },
        headers={"Referer": "/cases"},
        follow_redirects=True,
    )


def _assignees(app, case_ids):
    with app.app_context():
        return set(db.session.scalars(select(Case.assigned_to_id).where(Case.id.in_(case_ids))))


def test_bulk_assign_offers_a_placeholder_first_and_unassign_apart(supervisor):
    html = supervisor.get("/cases").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="assignee".*?</select>', html, re.S).group(0)
    options = re.findall(r'<option([^>]*)value="([^"]*)"[^>]*>([^<]*)<', select_html)
    assert options[0][1] == "" and "Choose a person" in options[0][2]
    assert "selected" not in "".join(attrs for attrs, _, _ in options[1:])
    assert any(value == "none" and "unassign" in label for _, value, label in options)


def test_bulk_assign_with_the_placeholder_is_refused(app, supervisor, make_case, users):
    ids = [make_case(owner="caseworker") for _ in range(2)]
    response = _assign(supervisor, ids, "")
    assert "Choose who gets the selected cases" in response.get_data(as_text=True)
    assert _assignees(app, ids) == {users["caseworker"]}


def test_bulk_unassign_is_an_explicit_choice(app, supervisor, make_case, users):
    ids = [make_case(owner="caseworker") for _ in range(2)]
    response = _assign(supervisor, ids, "none")
    assert "2 cases assigned." in response.get_data(as_text=True)
    assert _assignees(app, ids) == {None}
    _assign(supervisor, ids, str(users["caseworker"]))
    assert _assignees(app, ids) == {users["caseworker"]}
