"""Form helpers shared by every feature."""

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SubmitField


class EmptyForm(FlaskForm):
    """Carries only the CSRF token, for POST-only buttons."""

    submit = SubmitField(_l("Submit"))


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs (WTForms 3.3 deprecates plain tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


def text(field) -> str:
    """A text field's value, stripped; '' when the field was not sent at all."""
    return (field.data or "").strip()
