"""Form helpers shared by every feature."""

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
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
