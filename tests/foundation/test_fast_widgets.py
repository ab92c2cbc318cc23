"""Our ``html_params`` renders exactly what WTForms' renders, only faster."""

from __future__ import annotations

from types import SimpleNamespace

import wtforms.widgets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from wtforms.widgets import core as widgets_core

from app.forms import _wtforms_html_params, html_params

KEYS = st.sampled_from(
    ["id", "name", "value", "class_", "for_", "data_row_id", "aria_describedby", "checked", "x"]
)
VALUES = st.one_of(
    st.booleans(),
    st.none(),
    st.integers(),
    st.text(),
    st.text().map(Markup),
    st.sampled_from(['"', "'", "<script>", "&amp;", "a\"b'c<d>&e"]),
)


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],  # a cold first draw took 1.4 s in CI
)
@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_the_same_attributes_as_wtforms(attributes):
    ours, theirs = html_params(**attributes), _wtforms_html_params(**attributes)
    assert ours == theirs
    assert isinstance(ours, Markup)


def test_every_widget_uses_it(app):
    assert widgets_core.html_params is html_params
    field = SimpleNamespace(
        id="f", name="f", type="StringField", flags=SimpleNamespace(), render_kw=None
    )
    field._value = lambda: 'x"><script>'
    rendered = widgets_core.TextInput()(field)
    assert 'value="x&#34;&gt;&lt;script&gt;"' in rendered
    assert "<script>" not in rendered


def test_inputs_buttons_and_labels_use_it_too(app):
    """``Input`` and ``Button`` hold WTForms' function as a static method bound when they were
    defined, and labels call the package's re-export: replacing only the module's global left
    every text, date, hidden and submit input on the slow one."""
    assert wtforms.widgets.html_params is html_params
    holders = [
        widget
        for widget in vars(widgets_core).values()
        if isinstance(widget, type) and "html_params" in vars(widget)
    ]
    assert {widgets_core.Input, widgets_core.Button} <= set(holders)
    for widget in holders:
        assert widget.html_params is html_params, widget


OPTION_VALUES = st.one_of(
    st.booleans(),
    st.none(),
    st.integers(),
    st.text(),
    st.sampled_from(['"', "'", "<script>", "&amp;", "a\"b'c<d>&e", ""]),
)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    value=OPTION_VALUES,
    label=st.one_of(st.none(), st.text(), st.sampled_from(["<b>x</b>", "", "Ковальчук & Co"])),
    selected=st.booleans(),
    render_kw=st.one_of(st.none(), st.just({"data_x": "1"}), st.just({"disabled": True})),
    extra=st.one_of(st.just({}), st.just({"class_": "c"})),
)
def test_an_option_as_wtforms_writes_it(app, value, label, selected, render_kw, extra):
    """A select's options are written by our render_option (the case list offers about a
    hundred): what WTForms' own writes, with or without attributes of their own."""
    from wtforms.fields.choices import Choice

    from app.forms import _wtforms_render_option

    choice = Choice(value, label, selected=selected, render_kw=render_kw)
    ours = widgets_core.Select.render_option(choice, **extra)
    theirs = _wtforms_render_option(widgets_core.Select, choice, **extra)
    assert ours == theirs
    assert isinstance(ours, Markup)


def test_a_select_renders_its_options_with_it(app):
    from wtforms import Form, SelectChoice, SelectField

    class Choosing(Form):
        kind = SelectField(
            choices=[SelectChoice("a", "A <1>"), SelectChoice("b", 'B "2"')], default="b"
        )

    html = str(Choosing().kind())
    assert widgets_core.Select._dispatch_render_option() == widgets_core.Select.render_option
    assert html == (
        '<select id="kind" name="kind"><option value="a">A &lt;1&gt;</option>'
        '<option selected value="b">B &#34;2&#34;</option></select>'
    )
