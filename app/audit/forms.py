from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import Optional

from app.audit.models import AuditAction, AuditEvent
from app.auth.models import User
from app.extensions import db
from app.forms import choices


class AuditFilterForm(FlaskForm):
    """A GET filter: no state changes, so no CSRF token in the query string."""

    class Meta:
        csrf = False

    actor = SelectField(_l("User"), coerce=lambda v: int(v) if v else None, validators=[Optional()])
    action = SelectField(_l("Action"), validators=[Optional()])
    object_type = SelectField(_l("Object type"), validators=[Optional()])
    object_id = IntegerField(_l("Object id"), validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = db.session.execute(select(User.id, User.email).order_by(User.email)).all()
        self.actor.choices = choices([("", _l("Anyone"))] + [(u.id, u.email) for u in users])
        self.action.choices = choices([("", _l("Any"))] + [(a.value, a.value) for a in AuditAction])
        types = db.session.scalars(
            select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)
        ).all()
        self.object_type.choices = choices([("", _l("Any"))] + [(t, t) for t in types if t])
