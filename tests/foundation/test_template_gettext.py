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


@pytest.mark.parametrize("autoescape", ["true", "false"])
@pytest.mark.parametrize("locale", ["uk", "en"])
def test_a_kept_string_is_what_saying_it_anew_gives(app, locale, autoescape):
    """A string without values is said once a catalogue and kept (_TEMPLATE_WORDS): the kept
    one is what Jinja's gettext says, in its language, escaped or not as the template is."""
    from app import extensions

    jinjas = _make_new_gettext(lambda s: get_translations().ugettext(s))
    template = app.jinja_env.from_string(
        f"{{% autoescape {autoescape} %}}{{{{ _(s) }}}}|{{{{ before(s) }}}}{{% endautoescape %}}"
    )
    for string in ("Queues", "100%% sure", "Not in any catalogue <i>at all</i>"):
        extensions._TEMPLATE_WORDS.clear()
        with app.test_request_context(), force_locale(locale):
            first = template.render(s=string, before=jinjas)
            kept = template.render(s=string, before=jinjas)
        ours, before = kept.split("|")
        assert first == kept and ours == before
    other = "en" if locale == "uk" else "uk"
    with app.test_request_context(), force_locale(other):
        assert template.render(s="Queues", before=jinjas) == _said_in(app, other, autoescape)


def _said_in(app, locale: str, autoescape: str) -> str:
    jinjas = _make_new_gettext(lambda s: get_translations().ugettext(s))
    with app.test_request_context(), force_locale(locale):
        said = app.jinja_env.from_string(
            f"{{% autoescape {autoescape} %}}{{{{ before('Queues') }}}}{{% endautoescape %}}"
        ).render(before=jinjas)
    return f"{said}|{said}"


def test_templates_translate_their_own_text_only():
    """_() and gettext() in a template take a string of the template, never a value: a value
    (a person's name) would be kept with the catalogue's strings (_TEMPLATE_WORDS)."""
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    call = re.compile(r"(?<![\w.])(?:_|gettext)\(\s*(?P<first>.)")
    calls = [
        (path.relative_to(templates), match)
        for path in templates.rglob("*.html")
        for match in call.finditer(path.read_text())
    ]
    assert len(calls) > 500  # the pattern finds them
    assert not [f"{path}: {match.group(0)}" for path, match in calls if match["first"] not in "\"'"]
