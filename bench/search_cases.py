"""Case search on N synthetic cases (default 100,000) on a fresh SQLite (or DATABASE_URL) database.

    .venv/bin/python bench/search_cases.py [--cases 100000] [--repeat 20]

Prints the time to build the data, and per query the median and 95th percentile time of one
search page (the count plus the first 25 rows, as the /cases page runs it).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time

from faker import Faker
from flask_migrate import upgrade
from sqlalchemy import func, insert, select, text

import config
from app import create_app
from app.auth.services import create_user
from app.cases.models import Case, CaseNameKey, SourceList
from app.cases.search import CaseFilters, search_cases
from app.database import utcnow
from app.extensions import db
from app.names.keys import keys_for_names

QUERIES = [
    "Oleksandr Kovalenko",
    "Александр Коваленко",
    "коваленко олександр",
    "Лысенко",
    "Shevchenko Daryna",
    "Саша",
    "RU-004242",
]


def build(case_count: int, seed: int = 7) -> None:
    fakes = [Faker("uk_UA"), Faker("ru_RU")]
    for n, fake in enumerate(fakes):
        fake.seed_instance(seed + n)
    rng = random.Random(seed)
    source_list = SourceList(name="Benchmark list")
    db.session.add(source_list)
    db.session.flush()
    now = utcnow()
    batch = 5000
    for start in range(0, case_count, batch):
        rows, names = [], []
        for i in range(start, min(start + batch, case_count)):
            fake = fakes[rng.random() < 0.3]
            female = rng.random() < 0.5
            family = fake.last_name_female() if female else fake.last_name_male()
            given = fake.first_name_female() if female else fake.first_name_male()
            patronymic = fake.middle_name_female() if female else fake.middle_name_male()
            rows.append(
                {
                    "source_list_id": source_list.id,
                    "external_id": str(i + 1),
                    "family_name": family,
                    "given_name": given,
                    "patronymic": patronymic,
                    "sex": "female" if female else "male",
                    "dob_year": rng.randint(2005, 2022),
                    "status": rng.choice(["new", "under_investigation", "located"]),
                    "region": rng.choice(["Херсонська", "Запорізька", "Донецька"]),
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                    "last_activity_at": now,
                    "case_type": "child",
                    "priority": "normal",
                    "archived": False,
                }
            )
            names.append((family, given, patronymic))
        db.session.execute(insert(Case), rows)
        ids = db.session.scalars(
            select(Case.id)
            .where(
                Case.id > db.session.scalar(select(func.coalesce(func.max(CaseNameKey.case_id), 0)))
            )
            .order_by(Case.id)
        ).all()
        key_rows = [
            {"case_id": case_id, "key": key}
            for case_id, case_names in zip(ids, names, strict=True)
            for key in sorted(keys_for_names(case_names))
        ]
        db.session.execute(insert(CaseNameKey), key_rows)
    # The names the queries look for, so every query has at least one true answer.
    for family, given in (("Коваленко", "Олександр"), ("Лисенко", "Ірина"), ("Шевченко", "Дарина")):
        case = Case(
            source_list_id=source_list.id, family_name=family, given_name=given, sex="unknown"
        )
        db.session.add(case)
        db.session.flush()
        db.session.execute(
            insert(CaseNameKey),
            [{"case_id": case.id, "key": k} for k in keys_for_names([family, given])],
        )
    db.session.commit()
    db.session.execute(text("ANALYZE"))  # fresh statistics, as a live database would have
    db.session.commit()


def time_query(user, query_text: str, repeat: int) -> tuple[float, float, int]:
    timings, total = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        page = db.paginate(
            search_cases(user, CaseFilters(text=query_text)), page=1, per_page=25, error_out=False
        )
        list(page.items)
        total = page.total
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="print the first query's plan")
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
        build(args.cases)
        built = time.perf_counter() - started
        user = create_user(
            "bench-supervisor@example.org", "Bench", "supervisor", "a-long-bench-passphrase"
        )
        db.session.commit()
        keys = db.session.scalar(select(func.count()).select_from(CaseNameKey))
        print(
            f"database: {db.engine.dialect.name}; cases: {args.cases:,}; name keys: {keys:,}; "
            f"built in {built:.1f} s"
        )
        if args.explain:
            statement = search_cases(user, CaseFilters(text=QUERIES[1])).limit(25)
            compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
            for row in db.session.execute(text(f"EXPLAIN ANALYZE {compiled}")):
                print("  ", *row)
        print(f"{'query':<24} {'median ms':>10} {'p95 ms':>8} {'matches':>8}")
        for query_text in QUERIES:
            median, p95, total = time_query(user, query_text, args.repeat)
            print(f"{query_text:<24} {median:>10.1f} {p95:>8.1f} {total:>8}")


if __name__ == "__main__":
    main()
