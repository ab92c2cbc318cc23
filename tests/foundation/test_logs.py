"""Request ids, JSON log lines without personal data, and the health check."""

from __future__ import annotations

import json
import logging
import sys

from sqlalchemy.exc import OperationalError

from app.logs import JsonFormatter


def test_every_response_carries_a_request_id(client):
    first = client.get("/login").headers["X-Request-Id"]
    second = client.get("/login").headers["X-Request-Id"]
    assert len(first) == 32 and first != second
    given = client.get("/login", headers={"X-Request-Id": "lb-7f3a.1"}).headers["X-Request-Id"]
    assert given == "lb-7f3a.1"  # a proxy's id is kept, so its log and ours meet
    forged = client.get("/login", headers={"X-Request-Id": 'x" "FAKE: 1'}).headers
    assert len(forged["X-Request-Id"]) == 32  # not an id we write into log lines


def test_a_json_log_line_has_the_error_class_and_frames_but_not_its_message():
    def fail():
        raise ValueError("Коваленко Олександр, +380 00 111 22 33")

    try:
        fail()
    except ValueError:
        record = logging.LogRecord(
            "app", logging.ERROR, __file__, 1, "unhandled error", None, sys.exc_info()
        )
    record.request_id = "abc123"
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["message"] == "unhandled error" and entry["level"] == "error"
    assert entry["request_id"] == "abc123" and entry["error"] == "ValueError"
    assert any(frame.endswith(" fail") for frame in entry["frames"])
    assert "Коваленко" not in line and "380" not in line


def test_the_health_check_shows_the_dependencies_and_no_data(client):
    response = client.get("/healthz")  # no sign-in: load balancers call it
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "queue": "ok",
        "queued_jobs": 0,
    }


def test_the_health_check_fails_when_the_database_does_not_answer(client, monkeypatch):
    from app.extensions import db

    def refuse(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "failing" and body["database"] == "OperationalError"
    assert "refused" not in response.get_data(as_text=True)
