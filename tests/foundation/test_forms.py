"""The templates' one way to render a field (app/forms.py: field_html)."""

from flask import Flask, render_template_string
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired

FIELD = '{% from "_macros/forms.html" import field %}'


class SampleForm(FlaskForm):
    name = StringField("Name <b>", validators=[DataRequired()])
    note = StringField(_l("Note"))
    agree = BooleanField("Agree")
    submit = SubmitField("Save")


def test_a_field_has_label_star_help_and_errors_escaped_and_wired(app: Flask):
    with app.test_request_context():
        form = SampleForm(meta={"csrf": False})
        form.name.errors = ["Too <short>", _l("Required")]
        html = render_template_string(FIELD + '{{ field(f, help="<i>", rows=2) }}', f=form.name)
    assert '<label for="name">Name &lt;b&gt; <span aria-hidden="true">*</span></label>' in html
    assert 'aria-describedby="name-help name-error" aria-invalid="true"' in html
    assert 'rows="2"' in html
    assert '<small id="name-help">&lt;i&gt;</small>' in html
    assert 'role="alert">Too &lt;short&gt; Required</small>' in html


def test_a_checkbox_sits_in_its_label_and_a_button_stands_alone(app: Flask):
    with app.test_request_context():
        form = SampleForm(meta={"csrf": False})
        html = render_template_string(FIELD + "{{ field(f.agree) }}|{{ field(f.submit) }}", f=form)
    checkbox, button = html.split("|")
    assert '<label for="agree">\n      <input id="agree" name="agree" type="checkbox"' in checkbox
    assert "aria-" not in checkbox
    assert button.strip() == '<input id="submit" name="submit" type="submit" value="Save">'
