"""Splitting a full-name cell into family name, given name and patronymic; reading sex values.

The rule of :func:`split_full_name`, in order:

1. Tokens. The text is split on whitespace and commas. Punctuation around a token is removed
   (inner hyphens and apostrophes stay: "Іванова-Петренко", "Мар'яна"). Initials written
   together ("О.П.") become one token per letter. The original spelling and case of every
   part are kept; nothing is title-cased.
2. Upper-case family name. A token of two or more letters written entirely in capitals is the
   family name wherever it stands ("Олександр КОВАЛЕНКО", "KOVALENKO Oleksandr"); several
   adjacent capitalised tokens form one family name. The other tokens, in order, are the given
   name and the patronymic. The rule is skipped when every token is in capitals or the
   capitalised tokens are not adjacent.
3. Comma. "LYSENKO, Oleksandr" / "Лисенко, Олександр Петрович": what stands before the first
   comma is the family name; after it come the given name and the patronymic.
4. Three tokens. A patronymic (see :func:`app.names.given.looks_like_patronymic`) in the
   middle and not at the end means given-patronymic-family ("Олександр Петрович Коваленко").
   Otherwise Cyrillic names, and Latin names ending in a patronymic, are family-given-patronymic
   ("Коваленко Олександр Петрович", "Kovalenko Oleksandr Petrovych"). Other Latin names are
   given names followed by the family name ("Anna Maria Smith": given "Anna Maria").
5. Two tokens. If the second token is clearly a patronymic ("Олександр Петрович"), the name
   is given + patronymic with no family name. Cyrillic names are family-given
   ("Коваленко Олександр"), the order of Ukrainian and Russian lists, unless the second token
   has a typical surname ending and the first does not ("Олександр Коваленко"). Latin names
   are given-family ("Oleksandr Kovalenko").
6. One token is a given name: children who are too young to know more often know only that.
7. Four or more tokens: a patronymic at the end makes the last two tokens given name and
   patronymic and the rest the family name (double surnames); otherwise Cyrillic names are
   family name first and the rest given names, Latin names the last token as family name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from app.names.given import looks_like_patronymic
from app.names.text import has_cyrillic

__all__ = ["NameParts", "detect_sex_value", "split_full_name"]


@dataclass(frozen=True, slots=True)
class NameParts:
    """The parts of a person's name; a part that is absent is None."""

    family_name: str | None = None
    given_name: str | None = None
    patronymic: str | None = None


# Endings of common Ukrainian and Russian surnames, used only to order two Cyrillic tokens.
_SURNAME = re.compile(
    r"(?:енко|єнко|чук|щук|юк|ук|ський|цький|ська|цька|ов|ев|єв|ова|ева|єва|ін|їн|"
    r"ский|цкий|ская|цкая|ых|их|ишин|ишина)$",
    re.IGNORECASE,
)
_INITIALS = re.compile(r"(?:\w\.)+\w?\.?")
# Characters stripped from both ends of a token: punctuation, symbols, spaces, and the
# modifier-letter apostrophe (category Lm). Inner hyphens and apostrophes are kept.
_STRIP = "ʼ" + "".join(
    char for char in map(chr, range(0x20, 0x3000)) if unicodedata.category(char)[0] in "PSZ"
)
_MIN_SURNAME_LENGTH = 4


def _looks_like_surname(token: str) -> bool:
    return len(token) >= _MIN_SURNAME_LENGTH and bool(_SURNAME.search(token))


def _tokens(text: str) -> tuple[list[str], int | None]:
    """Tokens and the number of tokens before the first comma (None without a comma)."""
    tokens: list[str] = []
    comma_after: int | None = None
    for chunk_index, chunk in enumerate(text.split(",")):
        if chunk_index == 1 and tokens:
            comma_after = len(tokens)
        for raw in chunk.split():
            if _INITIALS.fullmatch(raw):
                tokens.extend(letter for letter in raw.split(".") if letter)
                continue
            token = raw.strip(_STRIP)
            if token:
                tokens.append(token)
    return tokens, comma_after


