"""Hostile input, property-based: hypothesis profiles and the count of inputs each property tried.

Profiles (``HYPOTHESIS_PROFILE``, default ``ci``):

- ``ci``: derandomised, so that CI is a gate and not a lottery, and the counts reported in
  SECURITY.md are the same on every run; no example database, no deadline (requests on a busy
  two-core machine vary by a factor of ten).
- ``thorough``: random and ten times as many examples, for a night run or before a release
  (``HYPOTHESIS_PROFILE=thorough pytest tests/security``); failures are saved for replay.

Every property is wrapped by :func:`counted`; the end of the run prints how many inputs each
tried and the total (``hostile inputs tried``), and ``HOSTILE_COUNTS`` names a JSON file to
write them to.
"""

from __future__ import annotations

import functools
import json
import os
from collections import Counter
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings

# Database-backed properties set up their fixtures once per test and send many requests; that
# is the point, not a mistake, and a request is slow next to a pure function.
_DATABASE_CHECKS = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]

settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

TRIED: Counter[str] = Counter()


def examples(share: float) -> int:
    """A share of the profile's ``max_examples``, at least 5: expensive properties try fewer."""
    return max(5, round(settings.default.max_examples * share))


def database_settings(share: float) -> settings:
    """Settings for a property that sends requests or writes to the database."""
    return settings(max_examples=examples(share), suppress_health_check=_DATABASE_CHECKS)


def counted(test: Callable[..., Any] | None = None, *, name: str = "") -> Any:
    """Count the inputs a property is called with: ``@counted`` under ``@given``, or
    ``@counted(name=...)`` for a property defined inside a test (one per route)."""

    def wrap(test: Callable[..., Any]) -> Callable[..., Any]:
        key = name or f"{test.__module__.rsplit('.', 1)[-1]}::{test.__name__}"

        @functools.wraps(test)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            TRIED[key] += 1
            return test(*args, **kwargs)

        return wrapper

    return wrap(test) if test is not None else wrap


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TRIED:
        return
    terminalreporter.write_sep("-", "hostile inputs tried")
    for name, count in sorted(TRIED.items()):
        terminalreporter.write_line(f"{count:7d}  {name}")
    terminalreporter.write_line(f"{sum(TRIED.values()):7d}  in total, {len(TRIED)} properties")
    if path := os.environ.get("HOSTILE_COUNTS"):
        with open(path, "w", encoding="utf-8") as file:
            json.dump({"properties": dict(TRIED), "total": sum(TRIED.values())}, file, indent=1)
