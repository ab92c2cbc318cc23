from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.audit.models import AuditAction
from app.audit.services import record
from app.auth.forms import LoginForm
from app.auth.permissions import Permission, public, require
from app.auth.services import authenticate
from app.extensions import db, limiter
from app.forms import EmptyForm
from app.web import safe_local_url

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(
    _login_limit, methods=["POST"], deduct_when=lambda response: response.status_code != 302
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()  # a fresh session id on login prevents fixation
            login_user(user)
            session.permanent = True
            db.session.commit()
            return redirect(safe_local_url(request.args.get("next")))
        db.session.commit()  # keep the failed-login audit event
        form.password.errors.append(_("Wrong e-mail or password."))
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@require(Permission.APP_USE)
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        record(AuditAction.LOGOUT, current_user._get_current_object())
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))
