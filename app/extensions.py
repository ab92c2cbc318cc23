"""Extensions are created once, unbound, and initialised in create_app."""

from functools import cached_property
from typing import TYPE_CHECKING, Any

import flask_babel
import flask_sqlalchemy
from flask import current_app, has_request_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy.pagination import Pagination
from flask_wtf.csrf import CSRFProtect

from app.database import Base

# Past any real list (a hundred million pages), and small enough that the offset it makes fits
# the databases' 64-bit OFFSET whatever the page size.
MAX_PAGE = 10**8
# The rows per page a list offers (?per_page=): a fixed few, so that no URL asks for a page of a
# million rows, and the database's plans and caches see the same LIMITs.
PAGE_SIZES = (25, 50, 100)


def page_size() -> int:
    """The rows per page this request asks for: one of PAGE_SIZES, else the configured default
    (a bogus or huge ``per_page`` is no error: the list shows as it would without it)."""
    size = request.args.get("per_page", type=int)
    return size if size in PAGE_SIZES else current_app.config["PER_PAGE"]


class SQLAlchemy(flask_sqlalchemy.SQLAlchemy):
    def paginate(self, select: Any, *, page: int | None = None, **kwargs: Any) -> Pagination:
        """Flask-SQLAlchemy's paginate, with the page number bounded: ``?page=`` with twenty
        digits made an offset the database driver cannot send, a 500 on every list. A page
        past the end is empty, as any page past the last one is."""
        if page is None and has_request_context():
            page = request.args.get("page", type=int)  # not a number: None, then page 1
        if page is not None:
            page = min(page, MAX_PAGE)
        return super().paginate(select, page=page, **kwargs)


db = SQLAlchemy(model_class=Base)


def commit_keeping_loaded() -> None:
    """Commit, and leave what the session has loaded loaded: for a page that writes only its
    read record (an insert that changes no loaded object) and then goes on to render what it
    read. Expiring everything on that commit made the page read the case and the signed-in
    user again, row by row, for values that had not changed."""
    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


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


class RequestTranslationsDomain(flask_babel.Domain):
    """Flask-Babel's message domain, with the request's catalogue looked up once per request.

    Flask-Babel finds the catalogue again for every string: the locale from the request's
    context, its name as text, a dictionary key. A page shows a few hundred strings (labels,
    headings, lazy labels of choices): as many look-ups, for the same catalogue.
    The catalogue is kept where Flask-Babel itself keeps a request's locale, under the name
    its ``refresh()`` and ``force_locale()`` clear and restore: a change of language within
    the request (the error pages' ``force_locale``) is seen at once."""

    def get_translations(self):
        context = flask_babel._get_current_context()  # the request's own Babel namespace
        if context is None:
            return super().get_translations()
        translations = getattr(context, "babel_translations", None)
        if translations is None:
            translations = context.babel_translations = super().get_translations()
        return translations


class Babel(flask_babel.Babel):
    @cached_property
    def domain_instance(self) -> flask_babel.Domain:
        return RequestTranslationsDomain(domain=self.domain)


babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
