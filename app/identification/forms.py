"""The forms of the DNA pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.dna.kinship import Relationship
from app.exchanges.forms import REASON_TEXT
from app.forms import DayField, choices

RELATIONSHIP_LABELS = {
    Relationship.MOTHER: _l("mother"),
    Relationship.FATHER: _l("father"),
    Relationship.FULL_SIBLING: _l("full sibling"),
    Relationship.HALF_SIBLING: _l("half sibling (side unknown)"),
    Relationship.MATERNAL_HALF_SIBLING: _l("half sibling, same mother"),
    Relationship.PATERNAL_HALF_SIBLING: _l("half sibling, same father"),
    Relationship.CHILD: _l("child"),
    Relationship.SPOUSE: _l("spouse (the other parent of a sampled child)"),
}

_CSV_ONLY = FileAllowed(["csv", "tsv", "txt"], _l("Upload a CSV file (.csv, .tsv or .txt)."))


class LabFileForm(FlaskForm):
    file = FileField(
        _l("The laboratory's export (CSV)"),
        validators=[FileRequired(_l("Choose a file.")), _CSV_ONLY],
    )
    submit = SubmitField(_l("Attach the profiles"))


class FrequencyTableForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    file = FileField(
        _l("Allele frequency table (CSV)"),
        validators=[FileRequired(_l("Choose a file.")), _CSV_ONLY],
    )
    submit = SubmitField(_l("Load and use for screening"))


class ReferenceSampleForm(FlaskForm):
    relative_id = SelectField(_l("Relative"), coerce=str, validate_choice=True)
    relationship_kind = SelectField(
        _l("Relationship to the missing person"),
        choices=choices((r.value, label) for r, label in RELATIONSHIP_LABELS.items()),
    )
    lab_sample_number = StringField(
        _l("Laboratory sample number"), validators=[DataRequired(), Length(max=50)]
    )
    consent_given_on = DayField(_l("Consent given on"), validators=[DataRequired()])
    submit = SubmitField(_l("Record the sample"))


class ScreeningForm(FlaskForm):
    submit = SubmitField(_l("Screen every remains against every family"))


class ForwardForm(FlaskForm):
    note = TextAreaField(_l("Your note for the supervisor"), validators=[Length(max=REASON_TEXT)])
    submit = SubmitField(_l("Propose this identification"))
