import json
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from app.cases.labels import (
    AGE_BANDS,
    ALIAS_KIND_LABELS,
    CASE_TYPE_LABELS,
    CHANNEL_LABELS,
    CLOSURE_REASON_LABELS,
    HEALTH_CATEGORY_LABELS,
    PRIORITY_LABELS,
    RELATIONSHIP_LABELS,
    SEX_LABELS,
    STATUS_LABELS,
)
from app.cases.models import Case, HealthCategory, Priority, Sex
from app.cases.search import OPEN
from app.cases.services import EDIT_FIELDS, EDITABLE_FIELDS, Keep, StaleCaseError, edit_snapshot
from app.dates import parse_date
from app.formats import date_warning_text
from app.forms import DayField, PartialDateField, PrefixedForm, choices, text
from app.web import database_int

# Free text: a case's story, a contact's outcome, a note. Long enough for pages of it, short
# enough that a page showing it stays a page (a 20 MB "circumstances" was shown on every view).
LONG_TEXT = 10000
MEDIUM_TEXT = 5000


def _optional_int(value):
    # A number too large for the database is no choice (ValueError), not a failed query.
    return database_int(value) if value not in (None, "", "None") else None


class CaseForm(FlaskForm):
    source_list = SelectField(_l("Source list"), coerce=_optional_int)
    external_id = StringField(_l("Number on the source list"), validators=[Length(max=100)])
    case_type = SelectField(_l("Type"), choices=choices(CASE_TYPE_LABELS.items()))
    # Defaults that do no harm when left untouched: a guessed sex would count against the
    # child's true records in matching (which skips an unknown sex), a low priority would hide
    # the case in the queues.
    priority = SelectField(
        _l("Priority"), choices=choices(PRIORITY_LABELS.items()), default=Priority.NORMAL.value
    )
    family_name = StringField(_l("Family name"), validators=[Length(max=200)])
    given_name = StringField(_l("Given name"), validators=[Length(max=200)])
    patronymic = StringField(_l("Patronymic"), validators=[Length(max=200)])
    family_name_latin = StringField(_l("Family name (Latin)"), validators=[Length(max=200)])
    given_name_latin = StringField(_l("Given name (Latin)"), validators=[Length(max=200)])
    sex = SelectField(_l("Sex"), choices=choices(SEX_LABELS.items()), default=Sex.UNKNOWN.value)
    date_of_birth = PartialDateField(
        _l("Date of birth"),
        description=_l("Exact (05.03.2014), month and year (03.2014) or year only (2014)."),
        validators=[Length(max=30)],
    )
    estimated_age = IntegerField(
        _l("Estimated age"), validators=[Optional(), NumberRange(min=0, max=120)]
    )
    age_estimated_on = DayField(_l("Age estimated on"), validators=[Optional()])
    place_of_birth = StringField(_l("Place of birth"), validators=[Length(max=200)])
    nationality = StringField(_l("Nationality"), validators=[Length(max=100)])
    document_number = StringField(
        _l("Birth certificate or passport number"), validators=[Length(max=100)]
    )
    street_address = StringField(_l("Street address"), validators=[Length(max=300)])
    postcode = StringField(_l("Postcode"), validators=[Length(max=20)])
    last_known_place = StringField(_l("Last known place"), validators=[Length(max=200)])
    region = StringField(_l("Region"), validators=[Length(max=100)])
    last_seen_on = DayField(_l("Date last seen"), validators=[Optional()])
    circumstances = TextAreaField(
        _l("Circumstances of separation"), validators=[Length(max=LONG_TEXT)]
    )
    # A prisoner of war's facts (the page shows them for that type; see POW_FIELDS).
    service_number = StringField(_l("Service number"), validators=[Length(max=50)])
    rank = StringField(_l("Rank"), validators=[Length(max=100)])
    unit = StringField(_l("Unit"), validators=[Length(max=200)])
    captured_on = DayField(_l("Date of capture"), validators=[Optional()])
    place_of_capture = StringField(_l("Place of capture"), validators=[Length(max=200)])
    health_category = SelectField(
        _l("Health category"),
        description=_l("For sanitary exchanges: the seriously wounded and seriously ill."),
        choices=choices(HEALTH_CATEGORY_LABELS.items()),
        default=HealthCategory.NONE.value,
    )
    # Text whatever its source: CaseForm(obj=case) fills it with the case's int version when a
    # post lacks it, and Length() cannot measure an int.
    version = HiddenField(
        validators=[Length(max=20)], filters=[lambda v: "" if v is None else str(v)]
    )
    # What the form started from (edit_snapshot as JSON): a save after someone else's tells
    # by it which fields this person changed (see merge_edit). It holds the circumstances too,
    # escaped as JSON: room for all of them twice over.
    base = HiddenField(
        validators=[Length(max=4 * LONG_TEXT)], filters=[lambda v: "" if v is None else str(v)]
    )
    submit = SubmitField(_l("Save case"))

    def start_from(self, case: Case) -> None:
        """Show ``case`` as saved, and start from it."""
        self.show_saved(case, EDIT_FIELDS)
        self.version.data = str(case.version)
        self.base.data = json.dumps(edit_snapshot(case), ensure_ascii=False)

    def show_conflict(self, conflict: StaleCaseError) -> None:
        """The conflict page's form: the editor's values, the other saves' on the fields the
        editor left alone, and the current version, so that a further save is noticed."""
        self.show_saved(conflict.case, conflict.merge.kept)
        self.version.data = str(conflict.case.version)
        self.base.data = json.dumps(conflict.next_base(), ensure_ascii=False)

    def show_saved(self, case: Case, names) -> None:
        """Fill the fields ``names`` with the case's saved values, whatever was posted."""
        for name in names:
            form_field = self[name]
            if name == "date_of_birth":
                form_field.data = case.date_of_birth.isoformat() if case.date_of_birth else ""
            else:
                form_field.data = getattr(case, name)
            form_field.raw_data = None  # else a date or number field shows the posted text

    def expected_version(self) -> int:
        raw = str(self.version.data or "")
        return int(raw) if raw.isdigit() else -1  # missing or tampered: a conflict

    def base_values(self) -> dict[str, Any] | None:
        """What the form started from; None when the post lacks it or it is not what the
        form sends (then every field saved differently since counts as a clash)."""
        try:
            values = json.loads(self.base.data or "")
        except (ValueError, RecursionError):
            return None
        if not isinstance(values, dict):
            return None
        return {
            column: value
            for column, value in values.items()
            if column in EDITABLE_FIELDS and (value is None or isinstance(value, str | int))
        }

    def clash_choices(self) -> dict[str, str]:
        """The conflict page's choice per clashing field (radios ``resolve-<field>``)."""
        allowed = {keep.value for keep in Keep}
        return {
            name: value
            for name in EDIT_FIELDS
            if (value := request.form.get(f"resolve-{name}", "")) in allowed
        }

    def validate_date_of_birth(self, field):
        parsed = parse_date(field.data or "")
        if parsed.warning:
            raise ValidationError(date_warning_text(parsed.warning))
        field.partial_date = parsed.value

    def validate_family_name(self, field):
        if not (field.data or "").strip() and not (self.given_name.data or "").strip():
            raise ValidationError(_l("Give at least a family name or a given name."))

    def validate_estimated_age(self, field):
        if field.data is not None and not self.age_estimated_on.data:
            raise ValidationError(_l("Say when the age was estimated."))

    def case_fields(self) -> dict:
        """The form's values as Case column values."""
        dob = getattr(self.date_of_birth, "partial_date", None)
        fields = {
            name: (getattr(self, name).data or "").strip()
            for name in (
                "family_name",
                "given_name",
                "patronymic",
                "family_name_latin",
                "given_name_latin",
                "place_of_birth",
                "nationality",
                "document_number",
                "street_address",
                "postcode",
                "last_known_place",
                "region",
                "circumstances",
                "service_number",
                "rank",
                "unit",
                "place_of_capture",
            )
        }
        fields.update(
            case_type=self.case_type.data,
            priority=self.priority.data,
            sex=self.sex.data,
            dob_year=dob.year if dob else None,
            dob_month=dob.month if dob else None,
            dob_day=dob.day if dob else None,
            estimated_age=self.estimated_age.data,
            age_estimated_on=self.age_estimated_on.data,
            last_seen_on=self.last_seen_on.data,
            captured_on=self.captured_on.data,
            health_category=self.health_category.data,
        )
        return fields


