"""Templates are app.extensions.Template: an import without context finds the imported
template's kept module as Jinja's own class does, at a smaller cost, and a template loaded with
globals of its own still hands them to what it imports."""

from __future__ import annotations

import jinja2
from jinja2 import DictLoader, Environment

from app.extensions import Template

SOURCES = {
    "macros.html": (
        "{% macro hello(name) %}Hello {{ name }} from {{ where }}{{ also or '' }}{% endmacro %}"
    ),
    "page.html": '{% from "macros.html" import hello %}{{ hello(who) }}',
}


def _environment(template_class: type[jinja2.Template]) -> Environment:
    environment = Environment(loader=DictLoader(SOURCES), autoescape=True)
    environment.template_class = template_class
    environment.globals["where"] = "the globals"
    return environment


def test_the_applications_templates_are_of_the_class(app):
    assert app.jinja_env.template_class is Template
    assert isinstance(app.jinja_env.get_template("cases/_macros.html"), Template)


def test_an_import_says_what_jinjas_own_says():
    ours, jinjas = _environment(Template), _environment(jinja2.Template)
    for who, said in (("<b>Ann</b>", "&lt;b&gt;Ann&lt;/b&gt;"), ("Bo", "Bo")):
        assert (
            ours.get_template("page.html").render(who=who)
            == jinjas.get_template("page.html").render(who=who)
            == f"Hello {said} from the globals"
        )


def test_the_imported_module_is_kept():
    environment = _environment(Template)
    page, macros = environment.get_template("page.html"), environment.get_template("macros.html")
    page.render(who="Ann")
    kept = macros._get_default_module()
    page.render(who="Bo")
    assert macros._get_default_module() is kept


def test_a_templates_own_globals_reach_what_it_imports():
    """As Jinja does it: a global the imported template lacks is handed to it (a module made
    for the page); one it has already stays its own."""
    for template_class in (Template, jinja2.Template):
        environment = _environment(template_class)
        page = environment.get_template(
            "page.html", globals={"also": ", and the page", "where": "the page"}
        )
        assert page.render(who="Ann") == "Hello Ann from the globals, and the page"
        plain = environment.get_template("macros.html")
        assert plain._get_default_module().hello("Bo") == "Hello Bo from the globals"
