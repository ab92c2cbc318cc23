"""Hole 5, forms (issue 10): every text field has a maximum length, said beside the field, and
a request that is not a file upload is bounded far below the upload limit."""

from __future__ import annotations

import importlib
import io
import pkgutil
import re

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import PasswordField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length

import app as app_package
from app.cases.models import Case, ContactLog, SourceList
from app.extensions import db
from app.forms import DayField
from tests.conftest import csrf_token


def _forms() -> list[type[FlaskForm]]:
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        if module.name.endswith(".forms") or module.name == "app.forms":
            importlib.import_module(module.name)
    found, todo = [], [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return [form for form in found if form.__module__.startswith("app.")]


def _text_fields(form: type[FlaskForm]):
    for name in dir(form):
        unbound = getattr(form, name)
        if isinstance(unbound, UnboundField) and issubclass(unbound.field_class, StringField):
            yield name, unbound


def test_every_text_field_of_every_form_has_a_maximum_length():
    forms = _forms()
    assert len(forms) >= 20
    unbounded = []
    for form in forms:
        for name, unbound in _text_fields(form):
            # Passwords are app/auth's (their rules change with issue 10's password work).
            if issubclass(unbound.field_class, PasswordField):
                continue
            # A date field refuses text longer than a date can be (app.dates.MAX_DATE_LENGTH).
            if issubclass(unbound.field_class, DayField):
                continue
            given = unbound.args[1] if len(unbound.args) > 1 else None  # positional
            validators = unbound.kwargs.get("validators") or given or []
            if not any(isinstance(v, Length) and v.max and v.max > 0 for v in validators):
                unbounded.append(f"{form.__module__}.{form.__name__}.{name}")
    assert unbounded == []


@pytest.fixture
def list_id(app):
    with app.app_context():
        source_list = SourceList(name="Limits list")
        db.session.add(source_list)
        db.session.commit()
        return source_list.id


def _new_case(client, list_id, **fields):
    data = {
        "csrf_token": csrf_token(client, "/cases/new"),
        "source_list": list_id,
        "case_type": "child",
        "priority": "normal",
        "sex": "unknown",
        "family_name": "Шевченко",
        **fields,
    }
    return client.post("/cases/new", data=data)


def _cases(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Case.id)))


def test_too_long_circumstances_are_refused_beside_the_field(app, caseworker, list_id):
    response = _new_case(caseworker, list_id, circumstances="ш" * 10001)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    error = re.search(r'id="circumstances-error"[^>]*>([^<]+)<', html)
    assert error and "10000" in error.group(1)
    assert 'maxlength="10000"' in html  # the browser stops there too
    assert _cases(app) == 0
    assert _new_case(caseworker, list_id, circumstances="ш" * 10000).status_code == 302
    assert _cases(app) == 1


def test_a_20_mb_form_gets_the_friendly_413_page(app, caseworker, list_id):
    response = _new_case(caseworker, list_id, circumstances="x" * 20_000_000)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "too large" in html and "shorten the longest text" in html
    assert "xxxxxxxxxx" not in html and "Traceback" not in html
    assert _cases(app) == 0


def test_the_form_limit_is_a_setting_below_the_upload_limit(app, caseworker, monkeypatch):
    assert app.config["MAX_FORM_BYTES"] < app.config["MAX_CONTENT_LENGTH"]
    monkeypatch.setitem(app.config, "MAX_FORM_BYTES", 1024)
    response = caseworker.post("/cases/new", data={"circumstances": "x" * 2048})
    assert response.status_code == 413
    assert "limit is 1 kB" in response.get_data(as_text=True)


def test_uploads_keep_their_own_larger_limit(app, supervisor, monkeypatch):
    """A file over the form limit but under MAX_UPLOAD_MB is read (and then judged as a CSV)."""
    monkeypatch.setitem(app.config, "MAX_FORM_BYTES", 1024)
    token = csrf_token(supervisor, "/imports/new")
    body = "family_name,given_name\n" + "Шевченко,Дарина\n" * 200  # about 5 kB
    response = supervisor.post(
        "/imports/new",
        data={
            "csrf_token": token,
            "kind": "records",
            "target": "Limits source",
            "file": (io.BytesIO(body.encode()), "list.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code != 413


def test_a_too_long_contact_outcome_is_refused(app, caseworker, make_case):
    case_id = make_case()
    page = f"/cases/{case_id}"
    response = caseworker.post(
        f"{page}/contacts",
        data={
            "csrf_token": csrf_token(caseworker, page),
            "contact-contacted_on": "2026-01-05",
            "contact-channel": "phone",
            "contact-outcome": "ш" * 5001,
        },
        follow_redirects=True,
    )
    assert "cannot be longer than 5000 characters" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(ContactLog.id))) == 0


def test_a_too_long_source_list_note_is_refused_beside_the_field(app, admin):
    response = admin.post(
        "/source-lists/new",
        data={
            "name": "Long note",
            "note": "ш" * 5001,
            "csrf_token": csrf_token(admin, "/source-lists/new"),
        },
    )
    assert response.status_code == 200
    assert 'id="note-error"' in response.get_data(as_text=True)


def test_a_too_long_search_is_said_beside_the_field_and_not_run(supervisor, make_case):
    make_case()
    html = supervisor.get("/cases?q=" + "ш" * 201).get_data(as_text=True)
    assert 'id="q-error"' in html and "200" in html
    assert 'data-total="1"' in html  # the list, unfiltered
