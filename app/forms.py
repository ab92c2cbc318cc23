"""Form helpers shared by every feature."""

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import SelectChoice, SubmitField
from wtforms.widgets import core as widgets_core


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


def install_fast_widgets() -> None:
    """Every WTForms widget renders its attributes with :func:`html_params`."""
    widgets_core.html_params = html_params
