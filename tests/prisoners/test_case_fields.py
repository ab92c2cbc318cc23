"""A prisoner of war's facts on the case: the form, the merge of two editors, the case page."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import Case, CaseEvent
from app.cases.services import (
    EDIT_FIELDS,
    POW_FIELDS,
    CaseError,
    get_or_create_source_list,
    merge_edit,
    update_case,
)
from app.extensions import db
from tests.cases.test_edit_conflict import _open, _save, _saved, form_values
from tests.conftest import csrf_token

POW = {
    "case_type": "prisoner_of_war",
    "family_name": "Полонений-Тестовий",
    "given_name": "Орест",
    "service_number": "ВС-000111",
    "rank": "солдат",
    "unit": "в/ч А0000",
    "captured_on": date(2025, 3, 9),
    "place_of_capture": "Тестове",
    "health_category": "seriously_wounded",
}


@pytest.fixture
def pow_id(make_case):
    return make_case(owner="caseworker", **POW)


def test_every_prisoner_field_is_merged_like_the_others():
    assert set(POW_FIELDS) <= set(EDIT_FIELDS)
    base = {"rank": "солдат", "unit": "в/ч А0000"}
    # I changed the rank, they the unit: both stay, nothing to ask.
    merged = merge_edit(
        base, {"rank": "сержант", "unit": "в/ч А0000"}, {**base, "unit": "в/ч Б1"}, {}
    )
    assert merged.changes == {"rank": "сержант"}
    assert (merged.kept, merged.clashes) == (["unit"], [])


def test_the_new_case_form_saves_a_prisoner(app, caseworker, users):
    with app.app_context():
        source_list_id = get_or_create_source_list("Список полонених").id
        db.session.commit()
    html = caseworker.get("/cases/new").get_data(as_text=True)
    assert 'data-for-case-type="prisoner_of_war"' in html
    assert "js/case-form.js" in html
    response = caseworker.post(
        "/cases/new",
        data={
            "csrf_token": csrf_token(caseworker, "/cases/new"),
            "source_list": source_list_id,
            "case_type": "prisoner_of_war",
            "priority": "normal",
            "sex": "male",
            "family_name": "Полонений-Новий",
            "service_number": " ВС-222 ",
            "rank": "матрос",
            "unit": "бригада 0",
            "captured_on": "09.03.2025",
            "place_of_capture": "Тестове",
            "health_category": "seriously_ill",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        case = db.session.scalars(select(Case).where(Case.family_name == "Полонений-Новий")).one()
        assert (case.service_number, case.rank, case.unit, case.captured_on) == (
            "ВС-222",
            "матрос",
            "бригада 0",
            date(2025, 3, 9),
        )
        assert (case.place_of_capture, case.health_category) == ("Тестове", "seriously_ill")


def test_a_broken_date_of_capture_is_shown_beside_its_field(app, caseworker, pow_id):
    values = _open(caseworker, pow_id)
    response = _save(caseworker, pow_id, {**values, "captured_on": "31.02.2025"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="captured_on-error"' in html
    assert _saved(app, pow_id).captured_on == date(2025, 3, 9)


def test_an_unknown_health_category_is_refused(app, caseworker, pow_id):
    values = _open(caseworker, pow_id)
    response = _save(caseworker, pow_id, {**values, "health_category": "healthy"})
    assert response.status_code == 200
    assert _saved(app, pow_id).health_category == "seriously_wounded"


def test_the_service_refuses_an_unknown_health_category(app, people, pow_id):
    case = db.session.get(Case, pow_id)
    with pytest.raises(CaseError):
        update_case(case, people["supervisor"], {"health_category": "healthy"}, case.version)


def test_two_editors_one_changes_the_rank_the_other_the_unit_both_are_kept(
    app, caseworker, supervisor, pow_id
):
    mine = _open(caseworker, pow_id)
    theirs = _open(supervisor, pow_id)
    assert mine["rank"] == "солдат" and mine["captured_on"] == "09.03.2025"
    assert _save(supervisor, pow_id, {**theirs, "unit": "в/ч Б1111"}).status_code == 302

    conflict = _save(caseworker, pow_id, {**mine, "rank": "сержант"})
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 200 and 'data-testid="conflict"' in html
    assert 'class="diff-changed" data-field="unit"' in html
    assert 'name="resolve-' not in html  # no clash: different fields
    resolved = form_values(html)
    assert (resolved["rank"], resolved["unit"]) == ("сержант", "в/ч Б1111")
    assert _save(caseworker, pow_id, resolved).status_code == 302

    case = _saved(app, pow_id)
    assert (case.rank, case.unit) == ("сержант", "в/ч Б1111")
    assert (case.service_number, case.captured_on) == ("ВС-000111", date(2025, 3, 9))
    with app.app_context():
        updates = db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == pow_id, CaseEvent.kind == "updated")
        ).all()
        assert [e.data["fields"] for e in updates] == [["unit"], ["rank"]]
        # The audit trail names the changed columns, as for any field of the case.
        audited = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "case_record", AuditEvent.object_id == pow_id
            )
        ).all()
        assert any("rank" in (event.fields or []) for event in audited)


def test_both_editors_change_the_health_category_differently_a_choice_decides(
    app, caseworker, supervisor, pow_id
):
    mine = _open(caseworker, pow_id)
    theirs = _open(supervisor, pow_id)
    assert _save(supervisor, pow_id, {**theirs, "health_category": "none"}).status_code == 302
    html = _save(caseworker, pow_id, {**mine, "health_category": "seriously_ill"}).get_data(
        as_text=True
    )
    assert 'name="resolve-health_category" value="mine"' in html
    chosen = {**form_values(html), "resolve-health_category": "mine"}
    assert _save(caseworker, pow_id, chosen).status_code == 302
    assert _saved(app, pow_id).health_category == "seriously_ill"


def test_the_case_page_shows_the_prisoners_facts(caseworker, pow_id, make_case):
    html = caseworker.get(f"/cases/{pow_id}").get_data(as_text=True)
    assert 'data-testid="pow-facts"' in html
    for text in ("ВС-000111", "солдат", "в/ч А0000", "Тестове", "Seriously wounded"):
        assert text in html
    child = make_case(owner="caseworker", family_name="Дитина-Тестова")
    assert 'data-testid="pow-facts"' not in caseworker.get(f"/cases/{child}").get_data(as_text=True)


def test_the_form_routes_per_role(client, caseworker, other_caseworker, supervisor, admin, pow_id):
    assert client.get(f"/cases/{pow_id}/edit").status_code == 302
    assert "ВС-000111" in caseworker.get(f"/cases/{pow_id}/edit").get_data(as_text=True)
    assert "ВС-000111" in supervisor.get(f"/cases/{pow_id}/edit").get_data(as_text=True)
    assert other_caseworker.get(f"/cases/{pow_id}/edit").status_code in (403, 404)
    assert admin.get(f"/cases/{pow_id}/edit").status_code == 403
    values = _open(caseworker, pow_id)
    refused = other_caseworker.post(f"/cases/{pow_id}/edit", data={**values, "rank": "генерал"})
    assert refused.status_code in (400, 403, 404)
