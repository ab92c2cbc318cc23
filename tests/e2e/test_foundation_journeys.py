import re

from playwright.sync_api import expect

from tests.e2e.conftest import fresh_code, sign_in

ADMIN = "admin@demo.reunite.test"
CASEWORKER = "caseworker@demo.reunite.test"


def test_login_language_switch_and_logout(page, live_server, screenshot_on_failure):
    sign_in(page, live_server, ADMIN)
    expect(page.get_by_test_id("current-user")).to_have_text("Demo Administrator")
    page.get_by_test_id("lang-uk").click()
    expect(page.get_by_test_id("logout")).to_have_text("Вийти")
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    page.get_by_test_id("lang-en").click()
    expect(page.get_by_test_id("logout")).to_have_text("Sign out")
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(f"{live_server}/admin/users")
    expect(page).to_have_url(re.compile(r"/login"))


def test_wrong_password_shows_error_beside_field(page, live_server, screenshot_on_failure):
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(CASEWORKER)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#password-error")).to_contain_text("Wrong e-mail or password")


def test_caseworker_cannot_open_admin_page(page, live_server, screenshot_on_failure):
    sign_in(page, live_server, CASEWORKER)
    expect(page.get_by_role("link", name="Users")).to_have_count(0)
    response = page.goto(f"{live_server}/admin/users")
    assert response.status == 403
    expect(page.get_by_test_id("error-message")).to_contain_text("do not have permission")


def test_no_csp_violations_on_pages(page, live_server, screenshot_on_failure):
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    sign_in(page, live_server, ADMIN)
    for path in ("/", "/admin/users", "/admin/audit/", "/admin/users/new"):
        page.goto(f"{live_server}{path}")
    assert violations == []


def test_a_new_supervisor_enrols_a_second_factor_and_signs_in_with_a_code(
    page, live_server, screenshot_on_failure
):
    """The admin creates a supervisor; at their first sign-in they must set up an
    authenticator (key as text and as a QR code), get recovery codes once, and from then on
    give a code after the password."""
    email, password = "new.supervisor@example.org", "violet-kettle-harbour-51"
    sign_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/admin/users/new")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Name").fill("New Supervisor")
    page.get_by_label("Role").select_option("supervisor")
    page.locator("#password").fill(password)
    page.get_by_label("Repeat password").fill(password)
    page.get_by_role("button", name="Create user").click()
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    page.get_by_test_id("logout").click()

    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/account/second-factor$"))
    expect(page.get_by_role("img", name="QR code")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.goto(f"{live_server}/queues")  # the password alone opens nothing
    expect(page).to_have_url(re.compile(r"/login"))
    page.goto(f"{live_server}/account/second-factor")
    assert page.get_by_test_id("totp-secret").inner_text() == secret
    page.get_by_label("Code").fill(fresh_code(email, secret))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.get_by_role("button", name="continue").click()
    expect(page).to_have_url(re.compile(r"/queues$"))
    page.get_by_test_id("logout").click()

    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/login/code$"))
    page.get_by_label("Code").fill(fresh_code(email, secret))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/queues$"))
    expect(page.get_by_test_id("current-user")).to_have_text("New Supervisor")


def test_the_audit_trail_says_who_saw_a_case_in_a_list(page, live_server, screenshot_on_failure):
    """A caseworker's list shows a case; the administrator asks the audit trail who saw that
    case and finds the list page's one read event, by the caseworker, with what it showed."""
    sign_in(page, live_server, CASEWORKER)
    page.goto(f"{live_server}/my-cases")
    href = page.locator("table a[href*='/cases/']").first.get_attribute("href")
    case_id = re.search(r"/cases/(\d+)", href or "")[1]
    page.get_by_test_id("logout").click()
    sign_in(page, live_server, ADMIN)
    page.goto(f"{live_server}/admin/audit/")
    page.get_by_label("Object type").select_option(label="Case")
    page.get_by_label("Object id").fill(case_id)
    page.get_by_role("button", name="Filter").click()
    row = page.locator("tbody tr", has_text=CASEWORKER).filter(has_text="Viewed").first
    expect(row).to_contain_text(re.compile(r"Case ×\d+"))
