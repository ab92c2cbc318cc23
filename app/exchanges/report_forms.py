"""The form of an export for the other side: which people, in which script, signed by whom.
Sent by GET (a download changes nothing), so it carries no CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from app.exchanges.exports import SCRIPT_LABELS
from app.exchanges.labels import LINE_STATE_LABELS
from app.forms import choices
from app.names.scripts import Script

OPEN = "open"


class ExportForm(FlaskForm):
    class Meta:
        csrf = False

    script = SelectField(
        _l("Write the names"), choices=choices(SCRIPT_LABELS.items()), default=Script.AS_WRITTEN
    )
    state = SelectField(
        _l("People"),
        choices=choices(
            [("", _l("All")), (OPEN, _l("Open only (no outcome yet)")), *LINE_STATE_LABELS.items()]
        ),
        default="",
        validators=[Optional()],
    )
    category = SelectField(_l("Category"), choices=[], default="", validators=[Optional()])
    signer_name = StringField(_l("Signed by"), validators=[Length(max=200)])
    signer_position = StringField(_l("Position"), validators=[Length(max=200)])
    second_signer_name = StringField(_l("Second signatory"), validators=[Length(max=200)])
    second_signer_position = StringField(
        _l("Second signatory's position"), validators=[Length(max=200)]
    )
