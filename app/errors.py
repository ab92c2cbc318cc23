"""Error pages that say what happened and leak nothing (no tracebacks, no data)."""

from contextlib import nullcontext, suppress

from flask import Flask, g, make_response, render_template, request
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from app.extensions import db, login_manager

# How long a browser or a script is asked to wait after a 503 (seconds).
RETRY_AFTER = 30


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


def database_unavailable(error: DBAPIError) -> bool:
    """Whether ``error`` says the database cannot be reached or went away (a stopped server, a
    dropped connection, SQLite's lock held past the busy timeout), not that a statement is
    wrong: the first is a 503 that passes, the second a bug (500)."""
    return isinstance(error, OperationalError | InterfaceError) or error.connection_invalidated


def _locale_without_database() -> str | None:
    """The reader's language if it can still be had: chosen in the session, or the signed-in
    user's when their row is loaded. None when finding it needs the database."""
    try:
        return str(get_locale())
    except SQLAlchemyError:
        return None


def _forget_the_database() -> None:
    """Drop this request's transaction and render the rest as if signed out: the page then
    needs no database (a user row expired by the rollback would be read again, and fail
    again). The session cookie is untouched: the next request is signed in as before."""
    with suppress(SQLAlchemyError):  # the connection is gone already: nothing to roll back
        db.session.rollback()
    g._login_user = login_manager.anonymous_user()  # where Flask-Login keeps the request's user


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

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        if not database_unavailable(error):
            return server_error(error)
        locale = _locale_without_database()
        _forget_the_database()
        # The class only: the message quotes the statement and the server's address.
        app.logger.error("database unavailable: %s", type(error.orig or error).__name__)
        with force_locale(locale) if locale else nullcontext():
            message = _(
                "The service cannot reach its database just now. Your last change was not "
                "saved. Try again in a minute."
            )
            page = render_template("errors/error.html", code=503, message=message)
        response = make_response(page, 503)
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        db.session.rollback()
        app.logger.exception("unhandled error")  # the traceback holds no request data
        message = _("Something went wrong on our side. Your last change was not saved.")
        return render_template("errors/error.html", code=500, message=message), 500
