"""The case form's prisoner-of-war fieldset in a real browser: shown for that type only, never
hiding what was typed in it (static/js/case-form.js)."""

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_case_journeys import CASEWORKER


def test_the_prisoner_fields_show_for_a_prisoner_and_are_saved(
    page, live_server, screenshot_on_failure
):
    sign_in(page, live_server, CASEWORKER)
    page.goto(f"{live_server}/cases/new")
    fieldset = page.get_by_test_id("pow-fields")
    page.get_by_label("Type").select_option("child")
    expect(fieldset).to_be_hidden()

    page.get_by_label("Type").select_option("prisoner_of_war")
    expect(fieldset).to_be_visible()
    page.get_by_label("Source list", exact=True).select_option(label="Hotline reports (demo)")
    page.get_by_label("Family name", exact=True).fill("Полонений-Браузерний")
    page.get_by_label("Rank").fill("сержант")
    page.get_by_label("Date of capture").fill("09.03.2025")
    page.get_by_label("Health category").select_option("seriously_wounded")
    # Typed in, it stays shown whatever the type: nothing typed is hidden.
    page.get_by_label("Type").select_option("adult_civilian")
    expect(fieldset).to_be_visible()
    page.get_by_label("Type").select_option("prisoner_of_war")
    page.get_by_role("button", name="Save case").click()

    facts = page.get_by_test_id("pow-facts")
    expect(facts).to_contain_text("сержант")
    expect(facts).to_contain_text("Seriously wounded")
