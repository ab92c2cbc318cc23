"""Configuration classes. Every secret and address comes from the environment."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_SECRET = "dev-only-insecure-secret"  # noqa: S105 - refused in production, see below
# A random key of 32 characters or more (hex, base64) has well over 8 distinct ones (a 32-digit
# hex key has 14 on average; none of 100,000 drawn had fewer than 8); a key with fewer, such as
# 32 times the same character, or one short pattern repeated, was typed by a person.
SECRET_MIN_LENGTH = 32
SECRET_MIN_DISTINCT = 8


def weak_secret(secret: str) -> bool:
    """True when ``secret`` cannot be a random key: the default, too short, too few distinct
    characters, or a shorter string repeated (``s`` occurs inside ``s + s`` shifted)."""
    return (
        secret == DEFAULT_SECRET
        or len(secret) < SECRET_MIN_LENGTH
        or len(set(secret)) < SECRET_MIN_DISTINCT
        or secret in (secret + secret)[1:-1]
    )


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    FREEZE_START_UP_OBJECTS = False
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'reunite.db'}"
    )
    # hide_parameters: SQL errors in logs must not carry the values (names, phones).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "hide_parameters": True}
    # Uploaded lists wait here for their import (web processes and workers must share it);
    # the default is instance/uploads.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER")
    # Uploads (CSV lists, multipart/form-data) are the biggest requests: this bounds them.
    MAX_CONTENT_LENGTH = _env_int("MAX_UPLOAD_MB", 64) * 1024 * 1024
    # Every other request (a form, JSON) is tiny: a case form with every field full is under
    # 100 kB. A larger one is refused (413) before it is read (app/security.py).
    MAX_FORM_BYTES = _env_int("MAX_FORM_KB", 512) * 1024

    # What an import reads at most (app/imports/readers.py): a header wider than this, or a row
    # longer (quoted line breaks included), makes the file unreadable at once; a row with a
    # longer cell or more cells is rejected with its line. A hostile file cannot take the
    # server's memory and time.
    IMPORT_MAX_COLUMNS = _env_int("IMPORT_MAX_COLUMNS", 200)
    IMPORT_MAX_CELL_CHARS = _env_int("IMPORT_MAX_CELL_CHARS", 10_000)
    IMPORT_MAX_ROW_CHARS = _env_int("IMPORT_MAX_ROW_CHARS", 1_000_000)
    # Uploads never started, and the kept files of interrupted imports, are deleted after this
    # many days (`flask imports purge`, and hourly by the job worker).
    IMPORT_PURGE_AFTER_DAYS = _env_int("IMPORT_PURGE_AFTER_DAYS", 7)

    # SQLite: how long a request waits for the one writer before it gives up (see app/sqlite.py).
    SQLITE_BUSY_TIMEOUT = float(os.environ.get("SQLITE_BUSY_TIMEOUT", 30))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "reunite_session"
    # Sessions end after this much inactivity (checked on the server, see app.auth).
    IDLE_TIMEOUT = timedelta(minutes=_env_int("IDLE_TIMEOUT_MINUTES", 30))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # The session cookie is sent again when the session changes (its last activity, written
    # at most once a minute: app/factory.py), not with every response: signing it again for
    # each page was a twentieth of a small page's Python. Its 12 hours still run from the
    # last activity, to the minute.
    SESSION_REFRESH_EACH_REQUEST = False
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token already

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("uk", "en")

    # How many proxies (load balancer, nginx) stand in front of the app and set X-Forwarded-For
    # and X-Forwarded-Proto. 0 trusts no such header: a client could forge it. Behind a proxy
    # it must be set, or every sign-in seems to come from the proxy and one person's wrong
    # passwords lock everybody out (the limit is per address), and the audit trail shows the
    # proxy's address.
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "5 per minute")

    # "json": one JSON object per log line with a request id (production); else Flask's text.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    PASSWORD_MIN_LENGTH = 12
    # Roles that must sign in with a second factor (an authenticator app) after the password;
    # other roles may add one from their account page. Comma-separated role names.
    SECOND_FACTOR_ROLES = os.environ.get(
        "SECOND_FACTOR_ROLES", "supervisor,admin,dna_reviewer"
    )  # DNA reviewers read profiles, more sensitive than names
    # How long a session that passed the password may take to give the code.
    SECOND_FACTOR_WAIT = timedelta(minutes=5)
    STALE_CASE_DAYS = _env_int("STALE_CASE_DAYS", 21)
    PER_PAGE = 25
    # Background jobs (imports, matching) go through a queue that `flask jobs worker` processes
    # consume: a SQLite file by default, Redis in production. Tests run them inline.
    QUEUE_URL = os.environ.get("QUEUE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'queue.db'}")
    JOBS_INLINE = False
    # After each import, match what is new or changed (an incremental run, in the background).
    MATCH_AFTER_IMPORT = os.environ.get("MATCH_AFTER_IMPORT", "1") != "0"
    # After a case is created in the browser, likewise (new cases against all records).
    MATCH_AFTER_CASE = os.environ.get("MATCH_AFTER_CASE", "1") != "0"
    # A run that streams this many partner records or more splits them over processes
    # (app.matching.parallel): MATCHING_PROCESSES of them, 0 for every core this process may
    # use. Below it a run stays in its process: a pool costs more than a small run.
    MATCHING_PROCESSES = _env_int("MATCHING_PROCESSES", 0)
    MATCHING_PARALLEL_FROM = _env_int("MATCHING_PARALLEL_FROM", 100_000)
    # A DNA screening run prepares the families' tables in DNA_PROCESSES forked processes (0:
    # every core this process may use) from app.dna.screening.PARALLEL_FAMILIES families on.
    DNA_PROCESSES = _env_int("DNA_PROCESSES", 0)
    DEMO_PASSWORD: str | None = None


class DevelopmentConfig(Config):
    DEBUG = False  # the README run command must not expose the Werkzeug debugger
    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "reunite-demo-2026")


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # Argon2 at full cost makes a few hundred logins in tests slow; tests use a cheap profile.
    ARGON2_PROFILE = "test"
    JOBS_INLINE = True
    QUEUE_URL = "memory://"
    DEMO_PASSWORD = "reunite-demo-2026"  # noqa: S105 - synthetic demo accounts


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    # Keep what the process loaded to start out of the garbage collector's full passes
    # (app.factory._freeze_start_up): each pass walked 200,000 such objects, about 100 ms
    # during which a worker's every thread waited.
    FREEZE_START_UP_OBJECTS = True

    @staticmethod
    def validate(settings) -> None:
        secret = settings.get("SECRET_KEY") or ""
        if weak_secret(secret):
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production"
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    return CONFIGS[os.environ.get("REUNITE_ENV", "development")]