class RelativeForm(PrefixedForm):
    prefix_name = "relative"
    relationship_kind = SelectField(
        _l("Relationship"), choices=choices(RELATIONSHIP_LABELS.items())
    )
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=300)])
    date_of_birth = PartialDateField(_l("Date of birth"), validators=[Length(max=30)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    phone = StringField(_l("Phone"), validators=[Length(max=50)])
    email = EmailField(
        _l("E-mail"), validators=[Optional(), Email(check_deliverability=False), Length(max=254)]
    )
    consents_to_contact = BooleanField(_l("Consents to be contacted"))
    is_reporter = BooleanField(_l("Reported the case"))
    submit = SubmitField(_l("Add relative"))

    def validate_date_of_birth(self, field):
        parsed = parse_date(field.data or "")
        if parsed.warning:
            raise ValidationError(date_warning_text(parsed.warning))
        field.partial_date = parsed.value

    def relative_fields(self) -> dict:
        dob = getattr(self.date_of_birth, "partial_date", None)
        return {
            "relationship_kind": self.relationship_kind.data,
            "full_name": text(self.full_name),
            "date_of_birth": dob.isoformat() if dob else "",
            "address": text(self.address),
            "phone": text(self.phone),
            "email": text(self.email),
            "consents_to_contact": self.consents_to_contact.data,
            "is_reporter": self.is_reporter.data,
        }


class AliasForm(PrefixedForm):
    prefix_name = "alias"
    kind = SelectField(_l("Kind"), choices=choices(ALIAS_KIND_LABELS.items()))
    family_name = StringField(_l("Family name"), validators=[Length(max=200)])
    given_name = StringField(_l("Given name"), validators=[Length(max=200)])
    patronymic = StringField(_l("Patronymic"), validators=[Length(max=200)])
    submit = SubmitField(_l("Add alias"))


class ContactForm(PrefixedForm):
    prefix_name = "contact"
    contacted_on = DayField(_l("Date"), validators=[DataRequired()])
    channel = SelectField(_l("Channel"), choices=choices(CHANNEL_LABELS.items()))
    relative = SelectField(_l("Relative"), coerce=_optional_int, validators=[Optional()])
    with_whom = StringField(_l("With whom"), validators=[Length(max=300)])
    outcome = TextAreaField(_l("Outcome"), validators=[DataRequired(), Length(max=MEDIUM_TEXT)])
    next_step = StringField(_l("Next step"), validators=[Length(max=500)])
    next_step_due = DayField(_l("Next step due"), validators=[Optional()])
    submit = SubmitField(_l("Log contact"))


class NoteForm(PrefixedForm):
    prefix_name = "note"
    body = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=LONG_TEXT)])
    submit = SubmitField(_l("Add note"))


