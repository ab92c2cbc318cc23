"""From a laboratory file to an approved identification on a case, in a real browser: the
caseworker records the parents' samples, the admin loads the frequency table, a supervisor
records the remains, the DNA reviewer uploads the laboratory's file, screens and proposes, a
supervisor approves, and the caseworker sees the result (never a profile) on the case."""

import re

import numpy as np
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.identification.conftest import TABLE_FILE, child_of, long_form, random_profile, table

CASEWORKER = "caseworker@demo.reunite.test"
SUPERVISOR = "supervisor@demo.reunite.test"
ADMIN = "admin@demo.reunite.test"
REVIEWER = "dna@demo.reunite.test"


def _as(page, base: str, email: str) -> None:
    """Sign out whoever is signed in, then sign in as ``email``."""
    logout = page.get_by_test_id("logout")
    if logout.count():
        logout.click()
        page.wait_for_url(re.compile(r"/login"))
    sign_in(page, base, email)


def test_a_lab_file_becomes_an_approved_identification(page, live_server, screenshot_on_failure):
    base = live_server
    rng = np.random.default_rng(2026)
    freq = table()
    mother, father = random_profile(rng, freq), random_profile(rng, freq)
    profiles = {"E2E-M": mother, "E2E-F": father, "E2E-R": child_of(rng, mother, father)}

    _as(page, base, CASEWORKER)
    page.goto(f"{base}/cases/new")
    page.get_by_label("Source list", exact=True).select_option(label="Hotline reports (demo)")
    page.get_by_label("Type").select_option("child")
    page.get_by_label("Family name", exact=True).fill("Геномний")
    page.get_by_label("Given name", exact=True).fill("Синтетик")
    page.get_by_label("Sex").select_option("male")
    page.get_by_role("button", name="Save case").click()
    expect(page.get_by_test_id("case-title")).to_contain_text("Геномний")
    case_url = page.url.split("#")[0]
    for number, kind in (("E2E-M", "mother"), ("E2E-F", "father")):
        page.get_by_role("link", name="Record a DNA reference sample").click()
        page.get_by_label("Relationship to the missing person").select_option(kind)
        page.get_by_label("Laboratory sample number").fill(number)
        page.get_by_label("Consent given on").fill("01.11.2026")
        page.get_by_role("button", name="Record the sample").click()
        expect(page.get_by_test_id("case-dna")).to_contain_text(number)

    _as(page, base, ADMIN)
    page.goto(f"{base}/dna/frequencies")
    page.get_by_label("Name").fill("FBI 2024")
    page.get_by_label("Allele frequency table (CSV)").set_input_files(str(TABLE_FILE))
    page.get_by_role("button", name="Load and use for screening").click()
    expect(page.get_by_test_id("frequency-tables")).to_contain_text("FBI 2024")

    _as(page, base, SUPERVISOR)
    page.goto(f"{base}/exchanges/new")
    page.get_by_label("Kind").select_option(label="Repatriation of remains")
    page.get_by_label("First side").fill("Репатріація ДНК")
    page.get_by_label("Second side").fill("Інша сторона")
    page.get_by_role("button", name="Save exchange").click()
    expect(page.get_by_test_id("exchange-facts")).to_be_visible()
    exchange_url = page.url.split("#")[0]
    form = page.get_by_test_id("remains-add-form")
    form.get_by_label("Body number").fill("ДНК-1")
    form.get_by_label("Laboratory sample number").fill("E2E-R")
    form.get_by_role("button", name="Add remains").click()
    expect(page.get_by_role("link", name=re.compile("ДНК-1")).first).to_be_visible()

    _as(page, base, REVIEWER)
    page.goto(f"{base}/dna/lab-files")
    page.get_by_label("The laboratory's export (CSV)").set_input_files(
        {"name": "lab.csv", "mimeType": "text/csv", "buffer": long_form(profiles)}
    )
    page.get_by_role("button", name="Attach the profiles").click()
    expect(page.get_by_test_id("lab-attached").locator("tbody tr")).to_have_count(3)
    page.goto(f"{base}/dna/screening")
    page.get_by_role("button", name="Screen every remains against every family").click()
    runs = page.get_by_test_id("screening-runs")
    for _ in range(60):  # the worker process runs the job
        if runs.locator("tr[data-status='done']").count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    expect(runs.locator("tr[data-status='done']")).to_have_count(1)
    page.goto(f"{base}/dna/proposals")
    page.get_by_test_id("band-proposed").get_by_role("link", name="ДНК-1").click()
    expect(page.get_by_test_id("proposal-loci")).to_be_visible()
    page.get_by_role("button", name="Propose this identification").click()
    expect(page.get_by_test_id("proposal-forwarded")).to_be_visible()

    _as(page, base, SUPERVISOR)
    page.goto(exchange_url)
    page.get_by_role("link", name=re.compile("ДНК-1")).first.click()
    decision = page.get_by_test_id("remains-decision-form")
    decision.get_by_label("Why").fill("The DNA evidence is conclusive.")
    decision.get_by_label("How the family is told").fill("Visit the parents")
    decision.get_by_role("button", name="Confirm the link").click()
    expect(page.get_by_test_id("remains-linked")).to_be_visible()

    _as(page, base, CASEWORKER)
    page.goto(case_url)
    result = page.get_by_test_id("case-dna-result")
    expect(result).to_have_attribute("data-approved", "yes")
    html = page.content()
    for a, b in profiles["E2E-R"].values():
        if a != b:
            assert f"{a}, {b}" not in html
