from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from app.auth.passwords import MAX_PASSWORD_LENGTH, password_problems
from app.auth.permissions import Role

ROLE_LABELS = {
    Role.CASEWORKER: _l("Caseworker"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.ADMIN: _l("Administrator"),
    Role.DNA_REVIEWER: _l("DNA reviewer"),
}


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    # The length bound keeps a megabyte "password" from reaching argon2.
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    submit = SubmitField(_l("Sign in"))


class PasswordPolicy:
    """A field validator: the password policy of :mod:`app.auth.passwords`."""

    def __call__(self, form, field) -> None:
        email = form.email.data if hasattr(form, "email") else ""
        name = form.name.data if hasattr(form, "name") else ""
        problems = password_problems(field.data or "", email or "", name or "")
        if problems:
            raise ValidationError(" ".join(problems))


class PasswordChangeForm(FlaskForm):
    """The user's own password. The policy (which needs their e-mail) is checked by the
    service, :func:`app.auth.services.change_password`."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class CodeForm(FlaskForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    submit = SubmitField(_l("Continue"))
