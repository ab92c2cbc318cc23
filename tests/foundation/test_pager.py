"""The lists' pager (pager_html, app/web.py) writes what the pager macro of
templates/_macros/forms.html wrote in Jinja, kept below as its definition: the previous and next
links keeping the list's other query values, "page n of m", the total, the rows-per-page links."""

# ruff: noqa: E501 - PAGER_JINJA is the macro's lines as they were

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from flask import render_template_string

from app.web import pager_html

# The macro's body before it called pager_html (``page``, ``endpoint``, ``param``, ``sizes``).
PAGER_JINJA = """  {% if page.pages > 1 %}
  <nav class="pager" aria-label="{{ _('Pages') }}">
    {% set args = request.args.to_dict() %}
    {% if page.has_prev %}{% set _unused = args.update({param: page.prev_num}) %}<a href="{{ url_for(endpoint, **dict(request.view_args, **args)) }}" rel="prev">← {{ _("Previous") }}</a>{% endif %}
    <span>{{ _("Page %(page)d of %(pages)d", page=page.page, pages=page.pages) }}</span>
    {% if page.has_next %}{% set _unused = args.update({param: page.next_num}) %}<a href="{{ url_for(endpoint, **dict(request.view_args, **args)) }}" rel="next">{{ _("Next") }} →</a>{% endif %}
  </nav>
  {% endif %}
  <div class="pager-footer">
  <p class="muted small" data-testid="total" data-total="{{ page.total }}">{{ ngettext("%(num)d item", "%(num)d items", page.total) }}</p>
  {% if sizes and page.total > sizes[0] %}
  <nav class="page-sizes small" aria-label="{{ _('Rows per page') }}" data-testid="page-sizes">
    <span class="muted" aria-hidden="true">{{ _("Rows per page:") }}</span>
    {% for size in sizes %}
      {% if size == page.per_page %}<span aria-current="true">{{ size }}</span>
      {% else %}
        {% set args = request.args.to_dict() %}{% set _unused = args.pop(param, None) %}{% set _unused = args.update(per_page=size) %}
        <a href="{{ url_for(endpoint, **dict(request.view_args, **args)) }}">{{ size }}</a>
      {% endif %}
    {% endfor %}
  </nav>
  {% endif %}
  </div>"""


def _squeezed(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def _page(number: int, pages: int, total: int, per_page: int = 25) -> SimpleNamespace:
    return SimpleNamespace(
        page=number,
        pages=pages,
        total=total,
        per_page=per_page,
        has_prev=number > 1,
        prev_num=number - 1 if number > 1 else None,
        has_next=number < pages,
        next_num=number + 1 if number < pages else None,
    )


@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize(
    ("path", "endpoint", "param", "sizes", "page"),
    [
        ("/matches", "matching.queue", "page", (), _page(1, 1, 0)),
        ("/matches", "matching.queue", "page", (), _page(1, 1, 1)),
        ("/matches?page=1&band=all", "matching.queue", "page", (), _page(1, 40, 1000)),
        ("/matches?band=all&page=7&x=a%20b%26c", "matching.queue", "page", (), _page(7, 40, 1000)),
        ("/matches?page=40", "matching.queue", "page", (), _page(40, 40, 1000)),
        (
            "/queues?stale_page=2&unassigned_sort=name",
            "cases.supervisor_home",
            "unassigned_page",
            (),
            _page(1, 1872, 18720, 10),
        ),
        (
            "/queues?unassigned_page=3",
            "cases.supervisor_home",
            "unassigned_page",
            (),
            _page(3, 1872, 18720, 10),
        ),
        ("/my-cases?sort=-due&page=2", "cases.my_cases", "page", (25, 50, 100), _page(2, 2, 40)),
        (
            "/my-cases?per_page=50&page=1",
            "cases.my_cases",
            "page",
            (25, 50, 100),
            _page(1, 1, 40, 50),
        ),
        ("/my-cases", "cases.my_cases", "page", (25, 50, 100), _page(1, 1, 25)),
        ("/imports/5?page=2", "imports.show", "page", (), _page(2, 3, 60)),
    ],
)
def test_the_python_pager_is_the_macro(app, language, path, endpoint, param, sizes, page):
    with app.test_request_context(path, headers={"Accept-Language": language}):
        expected = render_template_string(
            PAGER_JINJA, page=page, endpoint=endpoint, param=param, sizes=sizes
        )
        written = pager_html(page, endpoint, param, sizes)
    assert _squeezed(written) == _squeezed(expected)
    assert ('rel="next"' in written) == page.has_next


def test_kept_links_carry_each_requests_own_values_and_no_search(app):
    """A list's links are kept per application by their query values when these only page and
    order it (app/web.py _list_url_around): the same list asked with other values gets links
    with its own; a filtered or searched list's are built for the request, and what a search
    names is never kept."""
    page = _page(2, 40, 1000)
    written = {}
    for path in (
        "/matches?page=2",
        "/matches?page=2&per_page=50",
        "/matches?band=possible&q=%D0%9A%D0%BE%D0%B2%D0%B0%D0%BB%26&page=2",
        "/matches?page=2",
    ):
        with app.test_request_context(path):
            expected = render_template_string(
                PAGER_JINJA, page=page, endpoint="matching.queue", param="page", sizes=()
            )
            written[path] = html = pager_html(page, "matching.queue")
        assert _squeezed(html) == _squeezed(expected)
    assert "per_page=50" in written["/matches?page=2&per_page=50"]
    assert (
        "q=%D0%9A%D0%BE%D0%B2%D0%B0%D0%BB%26"
        in written["/matches?band=possible&q=%D0%9A%D0%BE%D0%B2%D0%B0%D0%BB%26&page=2"]
    )
    kept = [key for key in app.extensions["kept_urls"] if key[0] == "list"]
    assert any(key[1] == "matching.queue" for key in kept)
    kept_values = [item for key in kept for item in key if isinstance(item, tuple)]
    assert kept_values and not any(name in ("q", "band") for name, _ in kept_values)
