"""Forms of the administrator's pages: users and the audit trail."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional

from app.audit.labels import ACTION_LABELS, OBJECT_TYPE_LABELS
from app.audit.models import AuditAction
from app.auth.forms import ROLE_LABELS, PasswordPolicy
from app.auth.models import User
from app.database import MAX_INTEGER
from app.extensions import db
from app.forms import DayField, choices


class AuditFilterForm(FlaskForm):
    """A GET filter: no state changes, so no CSRF token in the query string."""

    class Meta:
        csrf = False

    actor = SelectField(_l("User"), coerce=lambda v: int(v) if v else None, validators=[Optional()])
    action = SelectField(_l("Action"), validators=[Optional()])
    object_type = SelectField(_l("Object type"), validators=[Optional()])
    # An id the database's integers cannot hold reached the driver, which failed (a 500).
    object_id = IntegerField(
        _l("Object id"), validators=[Optional(), NumberRange(min=1, max=MAX_INTEGER)]
    )
    date_from = DayField(_l("From"), validators=[Optional()])
    date_to = DayField(_l("To"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = db.session.execute(select(User.id, User.email).order_by(User.email)).all()
        self.actor.choices = choices([("", _l("Anyone"))] + [(u.id, u.email) for u in users])
        actions = [(a.value, ACTION_LABELS.get(a, a.value)) for a in AuditAction]
        self.action.choices = choices([("", _l("Any")), *actions])
        # The labelled types, not the stored ones: a list page's read names its objects' types
        # only in its ids, and a DISTINCT read the whole trail for every view of this page.
        self.object_type.choices = choices([("", _l("Any")), *OBJECT_TYPE_LABELS.items()])


class UserCreateForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(
        _l("Role"), choices=choices((r.value, label) for r, label in ROLE_LABELS.items())
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), PasswordPolicy()])
    confirm = PasswordField(
        _l("Repeat password"), validators=[EqualTo("password", message=_l("Passwords differ."))]
    )
    submit = SubmitField(_l("Create user"))


class UserEditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(
        _l("Role"), choices=choices((r.value, label) for r, label in ROLE_LABELS.items())
    )
    active = BooleanField(_l("Active"))
    submit = SubmitField(_l("Save"))
