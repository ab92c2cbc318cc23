"""Every page's ``post_form`` (app/forms.py ``CsrfTokenInput``) renders the CSRF field as an
EmptyForm's ``csrf_token`` does, called or printed, and nothing while CSRF protection is off;
the sign-out button it serves works with it."""

from __future__ import annotations

import re

from flask import render_template_string

from app import forms
from app.forms import CsrfTokenInput, EmptyForm


def test_the_same_field_as_an_empty_forms(app):
    with app.test_request_context("/"):
        expected = str(EmptyForm(formdata=None).csrf_token())
        shown = render_template_string(
            "{{ post_form.csrf_token() }}|{{ post_form.csrf_token }}",
            post_form=CsrfTokenInput(),
        )
    assert shown == f"{expected}|{expected}"
    assert re.fullmatch(
        r'<input id="csrf_token" name="csrf_token" type="hidden" value="[^"]+">', expected
    )


def test_nothing_while_csrf_is_off(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    with app.test_request_context("/"):
        assert str(CsrfTokenInput().csrf_token()) == ""
        assert (
            render_template_string("{{ post_form.csrf_token }}", post_form=CsrfTokenInput()) == ""
        )


def test_the_layouts_sign_out_button_carries_a_working_token(app, caseworker):
    html = caseworker.get("/account").text
    token = re.search(
        r'action="/logout"[^>]*>\s*<input id="csrf_token" name="csrf_token" type="hidden"'
        r' value="([^"]+)"',
        html,
    )
    assert token, "the sign-out form carries its CSRF token"
    assert caseworker.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    response = caseworker.post("/logout", data={"csrf_token": token[1]})
    assert response.status_code == 302
    assert caseworker.get("/account").status_code == 302  # signed out


TOKEN = re.compile(
    r'action="/logout"[^>]*>\s*<input id="csrf_token" name="csrf_token" type="hidden"'
    r' value="([^"]+)"'
)


def _token(client) -> str:
    found = TOKEN.search(client.get("/account").text)
    assert found, "the sign-out form carries its CSRF token"
    return found[1]


def test_a_session_is_shown_the_token_signed_for_it_first_and_it_works(
    app, caseworker, supervisor, monkeypatch
):
    first = _token(caseworker)
    signed = []
    monkeypatch.setattr(forms, "generate_csrf", lambda: signed.append(1) or "signed anew")
    assert _token(caseworker) == first  # kept: not signed again
    assert signed == []
    monkeypatch.undo()
    assert _token(supervisor) != first  # another session, another token
    # The kept token is the session's own: a post with it is accepted, a forged one is not.
    assert caseworker.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert caseworker.post("/logout", data={"csrf_token": first}).status_code == 302


def test_a_token_is_signed_anew_for_every_request_once_tokens_expire(app, caseworker, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 3600)
    _token(caseworker)
    signed = []
    real = forms.generate_csrf
    monkeypatch.setattr(forms, "generate_csrf", lambda: signed.append(1) or real())
    token = _token(caseworker)
    assert signed == [1]
    assert caseworker.post("/logout", data={"csrf_token": token}).status_code == 302


def test_signing_in_again_gives_a_new_token(app, login, users):
    client = login(users["caseworker"])
    before = _token(client)
    client.post("/logout", data={"csrf_token": before})
    again = login(users["caseworker"])
    after = _token(again)
    assert after != before
    assert again.post("/logout", data={"csrf_token": before}).status_code == 400
