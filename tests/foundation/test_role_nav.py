# ruff: noqa: E501 - the menu's template below is quoted word for word, its long lines too
"""The main menu's links are rendered once per role and language (app/web.py ``role_nav``) and
kept: the same links as the template gave from each user's permissions, for every role and
both languages, and never one role's menu for another (issue 9 item 4: the cost every
signed-in page paid that the sign-in page did not)."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string, template_rendered
from flask_babel import force_locale
from flask_login import login_user

from app.auth.models import User
from app.auth.permissions import Role
from app.extensions import db
from app.web import role_nav
from tests.pseudo_locale import pseudo_ukrainian  # noqa: F401 - a fixture

# The menu as templates/_nav.html wrote it before, from the signed-in user's permissions.
MENU_BEFORE = """{% if current_user.can(Permission.CASE_ASSIGN) %}
  <li><a href="{{ url_for('cases.supervisor_home') }}">{{ _("Queues") }}</a></li>
  <li><a href="{{ url_for('cases.approvals') }}">{{ _("Approvals") }}</a></li>
{% elif current_user.can(Permission.CASE_READ) %}
  <li><a href="{{ url_for('cases.my_cases') }}">{{ _("My cases") }}</a></li>
{% endif %}
{% if current_user.can(Permission.MATCH_APPROVE) %}
  <li><a href="{{ url_for('matching.queue') }}">{{ _("Matches") }}</a></li>
{% endif %}
{% if current_user.can(Permission.CASE_READ) %}
  <li><a href="{{ url_for('cases.index') }}">{{ _("Cases") }}</a></li>
{% endif %}
{% if current_user.can(Permission.EXCHANGE_READ) %}<li><a href="{{ url_for('exchanges.index') }}">{{ _("Exchanges") }}</a></li>{% endif %}
{% if current_user.can(Permission.SOURCE_LIST_VIEW) %}
  <li><a href="{{ url_for('cases.source_lists') }}">{{ _("Source lists") }}</a></li>
{% endif %}
{% if current_user.can(Permission.RECORD_READ) %}
  <li><a href="{{ url_for('records.index') }}">{{ _("Partner records") }}</a></li>
{% endif %}
{% if current_user.can(Permission.IMPORT_RUN) %}
  <li><a href="{{ url_for('imports.index') }}">{{ _("Imports") }}</a></li>
{% endif %}
{% if current_user.can(Permission.DNA_PROFILE_READ) %}
  <li><a href="{{ url_for('dna.proposals') }}">{{ _("DNA proposals") }}</a></li>
  <li><a href="{{ url_for('dna.lab_upload') }}">{{ _("Laboratory files") }}</a></li>
{% endif %}
{% if current_user.can(Permission.DNA_FREQUENCIES_MANAGE) %}
  <li><a href="{{ url_for('dna.frequencies') }}">{{ _("Allele frequencies") }}</a></li>
{% endif %}
{% if current_user.can(Permission.USER_MANAGE) %}
  <li><a href="{{ url_for('admin.users') }}">{{ _("Users") }}</a></li>
{% endif %}
{% if current_user.can(Permission.AUDIT_READ) %}
  <li><a href="{{ url_for('admin.audit') }}">{{ _("Audit trail") }}</a></li>
{% endif %}
<li><a class="muted small" href="{{ url_for('auth.account') }}" data-testid="current-user" title="{{ _('Your account') }}">{{ current_user.name }}</a></li>
"""
NAME_LINK = re.compile(r'<li><a class="muted small"[^>]*data-testid="current-user".*?</li>', re.S)


def _squeezed(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


@pytest.mark.parametrize("locale", ["uk", "en"])
@pytest.mark.parametrize("role", [role.value for role in Role])
def test_each_role_sees_the_links_its_permissions_gave(app, users, role, locale):
    with app.test_request_context(), force_locale(locale):
        user = db.session.get(User, users[role])
        login_user(user)
        before = NAME_LINK.sub("", render_template_string(MENU_BEFORE))
        assert _squeezed(role_nav()) == _squeezed(before)
        assert _squeezed(role_nav()) == _squeezed(before)  # kept, the same


def test_the_menu_is_rendered_once_per_role_and_language(app, users):
    rendered = []

    def seen(sender, template, context, **extra):
        rendered.append(template.name)

    template_rendered.connect(seen, app)
    try:
        menus = {}
        for _ in range(3):
            for role in ("caseworker", "supervisor"):
                for locale in ("uk", "en"):
                    with app.test_request_context(), force_locale(locale):
                        login_user(db.session.get(User, users[role]))
                        menus[role, locale] = role_nav()
    finally:
        template_rendered.disconnect(seen, app)
    assert rendered.count("_nav.html") <= 4  # at most once per role and language
    assert "Queues" in menus["supervisor", "en"] and "Queues" not in menus["caseworker", "en"]
    assert "My cases" in menus["caseworker", "en"] and "My cases" not in menus["supervisor", "en"]
    assert menus["supervisor", "uk"] != menus["supervisor", "en"]


def test_each_page_names_its_own_reader(app, login, users):
    """The name in the menu is the reader's, not the one whose page was rendered first."""
    with app.app_context():
        names = {role: db.session.get(User, users[role]).name for role in ("caseworker", "admin")}
    for role in ("caseworker", "admin"):
        html = login(users[role]).get("/account").get_data(as_text=True)
        (link,) = NAME_LINK.findall(html)
        assert names[role] in link
        other = next(name for who, name in names.items() if who != role)
        assert other not in link


def test_another_catalogue_gets_its_own_menu(app, users, pseudo_ukrainian):  # noqa: F811
    """A menu is kept with the catalogue it was worded in: after a pseudo-translation (a
    test's), the real words again, and the other way round."""
    with app.test_request_context(), force_locale("uk"):
        login_user(db.session.get(User, users["admin"]))
        assert "⟦Users⟧" in role_nav()


def test_the_real_catalogue_after_a_pseudo_one(app, users):
    with app.test_request_context(), force_locale("uk"):
        login_user(db.session.get(User, users["admin"]))
        assert "⟦" not in role_nav()


@pytest.mark.parametrize("prefix", ["", "/reunite"])
def test_the_layouts_links_are_url_for_under_each_site_prefix(app, caseworker, prefix):
    """The layout's links (stylesheets, script, home, search, account, sign-out, languages)
    are built once per site prefix (app/web.py ``layout_urls``) and are what url_for gives
    there: a site served under a prefix never gets the links of one served at the root."""
    from flask import url_for

    # The other prefix's links first, so that a kept set of the wrong prefix would show.
    other = "/other" if prefix else ""
    caseworker.get("/my-cases", base_url=f"http://localhost{other}/")
    html = caseworker.get("/my-cases", base_url=f"http://localhost{prefix}/").get_data(as_text=True)
    with app.test_request_context("/", base_url=f"http://localhost{prefix}/"):
        expected = [
            url_for("static", filename="vendor/pico/pico.min.css"),
            url_for("static", filename="css/app.css"),
            url_for("static", filename="js/app.js"),
            url_for("main.index"),
            url_for("cases.index"),
            url_for("auth.account"),
            url_for("auth.logout"),
            url_for("main.set_language", code="uk"),
            url_for("main.set_language", code="en"),
        ]
    assert all(url.startswith(prefix + "/") for url in expected)
    for url in expected:
        assert f'"{url}"' in html, url
    assert html.count('name="csrf_token"') >= 3  # sign-out and both languages
