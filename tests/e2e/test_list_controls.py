"""The case lists' controls in a browser: sorting by a column header, and the header's search
box that goes straight to a case, on a desktop and inside a phone's menu."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

CASEWORKER = "caseworker@demo.reunite.test"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _numbers(page) -> list[str]:
    return page.locator(".case-table tbody .case-number").all_inner_texts()


def test_clicking_a_header_twice_reverses_the_order(page, live_server, screenshot_on_failure):
    sign_in(page, live_server, CASEWORKER)
    page.goto(f"{live_server}/cases?per_page=100")  # every one of their cases on one page
    header = page.locator("th", has=page.get_by_role("link", name=re.compile("^Name")))
    expect(header).not_to_have_attribute("aria-sort", re.compile("."))
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    first = _numbers(page)
    assert len(first) > 2
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    assert _numbers(page) == first[::-1]
    assert "per_page=100" in page.url  # the page size stayed


def test_header_search_goes_to_the_case_on_a_desktop_and_a_phone(
    browser, live_server, screenshot_on_failure, page
):
    sign_in(page, live_server, CASEWORKER)
    page.goto(f"{live_server}/my-cases")
    link = page.locator(".case-table tbody .case-number").first
    number, case_url = link.inner_text(), link.get_attribute("href")
    cookies = page.context.cookies()
    for viewport in (DESKTOP, PHONE):
        context = browser.new_context(viewport=viewport)
        context.add_cookies(cookies)
        tab = context.new_page()
        try:
            tab.goto(f"{live_server}/source-lists")
            if viewport is PHONE:
                tab.get_by_test_id("menu-button").click()
            search = tab.get_by_role("searchbox", name="Find a case")
            expect(search).to_be_visible()
            box = search.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
            search.fill(number)
            search.press("Enter")
            tab.wait_for_url(f"{live_server}{case_url}")
        finally:
            context.close()
