"""National scale: the pages staff use all day, at 20,000 cases and 1,000,000 partner records.

    .venv/bin/python bench/national.py [--cases 20000] [--records 1000000] [--users 32]
                                       [--seconds 20] [--rounds 4] [--data DIR]
                                       [--database-url URL]
    scripts/with-postgres sh -c \
        '.venv/bin/python bench/national.py --database-url $TEST_DATABASE_URL'

1. Data, built once and kept in --data (default ``instance/bench-national``): synthetic cases and
   partner lists from ``bench/synth.py`` written as CSV files (Ukrainian, Russian in
   Windows-1251, Latin), imported with ``flask cases import`` and ``flask records import``, then
   scored with ``flask matches run --all``; each step is timed. One supervisor account per user,
   each with 40 cases assigned. On SQLite the database file is kept; on PostgreSQL a
   ``flask db backup`` of it is kept and restored on the next run (the server is throwaway).
2. The production start (``scripts/production``: gunicorn with WEB_WORKERS=2 × WEB_THREADS=4,
   a job worker; settings as an operator sets them, nothing benchmark-only but a high sign-in
   limit, since every user signs in from one address).
3. For each page: one user, 60 requests one after another (median and p95 ms); then --users
   users without pauses for --seconds (requests/s, errors, p95 ms, and the CPU each request
   cost the web processes, the job worker and the database server: on 2 cores shared with the
   load generator, what a page's throughput is made of). The sign-in page is measured
   the same way in the same run: it is the server's own ceiling, and every page's throughput is
   printed as a share of it. The machine's speed moves during a run (this shared host's sign-in
   page served 862 req/s at a run's start and 524 at its end), so each page is also measured
   paired: in --rounds rounds, the sign-in page for a quarter of the round and the page for the
   rest, one after the other, and the page's share is of the sign-in page measured in those
   same rounds; a change in the machine's speed falls on both. Last, the sign-in page once more.
   Rates are requests over the wall time from the first request's start to the last one's end.

Exit status 1 if any request failed (5xx or no answer).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyotp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load import TOKEN, cpu_seconds, flask, free_port, process_stat  # noqa: E402 - bench/load.py's, once bench/ is on the path

PASSWORD = "national-bench-password-2026"  # noqa: S105 - synthetic accounts, throwaway data
# Supervisors need a second factor in production: each bench user's authenticator secret is this
# one (synthetic accounts, throwaway data); the users compute their codes as an app would.
TOTP_SECRET = "BENCHNATIONALXBENCHNATIONALXBENC"  # noqa: S105
CASES_PER_USER = 40
SINGLE_USER_REQUESTS = 60


# --- the data -------------------------------------------------------------------------------


def build(env: dict[str, str], folder: Path, cases: int, records: int, users: int) -> None:
    """Synthetic lists through the project's own imports and matching run; prints each step."""
    from synth import Generator, write_csv

    started = time.perf_counter()
    data = Generator(seed=11).dataset(cases, records)
    files = {path.stem: path for path in write_csv(data, folder / "csv")}
    del data
    print(f"  synthetic lists written: {time.perf_counter() - started:.0f} s")
    print(f"  migrate: {flask(env, 'db', 'upgrade'):.0f} s")
    seconds = flask(env, "cases", "import", str(files["cases"]), "--list", "National list",
                    "--no-match")  # fmt: skip
    print(f"  flask cases import ({cases:,} cases): {seconds:.0f} s")
    for stem, source in (("records_ru", "Other side's list"), ("records_latin", "Tracing partner"),
                         ("records_uk", "Institution register")):  # fmt: skip
        seconds = flask(env, "records", "import", str(files[stem]), "--source", source,
                        "--no-match")  # fmt: skip
        print(f"  flask records import {stem}: {seconds:.0f} s")
    print(f"  flask matches run --all: {flask(env, 'matches', 'run', '--all'):.0f} s")
    shutil.rmtree(folder / "csv")
    create_users(env, users)


