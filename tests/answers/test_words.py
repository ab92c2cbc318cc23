"""The other side's answer words, read in Russian, Ukrainian and English."""

from __future__ import annotations

import pytest

from app.answers.services import answer_moves
from app.answers.words import Answer, read_answer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Найден", Answer.FOUND),
        ("НАЙДЕНА.", Answer.FOUND),
        ("Найден, находится в детском доме № 3", Answer.FOUND),
        ("знайдено", Answer.FOUND),
        ("found", Answer.FOUND),
        ("не найден", Answer.NOT_FOUND),
        ("Не знайдено", Answer.NOT_FOUND),
        ("not found", Answer.NOT_FOUND),
        ("не значится", Answer.NOT_FOUND),
        ("умерла", Answer.DECEASED),
        ("Помер", Answer.DECEASED),
        ("deceased", Answer.DECEASED),
        ("отказ", Answer.REFUSED),
        ("Відмова", Answer.REFUSED),
        ("refused", Answer.REFUSED),
        ("передан", Answer.HANDED_OVER),
        ("Handed over", Answer.HANDED_OVER),
        ("возвращён", Answer.HANDED_OVER),
        ("", None),
        ("   ", None),
        ("уточняется", None),
    ],
)
def test_answer_words(text, expected):
    assert read_answer(text) == expected


@pytest.mark.parametrize(
    ("state", "answer", "moves"),
    [
        ("listed", "found", ["acknowledged", "answered"]),
        ("acknowledged", "found", ["answered"]),
        ("acknowledged", None, ["answered"]),
        ("listed", "handed_over", ["acknowledged", "answered", "handed_over"]),
        ("listed", "refused", ["refused"]),
        ("acknowledged", "not_found", ["not_found"]),
        # A death takes two people: the line is answered, the death proposed beside it.
        ("listed", "deceased", ["acknowledged", "answered"]),
    ],
)
def test_an_answer_moves_the_line_as_far_as_the_workflow_allows(state, answer, moves):
    assert answer_moves(state, answer) == moves
