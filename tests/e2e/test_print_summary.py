"""The printed case summary in a real browser: its button prints, and on paper only the summary
shows (no navigation, buttons or forms)."""

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

CASEWORKER = "caseworker@demo.reunite.test"


def test_a_caseworker_prints_a_case_summary(page, live_server, screenshot_on_failure):
    sign_in(page, live_server, CASEWORKER)
    page.goto(f"{live_server}/my-cases")
    page.locator(".case-table tbody a").first.click()
    title = page.get_by_test_id("case-title").inner_text()
    page.get_by_test_id("print-summary").click()
    summary = page.get_by_test_id("case-summary")
    expect(summary.locator("h1")).to_have_text(title)
    expect(page.get_by_test_id("confidential")).to_be_visible()

    # The button opens the print dialogue (replaced here: headless Chromium has none).
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.printed") is True

    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(summary).to_be_visible()
    expect(page.get_by_test_id("signatures")).to_be_visible()
