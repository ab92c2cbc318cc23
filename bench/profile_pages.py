"""One signed-in supervisor's pages in-process, against the national bench's data: ms and SQL
statements per request, and optionally a cProfile of one page.

    PYTHONPATH=. .venv/bin/python bench/profile_pages.py [--data DIR] [--requests 50]
                                                         [--only PAGE,...] [--profile PAGE]
                                                         [--calls]

Uses the data ``bench/national.py`` built (run that once first; ``flask db upgrade`` it if the
schema has moved on). Production settings, as national.py's server; no HTTP, no gunicorn: what is
measured is the application's own cost per request (Python and SQL), which is what the
single-user figures of national.py are mostly made of. Each response is closed, as the server
closes it, so a list page's read events (written then) count in its cost; before 2026-12-02
08:55 UTC they did not, and the figures of that time leave them out.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import secrets
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The server processes of this database (not counted as the pages' statements).
SERVER_PIDS = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import cpu_seconds, process_stat  # noqa: E402 - bench/load.py's, once bench/ is on the path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data", type=Path, default=ROOT / "instance" / "bench-national-sqlite-20000x1000000"
    )
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--only", default="")
    parser.add_argument("--profile", default="", help="A page to profile (cProfile).")
    parser.add_argument("--filter", default="", help="Only the profile's lines matching this.")
    parser.add_argument(
        "--dump",
        type=Path,
        help="Also write the profile to this file (for pstats: callers and callees).",
    )
    parser.add_argument(
        "--calls",
        action="store_true",
        help="Also count Python function calls per request (cProfile; slower, but unlike "
        "milliseconds the same on a busy machine as on a quiet one).",
    )
    parser.add_argument(
        "--statements",
        action="store_true",
        help="Also print each page's slowest SQL statements (ms a request, their start).",
    )
    args = parser.parse_args()
    os.environ.update({
        "REUNITE_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": os.environ.get("DATABASE_URL")
        or f"sqlite:///{args.data / 'national.db'}",
        "QUEUE_URL": f"sqlite:///{args.data / 'queue.db'}",
        "UPLOAD_FOLDER": str(args.data / "uploads"),
        "LOG_FORMAT": "json",
    })  # fmt: skip

    import logging

    from flask_login.utils import _create_identifier
    from sqlalchemy import event, select, text

    from app import create_app
    from app.auth.models import User
    from app.cases.models import Case
    from app.extensions import db
    from app.matching.models import MatchCandidate

    logging.disable(logging.INFO)
    app = create_app()
    # Production cookies are Secure; the test client speaks plain http.
    app.config["SESSION_COOKIE_SECURE"] = False
    statements = [0]
    sql_seconds = [0.0]
    by_statement: dict[str, float] = {}
    with app.app_context():

        def before(connection, _cursor, statement, *_args):
            if statement.startswith(SERVER_PIDS):
                return
            statements[0] += 1
            connection.info["started"] = time.perf_counter()

        def after(connection, _cursor, statement, *_args):
            if statement.startswith(SERVER_PIDS):
                return
            took = time.perf_counter() - connection.info["started"]
            sql_seconds[0] += took
            key = " ".join(statement.split())[:150]
            by_statement[key] = by_statement.get(key, 0.0) + took

        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
        user = db.session.scalar(select(User).where(User.email == "bench0@bench.reunite.test"))
        session_id = user.get_id()
        rng = random.Random(1)
        # The same sample every run (every 97th case, 389th candidate, 193rd name), so that two
        # runs, before and after a change, visit the same pages: a random sample made the case
        # page's work differ by a tenth between runs with its cases' contacts and candidates.
        cases = db.session.scalars(
            select(Case.id).where(Case.id % 97 == 0).order_by(Case.id).limit(200)
        ).all()
        candidates = db.session.scalars(
            select(MatchCandidate.id)
            .where(MatchCandidate.id % 389 == 0)
            .order_by(MatchCandidate.id)
            .limit(200)
        ).all()
        names = db.session.execute(
            select(Case.family_name, Case.given_name)
            .where(Case.id % 193 == 0)
            .order_by(Case.id)
            .limit(100)
        ).all()
    client = app.test_client()
    with client.session_transaction() as session:
        with app.test_request_context(
            environ_base={
                "REMOTE_ADDR": "127.0.0.1",
                "HTTP_USER_AGENT": client.environ_base.get("HTTP_USER_AGENT", ""),
            }
        ):
            session["_id"] = _create_identifier()
        session["_user_id"] = session_id
        session["_fresh"] = True
    import re

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/my-cases").text)
    token = token[1] if token else ""

    def contact():
        # The session the case page hands back after the redirect, without the post's message
        # (see national.py: kept, a hundred messages cost several thousand calls a post).
        session = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
        answer = client.post(f"/cases/{rng.choice(cases)}/contacts", data={
            "csrf_token": token, "contact-contacted_on": date.today().isoformat(),
            "contact-channel": "phone", "contact-outcome": "Called the mother; no news yet.",
        })  # fmt: skip
        if session is not None:
            client.set_cookie(session.key, session.value, domain=session.domain)
        return answer

    anonymous = app.test_client()
    pages = {
        # The cost every page shares: the sign-in page (nobody signed in: the server's ceiling
        # in national.py) and the smallest page of a signed-in user (session, user, layout).
        "sign-in page": lambda: anonymous.get("/login"),
        "account": lambda: client.get("/account"),
        "my cases": lambda: client.get("/my-cases"),
        "queues": lambda: client.get("/queues"),
        "case list filter+sort": lambda: client.get(
            f"/cases?status={rng.choice(['new', 'under_investigation'])}&sort=name"
            f"&page={rng.randint(1, 20)}"
        ),
        "case page": lambda: client.get(f"/cases/{rng.choice(cases)}"),
        "search": lambda: client.get("/cases", query_string={"q": " ".join(rng.choice(names))}),
        "candidate page": lambda: client.get(f"/matches/{rng.choice(candidates)}"),
        "match queue": lambda: client.get(f"/matches?page={rng.randint(1, 20)}"),
        "post a contact": contact,
    }
    wanted = set(filter(None, args.only.split(","))) or set(pages)

    def server_seconds() -> float:
        """CPU seconds PostgreSQL's processes serving this database have used (0 on SQLite):
        the load generator, the application and the database share the same cores, so the
        database's share of a request counts as much as the application's."""
        with app.app_context():
            if db.engine.dialect.name != "postgresql":
                return 0.0
            pids = db.session.scalars(text(SERVER_PIDS)).all()
            db.session.rollback()
        stats = (process_stat(pid) for pid in pids)  # None: not on this machine, or gone
        return sum(cpu_seconds(fields) for fields in stats if fields is not None)

    # CPU ms: this process's own time per request (less moved by other work on the machine than
    # the wall clock); SQL ms: the wall time inside the database's execute calls.
    # PG ms: the CPU time of PostgreSQL's processes for this database, per request.
    print(f"{'page':<24}{'p50 ms':>8}{'p95 ms':>8}{'CPU ms':>8}{'SQL ms':>8}{'SQL':>6}"
          f"{'PG ms':>7}")  # fmt: skip
    for name, page in pages.items():
        if name not in wanted:
            continue
        response = page()
        response.close()
        assert response.status_code in (200, 302), (name, response.status_code)
        redirected = response.headers.get("Location")
        assert name == "post a contact" or response.status_code == 200, (name, redirected)
        times = []
        statements[0] = 0
        sql_seconds[0] = 0.0
        by_statement.clear()
        cpu_started = time.process_time()
        server_started = server_seconds()
        profiler = cProfile.Profile() if name == args.profile or args.calls else None
        for _ in range(args.requests):
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            response = page()
            # Closed as the server closes it: a list page writes its read events then
            # (app.audit.services.record_list_read), part of what each request costs.
            response.close()
            if profiler:
                profiler.disable()
            times.append(time.perf_counter() - started)
            assert response.status_code in (200, 302), (name, response.status_code)
        cpu = (time.process_time() - cpu_started) / args.requests
        server = (server_seconds() - server_started) / args.requests
        times.sort()
        print(f"{name:<24}{statistics.median(times) * 1000:>8.1f}"
              f"{times[int(0.95 * (len(times) - 1))] * 1000:>8.1f}{cpu * 1000:>8.1f}"
              f"{sql_seconds[0] / args.requests * 1000:>8.1f}"
              f"{statements[0] / args.requests:>6.1f}"
              f"{server * 1000:>7.1f}", flush=True)  # fmt: skip
        if args.statements:
            slowest = sorted(by_statement.items(), key=lambda item: -item[1])[:6]
            for statement, seconds in slowest:
                print(f"{'':<8}{seconds / args.requests * 1000:>7.2f} ms  {statement}")
        if profiler and args.calls:
            calls = pstats.Stats(profiler).total_calls / args.requests
            print(f"{'':<24}{calls:,.0f} Python calls a request", flush=True)
        if profiler and name == args.profile:
            stats = pstats.Stats(profiler)
            if args.dump:
                stats.dump_stats(args.dump)
            stats.sort_stats("cumulative").print_stats(args.filter, 60)
            stats.sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
