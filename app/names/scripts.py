"""A person's name written the way the other side writes and searches it. Pure.

An exchange's list goes to the other side, who search their registers in Russian Cyrillic or in
Latin letters. ``convert_name(text, part, script)`` writes one name field (``"family"``,
``"given"`` or ``"patronymic"``) in one of :class:`Script`:

``as_written``      unchanged.
``ru``              Russian conventions (below).
``latin_uk2010``    the Ukrainian national romanisation (Cabinet of Ministers resolution 55 of
                    27 January 2010, the passport system), applied to the name as written.
``latin_bgn``       BGN/PCGN (1947) romanisation of Russian, applied to the Russian form.

A word that is already Latin stays as it is in every script; a word already in Russian (it has
ы, э, ъ or ё) stays as it is in ``ru`` and is romanised as written. Words are converted one at a
time (hyphenated and double names too); case is kept (ОЛЕНА -> ЕЛЕНА, Олена -> Елена).

Russian conventions
-------------------
Given names go through the given-name table (``data/given_names.csv``): a Ukrainian form
becomes the row's Russian form (Олександр -> Александр, Микола -> Николай, Олена -> Елена,
Ганна -> Анна). A spelling that is not the row's Ukrainian form (Саша, Александр, Никита)
is left alone: it is either Russian already or a nickname the family gave.

Patronymics are rebuilt from the father's name when the table knows it, with the Russian rules
for patronymics (Миколайович -> Николаевич, Сергіївна -> Сергеевна, Юрійович -> Юрьевич,
Дмитрович -> Дмитриевич, Ігорович -> Игоревич, Петрович stays, Павлович stays, Іллівна ->
Ильинична). Otherwise the Ukrainian endings are swapped (‑йович -> ‑евич, ‑ївна -> ‑евна, ‑івна
-> ‑овна) and the letter rules below apply to the rest.

Surnames (and names the table does not know) by letter rules:

- і -> и; ї -> йи at the start of a word, и elsewhere; є -> е; ґ -> г; ьо -> ё
  (Ковальов -> Ковалёв);
- the apostrophe is dropped (П'ятниця -> Пятница), except after р, where Russian needs ь to keep
  the sound (Мар'яна -> Марьяна, Григор'єв -> Григорьев);
- a Ukrainian е at the start of a word (or after a vowel) is the sound Russian writes э
  (Еней -> Эней), but only in a word that shows Ukrainian letters: a word without them may
  be written in Russian already (Егоров), where the е is right;
- ‑ій‑ before a consonant is Russian ‑ей‑ (Олійник -> Олейник, Корнійчук -> Корнейчук);
- adjective surnames take Russian endings: ‑ський -> ‑ский, ‑ська -> ‑ская, ‑цький -> ‑цкий,
  ‑цька -> ‑цкая (Ковальський -> Ковальский, Білецька -> Билецкая);
- ц is hard in Russian: ця -> ца, цю -> цу, ць -> ц (П'ятниця -> Пятница, Кравець -> Кравец).

Limits, on purpose
~~~~~~~~~~~~~~~~~~
- Ukrainian и stays и. Rewriting every и as ы (as a letter-for-letter rule would) makes
  Тимошенко, Мельник and Литвиненко unrecognisable: Russian writes them with и. Only the few
  roots where Russian writes ы in the everyday word and hence in the surname are rewritten
  (Лисенко -> Лысенко, Рибак -> Рыбак, Бик -> Бык...: :data:`_Y_ROOTS`).
- Vowel alternations of a root (Білий/Белый, Чорний/Черный, Федір/Фёдор, Петрів/Петров)
  are not guessed: the result is a faithful letter transfer, not the Russian cognate.
- е/є/э: only the rule above; a Ukrainian е in the middle of a word is kept as е (Russian reads
  it as the same vowel after a consonant).
- BGN/PCGN is applied without its optional separator dot (т·с); ь and ъ are written ʼ and ˮ.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from typing import Literal

from app.names.given import (
    GivenName,
    given_name_keys,
    given_name_row,
    given_names_version,
    patronymic_parts,
)
from app.names.text import CACHE_SIZE, fold, has_cyrillic, language_of

__all__ = [
    "NamePart",
    "Script",
    "convert_name",
    "romanise_russian",
    "romanise_ukrainian",
    "russian_patronymic",
    "to_russian",
]

NamePart = Literal["family", "given", "patronymic"]


class Script(StrEnum):
    AS_WRITTEN = "as_written"
    RUSSIAN = "ru"
    LATIN_NATIONAL = "latin_uk2010"
    LATIN_BGN = "latin_bgn"


# A word: letters, with apostrophes inside (Мар'яна). Everything else is kept as it stands.
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’ʼ`][^\W\d_]+)*")
_APOSTROPHES = "'’ʼ`"
_UK_LETTERS = frozenset("іїєґ")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_VOWELS = frozenset("аеєиіїоуюяыэё")


def _restore_case(original: str, converted: str) -> str:
    """The converted word in the original's case: ОЛЕНА -> ЕЛЕНА, Олена -> Елена."""
    letters = [ch for ch in original if ch.isalpha()]
    if len(letters) > 1 and all(ch.isupper() for ch in letters):
        return converted.upper()
    if original[:1].isupper():
        return converted[:1].upper() + converted[1:]
    return converted


