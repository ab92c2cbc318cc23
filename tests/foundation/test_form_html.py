"""A blank form is rendered once per template, language and variant and kept (app/forms.py
``form_html``): what a later request gets from the kept markup is what rendering the form
anew gives, with that request's own action and CSRF token; a refused form is shown as posted
and never kept (issue 9 item 4: the case page's eight forms)."""

from __future__ import annotations

import pytest
from flask import render_template, template_rendered
from flask_babel import force_locale
from flask_wtf.csrf import generate_csrf

from app.cases.forms import ContactForm, DecisionForm, NoteForm, StatusForm
from app.cases.routes import CASE_PAGE_FORMS
from app.cases.workflow import allowed_targets
from app.forms import choices, form_html
from app.matching.forms import ConfirmForm, MatchDecisionForm, RejectForm
from tests.pseudo_locale import pseudo_ukrainian  # noqa: F401 - a fixture

RELATIVES = ((3, "Мельник Олена"), (9, 'Коваль "Тарас" <брат>'))


def _blank(form_class, relatives=RELATIVES, status="new"):
    """The form as the case page builds it blank (its choices set)."""
    form = form_class(formdata=None)
    if form_class is StatusForm:
        form.target.choices = choices((t.target.value, t.target.value) for t in _moves(status))
    elif form_class is ContactForm:
        form.relative.choices = choices([("", "—"), *relatives])
    return form


def _moves(status: str):
    return allowed_targets(status)


def _context(form_class, status="new"):
    return {"transitions": _moves(status)} if form_class is StatusForm else {}


def _kept(form_class, action: str, build, status="new", relatives=RELATIVES):
    template = CASE_PAGE_FORMS[form_class][0]
    variant = (form_class, status, relatives)
    return form_html(
        template, build, action=action, variant=variant, **_context(form_class, status)
    )


def _never_built():
    raise AssertionError("a kept form was built again")


@pytest.mark.parametrize("locale", ["uk", "en"])
@pytest.mark.parametrize("form_class", list(CASE_PAGE_FORMS), ids=lambda c: c.__name__)
def test_the_kept_form_is_the_form_rendered_anew(app, form_class, locale):
    template = CASE_PAGE_FORMS[form_class][0]
    app.extensions.pop("blank_forms", None)
    with app.test_request_context(), force_locale(locale):
        plain = render_template(
            template, form=_blank(form_class), action="/cases/7/x", **_context(form_class)
        )
        first = _kept(form_class, "/cases/7/x", lambda: _blank(form_class))
        token = generate_csrf()
    # Another request, another session: its own token and case, from the kept markup.
    with app.test_request_context(), force_locale(locale):
        again = _kept(form_class, "/cases/8/x?a=1&b=2", _never_built)
        other_token = generate_csrf()
        plain_again = render_template(
            template, form=_blank(form_class), action="/cases/8/x?a=1&b=2", **_context(form_class)
        )
    assert first == plain
    assert again == plain_again
    assert token != other_token and token in first and other_token in again
    assert token not in again
    assert 'action="/cases/8/x?a=1&amp;b=2"' in again  # the action escaped as the template does


def test_each_variant_is_kept_apart(app):
    """A contact form lists its case's relatives; a status form offers its status's moves."""
    app.extensions.pop("blank_forms", None)
    with app.test_request_context(), force_locale("en"):
        theirs = _kept(ContactForm, "/c", lambda: _blank(ContactForm))
        others = ((4, "Шевченко Петро"),)
        mine = _kept(ContactForm, "/c", lambda: _blank(ContactForm, others), relatives=others)
        none = _kept(ContactForm, "/c", lambda: _blank(ContactForm, ()), relatives=())
        new = _kept(StatusForm, "/s", lambda: _blank(StatusForm))
        located = _kept(
            StatusForm, "/s", lambda: _blank(StatusForm, status="located"), status="located"
        )
    assert "Мельник Олена" in theirs and "&lt;брат&gt;" in theirs and "Шевченко" not in theirs
    assert "Шевченко Петро" in mine and "Мельник" not in mine
    assert "Мельник" not in none and "Шевченко" not in none
    targets = {t.target.value for t in _moves("new")}
    other_targets = {t.target.value for t in _moves("located")}
    assert targets != other_targets
    assert all(f'value="{target}"' in new for target in targets)
    assert all(f'value="{target}"' in located for target in other_targets)
    assert new != located


