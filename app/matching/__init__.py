"""Matching: cases against partner records (and against each other), reviewed by people."""

from flask import Blueprint

bp = Blueprint("matching", __name__)

from app.matching import routes  # noqa: E402,F401 - registers the views on bp
