"""Form helpers shared by every feature."""

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import SelectChoice, SubmitField


class EmptyForm(FlaskForm):
    """Carries only the CSRF token, for POST-only buttons."""

    submit = SubmitField(_l("Submit"))


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


# Rendered bare: no label, help or errors (a POST button, the CSRF token, a hidden value).
BARE_FIELD_TYPES = frozenset({"SubmitField", "CSRFTokenField", "HiddenField"})


def field_html(field, help=None, **kwargs) -> Markup:
    """One field as every form shows it: label (a star when required), control, help and
    errors beside it, wired for screen readers. ``kwargs`` go to the widget (``rows=2``).

    The templates' ``field`` (templates/_macros/forms.html), in Python because it is a little
    cheaper than a Jinja macro; most of a field's time is its WTForms widget. Its output is the
    former macro's to the byte, blank lines included. Everything is escaped as Jinja's
    autoescape would (``escape`` keeps Markup, and lazy strings, which declare themselves
    safe)."""
    field_id = escape(field.id)
    errors = field.errors
    if field.type in BARE_FIELD_TYPES:
        parts = ["\n  \n  \n  \n  \n    ", field(), "\n  "]
    else:
        describedby = []
        if help:
            describedby.append(f"{field.id}-help")
        if errors:
            describedby.append(f"{field.id}-error")
        aria = {
            "aria_invalid": "true" if errors else False,
            "aria_describedby": " ".join(describedby) or False,
        }
        label = escape(field.label.text)
        if field.type == "BooleanField":
            parts = [
                f'\n  \n  \n  \n  \n    <label for="{field_id}">\n      ',
                field(**aria),
                f"\n      {label}\n    </label>\n  ",
            ]
        else:
            star = ' <span aria-hidden="true">*</span>' if field.flags.required else ""
            parts = [
                f'\n  \n  \n  \n  \n    <label for="{field_id}">{label}{star}</label>\n    ',
                field(**aria, **kwargs),
                "\n  ",
            ]
    help_html = f'<small id="{field_id}-help">{escape(help)}</small>' if help else ""
    parts.append(f"\n  {help_html}\n  ")
    if errors:
        parts += [
            f'\n    <small id="{field_id}-error" class="field-error" role="alert">',
            Markup(" ").join(errors),
            "</small>\n  ",
        ]
    parts.append("\n")
    return Markup("".join(parts))  # noqa: S704 - literals, escaped values and widgets' Markup


def form_fields_html(form, skip: Iterable[str] = ()) -> Markup:
    """A whole form, field by field with ``field_html``, but for the names in ``skip``: the
    templates' ``form_fields``."""
    parts = ["\n  ", form.hidden_tag(), "\n  "]
    for field in form:
        if field.type not in BARE_FIELD_TYPES and field.name not in skip:
            parts += ["\n    ", field_html(field), "\n  "]
    parts.append("\n")
    return Markup("".join(parts))  # noqa: S704 - hidden_tag's and field_html's Markup
