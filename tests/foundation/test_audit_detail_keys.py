"""Every key of an audit event's details that the code writes has a label in both languages:
the audit pages showed some as stored ("older_than_days=30", issue 11). The keys are found
by reading the calls that write events, so a new key without a label fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask_babel import force_locale

from app.audit.labels import DETAIL_LABELS, event_details
from app.imports.models import COUNT_FIELDS
from tests.pseudo_locale import pseudo_ukrainian  # noqa: F401 - a fixture

APP = Path(__file__).resolve().parents[2] / "app"
# The functions that write an event (matching imports record as audit).
WRITERS = {"record", "audit", "record_many", "_event_row"}
# Names whose values a writer spreads into its details (``**{name: ... for name in X}``).
SPREAD = {"COUNT_FIELDS": COUNT_FIELDS}
# Worded together as a status change, not one by one.
WORDED_TOGETHER = {"from", "to"}


def _called(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _keys(node: ast.AST, where: str) -> set[str]:
    keys: set[str] = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Dict):
            keys |= {k.value for k in inner.keys if isinstance(k, ast.Constant)}
        elif isinstance(inner, ast.DictComp):
            for generator in inner.generators:
                source = generator.iter
                if isinstance(source, ast.Tuple):
                    keys |= {e.value for e in source.elts if isinstance(e, ast.Constant)}
                elif isinstance(source, ast.Name) and source.id in SPREAD:
                    keys |= set(SPREAD[source.id])
                else:
                    pytest.fail(f"{where}: name the keys of this spread in SPREAD")
    return {key for key in keys if isinstance(key, str)}


def written_detail_keys() -> dict[str, str]:
    """{key: where it is written}, for every detail key in the app's source."""
    found: dict[str, str] = {}
    for path in sorted(APP.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            where = f"{path.relative_to(APP.parent)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Dict):  # an event's values as parameters: {"detail": ...}
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "detail":
                        found.update({k: where for k in _keys(value, where) if k not in found})
            if not isinstance(node, ast.Call) or _called(node) not in WRITERS:
                continue
            detail = [kw.value for kw in node.keywords if kw.arg == "detail"]
            # record_many's events and _event_row's detail are positional.
            for part in detail or node.args[1:]:
                for key in _keys(part, where):
                    found.setdefault(key, where)
    return found


def test_the_walk_finds_the_keys_it_should():
    keys = written_detail_keys()
    assert {"older_than_days", "rows_read", "cases_checked", "list", "batch_id"} <= set(keys)


def test_every_detail_key_written_has_a_label():
    missing = {
        key: where
        for key, where in written_detail_keys().items()
        if key not in DETAIL_LABELS and key not in WORDED_TOGETHER
    }
    assert not missing, f"give these detail keys a label in app/audit/labels.py: {missing}"


@pytest.mark.usefixtures("pseudo_ukrainian")
def test_every_detail_key_is_worded_in_both_languages(app):
    detail = dict.fromkeys(DETAIL_LABELS, 1)
    with app.test_request_context(), force_locale("en"):
        english = event_details("case_record", detail, {})
    with app.test_request_context(), force_locale("uk"):
        ukrainian = event_details("case_record", detail, {})
    for key, label in DETAIL_LABELS.items():
        assert f"{key}=" not in english and f"{key}=" not in ukrainian
        with app.test_request_context(), force_locale("en"):
            assert f"{label}: 1" in english
        assert ukrainian.count("⟦") == len(DETAIL_LABELS)
