"""Two people edit one case in real browsers; a refused case-page form keeps what was typed."""

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_case_journeys import CASEWORKER, SUPERVISOR, _open_new_case

HIGHLIGHT = "rgb(255, 243, 205)"  # .conflict tr.diff-changed td in static/css/app.css


def test_the_second_editor_keeps_the_first_ones_save_and_chooses_on_a_clash(
    browser, live_server, screenshot_on_failure, page
):
    sign_in(page, live_server, CASEWORKER)
    _open_new_case(page, live_server, "Ткаченко", "Богдан")
    case_url = page.url
    page.goto(f"{case_url}/edit")  # the caseworker starts editing...

    colleague = browser.new_page()  # ...and a supervisor, in another session, saves first
    sign_in(colleague, live_server, SUPERVISOR)
    colleague.goto(f"{case_url}/edit")
    colleague.get_by_label("Birth certificate or passport number").fill("AB123456")
    colleague.get_by_label("Region").fill("Херсонська")
    colleague.get_by_role("button", name="Save case").click()
    expect(colleague.get_by_test_id("case-title")).to_be_visible()
    colleague.close()

    page.get_by_label("Region").fill("Донецька")
    page.get_by_role("button", name="Save case").click()
    conflict = page.get_by_test_id("conflict")
    expect(conflict).to_be_visible()
    # The colleague's document number is in the form, and its row is visibly highlighted.
    expect(page.get_by_label("Birth certificate or passport number")).to_have_value("AB123456")
    cell = conflict.locator("tr[data-field=document_number] td").first
    assert cell.evaluate("el => getComputedStyle(el).backgroundColor") == HIGHLIGHT

    # The region clash must be chosen: saving without a choice is refused.
    page.get_by_role("button", name="Save case").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("choose which value to keep")
    page.locator("tr[data-field=region]").get_by_label("Yours").check()
    page.get_by_role("button", name="Save case").click()
    expect(page.get_by_test_id("case-title")).to_be_visible()
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("AB123456")
    expect(facts).to_contain_text("Донецька")


def test_a_refused_status_change_keeps_what_was_typed(page, live_server, screenshot_on_failure):
    sign_in(page, live_server, CASEWORKER)
    _open_new_case(page, live_server, "Кравець", "Ірина")
    form = page.get_by_test_id("status-form")
    form.get_by_label("New status").select_option("closed")
    form.get_by_label("Why").fill("Родина знайшлася сама.")
    form.get_by_role("button", name="Change status").click()
    form = page.get_by_test_id("status-form")
    summary = form.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_attribute("href", "#status-closure_reason")
    expect(form.locator("#status-closure_reason-error")).to_have_text(
        "Choose why the case is closed."
    )
    expect(form.get_by_label("Why")).to_have_value("Родина знайшлася сама.")
    expect(form.get_by_label("New status")).to_have_value("closed")
