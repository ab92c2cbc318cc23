"""Hypothesis strategies for hostile text: what partner files and form fields may hold."""

from __future__ import annotations

from hypothesis import strategies as st

# Characters that have broken text code elsewhere: combining marks, bidirectional controls,
# zero-width and invisible characters, byte order marks, NUL and other controls, line and
# paragraph separators, characters whose case folding or NFKC form is longer than they are
# (ß, İ, ﬁ, ﷺ, ΐ), Turkish dotless i, Greek final sigma, digits of other scripts,
# superscripts, full-width letters, emoji with joiners, Arabic and Hebrew letters, the
# apostrophes and dashes the normaliser folds, and the Cyrillic letters it maps.
ODD_CHARACTERS = (
    "\u0301\u0308\u0327\u0345\u20dd"
    "\u202e\u202d\u200f\u200e\u2066\u2069"
    "\u200b\u200c\u200d\u2060\u00ad\ufeff"
    "\x00\x01\x1b\x1f\x7f\x85\u2028\u2029\u00a0\u3000"
    "ßİıςΐﬁﬀ\ufdfa\u3379ǅ"
    "٣۷߂१²⁵①"
    "ＡＢｃ"
    "😀👨‍👩‍👧🏳️‍🌈"
    "مرحباשלום"
    "'’ʼ‘`´′-‐–—−"
    "АаЄєІіЇїҐґЁёЫыЭэЪъЬьЩщЖжЧчШшЦцХхЙй"
    'abcxyzSHCHsch ,;.\t\n\r"()[]|/:*№'
)
# Pieces of the things people write in these fields.
WORDS = (
    "Коваленко",
    "КОВАЛЕНКО",
    "Олександр",
    "Петрович",
    "Іванівна",
    "Лысенко",
    "Kovalenko",
    "O.P.",
    "Херсонська обл.",
    "м. Олешки",
    "р-н",
    "05.03.2014",
    "2014 р.",
    "7 років",
    "18 months",
    "чол",
    "жін.",
    "sep=;",
    '=HYPERLINK("x")',
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%(name)s",
    "{0}",
    "\\x00",
)


def hostile_text(max_size: int = 50) -> st.SearchStrategy[str]:
    """Any Unicode (no lone surrogates: those cannot reach us through UTF-8), the odd
    characters above, and words of our domain mixed with them."""
    return st.one_of(
        st.text(max_size=max_size),
        st.text(alphabet=st.sampled_from(ODD_CHARACTERS), max_size=max_size),
        st.lists(
            st.one_of(st.sampled_from(WORDS), st.text(st.sampled_from(ODD_CHARACTERS), max_size=3)),
            max_size=max(1, max_size // 8),
        ).map(" ".join),
    )


def long_text(max_repeats: int = 5000) -> st.SearchStrategy[str]:
    """A short hostile piece repeated up to ``max_repeats`` times (kilobytes of one pattern:
    the shape that makes backtracking regular expressions and quadratic loops slow)."""
    return st.builds(
        lambda piece, count: piece * count,
        st.one_of(st.sampled_from(WORDS), hostile_text(max_size=4)),
        st.integers(1, max_repeats),
    )