def _is_capitalised_family(token: str) -> bool:
    letters = [char for char in token if char.isalpha()]
    return len(letters) > 1 and all(char.isupper() for char in letters)


def _rest(tokens: list[str]) -> tuple[str | None, str | None]:
    """Given name and patronymic from the tokens that are not the family name."""
    if not tokens:
        return None, None
    if len(tokens) == 1:
        return tokens[0], None
    return " ".join(tokens[:-1]), tokens[-1]


def _parts(family: list[str], given: str | None, patronymic: str | None) -> NameParts:
    return NameParts(" ".join(family) or None, given or None, patronymic or None)


def split_full_name(text: str | None) -> NameParts:
    """Split a full-name cell into its parts by the rule in the module docstring."""
    if not text:
        return NameParts()
    tokens, comma_after = _tokens(unicodedata.normalize("NFC", text))
    if not tokens:
        return NameParts()
    cyrillic = has_cyrillic(" ".join(tokens))

    capitals = [index for index, token in enumerate(tokens) if _is_capitalised_family(token)]
    if capitals and len(capitals) < len(tokens):
        start, end = capitals[0], capitals[-1]
        if capitals == list(range(start, end + 1)):
            others = tokens[:start] + tokens[end + 1 :]
            return _parts(tokens[start : end + 1], *_rest(others))

    if comma_after is not None:
        return _parts(tokens[:comma_after], *_rest(tokens[comma_after:]))

    count = len(tokens)
    if count == 1:
        return NameParts(given_name=tokens[0])
    if count == 2:
        first, second = tokens
        if looks_like_patronymic(second):
            return NameParts(given_name=first, patronymic=second)
        if cyrillic:
            if _looks_like_surname(second) and not _looks_like_surname(first):
                return NameParts(family_name=second, given_name=first)
            return NameParts(family_name=first, given_name=second)
        return NameParts(family_name=second, given_name=first)
    if count == 3:
        first, middle, last = tokens
        if looks_like_patronymic(middle) and not looks_like_patronymic(last, short=cyrillic):
            return NameParts(family_name=last, given_name=first, patronymic=middle)
        if cyrillic or looks_like_patronymic(last):
            return NameParts(family_name=first, given_name=middle, patronymic=last)
        return NameParts(family_name=last, given_name=f"{first} {middle}")
    if looks_like_patronymic(tokens[-1], short=cyrillic):
        return _parts(tokens[:-2], tokens[-2], tokens[-1])
    if cyrillic:
        return _parts(tokens[:1], " ".join(tokens[1:]), None)
    return _parts(tokens[-1:], " ".join(tokens[:-1]), None)


_MALE = frozenset(
    {
        "ч",
        "чол",
        "чоловіча",
        "чоловічий",
        "чоловік",
        "хлопчик",
        "хлопець",
        "м",
        "муж",
        "мужской",
        "мужчина",
        "мальчик",
        "мал",
        "m",
        "male",
        "man",
        "boy",
    }
)
_FEMALE = frozenset(
    {
        "ж",
        "жін",
        "жіноча",
        "жіночий",
        "жінка",
        "дівчинка",
        "дів",
        "жен",
        "женский",
        "женщина",
        "девочка",
        "дев",
        "f",
        "female",
        "woman",
        "girl",
    }
)


def detect_sex_value(text: str | None) -> str | None:
    """ "male", "female" or None for a sex cell in Ukrainian, Russian or English.

    Ukrainian writes ч/ж (чол/жін), Russian м/ж (муж/жен); "м" is therefore male, and "ж" is
    female in both. Case, surrounding spaces and a trailing dot do not matter.
    """
    if not text:
        return None
    value = unicodedata.normalize("NFKC", text).casefold().strip().rstrip(".").strip()
    if value in _MALE:
        return "male"
    if value in _FEMALE:
        return "female"
    return None