def create_users(env: dict[str, str], count: int) -> None:
    """Supervisors bench0… with their own cases (so that "my cases" has a full page)."""
    script = """
import sys
from sqlalchemy import select
from app import create_app
from app.auth.models import User
from app.auth.services import create_user
from app.cases.models import Case
from app.cases.services import assign_cases
from app.extensions import db
count, per_user, password, secret = int(sys.argv[1]), int(sys.argv[2]), *sys.argv[3:5]
app = create_app()
with app.app_context():
    ids = db.session.scalars(select(Case.id).order_by(Case.id)).all()
    for n in range(count):
        email = f"bench{n}@bench.reunite.test"
        if db.session.scalar(select(User).where(User.email == email)) is None:
            user = create_user(email=email, name=f"Bench supervisor {n}", role="supervisor",
                               password=password)
            db.session.flush()
            assign_cases(ids[n * per_user:(n + 1) * per_user], user, user)
            user.totp_secret = secret
        db.session.commit()
"""
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script, str(count), str(CASES_PER_USER), PASSWORD, TOTP_SECRET],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    print(f"  {count} supervisors with {CASES_PER_USER} cases each: "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip


def sample_ids(env: dict[str, str]) -> dict[str, list]:
    """Case ids, candidate ids and search texts for the users to visit."""
    script = """
import json
from sqlalchemy import func, select
from app import create_app
from app.cases.models import Case
from app.extensions import db
from app.matching.models import MatchCandidate
app = create_app()
with app.app_context():
    cases = db.session.scalars(select(Case.id).order_by(func.random()).limit(500)).all()
    candidates = db.session.scalars(
        select(MatchCandidate.id).order_by(func.random()).limit(500)).all()
    names = db.session.execute(
        select(Case.family_name_latin, Case.given_name_latin, Case.family_name, Case.given_name)
        .order_by(func.random()).limit(200)).all()
    counts = {name: db.session.scalar(select(func.count()).select_from(table))
              for name, table in (("cases", Case), ("candidates", MatchCandidate))}
    print(json.dumps({"cases": cases, "candidates": candidates,
                      "names": [list(row) for row in names], "counts": counts}))
"""
    import json

    output = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True,
        text=True,
    ).stdout  # fmt: skip
    return json.loads(output.strip().splitlines()[-1])


# --- the users ------------------------------------------------------------------------------


class Browser:
    """One signed-in user on a kept-alive connection, with its own session cookie."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.connection = http.client.HTTPConnection(host, port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                page = response.read().decode("utf-8", "replace")
                break
            except (OSError, http.client.HTTPException):
                # The server closed a kept-alive connection: reconnect once, then give up.
                self.connection.close()
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    return 599, ""
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, page

    def sign_in(self, email: str) -> None:
        token = TOKEN.search(self.request("GET", "/login")[1])
        assert token, "no CSRF token on the sign-in page"
        status, _ = self.request(
            "POST", "/login", {"csrf_token": token[1], "email": email, "password": PASSWORD}
        )
        assert status == 302, f"sign-in failed: {status}"
        # The second step: a code from the authenticator. A code is accepted once; a user
        # signing in again within its 30 s waits for the next one.
        totp = pyotp.TOTP(TOTP_SECRET)
        for _ in range(3):
            token = TOKEN.search(self.request("GET", "/login/code")[1])
            status, _ = self.request(
                "POST", "/login/code", {"csrf_token": token[1], "code": totp.now()}
            )
            if status == 302:
                break
            time.sleep(30 - time.time() % 30 + 0.5)
        assert status == 302, f"second factor refused: {status}"
        self.token = TOKEN.search(self.request("GET", "/my-cases")[1])[1]


Page = Callable[[Browser, random.Random], tuple[int, str]]


def pages(sample: dict[str, list]) -> dict[str, Page]:
    cases, candidates, names = sample["cases"], sample["candidates"], sample["names"]

    def search(browser: Browser, rng: random.Random):
        # Cross-script: a name entered in Cyrillic looked up by its Latin spelling and back.
        latin_family, latin_given, family, given = rng.choice(names)
        text = f"{latin_given} {latin_family}" if latin_family and rng.random() < 0.5 else (
            f"{family} {given}")  # fmt: skip
        return browser.request("GET", "/cases?q=" + urllib.parse.quote(text))

    def contact(browser: Browser, rng: random.Random):
        # The session as a browser keeps it: the post answers with a redirect to the case page
        # and a session holding "Contact logged." for that page to show and drop. This client
        # does not follow it, and kept every post's message: by the end of a run each user's
        # session carried about a hundred, each decoded and signed again at every post (66
        # Python calls a message a request, several thousand a post). The session before the
        # post is the one the case page hands back.
        session = dict(browser.cookies)
        answer = browser.request("POST", f"/cases/{rng.choice(cases)}/contacts", {
            "csrf_token": browser.token,
            "contact-contacted_on": date.today().isoformat(),
            "contact-channel": "phone",
            "contact-outcome": "Called the mother; no news yet.",
        })  # fmt: skip
        browser.cookies = session
        return answer

    return {
        "sign-in page": lambda b, rng: b.request("GET", "/login"),
        "my cases": lambda b, rng: b.request("GET", "/my-cases"),
        "queues": lambda b, rng: b.request("GET", "/queues"),
        "case list filter+sort": lambda b, rng: b.request(
            "GET",
            "/cases?status="
            + rng.choice(["new", "under_investigation"])
            + "&sort=name"
            + f"&page={rng.randint(1, 20)}",
        ),
        "case page": lambda b, rng: b.request("GET", f"/cases/{rng.choice(cases)}"),
        "search": search,
        "candidate page": lambda b, rng: b.request("GET", f"/matches/{rng.choice(candidates)}"),
        "match queue": lambda b, rng: b.request("GET", f"/matches?page={rng.randint(1, 20)}"),
        "post a contact": contact,
    }


def ok(status: int) -> bool:
    return status < 500


def single_user(browser: Browser, page: Page) -> tuple[float, float, int]:
    rng = random.Random(1)
    page(browser, rng)  # warm
    times, errors = [], 0
    for _ in range(SINGLE_USER_REQUESTS):
        started = time.perf_counter()
        status, _ = page(browser, rng)
        times.append(time.perf_counter() - started)
        errors += not ok(status) or status == 400
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], errors


def _cpu_by_role(session: int, postgres: bool) -> dict[str, float]:
    """CPU seconds so far of the server's processes (``session``: the production start's
    session) by role, and of the database server's (PostgreSQL's processes on this machine,
    where the run is on PostgreSQL)."""
    seconds = {"web": 0.0, "jobs": 0.0, "database": 0.0}
    for entry in Path("/proc").iterdir():
        fields = process_stat(entry.name) if entry.name.isdigit() else None
        if fields is None:
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if command.startswith("postgres"):
            seconds["database"] += cpu_seconds(fields) if postgres else 0.0
        elif int(fields[3]) == session:
            seconds["jobs" if " jobs worker" in command else "web"] += cpu_seconds(fields)
    return seconds


class Load:
    """What many users' requests to one page added up to: requests, failures, wall seconds
    (from the first request's start to the last one's end) and the requests' times."""

    def __init__(self) -> None:
        self.count = self.errors = 0
        self.seconds = 0.0
        self.times: list[float] = []

    def add(self, other: Load) -> None:
        self.count += other.count
        self.errors += other.errors
        self.seconds += other.seconds
        self.times.extend(other.times)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def p95(self) -> float:
        times = sorted(self.times)
        return times[int(0.95 * (len(times) - 1))] if times else 0.0


