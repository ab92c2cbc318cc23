"""Extensions are created once, unbound, and initialised in create_app."""

from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import flask_babel
import flask_sqlalchemy
import jinja2
from flask import Flask, current_app, has_request_context, request
from flask.globals import _cv_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from flask_wtf.csrf import CSRFProtect
from jinja2 import pass_context
from jinja2.environment import TemplateModule
from jinja2.runtime import Context
from markupsafe import Markup
from sqlalchemy import Executable, Result

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


class _ReadPagination(SelectPagination):
    """A page whose items a function reads (given the page's limit and offset): lighter rows
    than the mapped objects the select names, from a statement that may be built once
    (app/cases/table.py ``case_rows``); its total from ``total`` where given, else counted
    from the select."""

    def _query_items(self) -> list[Any]:
        total = self._query_args["total"]
        if isinstance(total, int) and self._query_offset >= total:
            return []  # known to be past the end (an empty queue): nothing to read
        return list(self._query_args["read"](self.per_page, self._query_offset))

    def _query_count(self) -> int:
        total = self._query_args["total"]
        if total is None:
            return super()._query_count()
        return total if isinstance(total, int) else total()


class SQLAlchemy(flask_sqlalchemy.SQLAlchemy):
    def paginate(
        self,
        select: Any,
        *,
        page: int | None = None,
        read: Callable[[int, int], Iterable[Any]] | None = None,
        total: int | Callable[[], int] | None = None,
        **kwargs: Any,
    ) -> Pagination:
        """Flask-SQLAlchemy's paginate, with the page number bounded: ``?page=`` with twenty
        digits made an offset the database driver cannot send, a 500 on every list. A page
        past the end is empty, as any page past the last one is.

        ``read(limit, offset)``: what reads the page's items (else the select's objects);
        ``total``: the number of items, or what gives it (else ``select`` is counted; with
        ``count=False``, neither); a page known to be past it is not read."""
        if page is None and has_request_context():
            page = request.args.get("page", type=int)  # not a number: None, then page 1
        if page is not None:
            page = min(page, MAX_PAGE)
        if read is None:
            return super().paginate(select, page=page, **kwargs)
        kwargs.setdefault("max_per_page", None)  # as Flask-SQLAlchemy's paginate
        return _ReadPagination(
            select=select, session=self.session(), page=page, read=read, total=total, **kwargs
        )

    def read(self, statement: Executable, params: Mapping[str, Any] | None = None) -> Result:
        """Run ``statement``, built once and kept (``functools.cache``), which reads plain
        columns (no mapped objects), on the session's connection, in its transaction, after
        flushing the session's pending changes as its own ``execute`` would. The session's
        execute handles any statement as the ORM's (its compile state, its result): about 70
        Python calls and a tenth of a millisecond a statement that none of a list page's counts
        and rows need (each page ran two to six); a page of case rows, fetched at once, 262
        calls against 442.

        Not for a statement built anew for the request: the connection sets up the columns of
        each new ORM statement's result itself, which cost more than the session's way (a case
        list page's rows: 1,149 calls against 882)."""
        session = self.session()
        if session.autoflush:
            session.flush()
        return session.connection().execute(statement, params)


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
        context = _babel_context()  # the request's own Babel namespace
        if context is None:
            return super().get_translations()
        translations = getattr(context, "babel_translations", None)
        if translations is None:
            translations = context.babel_translations = super().get_translations()
        return translations


def _babel_context() -> SimpleNamespace | None:
    """Flask-Babel's per-context namespace (``g._flask_babel``), found without going through
    the ``g`` proxy: the same object, None outside an application context, as
    ``flask_babel._get_current_context`` returns it.

    Every translated string asks for it twice (for the domain, then for its catalogue), and
    Flask-Babel's own version makes three proxy look-ups each time: a page of a few hundred
    strings made some 1,500 of them, about a tenth of a list page's Python calls."""
    app_context = _cv_app.get(None)
    if app_context is None:
        return None
    globals_ = app_context.g
    namespace = globals_.__dict__.get("_flask_babel")
    if namespace is None:
        namespace = globals_._flask_babel = SimpleNamespace()
    return namespace


