"""A request looks its catalogue up once (app.extensions.RequestTranslationsDomain), and a change
of language within the request is still seen at once."""

from __future__ import annotations

from flask_babel import Domain as BabelDomain
from flask_babel import force_locale, get_translations, gettext, lazy_gettext, refresh

from app.extensions import RequestTranslationsDomain, babel


def test_the_application_uses_the_request_domain(app):
    with app.test_request_context():
        assert isinstance(babel.domain_instance, RequestTranslationsDomain)


def test_the_catalogue_is_looked_up_once_per_request(app, monkeypatch):
    looked_up = []
    original = BabelDomain.get_translations

    def counting(self):
        looked_up.append(1)
        return original(self)

    monkeypatch.setattr(BabelDomain, "get_translations", counting)
    with app.test_request_context(headers={"Accept-Language": "uk"}):
        assert [gettext("Cases"), str(lazy_gettext("Cases")), gettext("Cases")] == ["Справи"] * 3
        assert get_translations() is get_translations()
    assert len(looked_up) == 1
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert gettext("Cases") == "Cases"  # the next request looks again, in its language
    assert len(looked_up) == 2


def test_force_locale_and_refresh_change_the_language_within_a_request(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert gettext("Cases") == "Cases"
        with force_locale("uk"):
            assert gettext("Cases") == "Справи"
        assert gettext("Cases") == "Cases"
        with force_locale("uk"):
            refresh()  # keeps the forced locale, drops the catalogue found so far
            assert gettext("Cases") == "Справи"


def test_pages_follow_the_language_chosen(client):
    assert "Увійти" in client.get("/login", headers={"Accept-Language": "uk"}).text
    assert "Sign in" in client.get("/login", headers={"Accept-Language": "en"}).text


def test_wtforms_messages_are_translated_from_a_catalogue_read_once(app):
    """WTForms' own messages follow the request's language, from a catalogue read from disk
    once per process and language (app.forms._wtforms_catalogue), not once per request."""
    from wtforms import SelectField

    from app.forms import EmptyForm, _wtforms_catalogue, choices

    class Choice(EmptyForm):
        pick = SelectField(choices=choices([("a", "A")]))

    def refused(language: str) -> list[str]:
        with app.test_request_context(
            method="POST", data={"pick": "zzz"}, headers={"Accept-Language": language}
        ):
            form = Choice(meta={"csrf": False})
            assert not form.validate()
            return form.pick.errors

    _wtforms_catalogue.cache_clear()
    assert refused("uk") == ["Недійсний варіант."]
    assert refused("en") == ["Not a valid choice."]
    assert refused("uk") == ["Недійсний варіант."]
    assert _wtforms_catalogue.cache_info().misses == 2


def test_the_babel_context_is_flask_babels_own_namespace(app):
    """app.extensions._babel_context stands in for Flask-Babel's _get_current_context (issue 9
    item 4): the same namespace in a request and in a bare application context, a new one for
    each context, and None outside any."""
    import flask_babel

    from app.extensions import _babel_context, flask_babels_own_context

    assert flask_babel._get_current_context is _babel_context
    assert _babel_context() is None
    assert flask_babels_own_context() is None
    seen = []
    with app.test_request_context():
        first = _babel_context()
        assert first is not None
        assert flask_babels_own_context() is first
        assert _babel_context() is first
        seen.append(first)
    with app.app_context():
        own = flask_babels_own_context()
        assert own is not None and _babel_context() is own
        seen.append(own)
    assert seen[0] is not seen[1]


def test_a_catalogue_found_in_one_request_is_not_seen_by_the_next(app):
    with app.test_request_context(headers={"Accept-Language": "uk"}):
        assert gettext("Cases") == "Справи"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert gettext("Cases") == "Cases"
        assert str(lazy_gettext("Cases")) == "Cases"
