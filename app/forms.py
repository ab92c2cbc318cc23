"""Form helpers shared by every feature."""

import secrets
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import date
from functools import lru_cache
from typing import Any

import flask_babel
import flask_wtf.i18n
import wtforms.widgets
from babel import Locale, support
from flask import current_app, g, render_template, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from wtforms import SelectChoice, StringField, SubmitField
from wtforms.fields.core import UnboundField
from wtforms.i18n import messages_path
from wtforms.widgets import core as widgets_core

from app.dates import MAX_DATE_LENGTH, PartialDate, input_text, parse_date


class EmptyForm(FlaskForm):
    """Carries only the CSRF token, for POST-only buttons."""

    submit = SubmitField(_l("Submit"))


# Signed CSRF tokens kept by the secret they sign and this session's random value (at most
# this many: one a session signed in on this process).
SIGNED_TOKENS_KEPT = 10_000


def csrf_token() -> str:
    """This session's CSRF token, as Flask-WTF's ``generate_csrf()`` gives it.

    Flask-WTF signs the session's random value anew for every request that shows a form, with
    the time in it (about 160 Python calls: its settings, a serializer, JSON, HMAC, base64).
    With WTF_CSRF_TIME_LIMIT None (config.py: the session's lifetime bounds the token) the time
    is never checked, so the token first signed for a session's value serves all its pages,
    as valid as a new one: it is kept, and put where ``generate_csrf()`` looks first (``g``),
    so that the request's forms use it too. With a time limit set, every request signs anew."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in g:
        return g.get(field)
    if config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
        return generate_csrf()
    kept: dict[tuple[Any, str], str] = current_app.extensions.setdefault("signed_csrf", {})
    secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    token = kept.get((secret, session.get(field, "")))
    if token is not None:
        setattr(g, field, token)
        return token
    token = generate_csrf()  # which gives the session its random value if it had none
    if len(kept) >= SIGNED_TOKENS_KEPT:
        kept.clear()
    kept[(secret, session[field])] = token
    return token


class CsrfTokenInput:
    """A POST-only button's CSRF field as WTForms renders an :class:`EmptyForm`'s
    ``csrf_token`` (``{{ post_form.csrf_token }}`` or ``post_form.csrf_token()``), nothing
    while CSRF protection is off. Every page's layout shows one (its sign-out button): an
    EmptyForm built for it, its meta and fields bound, cost about 200 Python calls a page."""

    @property
    def csrf_token(self) -> "CsrfTokenInput":
        return self

    def __call__(self) -> Markup:
        if not current_app.config.get("WTF_CSRF_ENABLED", True):
            return Markup("")
        token = escape(csrf_token())
        return Markup(f'<input id="csrf_token" name="csrf_token" type="hidden" value="{token}">')  # noqa: S704 - escaped

    def __html__(self) -> str:
        return str(self())


class PrefixedForm(FlaskForm):
    """A page that holds several forms (the case page, the candidate page) gives each a
    prefix, so that their field ids stay unique."""

    prefix_name = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.prefix_name)
        super().__init__(*args, **kwargs)


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs (WTForms 3.3 deprecates plain tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


def text(field) -> str:
    """A text field's value, stripped; '' when the field was not sent at all."""
    return (field.data or "").strip()


class PartialDateField(StringField):
    """A date of birth typed as the hint shows it (``05.03.2014``, ``03.2014``, ``2014``); the
    form validates it with :func:`app.dates.parse_date`. A stored value (a
    :class:`PartialDate` or its ISO text) is shown the same way, so what a person reads in
    the field is what they would type."""

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if isinstance(self.data, PartialDate):
            return input_text(self.data)
        try:
            return input_text(PartialDate.from_iso(self.data or ""))
        except ValueError:
            return str(self.data)


class DayField(StringField):
    """A full date as a text field in one format for both languages (``05.03.2014``), read
    by :func:`app.dates.parse_date` (which takes ``2014-03-05`` too).

    Bounded by :data:`app.dates.MAX_DATE_LENGTH` (longer text is unreadable), so it needs no
    ``Length`` validator (which could not measure the date it holds).

    Not ``<input type="date">``: the browser shows that in its own locale (mm/dd/yyyy in an
    English browser), never in the format the hints and the pages use."""

    data: date | None

    def __init__(self, label=None, validators=None, **kwargs: Any) -> None:
        kwargs.setdefault("description", _l("Day.month.year, e.g. 05.03.2014"))
        render_kw = {"autocomplete": "off", "inputmode": "numeric", **kwargs.pop("render_kw", {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self) -> str:
        if self.raw_data:  # shown back to be corrected; longer text is refused as unreadable
            return str(self.raw_data[0])[:MAX_DATE_LENGTH]
        return input_text(self.data)

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]).strip() if valuelist else ""
        self.data = None
        if not text:
            return
        parsed = parse_date(text)
        if parsed.value is None or parsed.value.precision != "day":
            raise ValueError(_l("Write the date as day.month.year, e.g. 05.03.2014."))
        self.data = parsed.value.to_date()


