"""The main pages in Ukrainian show no English interface text.

Each page is rendered with the Ukrainian locale and its visible text (text nodes, and the
attributes a person reads or hears: title, placeholder, aria-label, button values) is compared
with every message of the sources: a text that is an English message (its placeholders filled
with anything) and is not deliberately the same in Ukrainian was shown untranslated. A few
English words are looked for as well, in case a text never went through gettext at all.
"""

import csv
import io
import re
from html.parser import HTMLParser

import pytest

from app.audit.services import record
from app.extensions import db
from tests.conftest import csrf_token
from tests.foundation.test_i18n import _catalog, _source_messages
from tests.imports.conftest import import_file
from tests.imports.test_problem_texts import HEADER, MAPPING, ROWS

# Words of the interface that no page of test data shows in English otherwise.
ENGLISH_WORDS = re.compile(r"\b(?:Page|Next|Previous|items?|Search|Status|Filter|Save)\b")
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        values = dict(attrs)
        for name in READ_ATTRIBUTES & values.keys():
            self.texts.append(values[name] or "")
        if tag == "input" and values.get("type") in ("submit", "button"):
            self.texts.append(values.get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.texts.append(data)


def visible_texts(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return [text for text in (" ".join(t.split()) for t in parser.texts) if text]


def _pattern(message: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(message)
    return re.compile(r"\s*(?:.+?)\s*".join(re.escape(" ".join(p.split())) for p in parts))


@pytest.fixture(scope="module")
def english_messages() -> list[tuple[str, re.Pattern[str]]]:
    """The source messages that Ukrainian words differently, with a pattern for each."""
    same_in_ukrainian = {m.id for m in _catalog("uk") if isinstance(m.id, str) and m.string == m.id}
    messages = _source_messages() - same_in_ukrainian
    # Words of a letter or two ("OK", "—") or none at all say nothing about the language.
    return [(m, _pattern(m)) for m in sorted(messages) if len(re.sub(r"[^A-Za-z]", "", m)) > 2]


def untranslated(html: str, english_messages) -> list[str]:
    found = []
    for text in visible_texts(html):
        for message, pattern in english_messages:
            if pattern.fullmatch(text):
                found.append(f"{text!r} (message {message!r})")
    return found


def _in_ukrainian(client, path: str):
    client.post("/language/uk", data={"csrf_token": csrf_token(client, path), "next": path})
    return client


def test_the_pager_and_the_case_pages_are_ukrainian(supervisor, make_case, english_messages):
    case_ids = [make_case(owner="supervisor", family_name="Коваль") for _ in range(26)]
    client = _in_ukrainian(supervisor, "/cases")
    problems = {}
    for path in ("/cases", "/my-cases", "/queues", f"/cases/{case_ids[0]}", "/source-lists"):
        html = client.get(path).get_data(as_text=True)
        assert 'lang="uk"' in html, path
        shown = untranslated(html, english_messages)
        words = ENGLISH_WORDS.findall(" ".join(visible_texts(html)))
        if shown or words:
            problems[path] = shown + words
    assert problems == {}


def test_the_admin_pages_are_ukrainian(app, admin, users, english_messages):
    with app.app_context():
        for _ in range(51):  # two pages
            record("export", object_type="case_record", object_id=1, actor_id=users["admin"])
        db.session.commit()
    client = _in_ukrainian(admin, "/admin/audit/")
    problems = {}
    for path in ("/admin/audit/", "/admin/users"):
        html = client.get(path).get_data(as_text=True)
        shown = untranslated(html, english_messages)
        words = ENGLISH_WORDS.findall(" ".join(visible_texts(html)))
        if shown or words:
            problems[path] = shown + words
    assert problems == {}


def test_the_import_pages_are_ukrainian(app, caseworker, users, tmp_path, english_messages):
    """The batch page and its problems report word every problem in Ukrainian."""
    path = tmp_path / "problems.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    with app.app_context():
        batch = import_file(path, "Problem register", mapping=MAPPING, user_id=users["caseworker"])
        batch_id = batch.id
    client = _in_ukrainian(caseworker, f"/imports/{batch_id}")
    problems = {}
    page = client.get(f"/imports/{batch_id}").get_data(as_text=True)
    shown = untranslated(page, english_messages)
    if shown:
        problems["page"] = shown
    report = client.get(f"/imports/{batch_id}/problems.csv").get_data(as_text=True)
    reasons = [row[-1] for row in list(csv.reader(io.StringIO(report.lstrip("\ufeff"))))[1:]]
    shown = untranslated("".join(f"<p>{reason}</p>" for reason in reasons), english_messages)
    if shown:
        problems["report"] = shown
    assert problems == {}


def test_the_checker_sees_english(app, english_messages):
    """The check itself: the pager's English is found, Ukrainian is not."""
    html = '<nav aria-label="Pages"><a>Next →</a><span>Page 1 of 2</span></nav><p>Сторінка</p>'
    shown = untranslated(html, english_messages)
    assert any("'Page 1 of 2'" in s for s in shown)
    assert not any("Сторінка" in s for s in shown)