# --- Russian ----------------------------------------------------------------------------------

# Roots where Russian writes ы (the everyday word), at the start of a surname.
_Y_ROOTS = (
    ("лис", "лыс"),
    ("риб", "рыб"),
    ("бик", "бык"),
    ("сир", "сыр"),
    ("дим", "дым"),
    ("бил", "был"),
    ("ків", "кив"),
)
_IJ_BEFORE_CONSONANT_RE = re.compile(r"(?<=\w)ій(?=[бвгґджзклмнпрстфхцчшщ])")
_ADJECTIVE_ENDINGS = (
    ("цький", "цкий"),
    ("цька", "цкая"),
    ("ський", "ский"),
    ("ська", "ская"),
    ("зький", "зкий"),
    ("зька", "зкая"),
)
# Russian ц is hard: no я, ю or ь after it (Пятниця -> Пятница, Кравець -> Кравец).
_HARD_TS = (("ця", "ца"), ("цю", "цу"), ("ць", "ц"))


def _letters_to_russian(word: str, *, surname: bool) -> str:
    """The letter rules of the module docstring, on a lowercase word."""
    ukrainian = bool(set(word) & _UK_LETTERS) or any(a in word for a in _APOSTROPHES)
    if surname:
        for ukrainian_ending, russian_ending in _ADJECTIVE_ENDINGS:
            if word.endswith(ukrainian_ending) and len(word) > len(ukrainian_ending) + 1:
                word = word[: -len(ukrainian_ending)] + russian_ending
                break
        for root, russian_root in _Y_ROOTS:
            if word.startswith(root) and len(word) > len(root) + 1:
                word = russian_root + word[len(root) :]
                break
        word = _IJ_BEFORE_CONSONANT_RE.sub("ей", word)
    for ukrainian_pair, russian_pair in _HARD_TS:
        if ukrainian_pair in word:
            word = word.replace(ukrainian_pair, russian_pair)
    out: list[str] = []
    previous = ""
    for index, ch in enumerate(word):
        if ch in _APOSTROPHES:
            previous = ch
            if out and out[-1] == "р":
                out.append("ь")
            continue
        if ch == "і":
            out.append("и")
        elif ch == "ї":
            out.append("йи" if index == 0 else "и")
        elif ch == "є":
            out.append("е")
        elif ch == "ґ":
            out.append("г")
        elif ch == "о" and previous == "ь":
            out[-1] = "ё"
        elif ch == "е" and ukrainian and (index == 0 or previous in _VOWELS):
            out.append("э")
        else:
            out.append(ch)
        previous = ch
    return "".join(out)


# Where the table's first Russian-looking spelling is not the everyday Russian form (it lists an
# older or church form, or a Ukrainian alternative, first).
_RUSSIAN_FORM_OVERRIDES = {
    "anton": "Антон",
    "klym": "Клим",
    "stepan": "Степан",
    "aryna": "Арина",
    "daria": "Дарья",
    "rustam": "Рустам",
    "akhmed": "Ахмед",
    "leila": "Лейла",
    "nelia": "Неля",
}


def _russian_form(row: GivenName) -> str | None:
    """The row's Russian spelling: the override, or the first Cyrillic variant after the
    Ukrainian one with no Ukrainian-only letter; None when the row gives none (Богдан is
    written so in both)."""
    if row.canonical in _RUSSIAN_FORM_OVERRIDES:
        return _RUSSIAN_FORM_OVERRIDES[row.canonical]
    for variant in row.variants[1:]:
        ukrainian = set(variant.lower()) & _UK_LETTERS or any(a in variant for a in _APOSTROPHES)
        if _CYRILLIC_RE.search(variant) and not ukrainian:
            return variant
    return None


