"""How long a failed sign-in takes, by kind of account, with the production argon2 profile.

    .venv/bin/python bench/login_timing.py [--repeat 15]

Posts the sign-in form (test client, fresh SQLite file) with a wrong password for an existing
account, for an unknown e-mail and for a deactivated account, and prints the median time of
each. They should be equal: a difference tells an attacker which addresses have accounts
(issue 10, hole 6; before the fix: 126 ms, 6 ms and 6 ms).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

# This checkout's code, not whichever copy of the package the virtualenv has installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade

import config
from app import create_app
from app.auth.services import create_user
from app.extensions import db

PASSWORD = "violet-kettle-harbour-51"  # noqa: S105 - a synthetic account of the benchmark
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = type(
            "BenchConfig",
            (config.TestingConfig,),
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.db'}",
                "ARGON2_PROFILE": "default",  # production's cost, not the tests' cheap one
                "LOGIN_RATE_LIMIT": "100000 per minute",
            },
        )
        app = create_app(settings)
        with app.app_context():
            upgrade()
            create_user("existing@example.org", "Existing", "caseworker", PASSWORD)
            create_user("gone@example.org", "Gone", "caseworker", PASSWORD).active = False
            db.session.commit()
        client = app.test_client()
        token = TOKEN.search(client.get("/login").get_data(as_text=True))[1]

        def attempt(email: str) -> float:
            started = time.perf_counter()
            response = client.post(
                "/login", data={"email": email, "password": "wrong-guess-123", "csrf_token": token}
            )
            elapsed = time.perf_counter() - started
            assert response.status_code == 401, response.status_code
            return elapsed

        kinds = {
            "existing account, wrong password": "existing@example.org",
            "unknown e-mail": "nobody@example.org",
            "deactivated account": "gone@example.org",
        }
        for email in kinds.values():
            attempt(email)  # warm up: the dummy hash is made on first use
        timings: dict[str, list[float]] = {kind: [] for kind in kinds}
        for _ in range(args.repeat):
            for kind, email in kinds.items():  # interleaved, so drift affects each alike
                timings[kind].append(attempt(email))
        for kind, values in timings.items():
            print(f"{kind:<34} median {statistics.median(values) * 1000:7.1f} ms")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
