"""Small helpers that views of every feature share: safe redirects, form errors, page sections,
numbers from requests, the application object."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar, cast
from urllib.parse import quote_plus, urlsplit

import flask_babel
from blinker import NamedSignal
from flask import Flask, Request, current_app, flash, g, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.local import LocalProxy
from werkzeug.routing import IntegerConverter, Map

from app.database import MAX_INTEGER

__all__ = [
    "CleanRequest",
    "DatabaseIntegerConverter",
    "PageSection",
    "add_form_error",
    "column_header_html",
    "current_app_object",
    "database_int",
    "fixed_url",
    "flash_form_errors",
    "id_url",
    "layout_urls",
    "page_sections",
    "pager_html",
    "role_nav",
    "safe_local_url",
]


def current_app_object() -> Flask:
    """The application behind the ``current_app`` proxy: the sender of signals and what a
    background job runs in (the proxy means nothing outside this context)."""
    # Flask declares current_app as a Flask, though it is a proxy to one.
    return cast("LocalProxy[Flask]", current_app)._get_current_object()


def database_int(value: str) -> int:
    """``value`` as an integer to compare with the database's ids, for ``request.args.get(...,
    type=database_int)`` and form coercion. ValueError (so: no value) for a number too large for
    the database's integers, which the driver would fail to send (a 500)."""
    number = int(value)
    if abs(number) > MAX_INTEGER:
        raise ValueError("out of the database's integer range")
    return number


