"""The forms of the answer pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from app.exchanges.forms import REASON_TEXT


class AnswerUploadForm(FlaskForm):
    file = FileField(
        _l("The other side's answer file (CSV)"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "tsv", "txt"], _l("Upload a CSV file (.csv, .tsv or .txt).")),
        ],
    )
    submit = SubmitField(_l("Upload and preview"))


class PairingForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Length(max=REASON_TEXT)])
    confirm = SubmitField(_l("This answer is about this person"))
    reject = SubmitField(_l("Not this person"))
