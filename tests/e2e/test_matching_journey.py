"""A partner register finds a missing child; a caseworker confirms, a supervisor approves."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

CASEWORKER = "caseworker@demo.reunite.test"
SUPERVISOR = "supervisor@demo.reunite.test"

# The other side's register: Russian spelling, upper-case surname, the town's Soviet name.
REGISTER = (
    "external_id,family_name,given_name,patronymic,sex,date_of_birth,place_of_origin,"
    "current_location,institution\n"
    "M-0001,ШЕВЧИШИН,Ярема,Богданович,м,21.07.2013,Артемовск,Таганрог,Детский дом № 7\n"
)


def _open_case(page, base):
    page.goto(f"{base}/cases/new")
    page.get_by_label("Source list", exact=True).select_option(label="Hotline reports (demo)")
    page.get_by_label("Type").select_option("child")
    page.get_by_label("Family name", exact=True).fill("Шевчишин")
    page.get_by_label("Given name", exact=True).fill("Ярема")
    page.get_by_label("Patronymic", exact=True).fill("Богданович")
    page.get_by_label("Sex").select_option("male")
    page.get_by_label("Date of birth").fill("21.07.2013")
    page.get_by_label("Last known place").fill("Бахмут")
    page.get_by_role("button", name="Save case").click()
    expect(page.get_by_test_id("case-title")).to_contain_text("Шевчишин Ярема")
    return page.url


def _import_register(page, base, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(REGISTER, encoding="utf-8")
    page.goto(f"{base}/imports/new")
    page.get_by_label("Partner source or source list").fill("E2E matching register")
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_test_id("start-import").click()
    expect(page.get_by_test_id("import-summary")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("count-created")).to_have_text("1")


def _wait_for_candidate(page, case_url, timeout=90):
    """Matching runs after the import, off the request thread: reload until it has run."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(case_url)
        links = page.get_by_test_id("case-candidates").get_by_test_id("candidate-link")
        if links.filter(has_text="ШЕВЧИШИН").count():
            return links.filter(has_text="ШЕВЧИШИН").first
        assert time.monotonic() < deadline, "no candidate appeared on the case page"
        page.wait_for_timeout(1000)


def test_caseworker_confirms_a_match_and_supervisor_approves_it(
    browser, page, live_server, tmp_path, screenshot_on_failure
):
    sign_in(page, live_server, CASEWORKER)
    case_url = _open_case(page, live_server)
    _import_register(page, live_server, tmp_path)

    # The case page lists the record, best first, with why it was proposed.
    link = _wait_for_candidate(page, case_url)
    row = page.get_by_test_id("case-candidates").locator("tr", has_text="ШЕВЧИШИН")
    expect(row).to_contain_text("E2E matching register")
    expect(row.locator("[data-band]")).to_have_text("likely")
    link.click()

    # The candidate page: the case and the record side by side, field by field.
    fields = page.get_by_test_id("match-fields")
    expect(fields.locator("tr[data-field=family_name]")).to_contain_text("Шевчишин")
    expect(fields.locator("tr[data-field=family_name]")).to_contain_text("ШЕВЧИШИН")
    expect(fields.locator("tr[data-field=date_of_birth]")).to_contain_text("2013")
    expect(fields.locator("tr[data-field=place]")).to_contain_text("Артемовск")
    expect(page.get_by_test_id("match-score")).to_contain_text("%")

    confirm = page.get_by_test_id("confirm-form")
    expect(confirm.get_by_label("Move the case to located when confirmed")).to_be_checked()
    confirm.get_by_label("Why is this the same person?").fill(
        "Same date of birth; Артемовск is the old name of Бахмут."
    )
    confirm.get_by_role("button", name="Confirm match").click()
    expect(page.locator(".flash-success")).to_contain_text("waits for a supervisor")
    expect(page.get_by_test_id("match-pending")).to_be_visible()
    page.goto(case_url)
    expect(page.locator(".case-header [data-status]")).to_have_text("New")  # not yet

    # The supervisor sees it waiting and approves it.
    boss = browser.new_page()
    sign_in(boss, live_server, SUPERVISOR)
    boss.goto(f"{live_server}/queues")
    boss.get_by_test_id("count-matches-pending").click()
    waiting = boss.get_by_test_id("match-approvals").locator("tr", has_text="Шевчишин Ярема")
    expect(waiting).to_contain_text("Артемовск is the old name of Бахмут")
    waiting.get_by_role("button", name="Approve").click()
    expect(boss.locator(".flash-success")).to_contain_text("Match approved")
    expect(boss.get_by_test_id("match-approvals")).not_to_contain_text("Шевчишин Ярема")
    boss.close()

    # The case now shows where the child is, and has moved to "located".
    page.goto(case_url)
    expect(page.locator(".case-header [data-status]")).to_have_text("Located")
    linked = page.get_by_test_id("linked-records")
    expect(linked).to_contain_text("Таганрог")
    expect(linked).to_contain_text("Детский дом № 7")
    expect(page.get_by_text("Таганрог, Детский дом № 7")).to_be_visible()  # current location
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator("li[data-kind=match]")).to_have_count(2)
    expect(timeline.locator("li[data-kind=status_changed]")).to_have_count(2)


def test_supervisor_runs_matching_and_watches_it_finish(page, live_server, screenshot_on_failure):
    sign_in(page, live_server, SUPERVISOR)
    page.get_by_role("link", name="Matches", exact=True).click()
    page.get_by_role("link", name="Matching runs").click()
    page.get_by_label("New and changed only").check()
    page.get_by_role("button", name="Run matching now").click()
    expect(page.get_by_test_id("run-summary")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("run-status")).to_have_text("done")
    page.get_by_role("link", name="All runs").click()
    expect(page.get_by_test_id("runs").locator("tbody tr").first).to_contain_text("started here")
