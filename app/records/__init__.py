"""Partner sources and their records."""

from flask import Blueprint

bp = Blueprint("records", __name__, url_prefix="/records")

from app.records import routes  # noqa: E402,F401 - registers the views on bp
