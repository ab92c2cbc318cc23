"""Extensions are created once, unbound, and initialised in create_app."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from app.database import Base

db = SQLAlchemy(model_class=Base)
# Models subclass this name, not ``db.Model``: mypy cannot take a base class from an attribute
# of an object (python/mypy#8603). Flask-SQLAlchemy builds db.Model from Base (its registry,
# metadata and column types) plus its own mixins, so Base is what type checking needs to see.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
