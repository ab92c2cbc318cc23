"""Two people editing one case: the second save merges, it never erases the first.

Each test drives the edit form as a browser does: it reads every control of the page's form
(hidden ones included), changes what the person types, and posts the lot."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from app.cases.models import Case
from app.extensions import db


class _FormReader(HTMLParser):
    """The values a browser would post from the page's ``form.case-form``: text inputs, hidden
    inputs, checked radios and checkboxes, selected options, textareas."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self._in_form = False
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and "case-form" in a.get("class", ""):
            self._in_form = True
        if not self._in_form or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") != "submit":
            if a.get("type") in ("radio", "checkbox") and "checked" not in a:
                return
            self.values[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self.values[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select:
            self.values.setdefault(self._select, self._first_option or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            # Browsers drop the one newline right after <textarea>.
            text = data[1:] if data.startswith("\n") and not self.values[self._textarea] else data
            self.values[self._textarea] += text


def form_values(html: str) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(html)
    assert "csrf_token" in reader.values, "no case form on the page"
    return reader.values


def _open(client, case_id: int) -> dict[str, str]:
    return form_values(client.get(f"/cases/{case_id}/edit").get_data(as_text=True))


def _save(client, case_id: int, values: dict[str, str]):
    return client.post(f"/cases/{case_id}/edit", data=values)


def _saved(app, case_id: int) -> Case:
    with app.app_context():
        case = db.session.get(Case, case_id)
        db.session.expunge(case)
        return case


@pytest.fixture
def case_id(make_case):
    return make_case(owner="caseworker", region="Київська")


def test_resolving_a_conflict_keeps_the_colleagues_change_to_a_field_i_did_not_touch(
    app, caseworker, supervisor, case_id
):
    mine = _open(caseworker, case_id)
    theirs = _open(supervisor, case_id)
    assert _save(supervisor, case_id, {**theirs, "document_number": "AB123456"}).status_code == 302

    conflict = _save(caseworker, case_id, {**mine, "region": "Донецька"})
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 200 and 'data-testid="conflict"' in html
    # The colleague's change is shown, highlighted, and is what the form now holds.
    assert 'class="diff-changed" data-field="document_number"' in html
    resolved = form_values(html)
    assert resolved["document_number"] == "AB123456"
    assert resolved["region"] == "Донецька"  # my typing survives

    # "Save case" as the page invites: both changes are kept.
    assert _save(caseworker, case_id, resolved).status_code == 302
    case = _saved(app, case_id)
    assert (case.document_number, case.region) == ("AB123456", "Донецька")


@pytest.mark.parametrize(("choice", "expected"), [("theirs", "Херсонська"), ("mine", "Донецька")])
def test_a_true_clash_asks_which_value_to_keep_and_keeps_that_one(
    app, caseworker, supervisor, case_id, choice, expected
):
    mine = _open(caseworker, case_id)
    theirs = _open(supervisor, case_id)
    assert _save(supervisor, case_id, {**theirs, "region": "Херсонська"}).status_code == 302

    html = _save(caseworker, case_id, {**mine, "region": "Донецька"}).get_data(as_text=True)
    assert 'data-testid="conflict"' in html
    assert 'name="resolve-region" value="theirs"' in html
    assert 'name="resolve-region" value="mine"' in html
    resolved = form_values(html)
    assert "resolve-region" not in resolved  # nothing chosen for the person

    # Saving without choosing is refused, in neither direction silently.
    again = _save(caseworker, case_id, resolved)
    again_html = again.get_data(as_text=True)
    assert again.status_code == 200
    assert 'id="resolve-region-error"' in again_html
    assert _saved(app, case_id).region == "Херсонська"

    chosen = {**form_values(again_html), "resolve-region": choice}
    assert _save(caseworker, case_id, chosen).status_code == 302
    assert _saved(app, case_id).region == expected


def test_a_save_made_while_the_conflict_is_being_resolved_is_itself_detected(
    app, caseworker, supervisor, login, users, case_id
):
    mine = _open(caseworker, case_id)
    theirs = _open(supervisor, case_id)
    assert _save(supervisor, case_id, {**theirs, "document_number": "AB123456"}).status_code == 302
    html = _save(caseworker, case_id, {**mine, "region": "Донецька"}).get_data(as_text=True)
    resolving = form_values(html)
    assert resolving["version"] == str(_saved(app, case_id).version)  # the current one

    # A third save while the caseworker reads the conflict page.
    third = _open(supervisor, case_id)
    assert _save(supervisor, case_id, {**third, "place_of_birth": "Херсон"}).status_code == 302

    again = _save(caseworker, case_id, resolving)
    again_html = again.get_data(as_text=True)
    assert again.status_code == 200 and 'data-testid="conflict"' in again_html
    assert 'class="diff-changed" data-field="place_of_birth"' in again_html
    assert _save(caseworker, case_id, form_values(again_html)).status_code == 302
    case = _saved(app, case_id)
    assert (case.document_number, case.place_of_birth, case.region) == (
        "AB123456",
        "Херсон",
        "Донецька",
    )


def test_an_unchanged_resubmission_of_an_old_form_changes_nothing(
    app, caseworker, supervisor, case_id
):
    """Untouched everywhere: the other editor's values all stay, and nothing clashes."""
    mine = _open(caseworker, case_id)
    theirs = _open(supervisor, case_id)
    changed = {**theirs, "region": "Херсонська", "date_of_birth": "05.03.2014"}
    assert _save(supervisor, case_id, changed).status_code == 302
    html = _save(caseworker, case_id, mine).get_data(as_text=True)
    assert 'name="resolve-' not in html
    assert _save(caseworker, case_id, form_values(html)).status_code == 302
    case = _saved(app, case_id)
    assert (case.region, case.dob_year, case.dob_month, case.dob_day) == (
        "Херсонська",
        2014,
        3,
        5,
    )
