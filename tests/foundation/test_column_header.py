# ruff: noqa: E501 - the macro body below is quoted word for word, its long lines too
"""The ``column_header`` macro renders in Python (app/web.py ``column_header_html``): the same
header, sort link, aria-sort and arrow as the macro's Jinja body did, on a page with one sorted
list and on the queues page with two (issue 9 item 4: the queues page's sixteen headers)."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string

from app.sorting import Sort

# The macro's body before it called column_header_html, word for word.
MACRO_BEFORE = """
{% macro column_header(label, key=none, sort=none, param="sort", page_param="page") %}
  {% if sort and key %}
    {% set state = sort.aria(key) %}
    {% set args = request.args.to_dict() %}{% set _unused = args.pop(page_param, None) %}{% set _unused = args.update({param: sort.toggled(key)}) %}
    <th scope="col"{% if state %} aria-sort="{{ state }}"{% endif %}><a href="{{ url_for(request.endpoint, **dict(request.view_args, **args)) }}" class="sort-link" data-sort="{{ key }}">{{ label }}<span class="sort-arrow" aria-hidden="true">{{ {"ascending": "▲", "descending": "▼"}.get(state, "↕") }}</span></a></th>
  {%- else -%}
    <th scope="col">{{ label }}</th>
  {%- endif %}
{% endmacro %}
"""
CALLS = """{{ column_header("Name <b>", "name", sort) }}|{{ column_header("Born", "born", sort) }}
|{{ column_header("Why & how") }}|{{ column_header("Place", "place", none) }}
|{{ column_header(_("Status"), "status", sort, param="stale_sort", page_param="stale_page") }}"""


@pytest.mark.parametrize(
    "path",
    [
        "/cases?status=new&sort=name&page=3&q=a%22b%3Cc",
        "/queues?unassigned_page=2&stale_page=4&stale_sort=-status",
        "/cases/12",  # view arguments kept
        # The sort first, and values url_for must quote (built once per request around a
        # marker: each header's URL must still be url_for's, quoting and order included).
        "/cases?sort=-name&q=%D0%9A%D0%BE%D0%B2%D0%B0%D0%BB+x%2By%26z&per_page=50",
    ],
)
@pytest.mark.parametrize("sort", [Sort("name"), Sort("name", descending=True), Sort("status")])
def test_the_same_markup_as_the_macro_body(app, path, sort):
    with app.test_request_context(path):
        before = render_template_string(MACRO_BEFORE + CALLS, sort=sort)
        after = render_template_string(
            '{% from "_macros/forms.html" import column_header %}' + CALLS, sort=sort
        )
    assert [part.strip() for part in after.split("|")] == [
        re.sub(r"\s+<th", "<th", part.strip()) for part in before.split("|")
    ]
    assert "&lt;b&gt;" in after and "Why &amp; how" in after
