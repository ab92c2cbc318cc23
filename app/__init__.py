"""Reunite: case management for family tracing and reunification."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, flash, redirect, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

import config as config_module
from app.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config: type | dict[str, Any] | None = None) -> Flask:
    """Build the application. ``config`` is a config class or a mapping of overrides."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    config_class = config if isinstance(config, type) else config_module.config_from_env()
    app.config.from_object(config_class)
    if isinstance(config, dict):
        app.config.update(config)
    validate = getattr(config_class, "validate", None)
    if validate is not None:
        validate(app.config)

    _init_extensions(app)
    _register_blueprints(app)
    _install_hooks(app)

    from app.auth.permissions import check_every_route_declares_permission

    check_every_route_declares_permission(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app.i18n import select_locale

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(config_module.BASE_DIR / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page explains itself
    login_manager.session_protection = "strong"


def _register_blueprints(app: Flask) -> None:
    from app import models  # noqa: F401 - every model must be known to Alembic
    from app.audit import bp as audit_bp
    from app.auth import bp as auth_bp
    from app.auth.cli import users_cli
    from app.cases import bp as cases_bp
    from app.demo.cli import demo_cli
    from app.imports import bp as imports_bp
    from app.imports.cli import cases_cli, records_cli
    from app.main import bp as main_bp
    from app.matching import bp as matching_bp
    from app.matching.cli import matches_cli
    from app.records import bp as records_bp

    for blueprint in (main_bp, auth_bp, audit_bp, cases_bp):
        app.register_blueprint(blueprint)
    for blueprint in (imports_bp, records_bp, matching_bp):
        app.register_blueprint(blueprint)
    for group in (users_cli, demo_cli, records_cli, cases_cli, matches_cli):
        app.cli.add_command(group)


def _install_hooks(app: Flask) -> None:
    from app import errors, security
    from app.auth.forms import ROLE_LABELS, EmptyForm
    from app.auth.permissions import Permission

    security.install(app)
    errors.install(app)

    @app.before_request
    def enforce_idle_timeout():
        if not current_user.is_authenticated:
            return None
        now = datetime.now(UTC)
        last_seen = session.get("last_seen")
        if last_seen is not None:
            idle = now - datetime.fromtimestamp(last_seen, UTC)
            if idle > app.config["IDLE_TIMEOUT"]:
                logout_user()
                session.clear()
                flash(_("You were signed out after a period of inactivity."), "info")
                return redirect(url_for("auth.login"))
        session["last_seen"] = now.timestamp()
        return None

    from app.cases.labels import label_maps

    @app.context_processor
    def template_globals() -> dict[str, Any]:
        return {
            **label_maps(),
            "Permission": Permission,
            "get_locale": get_locale,
            # formdata=None: error pages render this too, and must not re-read a bad body.
            "post_form": EmptyForm(formdata=None),
            "role_labels": {role.value: label for role, label in ROLE_LABELS.items()},
        }


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Foreign keys and WAL on SQLite; the pysqlite BEGIN fix so SAVEPOINTs work."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Any) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")


__all__ = ["create_app"]
