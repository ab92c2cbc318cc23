"""The import pipeline on the files in tests/data: every bullet of the import issue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import bulk
from app.audit.models import AuditEvent
from app.database import utcnow
from app.extensions import db
from app.imports import batches, mapping, pipeline, storage
from app.imports.models import ImportBatch, ImportProblem
from app.jobs import runner_id
from app.records import services as record_services
from app.records.models import PartnerRecord, PartnerSource
from tests.conftest import sql_statements
from tests.imports.conftest import DATA, import_file


def _records(batch: ImportBatch) -> list[PartnerRecord]:
    return db.session.scalars(
        select(PartnerRecord)
        .where(PartnerRecord.source_id == batch.partner_source_id)
        .order_by(PartnerRecord.id)
    ).all()


def _by_id(batch: ImportBatch) -> dict[str, PartnerRecord]:
    return {r.external_id: r for r in _records(batch)}


def _problems(batch: ImportBatch) -> list[ImportProblem]:
    return db.session.scalars(
        select(ImportProblem)
        .where(ImportProblem.batch_id == batch.id)
        .order_by(ImportProblem.line_number, ImportProblem.id)
    ).all()


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter", "rows"),
    [
        ("records_uk_utf8.csv", "utf-8", ";", 20),
        ("records_ru_cp1251.csv", "cp1251", ";", 15),
        ("records_en_bom.csv", "utf-8-sig", ",", 15),
        ("records_tab.tsv", "utf-8", "\t", 12),
        ("records_quoted_newlines.csv", "utf-8", ",", 5),
    ],
)
def test_every_encoding_and_delimiter_imports_every_row(app, name, encoding, delimiter, rows):
    with app.app_context():
        batch = import_file(name)
        assert (batch.status, batch.encoding, batch.delimiter) == ("done", encoding, delimiter)
        assert (batch.rows_read, batch.created, batch.rejected) == (rows, rows, 0)
        assert len(_records(batch)) == rows


def test_ukrainian_headers_fill_every_field(app):
    with app.app_context():
        first = _by_id(import_file("records_uk_utf8.csv"))["1"]
        assert (first.family_name, first.given_name, first.patronymic) == (
            "Коваленко",
            "Марія",
            "Іванівна",
        )
        assert (first.sex, first.dob_year, first.dob_month, first.dob_day) == ("female", 2014, 3, 5)
        assert first.place_of_birth == "Харків"
        assert first.place_of_origin == "с. Вигадане"
        assert first.region == "Харківська область"
        assert first.line_number == 2
        # The notes column has no record field: it is kept in the raw row, as is every cell.
        assert first.raw["Примітка"] == "Синтетичний запис"
        assert first.raw["Ім’я"] == "Марія"


def test_partial_dates_keep_their_precision(app):
    with app.app_context():
        records = _by_id(import_file("records_uk_utf8.csv"))
        assert (records["2"].dob_year, records["2"].dob_month) == (2012, None)  # "2012 р."
        assert (records["3"].dob_year, records["3"].dob_month, records["3"].dob_day) == (
            2016,
            3,
            None,
        )


def test_russian_cp1251_full_name_is_split_and_age_kept_with_record_date(app):
    with app.app_context():
        records = _by_id(import_file("records_ru_cp1251.csv"))
        anna = records["1"]
        assert (anna.family_name, anna.given_name, anna.patronymic) == (
            "Соколова",
            "Анна",
            "Сергеевна",
        )
        assert anna.sex == "female"
        assert anna.age == 10
        assert anna.age_on.isoformat() == "2024-02-01"
        assert anna.institution == "Детский дом № 0"
        assert anna.mother_name == "Соколова Елена Викторовна"
        assert anna.raw["Телефон"] == "+380 00 000 00 01"
        petr = records["2"]
        assert (petr.family_name, petr.given_name, petr.patronymic, petr.sex) == (
            "Ёлкин",
            "Пётр",
            "Ильич",
            "male",
        )


def test_english_headers_and_sex_letters(app):
    with app.app_context():
        records = _by_id(import_file("records_en_bom.csv"))
        first = records["EN-001"]
        assert (first.family_name, first.sex, first.place_of_origin) == (
            "Kovalenko",
            "male",
            "Izium district, village",
        )
        assert first.father_name == "Kovalenko Petro"
        assert {r.sex for r in records.values()} == {"male", "female"}


def test_tab_file_capitalised_family_name_and_age(app):
    with app.app_context():
        taras = _by_id(import_file("records_tab.tsv"))["T1"]
        assert (taras.family_name, taras.given_name, taras.patronymic) == (
            "ШЕВЧУК",
            "Тарас",
            "Андрійович",
        )
        assert (taras.sex, taras.age, taras.age_on.isoformat()) == ("male", 9, "2024-01-10")


def test_quoted_newlines_stay_inside_their_cell(app):
    with app.app_context():
        records = _by_id(import_file("records_quoted_newlines.csv"))
        assert records["3"].raw["Notes"] == "Три\nрядки\nтут"
        assert records["4"].raw["Notes"] == 'Кома, і "лапки"'
        assert [records[n].line_number for n in "12345"] == [2, 3, 5, 8, 10]


def test_bad_dates_are_warnings_and_the_rows_are_imported(app):
    with app.app_context():
        batch = import_file("records_bad_dates.csv")
        assert (batch.rows_read, batch.created, batch.rejected) == (7, 7, 0)
        records = _by_id(batch)
        for number in "1235":
            assert records[number].dob_year is None
        assert records["1"].raw["Дата народження"] == "31.02.2014"
        assert (records["7"].dob_year, records["7"].dob_month, records["7"].dob_day) == (
            2016,
            2,
            29,
        )
        problems = [(p.line_number, p.column_name, p.value, p.severity) for p in _problems(batch)]
        assert (2, "Дата народження", "31.02.2014", "warning") in problems
        assert (3, "Дата народження", "1965-13-45", "warning") in problems
        assert (4, "Дата народження", "05.03.14", "warning") in problems
        assert (6, "Дата народження", "невідомо", "warning") in problems
        # Line 5 has more cells than the header: kept in the raw row, with a warning.
        assert any(p[0] == 5 for p in problems)
        assert records["4"].raw["column 7"] == "комірка"
        reasons = {p.line_number: p.reason_params for p in _problems(batch)}
        assert reasons[2]["warning"] == "no_such_day_in_month"
        assert reasons[4] == {"warning": "two_digit_year"}
        assert batch.warnings == len(problems)


def test_rejected_rows_do_not_block_the_good_ones(app):
    with app.app_context():
        batch = import_file("records_rejects.csv")
        assert (batch.status, batch.rows_read, batch.created, batch.rejected) == ("done", 6, 4, 2)
        rejected = [
            (p.line_number, p.column_name, p.reason_code, p.reason_params)
            for p in _problems(batch)
            if p.severity == "rejected"
        ]
        assert rejected[0] == (4, "№", "duplicate_id", {"id": "partner_row_id", "first_line": 3})
        assert rejected[1] == (5, "Прізвище", "too_long", {"limit": 200})
        assert set(_by_id(batch)) == {"1", "2", "4", "5"}
        assert _by_id(batch)["2"].line_number == 3  # the first of the two rows wins


def test_all_or_nothing_imports_nothing_but_keeps_the_report(app):
    with app.app_context():
        batch = import_file("records_rejects.csv", all_or_nothing=True)
        assert batch.status == "failed"
        assert (batch.error_code, batch.error_params) == ("all_or_nothing", {"rejected": 2})
        assert (batch.created, batch.rejected) == (0, 2)
        assert _records(batch) == []
        assert {p.severity for p in _problems(batch)} == {"warning", "rejected"}


def test_importing_the_same_file_again_changes_nothing(app):
    with app.app_context():
        first = import_file("records_uk_utf8.csv")
        again = import_file("records_uk_utf8.csv")
        assert (again.created, again.updated, again.unchanged) == (0, 0, 20)
        assert len(_records(again)) == 20
        assert batches.find_previous_import(again).id == first.id


def test_a_corrected_file_updates_records_instead_of_duplicating(app):
    with app.app_context():
        import_file("records_uk_utf8.csv")
        batch = import_file("records_uk_utf8_corrected.csv")
        assert (batch.rows_read, batch.created, batch.updated, batch.unchanged) == (21, 1, 1, 19)
        records = _by_id(batch)
        assert len(records) == 21
        assert (records["2"].dob_year, records["2"].dob_month, records["2"].dob_day) == (
            2012,
            5,
            14,
        )
        assert records["2"].raw["Дата народження"] == "14.05.2012"


def test_rows_without_a_row_id_get_a_stable_id(app, tmp_path):
    path = tmp_path / "no_ids.csv"
    path.write_text("Прізвище;Ім'я\nБондар;Остап\nМельник;Ярина\n", encoding="utf-8")
    with app.app_context():
        batch = import_file(path)
        ids = sorted(_by_id(batch))
        assert all(i.startswith("h:") and len(i) == 34 for i in ids)
        again = import_file(path)
        assert (again.created, again.unchanged) == (0, 2)
        assert sorted(_by_id(again)) == ids


def test_a_mapping_file_overrides_the_guess(app):
    with app.app_context():
        batch = import_file(
            "records_rejects.csv", mapping={"Нас. пункт": "place_of_origin", "Примітка": None}
        )
        assert _by_id(batch)["1"].place_of_origin == "с. Вигадане"


def test_a_saved_mapping_is_proposed_next_time(app):
    with app.app_context():
        source = record_services.get_or_create_partner_source("Register with a mapping")
        source.mapping = {"Нас. пункт": "current_location"}
        headers = ["№", "Прізвище", "Нас. пункт"]
        assert mapping.mapping_from_headers(headers, source.mapping) == [
            "external_id",
            "family_name",
            "current_location",
        ]


def test_a_binary_file_fails_clearly(app):
    with app.app_context():
        source = record_services.get_or_create_partner_source("Binary")
        sha, size = storage.file_sha256(DATA / "binary.csv")
        batch = batches.create_batch("records", source, "binary.csv", sha, size)
        with open(DATA / "binary.csv", "rb") as stream, pytest.raises(Exception) as error:
            mapping.detect_format(batch, stream)
        assert error.value.code == "nul_bytes"


def test_an_import_writes_one_audit_event_with_its_counts(app, users):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
        batch = import_file("records_uk_utf8.csv", user_id=users["caseworker"])
        events = db.session.scalars(
            select(AuditEvent).order_by(AuditEvent.id.desc()).limit(5)
        ).all()
        after = db.session.scalar(select(func.count()).select_from(AuditEvent))
        import_events = [e for e in events if e.action == "import"]
        assert len(import_events) == 1
        event = import_events[0]
        assert (event.object_type, event.object_id, event.actor_id) == (
            "import_batch",
            batch.id,
            users["caseworker"],
        )
        assert event.detail["created"] == 20 and event.detail["rows_read"] == 20
        # The partner source is created through the ORM (one event); the 20 rows are not.
        assert after - before == 2


def test_a_crash_in_the_middle_leaves_no_half_batch(app, monkeypatch, tmp_path):
    """The importer raises after the first chunk was written: nothing of the batch remains."""
    path = tmp_path / "big.csv"
    lines = ["№;Прізвище;Ім'я"] + [f"{n};Прізвище{n};Ім'я{n}" for n in range(1, 5001)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    original = pipeline._RecordTarget.write
    calls = {"n": 0}

    def write_then_crash(self, outcomes):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("simulated crash")
        return original(self, outcomes)

    monkeypatch.setattr(pipeline._RecordTarget, "write", write_then_crash)
    with app.app_context():
        with pytest.raises(RuntimeError, match="simulated crash"):
            import_file(path, "Crash register")
        source = db.session.scalar(
            select(PartnerSource).where(PartnerSource.name == "Crash register")
        )
        batch = db.session.scalar(
            select(ImportBatch).where(ImportBatch.partner_source_id == source.id)
        )
        assert batch.status == "failed"
        assert batch.error_code == "failed_on_our_side"
        count = db.session.scalar(
            select(func.count())
            .select_from(PartnerRecord)
            .where(PartnerRecord.source_id == source.id)
        )
        assert count == 0
        assert calls["n"] == 2  # the first chunk of 2,000 rows had been written


def _started_batch(source_name: str):
    """A one-column batch marked running, as the mapping page leaves it for a worker."""
    source = record_services.get_or_create_partner_source(source_name)
    batch = batches.create_batch("records", source, "x.csv", "0" * 64, 1)
    batch.headers, batch.mapping = ["№"], ["external_id"]
    batches.start_batch(batch)
    return batch


def test_a_batch_left_running_by_a_dead_process_is_marked_interrupted(app):
    with app.app_context():
        batch = _started_batch("Dead runner")
        batch.runner = f"{runner_id().rpartition(':')[0]}:999999999"  # no such process
        db.session.flush()
        assert batches.mark_interrupted_batches() == 1
        assert batch.status == "failed" and "interrupted" in batch.error


def test_a_batch_running_in_this_process_without_a_job_is_interrupted(app):
    with app.app_context():
        batch = _started_batch("Lost job")
        batch.runner = runner_id()
        db.session.flush()
        assert batches.mark_interrupted_batches() == 1


def test_a_queued_batch_waits_for_a_worker_for_an_hour(app):
    """Started but not picked up yet (no runner): queued, not interrupted, until an hour."""
    with app.app_context():
        batch = _started_batch("Queued")
        db.session.flush()
        assert batch.runner is None and batches.mark_interrupted_batches() == 0
        batch.started_at = utcnow() - timedelta(hours=2)
        db.session.flush()
        assert batches.mark_interrupted_batches() == 1


def test_a_file_with_200000_rows_imports(app, tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "w", encoding="cp1251") as out:
        out.write("№;ПІБ;Стать;Дата народження\n")
        for n in range(1, 200_001):
            out.write(f"{n};Коваленко{n % 977} Марія Іванівна;ж;05.03.{2005 + n % 15}\n")
    with app.app_context():
        batch = import_file(path, "Huge register")
        assert (batch.status, batch.rows_read, batch.created, batch.rejected) == (
            "done",
            200_000,
            200_000,
            0,
        )


def test_postgresql_statistics_follow_an_import_that_grows_the_table(app, tmp_path, monkeypatch):
    """Without fresh statistics, PostgreSQL scanned the whole source for every chunk."""

    monkeypatch.setattr(bulk, "ANALYZE_FROM_ROWS", 2500)
    path = tmp_path / "grows.csv"
    with open(path, "w", encoding="utf-8") as out:
        out.write("№;ПІБ\n")
        for n in range(1, 12_001):
            out.write(f"{n};Коваленко{n} Марія\n")
    with app.app_context():
        engine = db.engine
        with sql_statements(app) as statements:
            batch = import_file(path, "Growing register")
        assert batch.created == 12_000
        analyzed = [s for s in statements if s.startswith("ANALYZE")]
        if engine.dialect.name == "postgresql":
            # At 4,000 and 8,000 rows, the records and their name keys (whose old keys an
            # update deletes by record id: without statistics, a scan of every key per chunk).
            assert analyzed == ["ANALYZE partner_record", "ANALYZE partner_record_name_key"] * 2
        else:
            assert analyzed == []


def test_reading_a_big_file_does_not_hold_the_write_lock(app, tmp_path, fresh_database):
    """Phase one commits each chunk: while the file is read, another connection writes at
    once (SQLite has one writer). Only the writing phase takes the lock, briefly."""
    import sqlite3

    from sqlalchemy.engine import make_url

    from app import create_app
    from app.imports.pipeline import run_import

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's one writer")
    path = tmp_path / "big.csv"
    lines = ["№;Прізвище;Ім'я"] + [f"{n};Прізвище{n};Ім'я{n}" for n in range(1, 6001)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    url = fresh_database(migrated=True)
    db_path = make_url(url).database
    other = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    writes_during_reading = []

    def progress(rows: int, done: int, total: int) -> None:
        writer = sqlite3.connect(db_path, timeout=0.2)  # would give up if the lock were held
        try:
            writer.execute("UPDATE partner_source SET organisation = 'touched'")
            writer.commit()
            writes_during_reading.append(rows)
        finally:
            writer.close()

    with other.app_context():
        source = record_services.get_or_create_partner_source("Big")
        sha256, size = storage.file_sha256(path)
        batch = batches.create_batch("records", source, path.name, sha256, size)
        with open(path, "rb") as stream:
            mapping.detect_format(batch, stream)
        batches.start_batch(batch)
        db.session.commit()
        done = run_import(batch.id, path, progress=progress)
        assert (done.status, done.created) == ("done", 6000)
        assert writes_during_reading == [2000, 4000, 6000]
        db.engine.dispose()
