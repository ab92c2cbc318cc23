from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from app.auth.permissions import Permission, public, require
from app.extensions import db
from app.forms import EmptyForm
from app.web import safe_local_url

bp = Blueprint("main", __name__)


@bp.route("/")
@require(Permission.APP_USE)
def index():
    """Each role starts where its work is."""
    if current_user.can(Permission.CASE_ASSIGN):
        return redirect(url_for("cases.supervisor_home"))
    if current_user.can(Permission.CASE_READ):
        return redirect(url_for("cases.my_cases"))
    return render_template("main/index.html")


@bp.route("/language/<code>", methods=["POST"])
@public
def set_language(code: str):
    """Switch the interface language; anonymous visitors can switch on the login page."""
    form = EmptyForm()
    if form.validate_on_submit() and code in current_app.config["LANGUAGES"]:
        session["language"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(safe_local_url(request.form.get("next")))
