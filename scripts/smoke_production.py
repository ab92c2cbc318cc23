"""Check a running production stack as a user would (CI runs it through scripts/check-production).

    python scripts/smoke_production.py BASE_URL EMAIL PASSWORD

The health check; a sign-in, with the second factor a new supervisor sets up; a CSV
uploaded, mapped and imported by a job worker; the matching run that follows it. Exits 1 with
the step that failed. The records list last: its read events are checked by
scripts/check-production in the database.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pyotp

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CSV = "№;Прізвище;Ім'я;Дата народження\n1;Коваленко;Марія;05.03.2014\n2;Лисенко;Олександр;2013\n"


class _SecureOnLocalhost(http.cookiejar.DefaultCookiePolicy):
    """Production cookies are Secure; this check talks plain HTTP to 127.0.0.1."""

    def return_ok_secure(self, cookie, request):
        return True


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar(policy=_SecureOnLocalhost())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def open(self, path: str, data: bytes | None = None, headers: dict | None = None):
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        return response.status, response.geturl(), response.headers, response.read().decode()

    def form(self, path: str, fields: dict[str, str]):
        return self.open(path, urllib.parse.urlencode(fields).encode())

    def token(self, path: str) -> str:
        found = TOKEN.search(self.open(path)[3])
        if not found:
            raise SystemExit(f"no CSRF token on {path}")
        return found[1]


def step(name: str, ok: bool, detail: str = "") -> None:
    print(f"{'ok ' if ok else 'FAILED'} {name}{': ' + detail if detail else ''}")
    if not ok:
        raise SystemExit(1)


def wait_for(check, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    return None


def main(base: str, email: str, password: str) -> None:
    browser = Browser(base)
    status, _, headers, body = browser.open("/healthz")
    health = json.loads(body) if status == 200 else {}
    step("health", status == 200 and health.get("database") == health.get("queue") == "ok", body)
    step("request id", bool(headers.get("X-Request-Id")))

    token = browser.token("/login")
    status, url, _, page = browser.form(
        "/login", {"csrf_token": token, "email": email, "password": password}
    )
    # A new supervisor must set up a second factor before anything else: read the key off the
    # page as a person's authenticator app would, and confirm it with the app's code.
    step("sign-in asks for a second factor", url.endswith("/account/second-factor"), url)
    key = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page)
    step("second-factor key shown", key is not None)
    code = pyotp.TOTP(key[1]).now()
    status, url, _, page = browser.form(
        "/account/second-factor", {"csrf_token": TOKEN.search(page)[1], "code": code}
    )
    step("second factor confirmed", status == 200 and 'data-testid="recovery-codes"' in page)
    status, url, _, _ = browser.open("/")
    step("sign-in", status == 200 and "/login" not in url, url)

    boundary = uuid.uuid4().hex
    token = browser.token("/imports/new")
    parts = [("csrf_token", token), ("kind", "records"), ("target", "Smoke register")]
    body_parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in parts
    ]
    body_parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="smoke.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n{CSV}\r\n--{boundary}--\r\n"
    )
    status, url, _, page = browser.open(
        "/imports/new",
        "".join(body_parts).encode(),
        {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    step("upload", status == 200 and url.endswith("/preview"), url)
    # The proposed mapping, as the page's selects show it.
    mapping = dict(
        re.findall(r'<select[^>]*name="(col_\d+)".*?<option selected value="([^"]*)"', page, re.S)
    )
    form = {
        "csrf_token": TOKEN.search(page)[1],
        "encoding": "utf-8",
        "delimiter": ";",
        "submit": "Import",
        **mapping,
    }
    path = urllib.parse.urlparse(url).path
    status, url, _, _ = browser.form(path, form)
    batch = re.search(r"/imports/(\d+)$", urllib.parse.urlparse(url).path)
    step("mapping confirmed", status == 200 and batch is not None, url)

    def import_done():
        state = json.loads(browser.open(f"/imports/{batch[1]}/progress")[3])
        return state if state.get("finished") else None

    state = wait_for(import_done)
    step("import by a job worker", bool(state) and state["status"] == "done", str(state))

    def run_done():
        runs = re.findall(r"/matches/runs/(\d+)", browser.open("/matches/runs")[3])
        if not runs:
            return None
        progress = json.loads(browser.open(f"/matches/runs/{runs[0]}/progress")[3])
        return progress if progress.get("finished") else None

    state = wait_for(run_done)
    step("matching run after the import", bool(state) and state["status"] == "done", str(state))

    # A list page: on PostgreSQL its read events are committed with the page, before it is
    # sent (scripts/check-production then looks for them in the database).
    status, _, _, page = browser.open("/records/")
    step("records list", status == 200 and "Лисенко" in page)


if __name__ == "__main__":
    main(*sys.argv[1:4])
