"""``flask records import`` and ``flask cases import``, and a process killed mid-import."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from app.extensions import db
from app.records.models import PartnerRecord, PartnerSource
from tests.imports.conftest import DATA

ROOT = Path(__file__).resolve().parents[2]


def _count_records(source_name: str) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(PartnerRecord)
        .join(PartnerSource)
        .where(PartnerSource.name == source_name)
    )


def test_records_import_prints_the_summary(app, runner):
    result = runner.invoke(
        args=["records", "import", str(DATA / "records_rejects.csv"), "--source", "CLI register"]
    )
    assert result.exit_code == 0, result.output
    assert "rows read: 6" in result.output
    assert "created:   4" in result.output
    assert "rejected:  2" in result.output
    with app.app_context():
        assert _count_records("CLI register") == 4


def test_the_same_file_twice_is_recognised_and_force_imports_again(app, runner):
    args = ["records", "import", str(DATA / "records_uk_utf8.csv"), "--source", "Twice"]
    assert runner.invoke(args=args).exit_code == 0
    second = runner.invoke(args=args)
    assert second.exit_code == 0
    assert "already imported" in second.output
    forced = runner.invoke(args=[*args, "--force"])
    assert forced.exit_code == 0
    assert "skipped (unchanged): 20" in forced.output


def test_a_mapping_file_maps_headers(app, runner, tmp_path):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"Нас. пункт": "institution"}), encoding="utf-8")
    result = runner.invoke(
        args=[
            "records",
            "import",
            str(DATA / "records_rejects.csv"),
            "--source",
            "Mapped",
            "--mapping",
            str(mapping),
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        record = db.session.scalar(
            select(PartnerRecord).where(PartnerRecord.external_id == "1").join(PartnerSource)
            .where(PartnerSource.name == "Mapped")
        )  # fmt: skip
        assert record.institution == "с. Вигадане"


def test_a_bad_mapping_file_is_refused(app, runner, tmp_path):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"Нас. пункт": "shoe_size"}), encoding="utf-8")
    result = runner.invoke(
        args=[
            "records",
            "import",
            str(DATA / "records_rejects.csv"),
            "--source",
            "Bad mapping",
            "--mapping",
            str(mapping),
        ]
    )
    assert result.exit_code == 1
    assert "shoe_size" in result.output


def test_an_unreadable_file_exits_non_zero(app, runner):
    result = runner.invoke(
        args=["records", "import", str(DATA / "binary.csv"), "--source", "Binary"]
    )
    assert result.exit_code == 1
    assert "not a text file" in result.output


def test_all_or_nothing_exits_non_zero(app, runner):
    result = runner.invoke(
        args=[
            "records",
            "import",
            str(DATA / "records_rejects.csv"),
            "--source",
            "Strict",
            "--all-or-nothing",
        ]
    )
    assert result.exit_code == 1
    assert "all or nothing" in result.output
    with app.app_context():
        assert _count_records("Strict") == 0


def test_cases_import_into_a_source_list(app, runner):
    result = runner.invoke(
        args=["cases", "import", str(DATA / "cases_339_sample.csv"), "--list", "339 children"]
    )
    assert result.exit_code == 0, result.output
    assert "created:   40" in result.output


def _flask(env: dict[str, str], *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_a_killed_import_leaves_no_partial_rows(tmp_path):
    """SIGKILL in the middle of a big import: the database has none of its rows."""
    db_path = tmp_path / "killed.db"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db_path}",
        "REUNITE_ENV": "development",
        "PYTHONUNBUFFERED": "1",
    }
    with _flask(env, "db", "upgrade") as upgrade:
        _, errors = upgrade.communicate(timeout=120)
        assert upgrade.returncode == 0, errors
    big = tmp_path / "big.csv"
    with open(big, "w", encoding="utf-8") as out:
        out.write("№;ПІБ;Дата народження\n")
        for n in range(1, 150_001):
            out.write(f"{n};Коваленко{n} Марія Іванівна;05.03.2014\n")

    with _flask(env, "records", "import", str(big), "--source", "Killed register") as process:
        deadline = time.monotonic() + 120
        seen = ""
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            seen += line
            if "rows read" in line:  # 10,000 rows are written in the open transaction
                break
            assert line or process.poll() is None, seen
        else:
            raise AssertionError(f"the import never reported progress: {seen}")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM partner_record").fetchone() == (0,)
        assert conn.execute("SELECT status FROM import_batch").fetchall() == [("running",)]

    # The next look at the batches sees that its process is gone.
    from app import create_app
    from app.imports.batches import mark_interrupted_batches

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}"})
    with app.app_context():
        assert mark_interrupted_batches() == 1
        db.session.commit()
        db.engine.dispose()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT status FROM import_batch").fetchall() == [("failed",)]
