"""Issue 13's journey in a real browser: a supervisor imports a 339-style source list, makes an
exchange of it, hands it over, imports the other side's answer file in Russian, confirms three
answers, records the hand-over and exports the people still open, in Russian."""

from __future__ import annotations

import csv
import io
import os
import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ROOT, sign_in

SUPERVISOR = "supervisor@demo.reunite.test"
DESKTOP = {"width": 1280, "height": 900}
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS") or str(ROOT / "tmp" / "e2e-screenshots")
LIST_NAME = "Список 339 (навчальний)"

# A dozen synthetic children, written as our side writes them (Ukrainian).
CHILDREN = [
    ("339-E01", "Лисенко", "Олександр", "Петрович", "male", "2012-03-04"),
    ("339-E02", "Коваленко", "Марія", "Іванівна", "female", "2014-05-06"),
    ("339-E03", "Мельник", "Дмитро", "Сергійович", "male", "2011-09-12"),
    ("339-E04", "Ткаченко", "Софія", "Андріївна", "female", "2015-01-20"),
    ("339-E05", "Бойко", "Іван", "Олегович", "male", "2013-07-15"),
    ("339-E06", "Кравчук", "Анна", "Петрівна", "female", "2016-02-02"),
    ("339-E07", "Шевчук", "Максим", "Вікторович", "male", "2010-11-30"),
    ("339-E08", "Поліщук", "Вікторія", "Юріївна", "female", "2012-08-08"),
    ("339-E09", "Савченко", "Артем", "Іванович", "male", "2014-12-01"),
    ("339-E10", "Руденко", "Дарина", "Олексіївна", "female", "2013-04-25"),
    ("339-E11", "Гончаренко", "Богдан", "Романович", "male", "2011-06-17"),
    ("339-E12", "Олійник", "Злата", "Тарасівна", "female", "2015-10-10"),
]

# The other side's answers: Russian spelling, Windows-1251, ";" and one ФИО column.
ANSWER_HEADER = "№;ФИО;Дата рождения;Учреждение;Ответ;Причина"
ANSWERS = [
    "1;Лысенко Александр Петрович;04.03.2012;Детский дом № 3;найден;Находится в детском доме",
    "2;Коваленко Мария Ивановна;06.05.2014;Интернат № 7;отказ;Нет согласия опекуна",
    "3;Мельник Дмитрий Сергеевич;12.09.2011;Детский дом № 3;найден;Готов к передаче",
    "4;Ткаченко София Андреевна;20.01.2015;;не найден;Не значится в списках учреждений",
]


def _source_list_file(tmp_path):
    path = tmp_path / "list-339.csv"
    header = "external_id,family_name,given_name,patronymic,sex,date_of_birth,region"
    rows = [",".join([*child, "Херсонська область"]) for child in CHILDREN]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _answer_file(tmp_path):
    path = tmp_path / "otvet.csv"
    path.write_bytes(("\r\n".join([ANSWER_HEADER, *ANSWERS]) + "\r\n").encode("cp1251"))
    return path


def _import_source_list(page: Page, base: str, tmp_path) -> None:
    page.goto(f"{base}/imports/new")
    page.get_by_label("Cases (a source list)").check()
    page.get_by_label("Partner source or source list").fill(LIST_NAME)
    page.get_by_label("CSV file").set_input_files(str(_source_list_file(tmp_path)))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_test_id("map-1")).to_have_value("family_name")
    page.get_by_test_id("start-import").click()
    expect(page.get_by_test_id("import-summary")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("batch-status")).to_have_text("done")
    expect(page.get_by_test_id("count-created")).to_have_text(str(len(CHILDREN)))


def _line(page: Page, family_name: str):
    return page.get_by_test_id("lines").locator("tr[data-line]", has_text=family_name)


def _change_status(page: Page, label: str) -> None:
    form = page.get_by_test_id("exchange-status-form")
    form.get_by_label("New status").select_option(label=label)
    form.get_by_role("button", name="Change status").click()
    expect(page.get_by_test_id("exchange-status")).to_contain_text(label)