def many_users(browsers: list[Browser], page: Page, seconds: float) -> Load:
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    started_at = time.monotonic()
    until = started_at + seconds

    def work(browser: Browser, seed: int) -> None:
        rng = random.Random(seed)
        mine: list[float] = []
        failed = 0
        while time.monotonic() < until:
            started = time.perf_counter()
            status, _ = page(browser, rng)
            mine.append(time.perf_counter() - started)
            failed += not ok(status) or status == 400
        with lock:
            times.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=work, args=(b, n)) for n, b in enumerate(browsers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load = Load()
    load.count, load.errors, load.times = len(times), errors[0], times
    # The last requests end after ``until``: their time counts, as they do.
    load.seconds = time.monotonic() - started_at
    return load


def paired(
    browsers: list[Browser],
    page: Page,
    sign_in: Page | None,
    seconds: float,
    rounds: int,
    cpu: Callable[[], dict[str, float]],
) -> tuple[Load, Load, dict[str, float]]:
    """``page`` under load for ``seconds`` in ``rounds`` parts, each after the sign-in page
    under load for half as long (when ``sign_in`` is given): the page's load, the sign-in
    page's beside it, and the CPU seconds the page's parts cost each role."""
    load, beside = Load(), Load()
    used = {"web": 0.0, "jobs": 0.0, "database": 0.0}
    for _ in range(rounds):
        if sign_in is not None:
            beside.add(many_users(browsers, sign_in, seconds / rounds / 2))
        before = cpu()
        load.add(many_users(browsers, page, seconds / rounds))
        after = cpu()
        for role in used:
            used[role] += after[role] - before[role]
    return load, beside, used


# --- the run --------------------------------------------------------------------------------


def prepare(args: argparse.Namespace, env: dict[str, str], folder: Path) -> None:
    postgres = args.database_url.startswith("postgresql")
    dump = folder / "national.pgdump"
    built = (folder / "built").exists() and (not postgres or dump.exists())
    if built and postgres:
        started = time.perf_counter()
        flask(env, "db", "restore", "--yes", str(dump))
        print(f"data: restored from {dump} in {time.perf_counter() - started:.0f} s")
    elif built:
        print(f"data: kept in {folder}")
    else:
        print(f"data: building in {folder}")
        build(env, folder, args.cases, args.records, args.users)
        if postgres:
            flask(env, "db", "backup", str(dump))
        (folder / "built").write_text("ok\n")
    if built:
        # Kept or restored data is brought to the code's schema here, not by the production
        # start: a migration of national-size data (the tallies' seeding) outlasted the minute
        # the start is given to answer /healthz.
        print(f"  migrate: {flask(env, 'db', 'upgrade'):.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--records", type=int, default=1000000)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--rounds", type=int, default=4,
        help="Parts each page's --seconds is measured in, each paired with the sign-in page.",
    )  # fmt: skip
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--only", default="", help="Comma-separated page names to measure.")
    args = parser.parse_args()

    kind = "postgresql" if args.database_url.startswith("postgresql") else "sqlite"
    folder = args.data or ROOT / "instance" / f"bench-national-{kind}-{args.cases}x{args.records}"
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "REUNITE_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": args.database_url or f"sqlite:///{folder / 'national.db'}",
        "QUEUE_URL": f"sqlite:///{folder / 'queue.db'}",
        "UPLOAD_FOLDER": str(folder / "uploads"),
        "BIND": f"127.0.0.1:{port}",
        "LOG_FORMAT": "json",
        # Every user signs in from this one address; the sign-in limit is not what is measured.
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "MATCH_AFTER_IMPORT": "0",
    }
    prepare(args, env, folder)
    sample = sample_ids(env)
    print(f"{sample['counts']['cases']:,} cases, {sample['counts']['candidates']:,} candidates; "
          f"database: {kind}")  # fmt: skip

    server = subprocess.Popen(  # noqa: S603
        [str(ROOT / "scripts" / "production")], cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(300):
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit("the production start did not answer /healthz")
        browsers = []
        for n in range(args.users):
            browser = Browser("127.0.0.1", port)
            browser.sign_in(f"bench{n}@bench.reunite.test")
            browsers.append(browser)
        measured = pages(sample)
        if args.only:
            wanted = {"sign-in page", *args.only.split(",")}
            measured = {name: page for name, page in measured.items() if name in wanted}
        # The sign-in page again at the end: how far the machine's own speed moved during the
        # run. On this shared host it moves by more than a page's change does (862 req/s at the
        # start of a run and 524 at its end, 21:47-21:55 UTC on 2026-12-02), hence the pairs.
        sign_in = measured["sign-in page"]
        measured["sign-in page, again"] = sign_in
        print(f"gunicorn {env.get('WEB_WORKERS', '2')} workers × {env.get('WEB_THREADS', '4')} "
              f"threads; {args.users} users × {args.seconds:.0f} s per page, in {args.rounds} "
              f"rounds each paired with the sign-in page for half as long")  # fmt: skip
        header = f"{'page':<24}{'1 user p50':>11}{'p95 ms':>8}{'req/s':>8}{'errors':>8}"
        print(header + f"{'p95 ms':>8}{'of sign-in':>11}{'paired':>8}{'of it':>7}"
              "   CPU ms a request: web, jobs, database")  # fmt: skip
        failed = 0
        ceiling = None

        def cpu() -> dict[str, float]:
            return _cpu_by_role(server.pid, kind == "postgresql")

        for name, page in measured.items():
            p50, p95, single_errors = single_user(browsers[0], page)
            pair = None if name.startswith("sign-in page") else sign_in
            load, beside, used = paired(browsers, page, pair, args.seconds, args.rounds, cpu)
            ceiling = ceiling or load.rate
            failed += load.errors + beside.errors + single_errors
            print(f"{name:<24}{p50 * 1000:>11.1f}{p95 * 1000:>8.1f}{load.rate:>8.0f}"
                  f"{load.errors + single_errors:>8}{load.p95 * 1000:>8.0f}"
                  f"{load.rate / ceiling:>10.0%}"
                  + (f"{beside.rate:>8.0f}{load.rate / beside.rate:>7.0%}   " if beside.count
                     else f"{'':>15}   ")
                  + ", ".join(f"{used[role] * 1000 / max(load.count, 1):.1f}"
                              for role in ("web", "jobs", "database")), flush=True)  # fmt: skip
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    print(f"errors: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
