"""A supervisor hands over a list twice in a real browser and reads what changed."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

SUPERVISOR = "supervisor@demo.reunite.test"


def test_a_supervisor_hands_over_a_list_twice_and_compares(
    page, live_server, screenshot_on_failure
):
    sign_in(page, live_server, SUPERVISOR)
    page.goto(f"{live_server}/exchanges/new")
    page.get_by_label("First side").fill("Сторона Версій")
    page.get_by_label("Second side").fill("Інша сторона")
    page.get_by_role("button", name="Save exchange").click()
    expect(page.get_by_test_id("exchange-facts")).to_be_visible()

    def add(case_number: str) -> None:
        page.get_by_label("Case number").fill(case_number)
        page.get_by_role("button", name="Add person").click()
        expect(page.locator(".flash, [role=status]").first).to_be_visible()

    def hand_over(reference: str) -> None:
        page.locator("#versions summary").click()
        page.get_by_label("Document reference").fill(reference)
        page.get_by_role("button", name="Hand over this list as a new version").click()

    add("1")
    add("2")
    hand_over("Протокол №1")
    versions = page.get_by_test_id("list-versions")
    expect(versions.locator("tr[data-version='1']")).to_contain_text("Протокол №1")
    add("3")
    hand_over("Протокол №2")
    expect(versions.locator("tr[data-version='2']")).to_contain_text("+1 / −0 / ~0")

    page.get_by_role("link", name="Compare two versions").click()
    expect(page.get_by_test_id("compared")).to_have_text("From version 1 to version 2")
    expect(page.get_by_test_id("diff-added").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("diff-added")).to_contain_text(re.compile(r"RU-0+3"))

    page.get_by_label("From version").select_option(label="2")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_test_id("no-changes")).to_be_visible()
