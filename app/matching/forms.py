from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import PrefixedForm, choices


class ConfirmForm(PrefixedForm):
    prefix_name = "confirm"
    reason = TextAreaField(
        _l("Why is this the same person?"), validators=[DataRequired(), Length(max=2000)]
    )
    advance_status = BooleanField(_l("Move the case to located when confirmed"), default=True)
    submit = SubmitField(_l("Confirm match"))


class RejectForm(PrefixedForm):
    prefix_name = "reject"
    reason = TextAreaField(
        _l("Why is this not the same person?"), validators=[DataRequired(), Length(max=2000)]
    )
    submit = SubmitField(_l("Reject match"))


class MatchDecisionForm(PrefixedForm):
    """A supervisor on a caseworker's confirmation: approve, or send it back with a note."""

    prefix_name = "decision"
    note = StringField(_l("Note"), validators=[Length(max=1000)])
    approve = SubmitField(_l("Approve"))
    send_back = SubmitField(_l("Send back"))


class QueueFilterForm(FlaskForm):
    """The review queue's filters (GET: no CSRF token, nothing changes)."""

    class Meta:
        csrf = False

    band = SelectField(
        _l("Band"),
        choices=choices(
            [("likely", _l("likely")), ("possible", _l("possible")), ("all", _l("all"))]
        ),
        default="likely",
        validators=[Optional()],
    )
    status = SelectField(
        _l("Status"),
        choices=choices(
            [
                ("proposed", _l("proposed")),
                ("awaiting_approval", _l("awaiting approval")),
                ("confirmed", _l("confirmed")),
                ("rejected", _l("rejected")),
            ]
        ),
        default="proposed",
        validators=[Optional()],
    )
    kind = SelectField(
        _l("Kind"),
        choices=choices(
            [("", _l("all")), ("record", _l("partner records")), ("case", _l("duplicate cases"))]
        ),
        default="",
        validators=[Optional()],
    )
    source = SelectField(_l("Partner source"), coerce=str, validators=[Optional()])


class RunForm(FlaskForm):
    scope = RadioField(
        _l("What to match"),
        choices=choices(
            [("changed", _l("New and changed only")), ("full", _l("Everything (full run)"))]
        ),
        default="changed",
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Run matching now"))


class GivenNameForm(FlaskForm):
    canonical = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    sex = SelectField(
        _l("Sex"),
        choices=choices([("m", _l("male")), ("f", _l("female"))]),
        validators=[DataRequired()],
    )
    variants = StringField(
        _l("Spellings and equivalents"),
        validators=[Length(max=500)],
        description=_l("Separated by | or commas, e.g. Олександр | Александр | Oleksandr"),
    )
    diminutives = StringField(
        _l("Diminutives"),
        validators=[Length(max=500)],
        description=_l("Separated by | or commas, e.g. Саша | Сашко"),
    )
    submit = SubmitField(_l("Add name"))

    @staticmethod
    def split(value: str | None) -> list[str]:
        """``"a | b, c"`` -> ``["a", "b", "c"]``."""
        return [part.strip() for part in (value or "").replace(",", "|").split("|") if part.strip()]
