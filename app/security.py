"""Response headers and log hygiene that every page gets."""

from __future__ import annotations

import logging
import re

from flask import Flask, Response, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def add_security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.endpoint != "static":
        # Pages, exports, JSON and redirects carry personal data or lead to it: never kept in
        # shared or browser caches. Only our own static files (CSS, JS) may be.
        response.headers["Cache-Control"] = "no-store"
    return response


class DropQueryStrings(logging.Filter):
    """Access logs keep paths but not query strings: searches contain people's names."""

    _query = re.compile(r"\?[^ \"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                self._query.sub("?…", a) if isinstance(a, str) else a for a in record.args
            )
        return True


def bound_request_size() -> None:
    """A request that is not a file upload is held to ``MAX_FORM_BYTES``, far below the upload
    limit (``MAX_CONTENT_LENGTH``): a 20 MB "circumstances" field was accepted and then shown
    on every view of the case. Werkzeug refuses the body (413) when it is read."""
    if request.mimetype == "multipart/form-data":
        return  # an upload: MAX_CONTENT_LENGTH, and Flask's MAX_FORM_MEMORY_SIZE per text field
    limit = current_app.config["MAX_FORM_BYTES"]
    upload_limit = current_app.config.get("MAX_CONTENT_LENGTH")
    request.max_content_length = limit if upload_limit is None else min(limit, upload_limit)


def install(app: Flask) -> None:
    # First of all hooks: CSRFProtect's reads the form.
    app.before_request_funcs.setdefault(None, []).insert(0, bound_request_size)
    app.after_request(add_security_headers)
    logging.getLogger("werkzeug").addFilter(DropQueryStrings())
    if app.config.get("SESSION_COOKIE_SECURE"):
        app.after_request(_hsts)


def _hsts(response: Response) -> Response:
    response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response
