from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from app.audit.models import AuditAction
from app.audit.services import record
from app.auth import bp
from app.auth.forms import EmptyForm, LoginForm, UserCreateForm, UserEditForm
from app.auth.models import User
from app.auth.permissions import Permission, public, require
from app.auth.services import UserError, authenticate, create_user, update_user
from app.extensions import db, limiter


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: an open redirect would help phishing."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.netloc and not parts.scheme:
            return target
    return url_for("main.index")


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
            return redirect(_safe_next(request.args.get("next")))
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


@bp.route("/admin/users")
@require(Permission.USER_MANAGE)
def users():
    page = db.paginate(select(User).order_by(User.email), per_page=50, error_out=False)
    return render_template("auth/users.html", page=page)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@require(Permission.USER_MANAGE)
def user_new():
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            create_user(form.email.data, form.name.data, form.role.data, form.password.data)
        except UserError as error:
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("User created."), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=None)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@require(Permission.USER_MANAGE)
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    if form.validate_on_submit():
        try:
            update_user(
                user,
                acting=current_user,
                name=form.name.data,
                role=form.role.data,
                active=form.active.data,
            )
        except UserError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("User saved."), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=user)
