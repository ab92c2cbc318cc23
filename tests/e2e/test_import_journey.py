"""A caseworker uploads a partner list, corrects a column, watches the import, gets the report."""

from __future__ import annotations

import csv
import io

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.imports.conftest import DATA

CASEWORKER = "caseworker@demo.reunite.test"
EXTRA_ROWS = 40_000  # enough rows for the progress bar to be seen moving


def _partner_file(tmp_path):
    """records_rejects.csv followed by many good rows (synthetic names)."""
    path = tmp_path / "partner-list.csv"
    text = (DATA / "records_rejects.csv").read_text(encoding="utf-8")
    rows = [
        f"{1000 + n};Синтетичний{n % 500};Особа;{'ж' if n % 2 else 'ч'};2012;с. Вигадане;\n"
        for n in range(EXTRA_ROWS)
    ]
    path.write_text(text + "".join(rows), encoding="utf-8")
    return path


def test_upload_correct_mapping_watch_progress_download_report(
    page, live_server, tmp_path, screenshot_on_failure
):
    sign_in(page, live_server, CASEWORKER)
    page.get_by_role("link", name="Imports").click()
    page.get_by_test_id("new-import").click()

    page.get_by_label("Partner source or source list").fill("E2E partner register")
    page.get_by_label("CSV file").set_input_files(str(_partner_file(tmp_path)))
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_test_id("detected")).to_contain_text("utf-8")
    expect(page.get_by_test_id("detected")).to_contain_text("semicolon")
    expect(page.get_by_role("cell", name="Бондаренко")).to_be_visible()
    # "Нас. пункт" is not a header anyone taught us: map it by hand.
    column = page.get_by_test_id("map-5")
    expect(column).to_have_value("")
    column.select_option("place_of_origin")
    expect(page.get_by_test_id("map-0")).to_have_value("external_id")
    page.get_by_test_id("start-import").click()

    progress = page.get_by_test_id("import-progress")
    expect(progress).to_be_visible()
    expect(page.locator("#import-progress-label")).to_contain_text("rows read")
    expect(page.get_by_test_id("import-summary")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("batch-status")).to_have_text("done")
    expect(page.get_by_test_id("count-rows_read")).to_have_text(str(6 + EXTRA_ROWS))
    expect(page.get_by_test_id("count-created")).to_have_text(str(4 + EXTRA_ROWS))
    expect(page.get_by_test_id("count-rejected")).to_have_text("2")

    with page.expect_download() as download_info:
        page.get_by_test_id("report-csv").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = download.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["line", "column", "value", "severity", "code", "reason"]
    rejected = [row for row in rows[1:] if row[3] == "rejected"]
    assert [row[0] for row in rejected] == ["4", "5"]
    assert rejected[0][4] == "duplicate_id" and "first on line 3" in rejected[0][5]
    assert next(r for r in rows if r[0] == "7")[:3] == ["7", "Дата народження", "'=1+2"]

    # The corrected column landed in the records.
    page.get_by_role("link", name="Records of this source").click()
    page.get_by_label("Search", exact=True).fill("Бондаренко")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Бондаренко Олена").click()
    expect(page.get_by_text("с. Вигадане").first).to_be_visible()
