"""The case list's filter bar on a phone: a search box one can type in, selects in a grid."""

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

CASEWORKER = "caseworker@demo.reunite.test"
PHONE = {"width": 390, "height": 844}


def test_case_filters_fit_a_phone(browser, live_server):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_server, CASEWORKER)
        page.goto(f"{live_server}/cases")
        search = page.get_by_label("Search", exact=True)
        expect(search).to_be_visible()
        assert search.bounding_box()["width"] >= 200
        # Every filter stays on the screen, none squeezed to nothing.
        for name in ("Status", "Source list", "Region", "Caseworker", "Age"):
            box = page.get_by_label(name, exact=True).bounding_box()
            assert box["width"] >= 120, name
            assert box["x"] + box["width"] <= PHONE["width"], name
        button = page.get_by_role("button", name="Search", exact=True).bounding_box()
        assert button["height"] < 80 and button["x"] + button["width"] <= PHONE["width"]
        expect(page.locator(".field-error")).to_have_count(0)
    finally:
        context.close()
