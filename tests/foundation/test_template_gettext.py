"""Templates translate ``_()`` with app.extensions._template_gettext: the same text as Jinja's
newstyle gettext over Flask-Babel's catalogue gave, in both languages, escaped as before
(a translated string is markup, its values are not), %-formatted always ("%%" is "%")."""

from __future__ import annotations

import pytest
from flask import render_template_string
from flask_babel import force_locale, get_translations
from jinja2.ext import _make_new_gettext

STRINGS = [
    ("Queues", {}),
    ("Case %(n)s", {"n": "<b>UA-1</b>"}),
    ("Page %(page)d of %(pages)d", {"page": 2, "pages": 7}),
    ("100%% sure", {}),
    ("Not in any catalogue <i>at all</i>", {}),
]


@pytest.mark.parametrize("locale", ["uk", "en"])
@pytest.mark.parametrize(("string", "values"), STRINGS)
def test_the_same_text_as_jinjas_gettext(app, locale, string, values):
    jinjas = _make_new_gettext(lambda s: get_translations().ugettext(s))
    template = "{{ _(s, **v) }}|{{ gettext(s, **v) }}|{{ before(s, **v) }}"
    with app.test_request_context(), force_locale(locale):
        ours, alias, before = render_template_string(
            template, s=string, v=values, before=jinjas
        ).split("|")
    assert ours == alias == before
    assert "<b>" not in ours  # a value is escaped


def test_each_language_its_own_words(app):
    said = {}
    for locale in ("uk", "en"):
        with app.test_request_context(), force_locale(locale):
            said[locale] = render_template_string("{{ _('Queues') }}")
    assert said["en"] == "Queues" and said["uk"] not in ("", "Queues")


def test_text_without_autoescape_is_plain(app):
    """A template that does not escape (text) gets plain text, as Jinja's gave."""
    with app.test_request_context(), force_locale("en"):
        template = app.jinja_env.from_string("{% autoescape false %}{{ _(s) }}{% endautoescape %}")
        rendered = template.render(s="Queues")
    assert rendered == "Queues"
