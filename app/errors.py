"""Error pages that say what happened and leak nothing (no tracebacks, no data)."""

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db


def _too_large_message(app: Flask) -> str:
    if request.mimetype == "multipart/form-data":
        return _(
            "The file is too large. The limit is %(mb)d MB.",
            mb=app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024),
        )
    return _(
        "What you sent is too large (the limit is %(kb)d kB). Go back, shorten the longest "
        "text and send it again.",
        kb=app.config["MAX_FORM_BYTES"] // 1024,
    )


def install(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = _("The form expired or was sent from elsewhere. Reload the page and try again.")
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        messages = {
            400: _("The request could not be understood."),
            403: _("You do not have permission to see this page."),
            404: _("There is no page at this address."),
            405: _("This action is not allowed here."),
            413: _too_large_message(app),
            429: _("Too many attempts. Wait a minute and try again."),
        }
        message = messages.get(
            code, error.description if code < 500 else _("Something went wrong.")
        )
        return render_template("errors/error.html", code=code, message=message), code

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        db.session.rollback()
        app.logger.exception("unhandled error")  # the traceback holds no request data
        message = _("Something went wrong on our side. Your last change was not saved.")
        return render_template("errors/error.html", code=500, message=message), 500
