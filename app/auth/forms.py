from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from app.auth.passwords import password_problems
from app.auth.permissions import Role

ROLE_LABELS = {
    Role.CASEWORKER: _l("Caseworker"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.ADMIN: _l("Administrator"),
}


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    submit = SubmitField(_l("Sign in"))


class PasswordPolicy:
    """A field validator: the password policy of :mod:`app.auth.passwords`."""

    def __call__(self, form, field) -> None:
        email = form.email.data if hasattr(form, "email") else ""
        problems = password_problems(field.data or "", email or "")
        if problems:
            raise ValidationError(" ".join(problems))
