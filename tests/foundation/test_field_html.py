# ruff: noqa: E501 - the macro body below is quoted word for word, its long lines too
"""The ``field`` macro renders its fields in Python (app/forms.py ``field_html``): the same
label, control, help and errors as the macro's Jinja body did, for every kind of field, with
and without errors, help and extra attributes (issue 9 item 4: the case page's thirty fields)."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired

from app.forms import DayField, PartialDateField, choices, field_html

# The macro's body before it called field_html, word for word.
MACRO_BEFORE = """
{% macro field(f, help=None) %}
  {% set help = help or f.description %}
  {% set describedby = [] %}
  {% if help %}{% set _unused = describedby.append(f.id ~ "-help") %}{% endif %}
  {% if f.errors %}{% set _unused = describedby.append(f.id ~ "-error") %}{% endif %}
  {% if f.type == "BooleanField" %}
    <label for="{{ f.id }}">
      {{ f(aria_invalid="true" if f.errors else False, aria_describedby=(describedby|join(" ")) or False) }}
      {{ f.label.text }}
    </label>
  {% elif f.type in ("SubmitField", "CSRFTokenField", "HiddenField") %}
    {{ f() }}
  {% else %}
    <label for="{{ f.id }}">{{ f.label.text }}{% if f.flags.required %} <span aria-hidden="true">*</span>{% endif %}</label>
    {{ f(aria_invalid="true" if f.errors else False, aria_describedby=(describedby|join(" ")) or False, **kwargs) }}
  {% endif %}
  {% if help %}<small id="{{ f.id }}-help">{{ help }}</small>{% endif %}
  {% if f.errors %}
    <small id="{{ f.id }}-error" class="field-error" role="alert">{{ f.errors|join(" ") }}</small>
  {% endif %}
{% endmacro %}
"""
CALLS = """{{ field(form.name) }}|{{ field(form.name, help="Say <who>", class_="wide") }}
|{{ field(form.note, rows=3) }}|{{ field(form.consent) }}|{{ field(form.consent, help="Yes & no") }}
|{{ field(form.channel) }}|{{ field(form.born) }}|{{ field(form.met_on) }}|{{ field(form.hidden) }}
|{{ field(form.csrf_token) }}|{{ field(form.submit) }}"""


class SampleForm(FlaskForm):
    name = StringField('Name "full" <b>', validators=[DataRequired()], description="As written")
    note = TextAreaField("Note")
    consent = BooleanField("Consent <given>")
    channel = SelectField(
        "Channel", choices=choices([("phone", "Phone"), ("visit", "Visit & talk")])
    )
    born = PartialDateField("Born")
    met_on = DayField("Met on")
    hidden = HiddenField(default="x\"'<")
    submit = SubmitField("Save")


def _normalised(html: str) -> str:
    """Whitespace as a browser shows it: runs as one space, none between tags or before a
    closing tag (the macro's indentation)."""
    html = re.sub(r"\s+", " ", html).strip()
    return re.sub(r"\s+</", "</", re.sub(r">\s+<", "><", html))


@pytest.mark.parametrize("with_errors", [False, True], ids=["blank", "refused"])
@pytest.mark.parametrize("prefix", ["", "contact"])
def test_the_same_markup_as_the_macro_body(app, with_errors, prefix):
    with app.test_request_context(method="POST", data={f"{prefix}-name" if prefix else "name": ""}):
        form = SampleForm(prefix=prefix)
        if with_errors:
            form.validate()
            form.consent.errors = ["Tick it <now>"]
            form.channel.errors = ["Not & valid", "Twice"]
        assert with_errors == bool(form.name.errors)
        before = render_template_string(MACRO_BEFORE + CALLS, form=form)
        after = render_template_string(
            '{% from "_macros/forms.html" import field %}' + CALLS, form=form
        )
    assert [_normalised(part) for part in after.split("|")] == [
        _normalised(part) for part in before.split("|")
    ]
    assert ("field-error" in after) == with_errors
    assert 'class="wide"' in after and 'rows="3"' in after
    assert "&lt;b&gt;" in after and "<b>" not in after  # the label is escaped
    assert "&lt;who&gt;" in after and "Yes &amp; no" in after  # so is help


def test_a_check_box_takes_no_extra_attributes(app):
    """As in the macro: the attributes given go on text controls, not on a check box."""
    with app.test_request_context():
        form = SampleForm(meta={"csrf": False})
        html = field_html(form.consent, None, {"class_": "wide"})
    assert 'class="wide"' not in html
    assert html.startswith('<label for="consent"><input')
