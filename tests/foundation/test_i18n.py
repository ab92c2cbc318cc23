"""Both catalogues are complete, and the language switch changes the interface."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import csrf_token

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _source_messages() -> set[str]:
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog(locale: str):
    with open(ROOT / "app" / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


@pytest.mark.parametrize("locale", ["uk", "en"])
def test_catalogue_has_every_source_string_translated(locale):
    catalog = _catalog(locale)
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        translated[key] = all(strings) and not message.fuzzy
    source = _source_messages()
    assert len(source) > 50
    missing = sorted(m for m in source if not translated.get(m))
    assert missing == [], f"run scripts/i18n and translate: {missing}"


def test_ukrainian_plural_forms_are_declared():
    assert _catalog("uk").plural_forms.startswith("nplurals=3")


def test_language_switch_changes_interface(caseworker):
    assert "Sign out" in caseworker.get("/my-cases").get_data(as_text=True)
    response = caseworker.post(
        "/language/uk",
        data={"csrf_token": csrf_token(caseworker, "/my-cases"), "next": "/my-cases"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/my-cases"
    html = caseworker.get("/my-cases").get_data(as_text=True)
    assert "Вийти" in html and 'lang="uk"' in html


def test_anonymous_visitor_can_switch_language_on_login_page(client):
    client.post("/language/uk", data={"csrf_token": csrf_token(client, "/login"), "next": "/login"})
    assert "Увійти" in client.get("/login").get_data(as_text=True)


def test_browser_language_is_respected(client):
    html = client.get("/login", headers={"Accept-Language": "uk,en;q=0.5"}).get_data(as_text=True)
    assert "Увійти" in html


def test_unknown_language_is_ignored(caseworker):
    caseworker.post(
        "/language/xx",
        data={"csrf_token": csrf_token(caseworker, "/my-cases"), "next": "/my-cases"},
    )
    assert "Sign out" in caseworker.get("/my-cases").get_data(as_text=True)
