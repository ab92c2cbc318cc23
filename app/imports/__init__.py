"""Imports of partner lists and case lists from CSV files (browser and command line)."""

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/imports")

from app.imports import routes  # noqa: E402,F401 - registers the views on bp
