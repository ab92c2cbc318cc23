"""Accessibility rules checked on the template source, for every page, not only those the
browser tests visit (tests/e2e/test_phones_and_accessibility.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
HEADER_CELL = re.compile(r"<th(?=[\s>])[^>]*>")


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_every_header_cell_says_what_it_heads(template: Path) -> None:
    """A screen reader announces a cell with its column's (or row's) header only when the
    header's scope is known."""
    bare = [cell for cell in HEADER_CELL.findall(template.read_text()) if "scope=" not in cell]
    assert not bare
