"""Partner-record search on N synthetic records (default 1,000,000) on a fresh SQLite (or
DATABASE_URL) database.

    .venv/bin/python bench/search_records.py [--records 1000000] [--repeat 20] [--explain]

Prints the time to build the data (records and their name keys, written in bulk as imports
write them), and per query the median and 95th percentile time of one /records/ page: the
count plus the first 25 rows, and the search by beginnings when no whole name matched.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

# The checkout this script is in, not whichever one the environment installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from faker import Faker
from flask_migrate import upgrade
from sqlalchemy import func, insert, select, text

import config
from app import create_app
from app.database import utcnow
from app.extensions import db
from app.records.models import PartnerRecord, PartnerRecordNameKey, PartnerSource
from app.records.search import search_records
from app.records.services import file_name_keys

# (query, source filter): a common surname, the same in other cases and scripts, a Russian
# spelling, two words, a beginning, a rare name, nothing, every record, one source.
QUERIES: list[tuple[str, bool]] = [
    ("Коваленко", False),
    ("КОВАЛЕНКО", False),
    ("kovalenko", False),
    ("Дубина", False),
    ("Dubyna", False),
    ("луценко", False),
    ("Лысенко", False),
    ("Луценко Андрій", False),
    ("Oleksandr Kovalenko", False),
    ("Дуби", False),
    ("%енко", False),
    ("Луценко", True),
    ("", False),
    ("", True),
]
PER_PAGE = 25


def _pool(rng: random.Random, size: int = 3000) -> list[tuple[str, str, str]]:
    """Names drawn once (Faker is slow), Ukrainian and Russian spellings."""
    fakes = [Faker("uk_UA"), Faker("ru_RU")]
    for n, fake in enumerate(fakes):
        fake.seed_instance(11 + n)
    pool = []
    for _ in range(size):
        fake = fakes[rng.random() < 0.3]
        if rng.random() < 0.5:
            pool.append(
                (fake.last_name_female(), fake.first_name_female(), fake.middle_name_female())
            )
        else:
            pool.append((fake.last_name_male(), fake.first_name_male(), fake.middle_name_male()))
    return pool


def build(record_count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    pool = _pool(rng)
    sources = [PartnerSource(name=f"Benchmark register {n}") for n in range(1, 5)]
    db.session.add_all(sources)
    db.session.flush()
    now = utcnow()
    planted = [("Дубина", "Олена", "Петрівна"), ("Луценко", "Андрій", "Іванович")]
    chunk = 5000
    for start in range(0, record_count, chunk):
        rows = []
        for number in range(start + 1, min(start + chunk, record_count) + 1):
            family, given, patronymic = (
                planted[number % 2] if number % 50_000 == 1 else (rng.choice(pool))
            )
            rows.append(
                {
                    "id": number,
                    "source_id": sources[number % len(sources)].id,
                    "external_id": str(number),
                    "family_name": family,
                    "given_name": given,
                    "patronymic": patronymic,
                    "sex": "unknown",
                    "dob_year": rng.randint(2005, 2022),
                    "raw": {},
                    "row_hash": "",
                    "created_at": now,
                    "updated_at": now,
                }
            )
        db.session.execute(insert(PartnerRecord), rows)
        file_name_keys({row["id"]: [row[f] for f in PartnerRecord.NAME_FIELDS] for row in rows})
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            text("SELECT setval('partner_record_id_seq', (SELECT max(id) FROM partner_record))")
        )
    db.session.execute(text("ANALYZE"))  # fresh statistics, as a live database would have
    db.session.commit()


def one_page(query_text: str, source_id: int | None) -> int:
    """What the /records/ page runs: whole names, then beginnings if nothing matched."""
    page = db.paginate(
        search_records(query_text, source_id), page=1, per_page=PER_PAGE, error_out=False
    )
    if page.total == 0 and query_text:
        query = search_records(query_text, source_id, prefix=True)
        page = db.paginate(query, page=1, per_page=PER_PAGE, error_out=False)
    list(page.items)
    return page.total or 0


def time_query(query_text: str, source_id: int | None, repeat: int) -> tuple[float, float, int]:
    timings, total = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        total = one_page(query_text, source_id)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[max(int(len(timings) * 0.95) - 1, 0)], total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="print one query's plan")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="reunite-bench-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/bench.db"
    settings = type(
        "BenchConfig",
        (config.DevelopmentConfig,),
        {"SQLALCHEMY_DATABASE_URI": url, "ARGON2_PROFILE": "test"},
    )
    app = create_app(settings)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        build(args.records)
        built = time.perf_counter() - started
        keys = db.session.scalar(select(func.count()).select_from(PartnerRecordNameKey))
        source_id = db.session.scalar(select(func.min(PartnerSource.id)))
        print(
            f"database: {db.engine.dialect.name}; records: {args.records:,}; "
            f"name keys: {keys:,}; built in {built:.1f} s"
        )
        if args.explain:
            statement = search_records("Луценко Андрій").limit(PER_PAGE)
            compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
            explain = "EXPLAIN QUERY PLAN" if db.engine.dialect.name == "sqlite" else "EXPLAIN"
            for row in db.session.execute(text(f"{explain} {compiled}")):
                print("  ", *row)
        print(f"{'query':<24} {'source':>6} {'median ms':>10} {'p95 ms':>8} {'matches':>8}")
        for query_text, by_source in QUERIES:
            chosen = source_id if by_source else None
            median, p95, total = time_query(query_text, chosen, args.repeat)
            shown = query_text or "(empty)"
            scope = "one" if by_source else "all"
            print(f"{shown:<24} {scope:>6} {median:>10.1f} {p95:>8.1f} {total:>8}")


if __name__ == "__main__":
    main()