class DatabaseIntegerConverter(IntegerConverter):
    """``<int:...>`` in routes: an id too large for the database matches no route (a 404), where
    it reached the database and failed there (a 500). Installed as the ``int`` converter."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_INTEGER)
        super().__init__(map, *args, **kwargs)


_Kept = TypeVar("_Kept")

# A number no route or query holds, standing in for the id while the URL is built once.
_ID_MARKER = 918273645091827


# The URLs kept per application by id_url and fixed_url: at most this many (their values are
# pages' constants; past it they are built again).
URLS_KEPT = 256


def _kept_url(key: tuple[Any, ...], build: Callable[[], _Kept]) -> _Kept:
    """What ``build`` makes of a URL, kept for the process under ``key`` and the site's
    prefix: url_for gives the same for the same values on every request (no route of ours
    depends on the request's host), as :func:`layout_urls` keeps the layout's links."""
    kept: dict[tuple[Any, ...], Any] = current_app.extensions.setdefault("kept_urls", {})
    key = (*key, request.script_root)
    value = kept.get(key)
    if value is None:
        if len(kept) >= URLS_KEPT:
            kept.clear()
        value = kept[key] = build()
    return value


def fixed_url(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, **values)`` for a page's fixed links (another page, a preset
    filter), built once per process: url_for is some fifty Python calls, and the match queue
    has six such links. ``values`` must be hashable."""
    return _kept_url(("url", endpoint, *values.items()), lambda: url_for(endpoint, **values))


def id_url(endpoint: str, name: str, **values: Any) -> Callable[[int], str]:
    """``url_for(endpoint, **{name: id}, **values)`` for many ids at the cost of one: the URL
    built once around a marker, then each id put in its place. A list page's rows each link to
    one item; url_for per row was a tenth of the match queue's Python calls (25 rows, two links
    each). Only for integer ids, which need no quoting in a path or a query.

    The URL around the marker is built once per process (:func:`fixed_url`'s way): the queues
    page asked for five a request. ``values`` must be hashable."""
    # The id first, as url_for(endpoint, **{name: id}, **values) orders the query string.
    head, tail = _kept_url(
        ("id", endpoint, name, *values.items()),
        lambda: _url_around(endpoint, name, str(_ID_MARKER), {name: _ID_MARKER, **values}),
    )
    return lambda value: f"{head}{int(value)}{tail}"


# Query values that only page or order a list (page, unassigned_page, sort, stale_sort,
# per_page): a list URL of these alone holds nothing anyone typed.
_PAGING = re.compile(r"(?:\w+_)?(?:page|sort)|per_page")


def _list_url_around(
    endpoint: str, name: str, marker: str, values: dict[str, Any]
) -> tuple[str, str]:
    """:func:`_url_around` of a list's URL with this request's query values (``values``),
    kept for the process as :func:`_kept_url` keeps the fixed links (url_for is fifty Python
    calls or more, and a list page asks for two to five), when the query only pages and orders
    the list (the queues, the match queue's pages). A list filtered or searched is built for
    each request: what a search names (people) is never kept past the page."""
    query = (key for key in values if key not in (request.view_args or {}))
    if not all(_PAGING.fullmatch(key) for key in query):
        return _url_around(endpoint, name, marker, values)
    return _kept_url(
        ("list", endpoint, name, marker, *values.items()),
        lambda: _url_around(endpoint, name, marker, values),
    )


def _url_around(endpoint: str, name: str, marker: str, values: dict[str, Any]) -> tuple[str, str]:
    """``url_for(endpoint, **values)`` split around ``marker``, the stand-in ``values[name]``
    holds, so that many URLs differing in that value are built for the cost of one."""
    head, found, tail = url_for(endpoint, **values).rpartition(marker)
    if not found:
        raise ValueError(f"{endpoint} does not show {name} in its URL")
    return head, tail


_SORT_ARROWS = {"ascending": "▲", "descending": "▼"}
# A sort value no list offers, standing in for it while a list's URL is built once.
_SORT_MARKER = "sortmarker7f3a9c"
# How werkzeug's url_for writes a query value (werkzeug.urls._urlencode).
_QUERY_SAFE = "!$'()*,/:;?@"


def _sorted_list_parts(param: str, page_param: str) -> tuple[str, str]:
    """``url_for`` of this request's list with ``param`` set to a sort and ``page_param``
    dropped, its other parameters kept, as the parts before and after the sort's value: built
    once per request around a marker (a list has up to sixteen sortable headers, and url_for
    was most of each header's Python)."""
    built: dict[tuple[str, str], tuple[str, str]] = g.setdefault("sorted_list_urls", {})
    parts = built.get((param, page_param))
    if parts is None:
        args = request.args.to_dict()
        args.pop(page_param, None)
        args[param] = _SORT_MARKER
        endpoint = cast(str, request.endpoint)
        values = {**(request.view_args or {}), **args}
        parts = built[(param, page_param)] = _list_url_around(endpoint, param, _SORT_MARKER, values)
    return parts


def _sorted_list_url(param: str, page_param: str) -> Callable[[str], str]:
    """:func:`_sorted_list_parts` as a function of the sort's value."""
    head, tail = _sorted_list_parts(param, page_param)
    return lambda value: f"{head}{quote_plus(value, safe=_QUERY_SAFE)}{tail}"


# Stand-ins for the parts of a list's URL in kept headers (kept_headers_html).
_HEAD_SLOT, _TAIL_SLOT = "headslot5e1c0b", "tailslot5e1c0b"


def kept_headers_html(
    key: tuple[Hashable, ...],
    headers: Callable[[Callable[[str], str]], str],
    param: str = "sort",
    page_param: str = "page",
) -> Markup:
    """A list's row of sortable column headers, as ``headers(url)`` writes them with
    :func:`column_header_html` (``url`` the link of a sort value), kept for the process under
    ``key``, which names all they depend on (the language, the list's sort, which headers)
    but this request's other query values: those are put into the kept links. The queues page
    has sixteen headers, about fifty Python calls each when written for every request."""
    html = _kept_url(
        ("headers", *key, param, page_param),
        lambda: headers(
            lambda value: f"{_HEAD_SLOT}{quote_plus(value, safe=_QUERY_SAFE)}{_TAIL_SLOT}"
        ),
    )
    head, tail = _sorted_list_parts(param, page_param)
    # The whole link was escaped when written: its parts are escaped the same way here.
    return Markup(  # noqa: S704 - kept markup, escaped links
        html.replace(_HEAD_SLOT, escape(head)).replace(_TAIL_SLOT, escape(tail))
    )


def column_header_html(
    label: Any,
    key: str | None = None,
    sort: Any = None,
    param: str = "sort",
    page_param="page",
    url: Callable[[str], str] | None = None,
) -> Markup:
    """A list's column header as the ``column_header`` macro of templates/_macros/forms.html
    shows it: given the list's ``sort`` (:class:`app.sorting.Sort`) and the column's ``key``, a
    link to this list sorted by the column (then the other way), its other parameters kept and
    its page (``page_param``) dropped (or ``url`` of the sort value), with aria-sort and an
    arrow for the current order.

    In Python rather than in the macro's body: the queues page has sixteen such headers, and
    their Jinja (a dict copied, popped and updated each) cost more than their rows."""
    if not (sort and key):
        return Markup(f'<th scope="col">{escape(label)}</th>')  # noqa: S704 - escaped
    state = sort.aria(key)
    href = (url or _sorted_list_url(param, page_param))(sort.toggled(key))
    aria = f' aria-sort="{escape(state)}"' if state else ""
    return Markup(  # noqa: S704 - every value in it is escaped
        f'<th scope="col"{aria}><a href="{escape(href)}" class="sort-link"'
        f' data-sort="{escape(key)}">{escape(label)}<span class="sort-arrow"'
        f' aria-hidden="true">{_SORT_ARROWS.get(state or "", "↕")}</span></a></th>'
    )


# A page number no list reaches, standing in for it while a pager's links are built once.
_PAGE_MARKER = 918273645091828


def _this_list_url(endpoint: str, param: str, drop: str | None = None) -> Callable[[int], str]:
    """``url_for(endpoint, **request.view_args, **args)`` of this request's query ``args``
    with ``param`` set to a number (``drop`` left out): built once around a marker, as
    :func:`id_url` builds a row's link. Only for integers, which need no quoting."""
    args: dict[str, Any] = request.args.to_dict()
    if drop is not None:
        args.pop(drop, None)
    args[param] = _PAGE_MARKER
    values = {**(request.view_args or {}), **args}
    head, tail = _list_url_around(endpoint, param, str(_PAGE_MARKER), values)
    return lambda value: f"{head}{int(value)}{tail}"


def pager_html(page: Any, endpoint: str, param: str = "page", sizes: Any = ()) -> Markup:
    """A list's pager as the ``pager`` macro of templates/_macros/forms.html shows it: given
    the list's ``page`` (a pagination), links to the previous and the next page of
    ``endpoint`` with ``param`` (this request's other query values kept), "page n of m", the
    number of items, and with ``sizes``, links to show that many rows a page.

    In Python rather than in the macro's body: each link was a url_for and a dict copied and
    updated, each text a translation through the template's context (a list page's pager was
    some 300 Python calls; the queues page has three). Its parts are separated by newlines,
    as the macro's were: whitespace between the flex items the stylesheet lays out."""
    # Our catalogue's words go in as they are, as the templates' _() gives them (markup); by
    # these names, outside the f-strings, pybabel finds them (scripts/i18n).
    catalogue = flask_babel.get_domain().get_translations()
    gettext, ngettext = catalogue.ugettext, catalogue.ungettext
    parts = []
    if page.pages > 1:
        page_url = _this_list_url(endpoint, param)
        label = gettext("Pages")
        parts.append(f'<nav class="pager" aria-label="{label}">')
        if page.has_prev:
            previous = gettext("Previous")
            parts.append(f'<a href="{escape(page_url(page.prev_num))}" rel="prev">← {previous}</a>')
        where = gettext("Page %(page)d of %(pages)d") % {"page": page.page, "pages": page.pages}
        parts.append(f"<span>{where}</span>")
        if page.has_next:
            following = gettext("Next")
            parts.append(
                f'<a href="{escape(page_url(page.next_num))}" rel="next">{following} →</a>'
            )
        parts.append("</nav>")
    total = page.total
    items = ngettext("%(num)d item", "%(num)d items", total) % {"num": total}
    parts.append('<div class="pager-footer">')
    parts.append(
        f'<p class="muted small" data-testid="total" data-total="{escape(total)}">{items}</p>'
    )
    if sizes and total > sizes[0]:
        sized_url = _this_list_url(endpoint, "per_page", drop=param)
        label, prompt = gettext("Rows per page"), gettext("Rows per page:")
        parts.append(
            f'<nav class="page-sizes small" aria-label="{label}" data-testid="page-sizes">'
        )
        parts.append(f'<span class="muted" aria-hidden="true">{prompt}</span>')
        for size in sizes:
            if size == page.per_page:
                parts.append(f'<span aria-current="true">{escape(size)}</span>')
            else:
                parts.append(f'<a href="{escape(sized_url(size))}">{escape(size)}</a>')
        parts.append("</nav>")
    parts.append("</div>")
    return Markup("\n".join(parts))  # noqa: S704 - every value in it is escaped or ours


def role_nav() -> Markup:
    """The main menu's links for the signed-in user's role (templates/_nav.html), rendered
    once per role, language and site prefix and kept for the life of the process.

    The links depend on nothing else: a role's permissions are fixed in code
    (app/auth/permissions.py) and a user who is not active is never signed in. Fifteen
    permission checks and fifteen url_for calls were the largest cost every signed-in page
    paid that the sign-in page did not (a twentieth of the smallest page)."""
    role = current_user.role
    # Kept with the catalogue it was worded in: Flask-Babel's, one per language for the
    # process; a test that swaps it (a pseudo-translation) gets its own menu, worded anew.
    catalogue = flask_babel.get_domain().get_translations()
    key = (role, str(get_locale()), request.script_root)
    menus: dict[tuple[str, str, str], tuple[Any, Markup]] = current_app.extensions.setdefault(
        "role_nav", {}
    )
    kept = menus.get(key)
    if kept is not None and kept[0] is catalogue:
        return kept[1]
    menu = Markup(render_template("_nav.html", role=role))  # noqa: S704 - a template
    menus[key] = (catalogue, menu)
    return menu


# The addresses every page's layout (templates/base.html) links to: the same for every page.
_LAYOUT_ENDPOINTS: dict[str, tuple[str, dict[str, Any]]] = {
    "pico": ("static", {"filename": "vendor/pico/pico.min.css"}),
    "css": ("static", {"filename": "css/app.css"}),
    "print_css": ("static", {"filename": "css/print.css"}),
    "js": ("static", {"filename": "js/app.js"}),
    "home": ("main.index", {}),
    "cases": ("cases.index", {}),
    "account": ("auth.account", {}),
    "logout": ("auth.logout", {}),
    "language_uk": ("main.set_language", {"code": "uk"}),
    "language_en": ("main.set_language", {"code": "en"}),
}


def layout_urls() -> dict[str, str]:
    """The layout's links (:data:`_LAYOUT_ENDPOINTS`), built once per site prefix and kept for
    the life of the process: ten url_for calls were a twentieth of a small page's Python."""
    kept: dict[str, dict[str, str]] = current_app.extensions.setdefault("layout_urls", {})
    urls = kept.get(request.script_root)
    if urls is None:
        urls = kept[request.script_root] = {
            name: url_for(endpoint, **values)
            for name, (endpoint, values) in _LAYOUT_ENDPOINTS.items()
        }
    return urls


def safe_local_url(target: str | None, fallback_endpoint: str = "main.index", **values) -> str:
    """``target`` if it is a path on this site, else the URL of ``fallback_endpoint``.

    Only same-site relative paths pass: an open redirect ("//evil.example", "https://...",
    "/\\evil.example" that browsers read as "//") would help phishing."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.netloc and not parts.scheme:
            return target
    return url_for(fallback_endpoint, **values)


def flash_form_errors(form: FlaskForm) -> None:
    """Each field's errors as one flash message, prefixed with the field's label."""
    for name, errors in form.errors.items():
        form_field: Any = getattr(form, name, None)  # WTForms ships no types
        label = form_field.label.text if hasattr(form_field, "label") else name
        flash(f"{label}: {' '.join(map(str, errors))}", "error")


def add_form_error(form: FlaskForm, message: str, field_name: str | None = None) -> None:
    """An error an operation found after the form validated (the service said no): beside the
    field ``field_name`` when the form has it, else the form's own, shown in its summary."""
    form_field: Any = getattr(form, field_name, None) if field_name else None
    if form_field is not None and hasattr(form_field, "errors"):
        form_field.errors = [*form_field.errors, message]
    else:
        form.form_errors.append(message)


@dataclass(frozen=True, slots=True)
class PageSection:
    """A part of another feature's page: a template to include and the values it needs.

    A page of a lower feature (the case page) asks through a signal for the sections that
    features built on it add (matching's candidates), so that it never imports them."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    #: A small template for the page's summary header (the case page's count of open match
    #: candidates), given the same values: what the section says in brief, next to it.
    header_item: str | None = None


def page_sections(signal: NamedSignal, sender: Any, **kwargs: Any) -> dict[str, Any]:
    """Ask ``signal``'s receivers for their sections: the templates to include, in the order
    the receivers answered, and the values they need, as keyword arguments for
    ``render_template`` (``sections`` holds the template names, ``header_items`` those of
    the sections' header items)."""
    sections = [rv for _, rv in signal.send(sender, **kwargs) if isinstance(rv, PageSection)]
    context: dict[str, Any] = {
        "sections": [section.template for section in sections],
        "header_items": [section.header_item for section in sections if section.header_item],
    }
    for section in sections:
        context.update(section.context)
    return context


def _without_nul(values: MultiDict[str, Any]) -> ImmutableMultiDict[str, Any]:
    return ImmutableMultiDict(
        (key.replace("\x00", ""), value.replace("\x00", "") if isinstance(value, str) else value)
        for key, value in values.items(multi=True)
    )


class CleanRequest(Request):
    """A request whose form fields and query values hold no NUL character. No person types
    one; PostgreSQL cannot store one in text (the insert fails: a 500 on any form), and a
    search with one failed the same way. Uploaded files are left as they are (the importer
    refuses binary files itself)."""

    @cached_property
    def args(self) -> ImmutableMultiDict[str, str]:
        return _without_nul(super().args)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        if any("\x00" in key or "\x00" in value for key, value in self.form.items(multi=True)):
            self.form = _without_nul(self.form)
