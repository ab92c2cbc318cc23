"""The case list's filter fields and bulk assignment are kept as markup (app/cases/routes.py
``_filter_fields_html``, ``_assign_controls_html``; issue 9, the case list's Python calls): what
a request gets is what WTForms renders for it, with its own typed words, in its own language,
and with what its reader may filter by; a form with an error is shown as sent, never kept."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string, request
from flask_login import login_user
from sqlalchemy import select

from app.auth.models import User
from app.cases.forms import AssignForm, CaseFilterForm
from app.cases.models import Case, SourceList
from app.cases.routes import _assignable_users, _offer_filter_choices, _source_lists
from app.extensions import db
from app.forms import choices
from tests.pseudo_locale import pseudo_ukrainian  # noqa: F401 - a fixture

FIELDS = (
    '{% from "_macros/forms.html" import field %}'
    "{{ field(form.q, help=form.q.description, autofocus=True) }}"
    '<div class="grid"><div>{{ field(form.status) }}</div>'
    "<div>{{ field(form.source_list) }}</div><div>{{ field(form.region) }}</div>"
    "<div>{{ field(form.caseworker) }}</div><div>{{ field(form.age_band) }}</div></div>"
    "{{ field(form.stale) }}"
)


def _squeezed(html: str) -> str:
    """The markup without the whitespace beside its tags (the template's indentation)."""
    return re.sub(r"\s*(<[^>]*>)\s*", r"\1", re.sub(r"\s+", " ", str(html)).strip())


def _shown_fields(html: str) -> str:
    start = html.index('<form method="get" class="filters filter-bar">') + len(
        '<form method="get" class="filters filter-bar">'
    )
    return html[start : html.index('<input type="hidden" name="sort"', start)]


def _rendered_fields(app, user_id: int, query: str, language: str) -> str:
    """The fields as WTForms renders them for this query and reader (what the page showed
    before they were kept)."""
    with app.test_request_context(f"/cases?{query}", headers={"Accept-Language": language}):
        login_user(db.session.get(User, user_id))
        form = CaseFilterForm(request.args)
        _offer_filter_choices(form, _source_lists())
        form.validate()
        return render_template_string(FIELDS, form=form)


@pytest.fixture
def lists(app):
    with app.app_context():
        db.session.add_all([SourceList(name='Реєстр "Схід" <1>'), SourceList(name="Tracing list")])
        db.session.commit()
        return db.session.scalars(select(SourceList.id).order_by(SourceList.id)).all()


QUERIES = [
    "",
    "q=Коваленко&status=open&age_band=0-4&stale=y",
    "q=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E&region=%3Cb%3EДонецьк%27",
    "source_list={list}&caseworker=none&sort=name",
    "caseworker={caseworker}&region=Kharkiv",
    "status=bogus&source_list=abc",  # refused: each select says so
    "q=" + "я" * 201,  # refused: too long
]


@pytest.mark.usefixtures("pseudo_ukrainian")
@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize("who", ["supervisor", "caseworker"])
@pytest.mark.parametrize("query", QUERIES)
def test_the_kept_filter_fields_are_what_wtforms_renders(
    app, login, users, lists, language, who, query
):
    query = query.format(list=lists[0], caseworker=users["caseworker"])
    expected = _rendered_fields(app, users[who], query, language)
    client = login(users[who])
    for _ in range(2):  # built, then kept
        response = client.get(f"/cases?{query}", headers={"Accept-Language": language})
        assert response.status_code == 200
        assert _squeezed(_shown_fields(response.text)) == _squeezed(expected)


def test_what_one_reader_typed_is_not_shown_to_the_next(app, login, users, lists):
    supervisor = login(users["supervisor"])
    assert "Коваленко" in _shown_fields(supervisor.get("/cases?q=Коваленко&region=Львів").text)
    again = _shown_fields(supervisor.get("/cases?region=Одеса").text)
    assert "Коваленко" not in again and "Львів" not in again and 'value="Одеса"' in again
    other = _shown_fields(login(users["caseworker"]).get("/cases").text)
    assert "Коваленко" not in other and "Одеса" not in other


def test_a_caseworker_is_not_offered_the_caseworkers(app, login, users):
    """The kept markup is kept per list of people offered: a supervisor's is not shown to a
    caseworker, who may filter by no one."""
    with app.app_context():
        names = [name for _id, name in _users_offered(app, users["supervisor"])]
    assert names
    supervisor_fields = _shown_fields(login(users["supervisor"]).get("/cases").text)
    caseworker_fields = _shown_fields(login(users["caseworker"]).get("/cases").text)
    assert all(name in supervisor_fields for name in names)
    assert not any(f">{name}</option>" in caseworker_fields for name in names)


def _users_offered(app, user_id):
    with app.test_request_context("/cases"):
        login_user(db.session.get(User, user_id))
        return _assignable_users()


def test_a_new_caseworker_is_offered_at_once(app, login, users):
    supervisor = login(users["supervisor"])
    assert "Новенька Працівниця" not in supervisor.get("/cases").text
    with app.app_context():
        db.session.add(
            User(
                email="new@example.test",
                name="Новенька Працівниця",
                role="caseworker",
                password_hash="not-used",
            )
        )
        db.session.commit()
    html = supervisor.get("/cases").text
    assert _shown_fields(html).count("Новенька Працівниця") == 1
    assert html.count("Новенька Працівниця") == 2  # the filter and the bulk assignment


@pytest.mark.parametrize("language", ["en", "uk"])
def test_the_kept_assignment_is_what_wtforms_renders_and_its_token_works(
    app, supervisor, users, make_case, language
):
    case_id = make_case(owner=None)
    html = supervisor.get("/cases", headers={"Accept-Language": language}).text
    shown = re.search(r'<div class="actions"><label for="assignee">.*?</div>', html, flags=re.S)
    with app.test_request_context("/cases", headers={"Accept-Language": language}):
        login_user(db.session.get(User, users["supervisor"]))
        form = AssignForm(formdata=None)
        from flask_babel import gettext

        form.assignee.choices = choices(
            [
                ("", gettext("Choose a person…")),
                *_assignable_users(),
                ("none", gettext("Nobody (unassign)")),
            ]
        )
        expected = render_template_string(
            '{% from "_macros/forms.html" import field %}'
            '<div class="actions">{{ field(form.assignee) }} {{ form.submit() }}</div>',
            form=form,
        )
    assert shown and _squeezed(shown.group()) == _squeezed(expected)
    token = re.search(
        r'<form method="post" action="/cases/assign">\s*<input id="csrf_token" name="csrf_token"'
        r' type="hidden" value="([^"]+)">',
        html,
    )
    assert token, "the assignment form carries its CSRF token"
    response = supervisor.post(
        "/cases/assign",
        data={
            "csrf_token": token[1],
            "case_ids": [str(case_id)],
            "assignee": str(users["caseworker"]),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Case, case_id).assigned_to_id == users["caseworker"]
