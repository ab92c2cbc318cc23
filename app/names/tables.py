"""Where the shipped tables (given names, places) are, and how their list cells are written."""

from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")


def split_bar(value: str) -> tuple[str, ...]:
    """The parts of a ``|``-separated cell, stripped, empty parts dropped."""
    return tuple(part.strip() for part in value.split("|") if part.strip())
