"""The case page's summary header and activity stream in a real browser: an action in the header
opens its form with the focus in the first field, and the stream's filter narrows it."""

import os
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

CASEWORKER = "caseworker@demo.reunite.test"


def _open_a_case_with_contacts(page, base: str) -> None:
    """One of the caseworker's cases whose contact form is folded away (it has contacts)."""
    page.goto(f"{base}/my-cases")
    links = page.locator(".case-table tbody a.case-number")
    for href in [links.nth(i).get_attribute("href") for i in range(links.count())]:
        page.goto(f"{base}{href}")
        if not page.locator("details#log-contact").evaluate("el => el.open"):
            return
    raise AssertionError("no case of the caseworker's has contacts")


def test_log_contact_in_the_header_opens_the_form_with_the_focus_in_its_first_field(
    page, live_server, screenshot_on_failure
):
    sign_in(page, live_server, CASEWORKER)
    _open_a_case_with_contacts(page, live_server)
    form = page.get_by_test_id("contact-form")
    expect(form).to_be_hidden()

    page.get_by_test_id("case-actions").get_by_role("button", name="Log contact").click()
    expect(form).to_be_visible()
    expect(form.locator("#contact-contacted_on")).to_be_focused()
    assert page.url.endswith("#log-contact")

    page.get_by_test_id("case-actions").get_by_role("button", name="Add note").click()
    expect(page.locator("#note-body")).to_be_focused()
    _screenshots(page)


def test_a_note_appears_in_the_stream_and_the_filter_narrows_it(
    page, live_server, screenshot_on_failure
):
    sign_in(page, live_server, CASEWORKER)
    _open_a_case_with_contacts(page, live_server)
    page.get_by_test_id("case-actions").get_by_role("button", name="Add note").click()
    note = page.get_by_test_id("note-form")
    note.get_by_label("Note").fill("The aunt asks us to call after six.")
    note.get_by_role("button", name="Add note").click()

    stream = page.get_by_test_id("timeline")
    expect(stream.locator("li").first).to_contain_text("The aunt asks us to call after six.")
    filters = page.get_by_test_id("activity-filter")

    filters.get_by_role("link", name="Notes").click()
    expect(filters.get_by_role("link", name="Notes")).to_have_attribute("aria-current", "true")
    assert "activity=notes" in page.url
    expect(stream.locator("li[data-kind=note]").first).to_contain_text("call after six")
    expect(stream.locator("li[data-kind]:not([data-kind=note])")).to_have_count(0)

    filters.get_by_role("link", name="Contacts").click()
    expect(stream.locator("li[data-kind=contact]").first).to_be_visible()
    expect(stream.locator("li[data-kind]:not([data-kind=contact])")).to_have_count(0)
    expect(stream).not_to_contain_text("call after six")

    filters.get_by_role("link", name="All").click()
    expect(stream.locator("li[data-kind=note]").first).to_be_visible()
    expect(stream.locator("li[data-kind=contact]").first).to_be_visible()


def _screenshots(page) -> None:
    """The page at a desktop's and a phone's width, for a person to look at, when
    REUNITE_SCREENSHOTS names a folder."""
    folder = os.environ.get("REUNITE_SCREENSHOTS")
    if not folder:
        return
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("window.scrollTo(0, 0)")
        page.locator("#activity").screenshot(path=str(Path(folder) / f"activity-{width}.png"))
        page.screenshot(path=str(Path(folder) / f"case-page-{width}.png"), full_page=False)
