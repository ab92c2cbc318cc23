"""Every page's ``post_form`` (app/forms.py ``CsrfTokenInput``) renders the CSRF field as an
EmptyForm's ``csrf_token`` does, called or printed, and nothing while CSRF protection is off;
the sign-out button it serves works with it."""

from __future__ import annotations

import re

from flask import render_template_string

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
