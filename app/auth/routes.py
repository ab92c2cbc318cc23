from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response as Redirect

from app.auth import second_factor
from app.auth.forms import CodeForm, LoginForm, PasswordChangeForm
from app.auth.models import User, user_from_session_id
from app.auth.permissions import Permission, public, require
from app.auth.services import (
    UserError,
    authenticate,
    change_password,
    check_second_factor,
    enrol_second_factor,
    needs_second_factor,
    record_sign_in,
    required_roles,
    sign_out,
    unused_recovery_codes,
)
from app.extensions import db, limiter
from app.forms import EmptyForm
from app.web import safe_local_url

bp = Blueprint("auth", __name__)

# A session that passed the password but not yet the second factor holds only this: the user's
# session id (with its token) and when. It is not signed in: every other page sends it here.
PENDING = "pending_sign_in"
# The secret being enrolled, until a code confirms it (the person sees it on the page anyway).
ENROLLING = "enrolling_secret"


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _refused(response: Response) -> bool:
    """Wrong codes and passwords count towards the limit; successes do not."""
    return response.status_code >= 400


def _complete_sign_in(user: User, factor: str | None, next_url: str | None) -> Redirect:
    session.clear()  # a fresh session on sign-in prevents fixation, and drops PENDING
    login_user(user)
    session.permanent = True
    record_sign_in(user, factor)
    db.session.commit()
    return redirect(safe_local_url(next_url))


def _pending_user() -> User | None:
    """The user who gave the right password in this session, if not too long ago and if
    nothing (a password change, a reset, a deactivation) has ended their sessions since."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    since = datetime.fromtimestamp(pending.get("since", 0), UTC)
    if datetime.now(UTC) - since > current_app.config["SECOND_FACTOR_WAIT"]:
        session.pop(PENDING, None)
        return None
    return user_from_session_id(str(pending.get("id", "")))


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
        if user is None:
            db.session.commit()  # keep the failed-login audit event
            form.password.errors.append(_("Wrong e-mail or password."))
            return render_template("auth/login.html", form=form), 401
        next_url = request.args.get("next")
        roles = required_roles(current_app.config["SECOND_FACTOR_ROLES"])
        if not needs_second_factor(user, roles):
            return _complete_sign_in(user, None, next_url)
        session.clear()
        session[PENDING] = {
            "id": user.get_id(),
            "since": datetime.now(UTC).timestamp(),
            "next": next_url,
        }
        db.session.commit()
        if user.has_second_factor:
            return redirect(url_for("auth.second_step"))
        return redirect(url_for("auth.enrol"))  # the role requires a factor: set one up now
    return render_template("auth/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_refused)
def second_step():
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    user = _pending_user()
    if user is None:
        return redirect(url_for("auth.login"))
    if not user.has_second_factor:
        return redirect(url_for("auth.enrol"))
    form = CodeForm()
    if form.validate_on_submit():
        factor = check_second_factor(user, form.code.data)
        if factor is not None:
            if factor == "recovery":
                flash(
                    ngettext(
                        "You signed in with a recovery code; %(num)d remains.",
                        "You signed in with a recovery code; %(num)d remain.",
                        unused_recovery_codes(user),
                    ),
                    "warning",
                )
            return _complete_sign_in(user, factor, session[PENDING].get("next"))
        db.session.commit()  # keep the audit event of the wrong code
        form.code.errors.append(_("Wrong or already used code."))
        return render_template("auth/second_step.html", form=form), 401
    return render_template("auth/second_step.html", form=form)


@bp.route("/account/second-factor", methods=["GET", "POST"])
@public  # also for a pending sign-in that must enrol; checked below
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_refused)
def enrol():
    """Set up an authenticator app: its secret as text and as a QR code, confirmed by one
    code, then ten recovery codes shown once. For signed-in users (optional for caseworkers)
    and for a sign-in that cannot finish until the user has a factor."""
    pending = not current_user.is_authenticated
    user = _pending_user() if pending else current_user._get_current_object()
    if user is None:
        return redirect(url_for("auth.login"))
    if user.has_second_factor:
        return redirect(url_for("auth.second_step" if pending else "auth.account"))
    secret = session.get(ENROLLING) or second_factor.new_secret()
    session[ENROLLING] = secret
    form = CodeForm()
    if form.validate_on_submit():
        codes = enrol_second_factor(user, secret, form.code.data)
        if codes is not None:
            next_url = session.get(PENDING, {}).get("next") if pending else None
            session.pop(ENROLLING, None)
            if pending:
                _complete_sign_in(user, "totp", next_url)
            else:
                db.session.commit()
            # The codes are shown in this response only, never stored in the clear.
            return render_template(
                "auth/recovery_codes.html", codes=codes, next_url=safe_local_url(next_url)
            )
        db.session.commit()
        form.code.errors.append(_("Wrong code. Check the time on your phone and try again."))
    status = 401 if form.code.errors else 200
    page = render_template(
        "auth/enrol.html",
        form=form,
        secret=secret,
        qr=second_factor.qr_data_uri(secret, user.email),
        pending=pending,
    )
    return page, status


@bp.route("/account")
@require(Permission.APP_USE)
def account():
    user = current_user._get_current_object()
    return render_template(
        "auth/account.html",
        user=user,
        recovery_left=unused_recovery_codes(user) if user.has_second_factor else 0,
    )


@bp.route("/account/password", methods=["GET", "POST"])
@require(Permission.APP_USE)
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_refused)
def password():
    """The user changes their own password; their other sessions end, this one goes on."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            change_password(user, form.current_password.data, form.password.data)
        except UserError as error:
            db.session.commit()  # nothing changed; ends the transaction
            getattr(form, error.field or "password").errors.append(str(error))
            return render_template("auth/password.html", form=form), 400
        db.session.commit()
        # The token changed: sign this session in again with the new one, keeping the rest.
        kept = {key: session[key] for key in ("language", "last_seen") if key in session}
        _complete_sign_in_again(user)
        session.update(kept)
        flash(_("Your password is changed. Your other sessions have ended."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200


def _complete_sign_in_again(user: User) -> None:
    session.clear()
    login_user(user)
    session.permanent = True


@bp.route("/logout", methods=["POST"])
@require(Permission.APP_USE)
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        # Ends the session on the server: a copy of this cookie, and the user's sessions on
        # other devices, stop working too.
        sign_out(current_user._get_current_object())
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))