def _given_to_russian(word: str) -> str:
    folded = fold(word)
    forms = set()
    for key in given_name_keys(word):
        row = given_name_row(key)
        if row is None or not row.variants or fold(row.variants[0]) != folded:
            continue
        forms.add(_russian_form(row) or row.variants[0])
    if len(forms) == 1:
        return _restore_case(word, forms.pop())
    if forms or _is_listed_spelling(word):
        return word  # already Russian, a nickname, or two rows disagree: not ours to choose
    return _restore_case(word, _letters_to_russian(word.lower(), surname=False))


def _is_listed_spelling(word: str) -> bool:
    folded = fold(word)
    for key in given_name_keys(word):
        row = given_name_row(key)
        if row and any(fold(v) == folded for v in (*row.variants, *row.diminutives)):
            return True
    return False


_PATRONYMIC_ENDINGS = ("ович", "евич", "йович", "івна", "ївна", "овна", "евна", "ична")
# Russian patronymics that do not follow the endings (stem for -ович/-овна, or both forms).
_PATRONYMIC_STEMS = {"Лев": "Львов", "Павел": "Павлов", "Пётр": "Петров", "Петр": "Петров"}
_PATRONYMIC_WHOLE = {
    "Илья": ("Ильич", "Ильинична"),
    "Фома": ("Фомич", "Фоминична"),
    "Кузьма": ("Кузьмич", "Кузьминична"),
    "Лука": ("Лукич", "Лукинична"),
    "Яков": ("Яковлевич", "Яковлевна"),
}
_RU_VOWELS = frozenset("аеёиоуыэюя")


def russian_patronymic(father: str, female: bool) -> str:
    """The Russian patronymic from a Russian given name: Николай -> Николаевич/Николаевна,
    Юрий -> Юрьевич, Дмитрий -> Дмитриевич, Игорь -> Игоревич, Никита -> Никитич/Никитична."""
    if father in _PATRONYMIC_WHOLE:
        return _PATRONYMIC_WHOLE[father][female]
    if father in _PATRONYMIC_STEMS:
        stem = _PATRONYMIC_STEMS[father]
    elif father.endswith("ий") and len(father) > 3:
        # Юрий -> Юрьев-, but after two consonants и stays: Дмитрий -> Дмитриев-.
        lower = father.lower()
        single = lower[-3] not in _RU_VOWELS and lower[-4] in _RU_VOWELS
        stem = father[:-2] + ("ьев" if single else "иев")
    elif father.endswith("й") or father.endswith("ь"):
        stem = father[:-1] + "ев"
    elif father.endswith(("а", "я")):
        return father[:-1] + ("ична" if female else "ич")
    elif father[-1:] in "жшчщц":
        stem = father + "ев"
    else:
        stem = father + "ов"
    return stem + ("на" if female else "ич")


def _patronymic_to_russian(word: str) -> str:
    lower = word.lower()
    if not lower.endswith(_PATRONYMIC_ENDINGS):
        return _restore_case(word, _letters_to_russian(lower, surname=False))
    key, sex = patronymic_parts(word)
    female = sex == "f" if sex else lower.endswith("на")
    row = given_name_row(key)
    father = _russian_form(row) or row.variants[0] if row and row.variants else None
    if father and not set(father.lower()) & _UK_LETTERS:
        return _restore_case(word, russian_patronymic(father, female).lower())
    if language_of(word) != "uk":
        return word
    for ukrainian_ending, russian_ending in (("йович", "евич"), ("ївна", "евна"), ("івна", "овна")):
        if lower.endswith(ukrainian_ending):
            stem = _letters_to_russian(lower[: -len(ukrainian_ending)], surname=False)
            return _restore_case(word, stem + russian_ending)
    return _restore_case(word, _letters_to_russian(lower, surname=False))


def _word_to_russian(word: str, part: NamePart) -> str:
    if not has_cyrillic(word) or language_of(word) == "ru":
        return word
    if part == "given":
        return _given_to_russian(word)
    if part == "patronymic":
        return _patronymic_to_russian(word)
    return _restore_case(word, _letters_to_russian(word.lower(), surname=True))


def to_russian(text: str, part: NamePart) -> str:
    """One name field in Russian conventions (module docstring)."""
    return _to_russian(text, part, given_names_version())


