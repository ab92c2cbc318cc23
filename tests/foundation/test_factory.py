import pytest

import config
from app import create_app


def test_testing_config_is_applied(app):
    assert app.testing
    assert app.config["JOBS_INLINE"] is True


def test_dict_overrides_apply_on_top_of_environment_config():
    application = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "PER_PAGE": 7})
    assert application.config["PER_PAGE"] == 7
    assert not application.testing


def test_production_refuses_default_secret():
    settings = type("P", (config.ProductionConfig,), {"SECRET_KEY": config.DEFAULT_SECRET})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(settings)


def test_production_accepts_long_random_secret():
    settings = type(
        "P",
        (config.ProductionConfig,),
        {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"},
    )
    application = create_app(settings)
    assert application.config["SESSION_COOKIE_SECURE"] is True


def test_sqlite_has_foreign_keys_and_wal(app):
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite pragmas")
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
