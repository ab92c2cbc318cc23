"""The inputs the property tests found, kept as plain examples (each failed before its fix)."""

from __future__ import annotations

import pytest

from app.names.text import fold

# --- fold: folding a folded name changes nothing ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Ѐİ",  # case folding writes a Latin "i" (and a dot) into a Cyrillic word
        "XͅЀ",  # ... or a Greek iota
        "О''ﬀ",  # removing stray apostrophes joins a Cyrillic and a Latin word
        "ﬀА̀",  # the repaired Latin "a" composes with the grave accent after it
        "A`̀",  # a removed apostrophe brings a letter next to a mark
        "a ' b",  # a removed apostrophe left two spaces
    ],
)
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


def test_fold_still_repairs_capital_lookalikes_and_drops_stray_apostrophes() -> None:
    assert fold("Kовальов") == "ковальов"  # a Latin capital K, told apart by its case
    assert fold("Олег ' Oleh") == "олег oleh"