_wtforms_html_params = widgets_core.html_params


def html_params(**kwargs: Any) -> Markup:
    """WTForms' ``html_params`` with the same output, several times faster: it builds each
    attribute with plain string operations instead of ``Markup.format`` (the case page renders
    about 70 attributes lists; WTForms' version was a tenth of the page's time)."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = widgets_core.clean_key(key)
        if value is True:
            params.append(str(escape(key)))
        elif value is not False:
            params.append(f'{escape(key)}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(params))  # noqa: S704 - each key and value is escaped above


# Fields that are only their control: no label, help or error beside them.
_BARE_FIELDS = frozenset({"SubmitField", "CSRFTokenField", "HiddenField"})


def field_html(f: Any, help: Any = None, attributes: Mapping[str, Any] | None = None) -> Markup:
    """One field as the ``field`` macro of templates/_macros/forms.html shows it: its label
    (with * when required), its control, its help and its errors, the control described by
    both for screen readers. ``attributes`` go on the control (not on a check box's).

    In Python rather than in the macro's own body: the case page shows about thirty fields,
    and the macro's Jinja (a dozen tests, sets and filters a field) was a seventh of the
    page's Python calls. tests/foundation/test_field_html.py checks it says what the macro's
    body said."""
    help = help or f.description
    errors = f.errors
    field_id = escape(f.id)
    describedby = []
    if help:
        describedby.append(f"{f.id}-help")
    if errors:
        describedby.append(f"{f.id}-error")
    if f.type in _BARE_FIELDS:
        parts = [str(f())]
    else:
        control = f(
            aria_invalid="true" if errors else False,
            aria_describedby=" ".join(describedby) or False,
            **(attributes or {} if f.type != "BooleanField" else {}),
        )
        label = escape(f.label.text)
        if f.type == "BooleanField":
            parts = [f'<label for="{field_id}">{control} {label}</label>']
        else:
            required = ' <span aria-hidden="true">*</span>' if f.flags.required else ""
            parts = [f'<label for="{field_id}">{label}{required}</label>', str(control)]
    if help:
        parts.append(f'<small id="{field_id}-help">{escape(help)}</small>')
    if errors:
        shown = " ".join(str(escape(error)) for error in errors)
        parts.append(
            f'<small id="{field_id}-error" class="field-error" role="alert">{shown}</small>'
        )
    return Markup("\n".join(parts))  # noqa: S704 - every value in it is escaped above


# Stands for a request's own value in a blank form's kept markup: random for each process, so
# that no text a form shows can be taken for it.
_SLOT = secrets.token_hex(8)
_ACTION_SLOT = f"{_SLOT}-action"
_CSRF_SLOT = f"{_SLOT}-csrf"
# Blank forms kept per application, at most this many (one per template, language and variant:
# a contact form per list of a case's relatives); past it they are worded again.
BLANK_FORMS_KEPT = 2048


def form_html(
    template: str,
    blank: Callable[[], FlaskForm],
    refused: FlaskForm | None = None,
    *,
    action: str,
    variant: Hashable = (),
    **context: Any,
) -> Markup:
    """A form as ``template`` shows it (given ``form``, ``action`` and ``context``).

    ``refused``, a form that was posted and refused, is shown as it is: what was typed and
    what is wrong. Otherwise the form is blank, and a blank form says the same to everyone who
    reads the page in one language: it is rendered once (``blank()`` builds it) and kept for
    the life of the process, and each request puts its own ``action`` and CSRF token into the
    kept markup. ``variant`` must name everything else the blank form's markup depends on (the
    choices a select offers, the values in ``context``): the same template, language and
    variant are the same markup.

    The case page shows eight forms, about thirty fields: building and rendering them, the same
    for every case, was a third of the page's time. tests/foundation/test_form_html.py checks
    that the kept markup is what rendering the form gives."""
    if refused is not None:
        return Markup(  # noqa: S704 - a template
            render_template(template, form=refused, action=action, **context)
        )
    kept: dict[Hashable, tuple[Any, str]] = current_app.extensions.setdefault("blank_forms", {})
    # Kept with the catalogue it was worded in, as app.web.role_nav keeps the menus.
    catalogue = flask_babel.get_domain().get_translations()
    # A form kept while CSRF was off (a test's setting) has no token to put in.
    key = (template, variant, str(get_locale()), current_app.config.get("WTF_CSRF_ENABLED", True))
    entry = kept.get(key)
    if entry is None or entry[0] is not catalogue:
        form = blank()
        html = render_template(template, form=form, action=_ACTION_SLOT, **context)
        if form.meta.csrf:
            html = html.replace(csrf_token(), _CSRF_SLOT)
        if len(kept) >= BLANK_FORMS_KEPT:
            kept.clear()
        entry = kept[key] = (catalogue, html)
    html = entry[1].replace(_ACTION_SLOT, str(escape(action)))
    if _CSRF_SLOT in html:
        html = html.replace(_CSRF_SLOT, csrf_token())
    return Markup(html)  # noqa: S704 - a template's, with an escaped URL and a token in it


def install_fast_widgets() -> None:
    """Every WTForms widget renders its attributes with :func:`html_params`.

    WTForms holds the function in three places: the module's global (Select, TextArea, the
    options), a copy bound into ``Input`` and ``Button`` as a static method when the classes
    were defined (every text, date, hidden, check box and submit input: most of a form), and
    the package's re-export that labels use. Replacing only the first left the inputs on the
    slow one."""
    widgets_core.html_params = html_params
    wtforms.widgets.html_params = html_params
    for widget in (widgets_core.Input, widgets_core.Button):
        widget.html_params = staticmethod(html_params)
    # A select's options: the case list's filters and assignment offer about a hundred.
    widgets_core.Select.render_option = classmethod(_render_option)
    widgets_core.Select._dispatch_render_option = classmethod(_option_renderer)


_wtforms_render_option = widgets_core.Select.render_option.__func__


def _render_option(cls: type, choice: Any, **kwargs: Any) -> Markup:
    """WTForms' ``Select.render_option`` with the same output: an option with no attributes
    of its own (nearly every one) written as one string, not through a dict and
    :func:`html_params` (whose keys, sorted, put ``selected`` before ``value``)."""
    if kwargs or choice.render_kw:
        return _wtforms_render_option(cls, choice, **kwargs)
    value = choice.value
    if isinstance(value, bool):
        value = str(value)
    selected = "selected " if choice.selected else ""
    quoted = str(escape(value)).replace('"', "&quot;")
    label = escape(choice.label or choice.value)
    return Markup(f'<option {selected}value="{quoted}">{label}</option>')  # noqa: S704 - escaped


def _option_renderer(cls: type) -> Callable[..., Markup]:
    """``Select._dispatch_render_option`` without its signature check: it inspected
    ``render_option``'s signature for every select shown (for overrides written for WTForms
    before 3.3, of which this application has none)."""
    return cls.render_option  # type: ignore[attr-defined]


@lru_cache(maxsize=8)
def _wtforms_catalogue(locale: Locale) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def _wtforms_translations() -> support.NullTranslations | None:
    """Flask-WTF's catalogue of WTForms' own messages ("Not a valid choice."), read from disk
    once per process and language instead of once per request (``flask_wtf.i18n`` loads it
    again for every request whose form validates: a millisecond of each filtered list)."""
    if not request or "babel" not in current_app.extensions:
        return None
    locale = get_locale()
    return None if locale is None else _wtforms_catalogue(locale)


def install_cached_wtforms_catalogue() -> None:
    """Flask-WTF's translations of WTForms' messages come from :func:`_wtforms_translations`."""
    flask_wtf.i18n._get_translations = _wtforms_translations


def field_labels(form_class: type[FlaskForm]) -> dict[str, Any]:
    """{field name: label} of a form class, the labels people see when they edit the field;
    pages that name a changed column (the audit trail) use them, so there is one wording."""
    labels = {}
    for name in dir(form_class):
        field = getattr(form_class, name, None)
        if isinstance(field, UnboundField):
            label = field.kwargs.get("label", field.args[0] if field.args else None)
            if label:
                labels[name] = label
    return labels
