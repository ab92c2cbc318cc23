"""The case page's forms: a refused post shows the case page again with what was typed, an
error summary at the top of that form and each error beside its field; nothing is stored."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.cases.models import CaseAlias, CaseNote, ContactLog, Relative, TransitionRequest
from tests.conftest import csrf_token

# endpoint path, role, posted values, the field in error, the typed values the page keeps
REFUSED_POSTS = [
    (
        "status",
        "caseworker",
        {"status-target": "closed", "status-reason": "Знайшли тітку"},
        "status-closure_reason",
        ['<option selected value="closed">', "Знайшли тітку"],
    ),
    (
        "status",
        "caseworker",
        {"status-target": "reunified", "status-reason": "Разом"},
        "status-target",
        ["Разом"],
    ),
    (
        "contacts",
        "caseworker",
        {
            "contact-contacted_on": "2026-11-20",
            "contact-channel": "visit",
            "contact-with_whom": "Сусідка Марія",
            "contact-next_step": "Передзвонити",
        },
        "contact-outcome",
        [
            'value="2026-11-20"',
            '<option selected value="visit">',
            'value="Сусідка Марія"',
            'value="Передзвонити"',
        ],
    ),
    (
        "contacts",
        "caseworker",
        {
            "contact-contacted_on": "2026-11-20",
            "contact-channel": "phone",
            "contact-outcome": "Не відповідає",
            "contact-next_step_due": "2026-12-01",
        },
        "contact-next_step",
        ["Не відповідає", 'value="2026-12-01"'],
    ),
    ("notes", "caseworker", {"note-body": "   "}, "note-body", []),
    (
        "relatives",
        "caseworker",
        {"relative-relationship_kind": "aunt_uncle", "relative-phone": "+380 00 1234567"},
        "relative-full_name",
        ['<option selected value="aunt_uncle">', 'value="+380 00 1234567"'],
    ),
    ("aliases", "caseworker", {"alias-kind": "spelling"}, "alias-family_name", []),
    (
        "siblings",
        "caseworker",
        {"link-case_number": "RU-999999"},
        "link-case_number",
        ['value="RU-999999"'],
    ),
    (
        "duplicate",
        "supervisor",
        {"duplicate-case_number": "RU-999998", "duplicate-reason": "Та сама дитина"},
        "duplicate-case_number",
        ['value="RU-999998"', 'value="Та сама дитина"'],
    ),
    ("archive", "supervisor", {"archive-reason": ""}, "archive-reason", []),
]


def _stored(app, case_id: int) -> tuple[int, ...]:
    from app.extensions import db

    with app.app_context():
        return tuple(
            db.session.scalar(
                select(func.count()).select_from(model).where(model.case_id == case_id)
            )
            for model in (CaseNote, ContactLog, Relative, CaseAlias, TransitionRequest)
        )


@pytest.mark.parametrize(("action", "role", "data", "field_id", "kept"), REFUSED_POSTS)
def test_a_refused_case_page_form_keeps_the_input_and_shows_the_error_beside_the_field(
    app, request, make_case, action, role, data, field_id, kept
):
    case_id = make_case(owner="caseworker")
    client = request.getfixturevalue(role)
    before = _stored(app, case_id)
    token = csrf_token(client, f"/cases/{case_id}")
    response = client.post(f"/cases/{case_id}/{action}", data={**data, "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, response.location
    assert 'data-testid="case-title"' in html  # the case page, not a bare form
    assert f'id="{field_id}-error"' in html
    assert re.search(rf'aria-describedby="[^"]*\b{field_id}-error"', html)
    summary = html.split('data-testid="error-summary"', 1)[1].split("</div>", 1)[0]
    assert f'href="#{field_id}"' in summary
    for value in kept:
        assert value in html, value
    assert _stored(app, case_id) == before


@pytest.mark.parametrize("action", ["status", "contacts", "notes", "relatives", "aliases"])
def test_refused_posts_to_a_case_one_may_not_edit_are_still_refused(
    app, caseworker, admin, make_case, action
):
    other = make_case(owner=None)
    before = _stored(app, other)
    data = {"note-body": "", "contact-outcome": "", "status-target": "closed"}
    for client in (caseworker, admin):
        token = csrf_token(client, "/source-lists")
        response = client.post(f"/cases/{other}/{action}", data={**data, "csrf_token": token})
        assert response.status_code == 403
        assert "Коваленко" not in response.get_data(as_text=True)
    token = csrf_token(caseworker, "/source-lists")
    missing = caseworker.post(f"/cases/999999/{action}", data={**data, "csrf_token": token})
    assert missing.status_code == 404
    assert _stored(app, other) == before


def test_a_valid_post_still_redirects_to_the_case_page(app, caseworker, make_case):
    case_id = make_case(owner="caseworker")
    token = csrf_token(caseworker, f"/cases/{case_id}")
    response = caseworker.post(
        f"/cases/{case_id}/notes", data={"note-body": "Подзвонили до школи", "csrf_token": token}
    )
    assert response.status_code == 302 and response.location.endswith(f"/cases/{case_id}")


def test_each_case_page_s_forms_are_its_own(app, users, caseworker, make_case):
    """The forms are kept blank between requests (app.forms.form_html): each case's page still
    posts them to that case, its contact form lists that case's relatives, its status form
    offers the moves from that case's status, and each page carries its session's token."""
    from app.auth.models import User
    from app.cases.models import Case
    from app.cases.services import add_relative
    from app.extensions import db

    first, second = make_case(), make_case(status="located")
    with app.app_context():
        actor = db.session.get(User, users["caseworker"])
        for case_id, name, kind in (
            (first, "Мельник Олена", "mother"),
            (second, "Коваль Тарас", "brother"),
        ):
            case = db.session.get(Case, case_id)
            add_relative(case, actor, full_name=name, relationship_kind=kind)
        db.session.commit()
    pages = {
        case_id: caseworker.get(f"/cases/{case_id}").get_data(as_text=True)
        for case_id in (first, second)
    }
    for case_id, other in ((first, second), (second, first)):
        html = pages[case_id]
        actions = re.findall(r'<form method="post" action="(/cases/[^"]+)"', html)
        assert len(actions) == 6 and all(f"/cases/{case_id}/" in action for action in actions)
        assert f"/cases/{other}/" not in html
    assert "Мельник Олена" in pages[first] and "Коваль Тарас" not in pages[first]
    assert "Коваль Тарас" in pages[second] and "Мельник Олена" not in pages[second]
    # The relatives' names are shown, not kept: no kept form holds them after the requests.
    kept = "".join(html for _, html in app.extensions.get("blank_forms", {}).values())
    assert kept and "Мельник Олена" not in kept and "Коваль Тарас" not in kept
    status = re.compile(r'<select[^>]*name="status-target".*?</select>', re.S)
    assert status.search(pages[first])[0] != status.search(pages[second])[0]
    (token,) = set(re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', pages[second]))
    posted = caseworker.post(
        f"/cases/{second}/notes", data={"csrf_token": token, "note-body": "Подзвонити завтра"}
    )
    assert posted.status_code == 302
