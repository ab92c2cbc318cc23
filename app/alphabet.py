"""Names in the order of the alphabet a caseworker reads: Ukrainian, then Latin.

Sorting by code point puts Є, І, Ї and Ґ after Я (they were added to Unicode's Cyrillic block
after the Russian letters), so a list sorted by name hid Ігор and Євген at its end. The lists
sort names through a collation named :data:`NAME_COLLATION` instead:

- on SQLite, :func:`compare` is registered under that name on every connection
  (:mod:`app.sqlite`);
- on PostgreSQL, a migration creates it from ICU's Ukrainian collation (``uk-x-icu``) when the
  server has ICU, else from the database's own collation (then the order is the server's).

The order: the Ukrainian alphabet (А Б В Г Ґ Д Е Є Ж З И І Ї Й К ... Ь Ю Я; the Russian letters
Ё Ъ Ы Э next to their nearest Ukrainian ones), then Latin A to Z (letters with accents with their
base letter); case and apostrophes (Мар'яна) count only to break ties. Digits, spaces and
punctuation come first, as in any dictionary.

Pure: no Flask, no database.
"""

from __future__ import annotations

import unicodedata

__all__ = ["NAME_COLLATION", "alphabet_key", "compare"]

NAME_COLLATION = "alphabet"

UKRAINIAN = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"
# Letters of other Cyrillic alphabets, each placed just after the Ukrainian letter it follows.
_AFTER = {"ё": "е", "э": "є", "ы": "и", "ъ": "ь"}
_APOSTROPHES = "'’ʼ`"
# Private-use code points, in order: every Cyrillic letter, then every Latin one, all after
# the digits and punctuation (which keep their own code points).
_CYRILLIC_BASE = 0xE000
_LATIN_BASE = 0xE100


def _table() -> dict[str, str]:
    table = {letter: chr(_CYRILLIC_BASE + 2 * rank) for rank, letter in enumerate(UKRAINIAN)}
    for letter, after in _AFTER.items():
        table[letter] = chr(ord(table[after]) + 1)
    for rank in range(26):
        table[chr(ord("a") + rank)] = chr(_LATIN_BASE + rank)
    return table


_TABLE = _table()


def _letter(char: str) -> str:
    if char in _TABLE:
        return _TABLE[char]
    # An accented Latin letter (é, ł is not decomposable and keeps its code point) sorts with
    # its base letter. Й and Ї are in the table, so their marks are never dropped here.
    base = unicodedata.normalize("NFD", char)[0]
    return _TABLE.get(base, char)


# Keys already made: SQLite calls compare() for every comparison of a sort, and a list page
# compares the same few thousand names over and over. Cleared when it grows past its size.
_KEYS: dict[str, str] = {}
_KEYS_KEPT = 100_000


def alphabet_key(text: str) -> str:
    """A string whose code-point order is the alphabet's order of ``text``."""
    key = _KEYS.get(text)
    if key is None:
        if len(_KEYS) >= _KEYS_KEPT:
            _KEYS.clear()
        folded = text.casefold()
        key = _KEYS[text] = "".join(_letter(char) for char in folded if char not in _APOSTROPHES)
    return key


def compare(left: str | None, right: str | None) -> int:
    """-1, 0 or 1, as SQLite's ``create_collation`` wants; ties broken by the text itself, so
    that two spellings are never equal unless they are the same."""
    left, right = left or "", right or ""
    a, b = alphabet_key(left), alphabet_key(right)
    if a == b:
        a, b = left, right
    return -1 if a < b else (1 if a > b else 0)
