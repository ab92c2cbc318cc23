"""The main case journeys in a real browser."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

CASEWORKER = "caseworker@demo.reunite.test"
SUPERVISOR = "supervisor@demo.reunite.test"


def _open_new_case(page, base, family, given):
    page.goto(f"{base}/cases/new")
    page.get_by_label("Source list", exact=True).select_option(label="Hotline reports (demo)")
    page.get_by_label("Type").select_option("child")
    page.get_by_label("Family name", exact=True).fill(family)
    page.get_by_label("Given name", exact=True).fill(given)
    page.get_by_label("Patronymic", exact=True).fill("Сергійович")
    page.get_by_label("Sex").select_option("male")
    page.get_by_label("Date of birth").fill("12.03.2014")
    page.get_by_label("Last known place").fill("Олешки")
    page.get_by_role("button", name="Save case").click()
    expect(page.get_by_test_id("case-title")).to_contain_text(f"{family} {given}")


def _add_relative(page, kind, name, phone):
    page.locator("summary", has_text="Add relative").click()
    form = page.get_by_test_id("relative-form")
    form.get_by_label("Relationship").select_option(kind)
    form.get_by_label("Full name").fill(name)
    form.get_by_label("Phone").fill(phone)
    form.get_by_label("Consents to be contacted").check()
    form.get_by_role("button", name="Add relative").click()
    expect(page.get_by_test_id("relatives")).to_contain_text(name)


def _change_status(page, target, reason="", closure_reason=None):
    form = page.get_by_test_id("status-form")
    form.get_by_label("New status").select_option(target)
    if closure_reason:
        form.get_by_label("Closure reason").select_option(closure_reason)
    if reason:
        form.get_by_label("Why").fill(reason)
    form.get_by_role("button", name="Change status").click()


def test_caseworker_creates_child_case_with_relatives_contact_and_locates_it(
    page, live_server, screenshot_on_failure
):
    sign_in(page, live_server, CASEWORKER)
    _open_new_case(page, live_server, "Лисенко", "Олександр")
    _add_relative(page, "mother", "Лисенко Ганна Петрівна", "+380 00 1112233")
    _add_relative(page, "grandfather", "Лисенко Петро Іванович", "+380 00 4445566")
    expect(page.get_by_test_id("relatives").locator("tbody tr")).to_have_count(2)

    contact = page.get_by_test_id("contact-form")
    contact.get_by_label("Date").fill("2026-11-20")
    contact.get_by_label("Channel").select_option("phone")
    contact.get_by_label("Relative").select_option(label="Лисенко Ганна Петрівна")
    contact.get_by_label("Outcome").fill("Mother confirmed the last known address.")
    contact.get_by_label("Next step", exact=True).fill("Ask the partner for the register")
    contact.get_by_label("Next step due").fill("2026-12-01")
    contact.get_by_role("button", name="Log contact").click()
    expect(page.get_by_test_id("contacts")).to_contain_text("confirmed the last known address")

    _change_status(page, "under_investigation")
    _change_status(page, "located", "")
    expect(page.locator(".case-header [data-status]")).to_have_text("Located")
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator("li[data-kind=status_changed]")).to_have_count(2)
    expect(timeline.locator("li[data-kind=contact]")).to_have_count(1)

    # The new case is on the caseworker's list and found across scripts.
    page.goto(f"{live_server}/cases?q=Lysenko+Oleksandr")
    expect(page.locator(".case-table tbody")).to_contain_text("Лисенко Олександр")


def test_supervisor_assigns_in_bulk_and_approves_a_closure(
    browser, live_server, screenshot_on_failure, page
):
    # A caseworker asks to close one of their cases.
    worker = browser.new_page()
    sign_in(worker, live_server, CASEWORKER)
    _open_new_case(worker, live_server, "Мельник", "Дмитро")
    case_url = worker.url
    _change_status(worker, "closed", "The family withdrew the request.", "withdrawn")
    expect(worker.get_by_test_id("pending-request")).to_contain_text("Closed")
    expect(worker.get_by_test_id("status-form")).to_have_count(0)  # one request at a time
    expect(worker.locator(".case-header [data-status]")).to_have_text("New")
    worker.close()

    sign_in(page, live_server, SUPERVISOR)
    # Bulk assignment of unassigned cases.
    page.goto(f"{live_server}/cases?caseworker=none&sort=number")
    rows = page.locator(".case-table tbody tr")
    numbers = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(3)]
    for i in range(3):
        rows.nth(i).locator("input[name=case_ids]").check()
    page.get_by_label("Assign to").select_option(label="Demo Caseworker Two")
    page.get_by_role("button", name="Assign selected").click()
    expect(page.locator(".flash-success")).to_contain_text("3 cases assigned")
    # As the filter bar sends it (the header's bare ?q= would open the case itself).
    page.goto(f"{live_server}/cases?q={numbers[0]}&status=")
    expect(page.locator(".case-table tbody")).to_contain_text("Demo Caseworker Two")

    # The closure request waits in the queue; approve it.
    page.goto(f"{live_server}/queues")
    pending = page.get_by_test_id("approvals")
    expect(pending).to_contain_text("Мельник Дмитро")
    pending.locator("tr", has_text="Мельник Дмитро").get_by_role("button", name="Approve").click()
    page.goto(case_url)
    expect(page.locator(".case-header [data-status]")).to_have_text("Closed")
    expect(page.get_by_test_id("timeline").locator("li[data-kind=status_changed]")).to_contain_text(
        "approved"
    )


def test_source_list_progress_chart_shows_the_right_numbers(
    page, live_server, screenshot_on_failure
):
    sign_in(page, live_server, SUPERVISOR)
    page.goto(f"{live_server}/source-lists")
    page.get_by_role("link", name="List of 339 children (talks, demo)").click()
    list_id = re.search(r"/source-lists/(\d+)", page.url).group(1)
    chart = page.get_by_test_id("progress-chart")
    expect(chart.locator("svg")).to_be_visible()
    statuses = (
        "new",
        "under_investigation",
        "located",
        "contact_established",
        "reunification_in_progress",
        "reunified",
        "closed",
    )
    on_chart = {
        s: int(chart.locator(f"g[data-status={s}]").get_attribute("data-count")) for s in statuses
    }
    assert sum(on_chart.values()) > 0

    def listed(status):
        page.goto(f"{live_server}/cases?status={status}&source_list={list_id}")
        return int(page.get_by_test_id("total").get_attribute("data-total"))

    # Each bar of an open status agrees with the case list filtered the same way...
    for status in statuses[:5]:
        assert on_chart[status] == listed(status), status
    # ...and cases closed as reunified move from the list's "closed" to the chart's "reunified"
    # (the demo closes its closed cases as reunified).
    reunified, closed = listed("reunified"), listed("closed")
    assert closed > 0 and on_chart["closed"] < closed
    assert on_chart["reunified"] + on_chart["closed"] == reunified + closed


PAYLOADS = (
    "<script>window.__pwned = 'script'</script>",
    "<img src=x onerror=\"window.__pwned = 'img'\">",
)


def test_stored_payloads_are_shown_as_text_and_never_run(page, live_server, screenshot_on_failure):
    """Markup typed into a case (or arriving in a partner's list) is text on every page that
    shows it: escaped by the templates, and the Content-Security-Policy refuses inline script."""
    sign_in(page, live_server, CASEWORKER)
    _open_new_case(page, live_server, PAYLOADS[0], PAYLOADS[1])
    _add_relative(page, "mother", PAYLOADS[1], "+380 00 7778899")
    expect(page.get_by_test_id("case-title")).to_contain_text(PAYLOADS[0])
    case_page = page.url
    for url in (case_page, f"{live_server}/cases", f"{live_server}/my-cases"):
        page.goto(url)
        assert page.evaluate("window.__pwned") is None, url
        assert page.locator("img[src=x]").count() == 0, url