class StatusForm(PrefixedForm):
    prefix_name = "status"
    target = SelectField(_l("New status"), choices=choices(STATUS_LABELS.items()))
    closure_reason = SelectField(
        _l("Closure reason"),
        choices=choices([("", "—"), *CLOSURE_REASON_LABELS.items()]),
        validators=[Optional()],
    )
    reason = TextAreaField(_l("Why"), validators=[Length(max=MEDIUM_TEXT)])
    submit = SubmitField(_l("Change status"))


class DecisionForm(PrefixedForm):
    prefix_name = "decision"
    note = StringField(_l("Note"), validators=[Length(max=1000)])
    approve = SubmitField(_l("Approve"))
    reject = SubmitField(_l("Reject"))


class CaseNumberForm(PrefixedForm):
    prefix_name = "link"
    """Link a sibling or name the original of a duplicate by its case number."""

    case_number = StringField(_l("Case number"), validators=[DataRequired(), Length(max=20)])
    reason = StringField(_l("Why"), validators=[Length(max=1000)])
    submit = SubmitField(_l("Link"))


class DuplicateForm(CaseNumberForm):
    prefix_name = "duplicate"
    submit = SubmitField(_l("Merge into that case"))


class ArchiveForm(PrefixedForm):
    prefix_name = "archive"
    reason = StringField(_l("Why"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Archive case"))


# The bulk assignment's "Nobody": unassigning is a choice made on purpose, never what an
# untouched select sends (that is the empty placeholder, which is refused).
UNASSIGN = "none"


class AssignForm(FlaskForm):
    assignee = SelectField(
        _l("Assign to"),
        validators=[
            DataRequired(_l("Choose who gets the selected cases, or “Nobody” to unassign them."))
        ],
    )
    submit = SubmitField(_l("Assign selected"))


class SourceListForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    organisation = StringField(_l("Organisation that sent it"), validators=[Length(max=200)])
    received_on = DayField(_l("Date received"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Length(max=MEDIUM_TEXT)])
    submit = SubmitField(_l("Save source list"))


class CaseFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        description=_l("Case number, name or alias, in any script"),
        validators=[Length(max=200)],
    )
    # Every link to the list (the menu, the queues) leaves most filters out: a filter not given
    # is "any" (default=""), not a missing choice to complain about.
    status = SelectField(
        _l("Status"),
        choices=choices([("", _l("Any")), (OPEN, _l("Open (not closed)")), *STATUS_LABELS.items()]),
        default="",
    )
    source_list = SelectField(_l("Source list"), coerce=_optional_int, validators=[Optional()])
    region = StringField(_l("Region"), validators=[Length(max=100)])
    caseworker = SelectField(_l("Caseworker"), validators=[Optional()])
    age_band = SelectField(
        _l("Age"), choices=choices([("", _l("Any")), *((b, b) for b in AGE_BANDS)]), default=""
    )
    stale = BooleanField(_l("Only cases with no recent activity"))