def test_each_language_is_kept_apart(app):
    app.extensions.pop("blank_forms", None)
    with app.test_request_context():
        with force_locale("en"):
            english = _kept(NoteForm, "/n", lambda: _blank(NoteForm))
        with force_locale("uk"):
            ukrainian = _kept(NoteForm, "/n", lambda: _blank(NoteForm))
    assert "Add note" in english and "Add note" not in ukrainian


def test_a_form_is_rendered_once_per_template_language_and_variant(app):
    rendered = []

    def seen(sender, template, context, **extra):
        rendered.append(template.name)

    app.extensions.pop("blank_forms", None)
    template_rendered.connect(seen, app)
    try:
        for _ in range(3):
            with app.test_request_context(), force_locale("en"):
                _kept(NoteForm, "/n", lambda: _blank(NoteForm))
                _kept(DecisionForm, "/d", lambda: _blank(DecisionForm))
    finally:
        template_rendered.disconnect(seen, app)
    assert sorted(rendered) == ["cases/_decision_form.html", "cases/_note_form.html"]


def test_a_refused_form_is_shown_as_posted_and_not_kept(app):
    app.extensions.pop("blank_forms", None)
    template = CASE_PAGE_FORMS[NoteForm][0]
    with app.test_request_context(method="POST", data={"note-body": " "}), force_locale("en"):
        refused = NoteForm()
        assert not refused.validate()
        html = form_html(template, _never_built, refused, action="/cases/7/notes")
    assert 'id="note-body-error"' in html and 'aria-invalid="true"' in html
    assert not app.extensions.get("blank_forms")
    with app.test_request_context(), force_locale("en"):
        blank = form_html(template, lambda: _blank(NoteForm), action="/cases/7/notes")
    assert "note-body-error" not in blank


def test_another_catalogue_gets_its_own_form(app, pseudo_ukrainian):  # noqa: F811
    """A form is kept with the catalogue it was worded in (a test's pseudo-translation gets
    its own, and the next test the real words again)."""
    with app.test_request_context(), force_locale("uk"):
        assert "⟦Add note⟧" in _kept(NoteForm, "/n", lambda: _blank(NoteForm))


def test_the_real_catalogue_after_a_pseudo_one(app):
    with app.test_request_context(), force_locale("uk"):
        assert "⟦" not in _kept(NoteForm, "/n", lambda: _blank(NoteForm))


def test_without_csrf_the_form_has_no_token(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    app.extensions.pop("blank_forms", None)
    with app.test_request_context(), force_locale("en"):
        html = _kept(NoteForm, "/n", lambda: _blank(NoteForm))
    assert "csrf_token" not in html
    app.extensions.pop("blank_forms", None)


@pytest.mark.parametrize("locale", ["uk", "en"])
@pytest.mark.parametrize(
    ("template", "form_class", "context"),
    [
        ("matching/_confirm_form.html", ConfirmForm, {"has_record": True, "may_approve": False}),
        ("matching/_confirm_form.html", ConfirmForm, {"has_record": False, "may_approve": True}),
        ("matching/_reject_form.html", RejectForm, {}),
        ("matching/_decision_form.html", MatchDecisionForm, {}),
    ],
    ids=["confirm-record", "confirm-pair", "reject", "decision"],
)
def test_the_candidate_page_s_kept_forms_are_its_forms_rendered_anew(
    app, template, form_class, context, locale
):
    variant = tuple(sorted(context.items()))
    app.extensions.pop("blank_forms", None)
    with app.test_request_context(), force_locale(locale):
        plain = render_template(template, form=form_class(formdata=None), action="/m/1", **context)
        first = form_html(
            template, lambda: form_class(formdata=None), action="/m/1", variant=variant, **context
        )
    with app.test_request_context(), force_locale(locale):
        again = form_html(template, _never_built, action="/m/2", variant=variant, **context)
        plain_again = render_template(
            template, form=form_class(formdata=None), action="/m/2", **context
        )
    assert first == plain and again == plain_again and first != again