# Flask-Babel looks the function up in its module on every call (get_domain, get_locale,
# refresh, force_locale, Domain.get_translations), so replacing it there serves them all;
# tests/foundation/test_babel_context.py checks it still finds what Flask-Babel's finds.
flask_babels_own_context = flask_babel._get_current_context
flask_babel._get_current_context = _babel_context


# A catalogue's strings as templates say them without values, kept: (id of the catalogue,
# whether the template escapes) -> (the catalogue, its strings). The catalogue is held with them,
# so that its id stays its own; Flask-Babel's are one per language for the process (a test that
# swaps one gets its strings said anew). Templates translate only their own text, never a value
# (tests/foundation/test_template_gettext.py checks it): nothing of a person is kept. Past
# TEMPLATE_WORDS_KEPT strings a catalogue's are said again.
_TEMPLATE_WORDS: dict[tuple[int, bool], tuple[Any, dict[str, str]]] = {}
TEMPLATE_WORDS_KEPT = 4096


@pass_context
def _template_gettext(context: Context, string: str, /, **variables: Any) -> str:
    """``_()`` and ``gettext()`` in templates: what Jinja's newstyle gettext does (translated,
    Markup where the template escapes, always %-formatted), without its two indirections
    (``_`` looking ``gettext`` up in the context, each calling through ``Context.call``) and
    Flask-Babel's lambda.

    A string without values (a heading, a label: nearly all of them) is said once for each
    catalogue and kept (:data:`_TEMPLATE_WORDS`): translating it, marking it up and
    %-formatting it again were some twenty Python calls each, and the case page says about
    seventy."""
    catalogue = flask_babel.get_domain().get_translations()
    autoescape = context.eval_ctx.autoescape
    if variables:
        return _said(catalogue, string, autoescape) % variables
    key = (id(catalogue), autoescape)
    kept = _TEMPLATE_WORDS.get(key)
    if kept is None or kept[0] is not catalogue:
        kept = _TEMPLATE_WORDS[key] = (catalogue, {})
    words = kept[1]
    said = words.get(string)
    if said is None:
        said = _said(catalogue, string, autoescape) % {}
        if len(words) >= TEMPLATE_WORDS_KEPT:
            words.clear()
        words[string] = said
    return said


def _said(catalogue: Any, string: str, autoescape: bool) -> str:
    translated = catalogue.ugettext(string)
    if autoescape:
        return Markup(translated)  # noqa: S704 - our catalogue, as Jinja marks it
    return translated


class Template(jinja2.Template):
    """Jinja's template, whose ``{% from ... import ... %}`` (without context) finds the
    imported template's kept module at a small cost.

    On every such import Jinja checks that the importing page was given no globals of its
    own that the imported template lacks (``ctx.globals_keys - self.globals.keys()``): a set
    minus a ChainMap's keys view, which Python works out through collections.abc one key at a
    time: some 170 Python calls an import, for a set that is empty unless a template was
    loaded with globals of its own. ``set.difference`` gives the same set, walking the
    ChainMap once. (An import with context runs the imported template's body again instead:
    dearer still, some 400 calls for cases/_macros.html.)"""

    def _get_default_module(self, ctx: Context | None = None) -> TemplateModule:
        if ctx is not None and ctx.globals_keys.difference(self.globals):
            return super()._get_default_module(ctx)  # the page's own globals: as Jinja does
        return super()._get_default_module()


def install_template_gettext(app: Flask) -> None:
    """Templates translate with :func:`_template_gettext` (after Flask-Babel installed its
    callables, which it replaces; ngettext and the rest stay Flask-Babel's)."""
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext)


class Babel(flask_babel.Babel):
    @cached_property
    def domain_instance(self) -> flask_babel.Domain:
        return RequestTranslationsDomain(domain=self.domain)


babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
