from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.auth.permissions import Permission, public, require
from app.extensions import db
from app.forms import EmptyForm
from app.jobs import queue_of
from app.web import current_app_object, safe_local_url

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


@bp.route("/healthz")
@public
def healthz():
    """For load balancers and monitoring: can this process reach the database and the job
    queue? No data, no names: a status per dependency and the number of queued jobs."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        checks["database"] = "ok"
    except SQLAlchemyError as error:
        db.session.rollback()
        checks["database"] = type(error).__name__
    queued: int | None = None
    try:
        queued = queue_of(current_app_object()).huey.pending_count()
        checks["queue"] = "ok"
    except Exception as error:  # any broker failure (Redis down, a locked file) is "not ok"
        checks["queue"] = type(error).__name__
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "failing", **checks, "queued_jobs": queued}
    return jsonify(body), 200 if healthy else 503
