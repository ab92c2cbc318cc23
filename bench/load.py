"""Many staff at once: signed-in users reading and writing cases, optionally during an import.

    .venv/bin/python bench/load.py [--users 20] [--seconds 60] [--import-rows 200000]
                                   [--server flask|gunicorn] [--database-url URL]

Builds a fresh database (SQLite in a temporary folder unless --database-url names another) with
the demo seed and one supervisor account per user, starts the application as the two-command
setup does (`flask run` with threads, and a `flask jobs worker`) or under gunicorn, and lets
each user, without pauses, open a case page, add a note to it (a POST with its CSRF token),
search the case list and open the supervisor queues. With --import-rows a partner list of that
many rows is imported from the command line while they work (one long write on SQLite).

Prints, per kind of request: count, errors (status >= 500 or a failed connection), median and
95th percentile in ms; and the totals. Exit status 1 if any request failed.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load-test-password-2026"  # noqa: S105 - synthetic accounts in a throwaway database
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def process_stat(pid: int | str) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command's name (state, parent, group,
    session, …, user and system CPU ticks at 11 and 12); None once the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(fields: list[str]) -> float:
    """The user and system CPU seconds of a process, from its :func:`process_stat` fields."""
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def flask(env: dict[str, str], *args: str, stdin: str | None = None) -> float:
    """Run one `flask` command to the end; returns its seconds, or exits saying why it failed."""
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and commands
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT, env=env, input=stdin, text=True, capture_output=True,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return time.perf_counter() - started


class User:
    """One signed-in browser: a cookie jar and a CSRF token."""

    def __init__(self, base: str, email: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = self.get("/login")[1]
        token = TOKEN.search(page)
        assert token, "no CSRF token on the sign-in page"
        status, _ = self.post("/login", {"csrf_token": token[1], "email": email,
                                         "password": PASSWORD})  # fmt: skip
        assert status == 200, f"sign-in failed: {status}"

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, method="POST"))

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, ""
        except (urllib.error.URLError, TimeoutError, ConnectionError):
            return 599, ""


def work(user: User, case_ids: list[int], until: float, timings: dict[str, list], lock) -> None:
    rng = random.Random()
    while time.monotonic() < until:
        case_id = rng.choice(case_ids)
        steps = [
            ("case page", f"/cases/{case_id}"),
            ("case list search", "/cases?q=" + urllib.parse.quote("Коваленко")),
            ("queues", "/queues"),
        ]
        for kind, path in steps:
            started = time.perf_counter()
            status, page = user.get(path)
            with lock:
                timings[kind].append((time.perf_counter() - started, status))
            if kind == "case page" and status == 200:
                token = TOKEN.search(page)
                if token:
                    started = time.perf_counter()
                    status, _ = user.post(
                        f"/cases/{case_id}/notes",
                        {"csrf_token": token[1], "note-body": "Called the hotline again."},
                    )
                    with lock:
                        timings["add note"].append((time.perf_counter() - started, status))


def write_import_file(path: Path, rows: int) -> None:
    with open(path, "w", encoding="cp1251") as out:
        out.write("№;ПІБ;Стать;Дата народження\n")
        for n in range(rows):
            out.write(f"{n};Коваленко{n % 977} Марія Іванівна;ж;05.03.{2005 + n % 15}\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--import-rows", type=int, default=0)
    parser.add_argument("--server", choices=("flask", "gunicorn"), default="flask")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    work_dir = Path(tempfile.mkdtemp(prefix="reunite-load-"))
    db_url = args.database_url or f"sqlite:///{work_dir / 'load.db'}"
    port = free_port()
    env = {
        **os.environ,
        "REUNITE_ENV": "development",
        "DATABASE_URL": db_url,
        "QUEUE_URL": f"sqlite:///{work_dir / 'queue.db'}",
        "UPLOAD_FOLDER": str(work_dir / "uploads"),
        # The load is many users from one address; sign-in throttling is not what is measured.
        "LOGIN_RATE_LIMIT": "10000 per minute",
    }
    print(f"database: {db_url.split('@')[-1]}; {args.users} users for {args.seconds:.0f} s; "
          f"server: {args.server}")  # fmt: skip
    flask(env, "db", "upgrade")
    flask(env, "demo", "seed", "--password", PASSWORD)
    emails = [f"load{n}@load.reunite.test" for n in range(args.users)]
    for email in emails:
        flask(env, "users", "create", "--role", "supervisor", "--name", email, email,
              stdin=PASSWORD + "\n")  # fmt: skip
    if db_url.startswith("sqlite:///"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
            case_ids = [row[0] for row in conn.execute("SELECT id FROM case_record")]
    else:
        case_ids = list(range(1, 121))  # the demo seed's cases on a fresh database

    if args.server == "gunicorn":
        server_cmd = [sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "4",
                      "-b", f"127.0.0.1:{port}", "app:create_app()"]  # fmt: skip
    else:
        server_cmd = [sys.executable, "-m", "flask", "--app", "app", "run", "--with-threads",
                      "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    processes = [
        subprocess.Popen(server_cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,  # noqa: S603
                         stderr=subprocess.DEVNULL),
        subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "jobs", "worker"],
                         cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/login", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        users = [User(base, email) for email in emails]
        importer = None
        if args.import_rows:
            path = work_dir / "register.csv"
            write_import_file(path, args.import_rows)
            importer = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "flask", "--app", "app", "records", "import", str(path),
                 "--source", "Load register", "--no-match"],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
        timings: dict[str, list] = defaultdict(list)
        lock = threading.Lock()
        until = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=work, args=(user, case_ids, until, timings, lock))
            for user in users
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if importer is not None:
            output, _ = importer.communicate()
            summary = " / ".join(line.strip() for line in output.splitlines()[-4:])
            print(f"import of {args.import_rows} rows: exit {importer.returncode}: {summary}")
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)

    failed = 0
    print(f"{'request':<18}{'count':>8}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'per s':>8}")
    for kind, rows in sorted(timings.items()):
        times = sorted(t for t, _ in rows)
        errors = sum(1 for _, status in rows if status >= 500)
        failed += errors
        p95 = times[int(0.95 * (len(times) - 1))]
        print(f"{kind:<18}{len(rows):>8}{errors:>8}{statistics.median(times) * 1000:>9.0f}"
              f"{p95 * 1000:>9.0f}{len(rows) / args.seconds:>8.1f}")  # fmt: skip
    total = sum(len(rows) for rows in timings.values())
    print(f"total: {total} requests, {failed} errors (5xx or no answer)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
