"""The search keys of a person's names (a case's, a partner record's): every written word as a
surname, as a given name and as spelt, so that ``Oleksandr Kovalenko``, ``Александр Коваленко``
and ``коваленко олександр`` meet in one index lookup per word. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.names.given import given_name_keys
from app.names.surnames import surname_key
from app.names.text import to_latin_key

__all__ = ["WORD", "keys_for_names", "word_keys"]

# What counts as one word of a name in a search box or a name field.
WORD = re.compile(r"[^\s,;/]+")


def word_keys(word: str) -> set[str]:
    """All keys one written word can stand for: as a surname, as a given name, as spelt."""
    keys = {surname_key(word), to_latin_key(word), *given_name_keys(word)}
    return {key for key in keys if key}


def keys_for_names(names: Iterable[str]) -> set[str]:
    """The keys of every word of every name."""
    keys: set[str] = set()
    for name in names:
        for word in WORD.findall(name):
            keys |= word_keys(word)
    return keys
