"""Both catalogues are complete, and the language switch changes the interface."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext

from tests.conftest import csrf_token

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


# Every file that may hold user-visible text, walked here file by file (no directory is skipped):
# the truth the extraction of scripts/i18n is checked against.
SOURCES = (("templates", "*.html", "jinja2"), ("app", "*.py", "python"))


def _source_messages() -> set[str]:
    found = set()
    for folder, pattern, method in SOURCES:
        for path in sorted((ROOT / folder).rglob(pattern)):
            for _line, message, _comments, _context in extract_from_file(
                method, str(path), keywords=KEYWORDS
            ):
                found.add(message if isinstance(message, str) else message[0])
    return found


def _extract_command() -> list[str]:
    """The ``pybabel extract`` command line of scripts/i18n (continuation lines joined)."""
    script = (ROOT / "scripts" / "i18n").read_text().replace("\\\n", " ")
    line = next(line for line in script.splitlines() if "pybabel extract" in line)
    return shlex.split(line.split(">", 1)[0])


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


def test_extraction_sees_every_template_and_module(tmp_path):
    """scripts/i18n extracts every string the sources hold, templates/_macros included (the
    pager's "Page 1 of 2" and "Next" were missing: pybabel skips "_" directories by default)."""
    command = _extract_command()
    command[0] = str(Path(sys.executable).parent / "pybabel")  # this venv's, wherever it is
    command[command.index("-o") + 1] = str(tmp_path / "messages.pot")
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)  # noqa: S603 - our script
    with open(tmp_path / "messages.pot", "rb") as f:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    source = _source_messages()
    assert {"Next", "Previous", "Page %(page)d of %(pages)d"} <= source
    assert sorted(source - extracted) == []


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


# A count before a plural noun: "%(n)d cases", "%(rows)s rows read" ("1 cases" in English, and
# one form of three in Ukrainian). Such a message must be an ngettext pair.
COUNTED_NOUN = re.compile(r"%\(\w+\)[ds] (?:\w+ )?\w{2,}s\b")
# Counts that are not whole numbers ("2.5 bits"): no plural form fits them better.
NOT_COUNTS = {"%(bits)s bits of evidence, prior %(prior)s bits"}


def _singular_messages() -> set[str]:
    found = set()
    for folder, pattern, method in SOURCES:
        for path in sorted((ROOT / folder).rglob(pattern)):
            for _line, message, _comments, _context in extract_from_file(
                method, str(path), keywords=KEYWORDS
            ):
                if isinstance(message, str):
                    found.add(message)
    return found


def test_every_counted_noun_uses_ngettext():
    counted = sorted(m for m in _singular_messages() - NOT_COUNTS if COUNTED_NOUN.search(m))
    assert counted == [], "use ngettext for these"


@pytest.mark.parametrize(
    ("singular", "plural"),
    [
        ("%(num)d item", "%(num)d items"),
        ("%(num)d case assigned.", "%(num)d cases assigned."),
        ("about %(num)d year", "about %(num)d years"),
    ],
)
def test_ukrainian_has_three_plural_forms(app, singular, plural):
    """1 and 21 take the first form, 2 the second, 5 the third (11 the third too)."""
    message = _catalog("uk")[singular]
    assert message is not None and message.pluralizable, f"{singular!r} is not in the catalogue"
    forms = list(message.string)
    assert len(forms) == 3 and all(forms), forms
    with app.test_request_context(), force_locale("uk"):
        shown = {n: ngettext(singular, plural, n) for n in (1, 2, 5, 11, 21)}
    assert shown == {n: forms[index] % {"num": n} for n, index in PLURAL_INDEX.items()}
    with app.test_request_context(), force_locale("en"):
        assert ngettext(singular, plural, 1) == singular % {"num": 1}
        assert ngettext(singular, plural, 21) == plural % {"num": 21}


PLURAL_INDEX = {1: 0, 2: 1, 5: 2, 11: 2, 21: 0}