@lru_cache(maxsize=CACHE_SIZE)
def _to_russian(text: str, part: NamePart, _table_version: int) -> str:
    # Cached per version of the given-name table: a row an admin adds is used at once.
    return _WORD_RE.sub(lambda match: _word_to_russian(match.group(), part), text)


# --- Latin ------------------------------------------------------------------------------------

# Ukrainian national system (2010): (at the start of a word, elsewhere). ы э ё ъ for words
# written in Russian, which the national table does not cover.
_UK2010: dict[str, tuple[str, str]] = {
    **{c: (r, r) for c, r in zip("абвгґдежзиіклмнопрстуфхцчшщ", [
        "a", "b", "v", "h", "g", "d", "e", "zh", "z", "y", "i", "k", "l", "m", "n", "o", "p",
        "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch"], strict=True)},
    "є": ("ye", "ie"), "ї": ("yi", "i"), "й": ("y", "i"), "ю": ("yu", "iu"), "я": ("ya", "ia"),
    "ь": ("", ""), "ъ": ("", ""), "ы": ("y", "y"), "э": ("e", "e"), "ё": ("yo", "io"),
}  # fmt: skip
# BGN/PCGN (Russian): е and ё are ye/yë at the start, after a vowel, й, ъ or ь.
_BGN: dict[str, str] = {
    **dict(zip("абвгдзийклмнопрстуфыэ", "abvgdziyklmnoprstufye", strict=True)),
    "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ю": "yu", "я": "ya",
    "ъ": "ˮ", "ь": "ʼ", "е": "e", "ё": "ë",
    # Ukrainian letters left in a word the Russian rules did not touch.
    "і": "i", "ї": "yi", "є": "ye", "ґ": "g",
}  # fmt: skip
_BGN_Y_AFTER = frozenset("аеёиоуыэюяйъь")


def _latin_case(original: str, converted: list[tuple[str, bool]]) -> str:
    """Latin letters in the case of the Cyrillic ones they came from (Щур -> Shchur, ЩУР ->
    SHCHUR)."""
    letters = [ch for ch in original if ch.isalpha()]
    if len(letters) > 1 and all(ch.isupper() for ch in letters):
        return "".join(part for part, _upper in converted).upper()
    return "".join(part[:1].upper() + part[1:] if upper else part for part, upper in converted)


def _word_uk2010(word: str) -> str:
    if not has_cyrillic(word):
        return word
    lower = word.lower()
    parts: list[tuple[str, bool]] = []
    for index, ch in enumerate(lower):
        if ch in _APOSTROPHES:
            continue
        if ch == "г" and index > 0 and lower[index - 1] == "з":
            parts.append(("gh", word[index].isupper()))  # зг is zgh, not zh (Zghurskyi)
            continue
        initial, elsewhere = _UK2010.get(ch, (ch, ch))
        parts.append((initial if index == 0 else elsewhere, word[index].isupper()))
    return _latin_case(word, parts)


def _word_bgn(word: str) -> str:
    if not has_cyrillic(word):
        return word
    lower = word.lower()
    parts: list[tuple[str, bool]] = []
    for index, ch in enumerate(lower):
        if ch in _APOSTROPHES:
            continue
        latin = _BGN.get(ch, ch)
        if ch in "её" and (index == 0 or lower[index - 1] in _BGN_Y_AFTER):
            latin = "y" + latin
        parts.append((latin, word[index].isupper()))
    return _latin_case(word, parts)


@lru_cache(maxsize=CACHE_SIZE)
def romanise_ukrainian(text: str) -> str:
    """The Ukrainian national romanisation of 2010 (KMU 55): Згурський -> Zghurskyi, Євген ->
    Yevhen, Мар'яна -> Mariana. Latin words stay."""
    return _WORD_RE.sub(lambda match: _word_uk2010(match.group()), text)


@lru_cache(maxsize=CACHE_SIZE)
def romanise_russian(text: str) -> str:
    """BGN/PCGN romanisation of Russian: Николаевич -> Nikolayevich, Ковалёв -> Kovalëv."""
    return _WORD_RE.sub(lambda match: _word_bgn(match.group()), text)


def convert_name(text: str, part: NamePart, script: Script | str) -> str:
    """One name field written in ``script`` (see the module docstring)."""
    script = Script(script)
    if not text or script is Script.AS_WRITTEN:
        return text
    if script is Script.RUSSIAN:
        return to_russian(text, part)
    if script is Script.LATIN_NATIONAL:
        return romanise_ukrainian(text)
    return romanise_russian(to_russian(text, part))
