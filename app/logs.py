"""Logs an operator can ship and read: one JSON object per line, a request id, no personal data.

Every request gets an id (the ``X-Request-Id`` header of a trusted proxy, else a new one), sent
back in the response and written on every log line of that request, so that a user's report, the
access log and the application log meet. What is never written: query strings (searches hold
people's names), exception messages (a ``ValueError`` may quote a value) and the values of SQL
parameters (``hide_parameters`` in ``config.py``). An error is logged with its class and the
frames it passed through, which is what a developer needs to find it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler

__all__ = ["JsonFormatter", "install", "request_id"]

_VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One line of JSON per record; an exception as its class and frames, never its message."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid:
            entry["request_id"] = rid
        if record.exc_info and record.exc_info[0] is not None:
            kind, _error, tb = record.exc_info
            entry["error"] = kind.__name__
            entry["frames"] = [
                f"{frame.filename}:{frame.lineno} {frame.name}"
                for frame in traceback.extract_tb(tb)
            ]
        return json.dumps(entry, ensure_ascii=False)


def install(app: Flask) -> None:
    """Request ids always; JSON lines on standard error when ``LOG_FORMAT`` is ``json``."""

    @app.before_request
    def _assign_request_id() -> None:
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if _VALID_ID.fullmatch(given) else uuid.uuid4().hex

    @app.after_request
    def _return_request_id(response: Response) -> Response:
        if "request_id" in g:
            response.headers["X-Request-Id"] = g.request_id
        return response

    if app.config.get("LOG_FORMAT") != "json":
        return
    # On the root logger, once: the application's, Huey's and the server's records reach it.
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(_RequestId())
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    app.logger.removeHandler(default_handler)