def test_an_exchange_from_the_339_list_answered_in_russian_and_exported(
    page, live_server, tmp_path, screenshot_on_failure
):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, SUPERVISOR)
    _import_source_list(page, live_server, tmp_path)

    # The exchange, and everyone on the list as its people.
    page.goto(f"{live_server}/exchanges/new")
    page.get_by_label("Kind").select_option(label="List handed over")
    page.get_by_label("First side").fill("Сторона України")
    page.get_by_label("Second side").fill("Інша сторона")
    page.get_by_label("Place").fill("Навчальний пункт")
    page.get_by_label("Documents' reference numbers").fill("Протокол № 339/E")
    page.get_by_role("button", name="Save exchange").click()
    expect(page.get_by_test_id("exchange-facts")).to_contain_text("List handed over")
    exchange_url = page.url

    add_list = page.get_by_test_id("source-list-form")
    add_list.get_by_label("Source list").select_option(label=LIST_NAME)
    add_list.get_by_role("button", name="Add everyone on this list").click()
    expect(page.get_by_text("12 people added.")).to_be_visible()
    lines = page.get_by_test_id("lines").locator("tr[data-line]")
    expect(lines).to_have_count(12)
    expect(page.get_by_test_id("lines").locator("td[data-state=listed]")).to_have_count(12)
    # Adding the list again adds no one twice.
    add_list.get_by_label("Source list").select_option(label=LIST_NAME)
    add_list.get_by_role("button", name="Add everyone on this list").click()
    expect(page.get_by_text("Everyone on this list is already listed.")).to_be_visible()
    expect(lines).to_have_count(12)

    # Handed over at the talks: version 1, and the exchange agreed.
    page.locator("#versions summary").click()
    page.get_by_label("Document reference").fill("Нота 339/1")
    page.get_by_role("button", name="Hand over this list as a new version").click()
    version_row = page.get_by_test_id("list-versions").locator("tr[data-version='1']")
    expect(version_row).to_contain_text("Нота 339/1")
    expect(version_row).to_contain_text("12")
    _change_status(page, "Agreed")

    # The other side's answer file, in Russian, through the importer's pages.
    page.get_by_role("link", name="Import the other side's answer file").click()
    page.get_by_label("The other side's answer file (CSV)").set_input_files(
        str(_answer_file(tmp_path))
    )
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_test_id("detected")).to_contain_text("cp1251")
    expect(page.get_by_test_id("detected")).to_contain_text("semicolon")
    expect(page.get_by_role("cell", name="Лысенко Александр Петрович")).to_be_visible()
    expect(page.get_by_test_id("map-1")).to_have_value("full_name")
    expect(page.get_by_test_id("map-4")).to_have_value("answer")
    expect(page.get_by_test_id("map-5")).to_have_value("answer_reason")
    page.get_by_test_id("start-import").click()
    expect(page.get_by_test_id("import-summary")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("batch-status")).to_have_text("done")
    expect(page.get_by_test_id("count-rows_read")).to_have_text("4")

    # Each answer paired with our person by the matching engine (a job after the import).
    page.goto(f"{exchange_url}/answers")
    forms = page.get_by_test_id("pairing-form")
    for _attempt in range(30):
        if forms.count() >= 4:
            break
        page.wait_for_timeout(1000)
        page.reload()
    answers = page.get_by_test_id("answers")
    for family_name in ("Лисенко", "Коваленко", "Мельник", "Ткаченко"):
        expect(answers.locator("td[data-pairing]", has_text=family_name).first).to_be_visible()

    def confirm(their_name: str, our_name: str) -> None:
        row = answers.locator("tr[data-answer]", has_text=their_name)
        pairing = row.filter(has=page.locator("td[data-pairing]", has_text=our_name))
        pairing.get_by_role("button", name="This answer is about this person").click()
        expect(page.get_by_text("Answer recorded on the person's line.")).to_be_visible()
        paired = answers.locator("tr[data-answer]", has_text=their_name)
        expect(paired.get_by_test_id("answer-paired")).to_be_visible()

    confirm("Мельник Дмитрий", "Мельник")
    confirm("Коваленко Мария", "Коваленко")
    confirm("Ткаченко София", "Ткаченко")
    expect(answers.get_by_test_id("answer-paired")).to_have_count(3)
    expect(answers.locator("tr[data-answer]", has_text="Коваленко Мария")).to_contain_text(
        "Refused"
    )

    # Back on the exchange: three answered for, each in the state its answer says.
    page.goto(exchange_url)
    expect(_line(page, "Мельник").locator("td[data-state]")).to_have_attribute(
        "data-state", "answered"
    )
    expect(_line(page, "Коваленко").locator("td[data-state]")).to_have_attribute(
        "data-state", "refused"
    )
    expect(_line(page, "Коваленко")).to_contain_text("Нет согласия опекуна")
    expect(_line(page, "Ткаченко").locator("td[data-state]")).to_have_attribute(
        "data-state", "not_found"
    )
    expect(_line(page, "Лисенко").locator("td[data-state]")).to_have_attribute(
        "data-state", "listed"
    )

    # The hand-over: the exchange is carried out and Мельник is handed over.
    _change_status(page, "Scheduled")
    _change_status(page, "Carried out")
    melnyk = _line(page, "Мельник")
    melnyk.locator("summary", has_text="Change state").click()
    melnyk.get_by_label("New state").select_option(label="Handed over")
    melnyk.get_by_label("Note").fill("Передано на пункті обміну")
    melnyk.locator("button[name=state-submit]").click()
    expect(page.get_by_text("State changed.")).to_be_visible()
    expect(_line(page, "Мельник").locator("td[data-state]")).to_have_attribute(
        "data-state", "handed_over"
    )
    expect(page.get_by_test_id("exchange-status")).to_contain_text("Carried out")
    # Nine people are still waiting for an answer, counted since the hand-over.
    expect(page.get_by_test_id("unanswered-link")).to_have_text("9 people unanswered")
    timeline = page.get_by_test_id("exchange-timeline")
    expect(timeline).to_contain_text("Answered → Handed over")
    expect(timeline).to_contain_text("Listed → Not found")
    # "Found" answers the person: their list was acknowledged on the way.
    expect(timeline).to_contain_text("Listed → Acknowledged")
    expect(timeline).to_contain_text("Acknowledged → Answered")
    expect(timeline).to_contain_text("Listed → Refused")
    expect(timeline).to_contain_text("Carried out")

    # The line's own history, from the child's case page.
    _line(page, "Мельник").get_by_role("link").first.click()
    case_exchanges = page.get_by_test_id("case-exchanges")
    expect(case_exchanges).to_contain_text("Сторона України")
    expect(case_exchanges.locator("td[data-state]")).to_have_text("Handed over")
    page.goto(exchange_url)

    # The people still open, for the other side, in Russian.
    page.get_by_test_id("exchange-report-link").click()
    export = page.get_by_test_id("export-form")
    export.get_by_label("Write the names").select_option(label="Russian Cyrillic")
    export.get_by_label("People").select_option(label="Open only (no outcome yet)")
    with page.expect_download() as download_info:
        export.locator("button[data-format=csv]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = download.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:6] == [
        "No.",
        "Reference",
        "Family name",
        "Given name",
        "Patronymic",
        "Date of birth",
    ]
    people = rows[1:]
    assert len(people) == 9
    lysenko = next(row for row in people if row[2] == "Лысенко")
    assert lysenko[3:6] == ["Александр", "Петрович", "04.03.2012"]
    assert "Лисенко" not in text and "Олександр" not in text  # written as they will search
    for closed in ("Мельник", "Коваленко", "Ткаченко"):
        assert closed not in text
    assert all(row[7] == "Listed" for row in people)

    # The version handed over is there to send again, as it was.
    page.goto(exchange_url)
    page.get_by_test_id("list-versions").locator("tr[data-version='1'] a").first.click()
    expect(page.get_by_test_id("version-people").locator("tbody tr")).to_have_count(12)
    version_export = page.get_by_test_id("version-export-form")
    version_export.get_by_label("Write the names").select_option(label="Russian Cyrillic")
    with page.expect_download() as download_info:
        version_export.locator("button[data-format=csv]").click()
    handed_over = download_info.value.path().read_text(encoding="utf-8-sig")
    assert len(list(csv.reader(io.StringIO(handed_over)))) == 13
    assert "Лысенко,Александр" in handed_over and "Мельник" in handed_over

    page.goto(exchange_url)
    os.makedirs(SCREENSHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SCREENSHOTS, "exchange-journey-1280.png"), full_page=True)
    assert re.search(r"/exchanges/\d+$", exchange_url)
