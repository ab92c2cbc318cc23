"""The forms of the exchange pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.cases.labels import HEALTH_CATEGORY_LABELS, SEX_LABELS
from app.exchanges.labels import (
    KIND_LABELS,
    LINE_STATE_LABELS,
    REMAINS_LINK_LABELS,
    STATUS_LABELS,
    YOUNG_AGE_LABELS,
)
from app.exchanges.remains import REMAINS_FIELDS
from app.forms import DayField, PrefixedForm, choices

REASON_TEXT = 5000


def _version(form_field: HiddenField) -> int | None:
    """The version the form was shown with, or None when it did not come back a number."""
    data = (form_field.data or "").strip()
    # isascii: "²" and "٣" are digits to str.isdigit, not to int().
    return int(data) if data.isascii() and data.isdigit() and len(data) < 10 else None


class ExchangeForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS.items()))
    side_a = StringField(_l("First side"), validators=[DataRequired(), Length(max=200)])
    side_b = StringField(_l("Second side"), validators=[DataRequired(), Length(max=200)])
    held_on = DayField(_l("Date"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[Length(max=200)])
    stage = StringField(_l("Stage"), validators=[Length(max=50)])
    document_refs = TextAreaField(
        _l("Documents' reference numbers"), validators=[Length(max=REASON_TEXT)]
    )
    categories_text = TextAreaField(
        _l("Categories"),
        description=_l("One a line, with its quota after “=”: seriously wounded = 50"),
        validators=[Length(max=REASON_TEXT)],
    )
    submit = SubmitField(_l("Save exchange"))

    def exchange_fields(self) -> dict:
        return {
            "kind": self.kind.data,
            "side_a": (self.side_a.data or "").strip(),
            "side_b": (self.side_b.data or "").strip(),
            "held_on": self.held_on.data,
            "place": (self.place.data or "").strip(),
            "stage": (self.stage.data or "").strip(),
            "document_refs": (self.document_refs.data or "").strip(),
        }


class ExchangeStatusForm(PrefixedForm):
    prefix_name = "status"
    target = SelectField(_l("New status"), choices=choices(STATUS_LABELS.items()))
    reason = TextAreaField(_l("Why"), validators=[Length(max=REASON_TEXT)])
    submit = SubmitField(_l("Change status"))


class LineAddForm(PrefixedForm):
    prefix_name = "line"
    case_number = StringField(_l("Case number"), validators=[Length(max=20)])
    # Text, read by app.web.database_int: a number too large for the database is no record.
    record_id = StringField(_l("Partner record number"), validators=[Length(max=20)])
    category = SelectField(_l("Category"), choices=[], validators=[Optional()])
    submit = SubmitField(_l("Add person"))


class SourceListLinesForm(PrefixedForm):
    """Every case of a source list as lines of the exchange, at once."""

    prefix_name = "from_list"
    source_list = SelectField(_l("Source list"), choices=[], validators=[DataRequired()])
    category = SelectField(_l("Category"), choices=[], validators=[Optional()])
    submit = SubmitField(_l("Add everyone on this list"))


class LineStateForm(PrefixedForm):
    prefix_name = "state"
    target = SelectField(_l("New state"), choices=choices(LINE_STATE_LABELS.items()))
    other_side_reason = TextAreaField(
        _l("The other side's reason"), validators=[Length(max=REASON_TEXT)]
    )
    reason = TextAreaField(_l("Note"), validators=[Length(max=REASON_TEXT)])
    version = HiddenField(validators=[Length(max=20)])
    submit = SubmitField(_l("Change state"))

    def expected_version(self) -> int | None:
        return _version(self.version)


class DeceasedProposalForm(PrefixedForm):
    prefix_name = "deceased"
    reason = TextAreaField(
        _l("Why you believe the person is deceased"),
        validators=[DataRequired(), Length(max=REASON_TEXT)],
    )
    version = HiddenField(validators=[Length(max=20)])
    submit = SubmitField(_l("Propose as deceased"))

    def expected_version(self) -> int | None:
        return _version(self.version)


class SecondPersonDecision(PrefixedForm):
    """The second person's decision on a grave step (a death, remains linked to a case), with
    the family contact that follows an approval."""

    reason = TextAreaField(_l("Why"), validators=[DataRequired(), Length(max=REASON_TEXT)])
    family_step = StringField(_l("How the family is told"), validators=[Length(max=500)])
    family_step_due = DayField(_l("Tell the family by"), validators=[Optional()])
    version = HiddenField(validators=[Length(max=20)])
    approve: SubmitField  # worded by each step
    reject = SubmitField(_l("Reject"))

    def expected_version(self) -> int | None:
        return _version(self.version)

    def decision(self) -> dict[str, Any]:
        """The keyword arguments of the service that decides (decide_deceased, decide_link)."""
        return {
            "approve": bool(self.approve.data),
            "reason": self.reason.data or "",
            "family_step": self.family_step.data or "",
            "family_step_due": self.family_step_due.data,
            "expected_version": self.expected_version(),
        }


class DeceasedDecisionForm(SecondPersonDecision):
    prefix_name = "decision"
    approve = SubmitField(_l("Confirm the death"))


class LineFilterForm(FlaskForm):
    class Meta:
        csrf = False

    state = SelectField(
        _l("State"),
        choices=choices([("", _l("Any")), *LINE_STATE_LABELS.items()]),
        default="",
        validators=[Optional()],
    )
    category = SelectField(_l("Category"), choices=[], default="", validators=[Optional()])
    # A prisoner exchange's lines only.
    young = SelectField(
        _l("Aged 18 to 25"),
        choices=choices([("", _l("Any")), *YOUNG_AGE_LABELS.items()]),
        default="",
        validators=[Optional()],
    )
    health = SelectField(
        _l("Health category"),
        choices=choices([("", _l("Any")), *HEALTH_CATEGORY_LABELS.items()]),
        default="",
        validators=[Optional()],
    )


class VersionForm(PrefixedForm):
    prefix_name = "version"
    handed_over_on = DayField(_l("Handed over on"), validators=[Optional()], default=date.today)
    note = TextAreaField(
        _l("Document reference"),
        description=_l("The protocol or note the list went with"),
        validators=[Length(max=REASON_TEXT)],
    )
    # The number of the latest version the page showed: another made meanwhile is not missed.
    latest = HiddenField(validators=[Length(max=20)])
    submit = SubmitField(_l("Hand over this list as a new version"))

    def expected_latest(self) -> int | None:
        return _version(self.latest)


class VersionPairForm(FlaskForm):
    """The two versions to compare (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    old = SelectField(_l("From version"), choices=[], validators=[Optional()])
    new = SelectField(_l("To version"), choices=[], validators=[Optional()])


class WhereHeldForm(PrefixedForm):
    """Where the other side says it holds a prisoner, and the day it said so."""

    prefix_name = "held"
    where_held = StringField(
        _l("Where held, as the other side reports"), validators=[DataRequired(), Length(max=300)]
    )
    reported_on = DayField(_l("Reported on"), validators=[Optional()])
    version = HiddenField(validators=[Length(max=20)])
    submit = SubmitField(_l("Save where held"))

    def expected_version(self) -> int | None:
        return _version(self.version)


# --- remains (app/exchanges/remains.py) -------------------------------------------------------


class RemainsForm(PrefixedForm):
    """Remains as the other side handed them over; the claimed identity as they wrote it."""

    prefix_name = "remains"
    body_number = StringField(_l("Body number"), validators=[DataRequired(), Length(max=50)])
    recovery_region = StringField(_l("Region of recovery"), validators=[Length(max=200)])
    recovered_on = DayField(_l("Date of recovery"), validators=[Optional()])
    claimed_family_name = StringField(_l("Claimed family name"), validators=[Length(max=200)])
    claimed_given_name = StringField(_l("Claimed given name"), validators=[Length(max=200)])
    claimed_patronymic = StringField(_l("Claimed patronymic"), validators=[Length(max=200)])
    claimed_service_number = StringField(_l("Claimed service number"), validators=[Length(max=50)])
    sex = SelectField(_l("Sex"), choices=choices(SEX_LABELS.items()), default="unknown")
    age_min = IntegerField(
        _l("Age from (years)"), validators=[Optional(), NumberRange(min=0, max=120)]
    )
    age_max = IntegerField(
        _l("Age to (years)"), validators=[Optional(), NumberRange(min=0, max=120)]
    )
    personal_effects = TextAreaField(_l("Personal effects"), validators=[Length(max=REASON_TEXT)])
    lab_sample_number = StringField(_l("Laboratory sample number"), validators=[Length(max=50)])
    submit = SubmitField(_l("Add remains"))

    def remains_fields(self) -> dict:
        return {name: getattr(self, name).data for name in REMAINS_FIELDS}


class RemainsLinkForm(PrefixedForm):
    prefix_name = "link"
    case_number = StringField(_l("Case number"), validators=[DataRequired(), Length(max=20)])
    reason = TextAreaField(
        _l("Why you believe these are the person"),
        validators=[DataRequired(), Length(max=REASON_TEXT)],
    )
    version = HiddenField(validators=[Length(max=20)])
    submit = SubmitField(_l("Propose the link"))

    def expected_version(self) -> int | None:
        return _version(self.version)


class RemainsDecisionForm(SecondPersonDecision):
    prefix_name = "link_decision"
    approve = SubmitField(_l("Confirm the link"))


class RemainsFilterForm(FlaskForm):
    class Meta:
        csrf = False

    remains = SelectField(
        _l("Link"),
        choices=choices([("", _l("Any")), *REMAINS_LINK_LABELS.items()]),
        default="",
        validators=[Optional()],
    )
