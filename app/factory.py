"""The application factory: extensions, blueprints, commands, hooks, and the features' events.

The only module that knows every feature; nothing imports it but ``app.create_app``.
"""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, flash, redirect, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

import config as config_module
from app import backup, errors, logs, models, postgres, security, sqlite
from app.admin.routes import bp as admin_bp
from app.answers import events as answers_events
from app.answers.routes import bp as answers_bp
from app.auth.cli import users_cli
from app.auth.forms import ROLE_LABELS
from app.auth.permissions import Permission, check_every_route_declares_permission, role_can
from app.auth.routes import bp as auth_bp
from app.cases.labels import label_maps
from app.cases.routes import bp as cases_bp
from app.cases.table import case_headers_html, case_rows_html, caseworker_load_rows_html
from app.demo.cli import demo_cli
from app.exchanges import events as exchanges_events
from app.exchanges.report_routes import bp as exchange_reports_bp
from app.exchanges.routes import bp as exchanges_bp
from app.extensions import (
    Template,
    babel,
    csrf,
    db,
    install_template_gettext,
    limiter,
    login_manager,
    migrate,
)
from app.formats import register_filters
from app.forms import (
    CsrfTokenInput,
    field_html,
    install_cached_wtforms_catalogue,
    install_fast_widgets,
)
from app.i18n import select_locale
from app.identification import events as identification_events
from app.identification.cli import dna_cli
from app.identification.routes import bp as identification_bp
from app.imports.cli import cases_cli, imports_cli, records_cli
from app.imports.routes import bp as imports_bp
from app.jobs import configure_queue, jobs_cli
from app.main.routes import bp as main_bp
from app.matching import events as matching_events
from app.matching.cli import matches_cli
from app.matching.routes import bp as matching_bp
from app.records.routes import bp as records_bp
from app.web import (
    CleanRequest,
    DatabaseIntegerConverter,
    column_header_html,
    fixed_url,
    id_url,
    layout_urls,
    pager_html,
    role_nav,
)

# Imported for their side effects: every model known to Alembic; the SQLite and PostgreSQL
# connection hooks; `flask db backup` and `flask db restore`.
_LOADED = (models, sqlite, postgres, backup)


# How often a signed-in user's last activity is written into the session (its cookie is then
# signed and sent again: config.SESSION_REFRESH_EACH_REQUEST).
LAST_SEEN_STEP = timedelta(minutes=1)


def create_app(config: type | dict[str, Any] | None = None) -> Flask:
    """Build the application. ``config`` is a config class or a mapping of overrides."""
    app = Flask("app", template_folder="../templates", static_folder="../static")
    app.request_class = CleanRequest  # no NUL characters in form fields and query values
    # Before any route: ids in addresses are bounded by what the database can compare.
    app.url_map.converters["int"] = DatabaseIntegerConverter
    config_class = config if isinstance(config, type) else config_module.config_from_env()
    app.config.from_object(config_class)
    if isinstance(config, dict):
        app.config.update(config)
    validate = getattr(config_class, "validate", None)
    if validate is not None:
        validate(app.config)

    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Flask's documented way to wrap the WSGI app; its stubs declare wsgi_app a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    _init_extensions(app)
    _register_blueprints(app)
    _install_hooks(app)
    matching_events.subscribe()
    exchanges_events.subscribe()
    answers_events.subscribe()
    identification_events.subscribe()
    check_every_route_declares_permission(app)
    if app.config["FREEZE_START_UP_OBJECTS"]:
        _freeze_start_up()
    return app


def _freeze_start_up() -> None:
    """Move every object alive now (modules, the routes, the models' metadata, the templates'
    code: some 160,000) to the collector's permanent generation, which it never walks.

    Python's collector walks every tracked object in a full pass, which comes every few dozen
    requests; at national scale those objects made the pass about 100 ms, holding the GIL, so
    every thread of the worker waited (the sign-in page's p95 and any page's throughput).
    Garbage made later is still collected. Production only: a test suite builds many apps,
    and what it froze would never be freed (Python's documentation on gc.freeze)."""
    gc.collect()
    gc.freeze()


def _init_extensions(app: Flask) -> None:
    install_fast_widgets()
    install_cached_wtforms_catalogue()
    configure_queue(app)
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(config_module.BASE_DIR / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)
    # Set before any template is loaded: the templates Jinja compiles are of this class.
    app.jinja_env.template_class = Template
    register_filters(app)
    app.add_template_global(field_html)
    app.add_template_global(fixed_url)
    app.add_template_global(id_url)
    app.add_template_global(pager_html)
    app.add_template_global(case_headers_html)
    app.add_template_global(case_rows_html)
    app.add_template_global(caseworker_load_rows_html)
    app.add_template_global(column_header_html)
    app.add_template_global(role_nav)
    app.add_template_global(layout_urls)
    app.add_template_global(role_can)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page explains itself
    login_manager.session_protection = "strong"


def _register_blueprints(app: Flask) -> None:
    for blueprint in (main_bp, auth_bp, admin_bp, cases_bp, imports_bp, records_bp, matching_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(exchanges_bp)
    app.register_blueprint(answers_bp)
    app.register_blueprint(exchange_reports_bp)
    app.register_blueprint(identification_bp)
    for group in (users_cli, demo_cli, records_cli, cases_cli, imports_cli, matches_cli, jobs_cli):
        app.cli.add_command(group)
    app.cli.add_command(dna_cli)


CSRF_TOKEN_INPUT = CsrfTokenInput()


def _install_hooks(app: Flask) -> None:
    sqlite.install(app)  # first: it decides how the request's transaction begins
    security.install(app)
    errors.install(app)
    logs.install(app)

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
            if idle < LAST_SEEN_STEP:
                # Written less than a minute ago: the session (and its cookie) is left as it
                # is, and the idle time counts from then (at most a minute early).
                return None
        session["last_seen"] = now.timestamp()
        return None

    @app.context_processor
    def template_globals() -> dict[str, Any]:
        return {
            **label_maps(),
            "Permission": Permission,
            "get_locale": get_locale,
            "post_form": CSRF_TOKEN_INPUT,
            "role_labels": {role.value: label for role, label in ROLE_LABELS.items()},
        }
