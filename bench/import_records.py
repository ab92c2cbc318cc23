"""Benchmark: import a 100,000-row Windows-1251 partner file into a fresh SQLite database.

    .venv/bin/python bench/import_records.py [--rows 100000] [--keep]

Generates a synthetic ``;``-separated cp1251 file with Faker (uk_UA names; in a temporary
directory, never committed), migrates a fresh SQLite file database, and runs the import through
the same service function as the browser and the command line (``run_import``). Prints rows per
second, seconds, peak RSS of the process and the peak of Python allocations (tracemalloc) during
the import. A second run of the same file measures the "unchanged" path; a third measures
allocations with tracemalloc.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from faker import Faker

HEADERS = [
    "№", "ПІБ", "Стать", "Дата народження", "Вік", "Місце перебування", "Заклад",
    "ПІБ матері", "Телефон", "Дата запису", "Примітка",
]  # fmt: skip


def make_file(path: Path, rows: int) -> None:
    """A file as a partner would send it; names are drawn from a pool so Faker stays fast."""
    fake = Faker("uk_UA")
    fake.seed_instance(100_000)
    pool = [
        (
            fake.last_name_female(),
            fake.first_name_female(),
            fake.middle_name_female(),
            fake.last_name_male(),
            fake.first_name_male(),
            fake.middle_name_male(),
            fake.city_name(),
        )
        for _ in range(2000)
    ]
    with open(path, "w", encoding="cp1251", errors="replace", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADERS)
        for number in range(1, rows + 1):
            person = pool[number % len(pool)]
            female = number % 2 == 0
            family, given, patronymic = person[:3] if female else person[3:6]
            day, month, year = 1 + number % 28, 1 + number % 12, 2006 + number % 16
            writer.writerow([
                number,
                f"{family} {given} {patronymic}",
                "ж" if female else "ч",
                f"{day:02d}.{month:02d}.{year}" if number % 50 else "31.02.2014",
                "" if number % 3 else f"{2024 - year} років",
                person[6],
                f"Заклад № {number % 300}" if number % 4 == 0 else "",
                f"{person[0]} {person[1]}",
                f"+380 00 {number % 1000:03d} {number % 100:02d} {number % 97:02d}",
                "01.03.2024",
                "",
            ])  # fmt: skip


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    from flask_migrate import upgrade

    import config
    from app import create_app
    from app.extensions import db
    from app.imports.batches import create_batch, start_batch
    from app.imports.mapping import detect_format
    from app.imports.pipeline import run_import
    from app.imports.storage import file_sha256
    from app.records.services import get_or_create_partner_source

    work = Path(tempfile.mkdtemp(prefix="reunite-bench-"))
    csv_path = work / "partner.csv"
    started = time.perf_counter()
    make_file(csv_path, args.rows)
    size_mb = csv_path.stat().st_size / 1e6
    print(f"file: {args.rows} rows, {size_mb:.1f} MB cp1251, made in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip

    settings = type(
        "BenchConfig",
        (config.Config,),
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.db'}", "JOBS_INLINE": True},
    )
    app = create_app(settings)
    with app.app_context():
        upgrade()
        runs = ("first import", "same file again", "again, with tracemalloc")
        for run in runs:
            source = get_or_create_partner_source("Benchmark register")
            sha256, size = file_sha256(csv_path)
            batch = create_batch("records", source, "partner.csv", sha256, size)
            with open(csv_path, "rb") as stream:
                detect_format(batch, stream)
            start_batch(batch)
            db.session.commit()
            # tracemalloc slows Python down several times: only the last run uses it, for the
            # peak of Python allocations; its time is not comparable.
            traced = run == runs[-1]
            if traced:
                tracemalloc.start()
            started = time.perf_counter()
            batch = run_import(batch.id, csv_path)
            seconds = time.perf_counter() - started
            figures = f"{seconds:.1f} s ({batch.rows_read / seconds:,.0f} rows/s)"
            if traced:
                figures = f"tracemalloc peak {tracemalloc.get_traced_memory()[1] / 1e6:.1f} MB"
                tracemalloc.stop()
            print(
                f"{run}: {batch.status}, {batch.rows_read} rows, {figures}; "
                f"created {batch.created}, updated {batch.updated}, "
                f"unchanged {batch.unchanged}, warnings {batch.warnings}; "
                f"peak RSS so far {peak_rss_mb():.0f} MB"
            )
        db.engine.dispose()
    if args.keep:
        print(f"kept {work}")
    else:
        for path in work.iterdir():
            path.unlink()
        work.rmdir()


if __name__ == "__main__":
    main()
