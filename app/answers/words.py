"""The other side's answer words, in their spelling and script, read as one of our answers.

Pure: no Flask, no database. An answer file says what became of each person in a word or
two ("найден", "не знайдено", "deceased", "отказ", "передан"). :func:`read_answer` folds the
text (case, "ё", punctuation, repeated spaces) and looks it up among Russian, Ukrainian and
English words of each answer; a negated "found" ("не найдена", "not located") is "not found".
A word it does not know is no answer code: the line is then simply answered, and the word is
kept as written.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

__all__ = ["Answer", "read_answer"]


class Answer(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    DECEASED = "deceased"
    REFUSED = "refused"
    HANDED_OVER = "handed_over"


_FOUND = (
    "найден",
    "найдена",
    "найдено",
    "найдены",
    "обнаружен",
    "обнаружена",
    "разыскан",
    "разыскана",
    "установлен",
    "установлено местонахождение",
    "знайдено",
    "знайдений",
    "знайдена",
    "виявлено",
    "розшукано",
    "found",
    "located",
    "traced",
    "alive",
    "жив",
    "жива",
    "живий",
)
_WORDS: dict[Answer, tuple[str, ...]] = {
    Answer.FOUND: _FOUND,
    Answer.NOT_FOUND: (
        "нет данных",
        "нет сведений",
        "сведений нет",
        "не значится",
        "не числится",
        "немає даних",
        "даних немає",
        "не значиться",
        "unknown",
        "no information",
        "no record",
    ),
    Answer.DECEASED: (
        "умер",
        "умерла",
        "погиб",
        "погибла",
        "скончался",
        "скончалась",
        "помер",
        "померла",
        "загинув",
        "загинула",
        "deceased",
        "dead",
        "died",
        "killed",
    ),
    Answer.REFUSED: (
        "отказ",
        "отказано",
        "отказать",
        "відмова",
        "відмовлено",
        "refused",
        "refusal",
        "denied",
        "declined",
    ),
    Answer.HANDED_OVER: (
        "передан",
        "передана",
        "переданы",
        "передано",
        "возвращен",
        "возвращена",
        "переданий",
        "повернуто",
        "повернутий",
        "повернута",
        "handed over",
        "transferred",
        "returned",
        "repatriated",
    ),
}
_NEGATIONS = ("не ", "not ", "ні ")
_PUNCTUATION = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", text)).strip()


_LOOKUP = {_fold(word): answer for answer, words in _WORDS.items() for word in words}
_FOUND_FOLDED = {_fold(word) for word in _FOUND}


def read_answer(text: str) -> Answer | None:
    """The answer a status cell means, or None for an empty or unknown one."""
    folded = _fold(text)
    if not folded:
        return None
    if folded in _LOOKUP:
        return _LOOKUP[folded]
    for negation in _NEGATIONS:
        if folded.startswith(negation) and folded.removeprefix(negation) in _FOUND_FOLDED:
            return Answer.NOT_FOUND
    # "Найден, находится в ...": the first word carries the answer.
    first = folded.split(" ", 1)[0]
    return _LOOKUP.get(first)
