"""Every form a person types into answers a refusal GOV.UK's way (issue 11): the page again
with an error summary at the top whose links lead to the fields, each error beside its field,
and what was typed kept."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token

# (who, form page, what is posted: a value that is typed and kept, and one that is refused)
FORMS = [
    (
        "admin",
        "/admin/users/new",
        {"email": "not an address", "name": "Тестовий Користувач", "role": "caseworker"},
        "Тестовий Користувач",
    ),
    (
        "admin",
        "/source-lists/new",
        {"name": "", "note": "Нотатка, що лишається"},
        "Нотатка, що лишається",
    ),
    (
        "admin",
        "/matches/given-names",
        {"canonical": "", "sex": "m", "variants": "Ігорко"},
        "Ігорко",
    ),
    ("caseworker", "/imports/new", {"kind": "records", "target": "Реєстр Тест"}, "Реєстр Тест"),
    ("caseworker", "/account/password", {"current_password": "wrong-password-x"}, None),
]


@pytest.mark.parametrize(("role", "path", "data", "kept"), FORMS, ids=[f[1] for f in FORMS])
def test_a_refused_form_has_a_summary_links_to_its_fields_and_keeps_the_input(
    request, role, path, data, kept
):
    client = request.getfixturevalue(role)
    response = client.post(path, data={"csrf_token": csrf_token(client, path), **data})
    assert response.status_code in (200, 400)  # the password page says 400
    html = response.get_data(as_text=True)
    summary = re.search(r'data-testid="error-summary".*?</div>', html, re.S)
    assert summary, html
    targets = re.findall(r'<a href="#([^"]+)"', summary.group(0))
    assert targets
    for target in targets:
        assert f'id="{target}"' in html  # the field the link leads to
        assert f'id="{target}-error"' in html  # and its error beside it
    if kept:
        assert kept in html
