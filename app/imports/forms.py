from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import DayField, choices
from app.imports.fields import FIELDS
from app.imports.models import ImportKind

# The labels of app.imports.fields.FIELD_LABELS, translatable (that module stays Flask-free).
FIELD_CHOICE_LABELS = {
    "external_id": _l("Source ID"),
    "family_name": _l("Family name"),
    "given_name": _l("Given name"),
    "patronymic": _l("Patronymic"),
    "full_name": _l("Full name"),
    "sex": _l("Sex"),
    "date_of_birth": _l("Date of birth"),
    "age": _l("Age"),
    "place_of_birth": _l("Place of birth"),
    "place_of_origin": _l("Place of origin / last known place"),
    "current_location": _l("Current location"),
    "institution": _l("Institution"),
    "mother_name": _l("Mother's name"),
    "father_name": _l("Father's full name"),
    "region": _l("Region"),
    "document_number": _l("Identity document number"),
    "street_address": _l("Street address"),
    "postcode": _l("Postcode"),
    "contact_phone": _l("Contact phone"),
    "record_date": _l("Record date"),
    "notes": _l("Notes"),
    "answer": _l("The other side's answer"),
    "answer_reason": _l("The other side's reason"),
    "service_number": _l("Service number"),
    "rank": _l("Rank"),
    "unit": _l("Unit"),
    "captured_on": _l("Date of capture"),
    "place_of_capture": _l("Place of capture"),
}

ENCODING_CHOICES = [
    ("utf-8-sig", _l("UTF-8 with byte order mark")),
    ("utf-8", _l("UTF-8")),
    ("cp1251", _l("Windows-1251 (Cyrillic)")),
]
DELIMITER_CHOICES = [(",", _l("comma ,")), (";", _l("semicolon ;")), ("\t", _l("tab"))]


class UploadForm(FlaskForm):
    kind = RadioField(
        _l("What the file holds"),
        choices=choices(
            [
                (ImportKind.RECORDS.value, _l("Partner records (a register or tracing list)")),
                (ImportKind.CASES.value, _l("Cases (a source list)")),
            ]
        ),
        default=ImportKind.RECORDS.value,
        validators=[DataRequired()],
    )
    target = StringField(
        _l("Partner source or source list"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("An existing name, or a new one to create it."),
    )
    organisation = StringField(_l("Organisation (new partner sources)"), [Length(max=200)])
    list_name = StringField(_l("List name (new partner sources)"), [Length(max=200)])
    received_on = DayField(_l("Date of the list (new partner sources)"), [Optional()])
    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(["csv", "tsv", "txt"], _l("Upload a CSV file (.csv, .tsv or .txt).")),
        ],
    )
    submit = SubmitField(_l("Upload and preview"))

    def __init__(self, *args, kinds: list[ImportKind] | None = None, **kwargs) -> None:
        """``kinds``: those the user may import (a caseworker is not offered cases)."""
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.kind.choices = [c for c in self.kind.choices if c.value in kinds]


class MappingForm(FlaskForm):
    """Encoding, delimiter and one field per column; columns are added by :func:`mapping_form`."""

    encoding = SelectField(_l("Encoding"), choices=choices(ENCODING_CHOICES))
    delimiter = SelectField(_l("Delimiter"), choices=choices(DELIMITER_CHOICES))
    save_mapping = BooleanField(_l("Save this mapping for the partner's next file"))
    all_or_nothing = BooleanField(_l("All or nothing: import nothing if any row is rejected"))
    refresh = SubmitField(_l("Read again"))
    submit = SubmitField(_l("Import"))

    column_count = 0

    def column_fields(self):
        return [self[f"col_{index}"] for index in range(self.column_count)]

    def mapping(self) -> list[str | None]:
        return [field.data or None for field in self.column_fields()]

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        seen: dict[str, str] = {}
        ok = True
        for field in self.column_fields():
            if not field.data:
                continue
            if field.data in seen:
                field.errors.append(
                    _l("This field is already chosen for “%(header)s”.", header=seen[field.data])
                )
                ok = False
            else:
                seen[field.data] = field.label.text
        return ok


def mapping_form(headers: list[str], **kwargs) -> MappingForm:
    """A MappingForm with one select per column, labelled by the column's header."""
    field_choices = choices(
        [("", _l("— keep in the raw row only —"))]
        + [(name, FIELD_CHOICE_LABELS[name]) for name in FIELDS]
    )

    class _Form(MappingForm):
        column_count = len(headers)

    for index, header in enumerate(headers):
        label = header or _l("column %(n)d", n=index + 1)
        setattr(_Form, f"col_{index}", SelectField(label, choices=field_choices, default=""))
    return _Form(**kwargs)
