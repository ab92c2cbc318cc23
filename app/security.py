"""Response headers and log hygiene that every page gets."""

from __future__ import annotations

import logging
import re

from flask import Flask, Response, request

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


def install(app: Flask) -> None:
    app.after_request(add_security_headers)
    logging.getLogger("werkzeug").addFilter(DropQueryStrings())
    if app.config.get("SESSION_COOKIE_SECURE"):
        app.after_request(_hsts)


def _hsts(response: Response) -> Response:
    response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response
