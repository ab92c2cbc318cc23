"""Hostile case and record values against the matching engine.

Cases are typed by people and records come from partner files, so any field may be empty,
None, kilobytes long, in any script, or a number no calendar has. Preparing, blocking,
scoring and explaining never raise; a score is a finite probability, the same whether the
inner loop or the explanation computed it; every explanation is JSON and renders in both
languages of the interface, read from either side.
"""

from __future__ import annotations

import json
import math
from datetime import date
from types import SimpleNamespace
from typing import Any

from flask_babel import force_locale
from hypothesis import given
from hypothesis import strategies as st

from app.matching.engine import link
from app.matching.entities import Features, from_case, from_record_row, prepare
from app.matching.explain import swap_sides
from app.matching.notes import render_capped, render_note, render_value
from app.matching.scoring import (
    NO_FREQUENCIES,
    POSSIBLE,
    Frequencies,
    Parameters,
    band,
    compare,
    quick_bits,
    to_score,
)
from tests.security.conftest import counted, database_settings
from tests.security.strategies import hostile_text, long_text

# Names and places: None, empty, hostile text, kilobytes, or something a real list holds.
TEXTS = st.one_of(
    st.none(),
    st.just(""),
    hostile_text(max_size=30),
    long_text(max_repeats=200),
    st.sampled_from(["Коваленко", "Лисенко", "ЛЫСЕНКО", "Олександр", "Сашко", "Олешки", "Херсон"]),
)
SEXES = st.one_of(st.none(), st.sampled_from(["male", "female", "m", "f", "unknown", ""]), TEXTS)
# Parts of dates: plausible ones, and any integer (a database holds what it was given).
PARTS = st.one_of(st.none(), st.integers(1, 31), st.integers(1900, 2100), st.integers())
AGES = st.one_of(st.none(), st.integers(0, 120), st.integers())
DAYS = st.one_of(st.none(), st.dates(), st.just(date(1, 1, 1)), st.just(date(9999, 12, 31)))


@st.composite
def cases(draw: st.DrawFn, key: int = 0) -> Any:
    """An object shaped like a ``Case``, as :func:`from_case` reads it."""
    aliases = draw(
        st.lists(
            st.builds(SimpleNamespace, family_name=TEXTS, given_name=TEXTS, patronymic=TEXTS),
            max_size=2,
        )
    )
    return SimpleNamespace(
        id=key,
        family_name=draw(TEXTS),
        given_name=draw(TEXTS),
        patronymic=draw(TEXTS),
        family_name_latin=draw(TEXTS),
        given_name_latin=draw(TEXTS),
        aliases=aliases,
        sex=draw(SEXES),
        dob_year=draw(PARTS),
        dob_month=draw(PARTS),
        dob_day=draw(PARTS),
        estimated_age=draw(AGES),
        age_estimated_on=draw(DAYS),
        place_of_birth=draw(TEXTS),
        last_known_place=draw(TEXTS),
        region=draw(TEXTS),
        document_number=draw(TEXTS),
        street_address=draw(TEXTS),
        postcode=draw(TEXTS),
    )


@st.composite
def record_rows(draw: st.DrawFn, key: int = 0) -> tuple[Any, ...]:
    """A row of ``RECORD_ROW`` values as a partner record stores them."""
    return (
        key,
        *(draw(TEXTS) for _ in range(3)),
        draw(SEXES),
        *(draw(PARTS) for _ in range(3)),
        draw(AGES),
        draw(DAYS),
        # places, region, document number, street address, postcode
        *(draw(TEXTS) for _ in range(6)),
    )


def _features(case: Any, row: tuple[Any, ...]) -> tuple[Features, Features]:
    return prepare(from_case(case)), prepare(from_record_row(row))


def _frequencies(kind: str, items: list[Features]) -> Frequencies:
    """No counts, counts of these few, or these counted as a big population (the u path)."""
    if kind == "none":
        return NO_FREQUENCIES
    freq = Frequencies.count(items)
    if kind == "population":
        freq.total = max(freq.total, 1000)
    return freq


def _render_everything(explanation: dict[str, Any]) -> list[str]:
    texts = [render_capped(explanation.get("capped"))]
    for item in explanation["fields"]:
        texts += [render_note(item["note"]), render_value(item["a"]), render_value(item["b"])]
    return texts


@database_settings(0.5)  # the app (its translations), not the database
@given(
    case=cases(),
    row=record_rows(key=1),
    kind=st.sampled_from(["none", "few", "population"]),
    caps=st.booleans(),
)
@counted
def test_any_pair_scores_a_finite_probability_and_explains_itself(
    app, case: Any, row: tuple[Any, ...], kind: str, caps: bool
) -> None:
    a, b = _features(case, row)
    freq = _frequencies(kind, [a, b])
    params = Parameters(sibling_cap=caps, namesake_cap=caps)
    match = compare(a, b, freq, params)
    assert math.isfinite(match.bits) and math.isfinite(match.score)
    assert 0.0 <= match.score <= 1.0
    assert match.band == band(match.score) in ("likely", "possible", None)
    # The inner loop stores the same score the explanation shows.
    bits, capped = quick_bits(a, b, freq, params)
    assert to_score(bits, capped=capped) == match.score
    explanation = json.loads(json.dumps(match.explanation(), ensure_ascii=False))
    with app.test_request_context():
        for locale in ("uk", "en"):
            with force_locale(locale):
                for text in _render_everything(explanation) + _render_everything(
                    swap_sides(explanation)
                ):
                    assert isinstance(text, str)


@given(
    left=st.lists(cases(), max_size=4),
    right=st.lists(record_rows(), max_size=6),
    explain=st.booleans(),
)
@counted
def test_linking_any_lists_keeps_ranked_candidates_above_the_threshold(
    left: list[Any], right: list[tuple[Any, ...]], explain: bool
) -> None:
    for number, case in enumerate(left):
        case.id = number
    entities = [from_case(case) for case in left]
    rows = [from_record_row((number, *row[1:])) for number, row in enumerate(right)]
    result = link(entities, rows, explain=explain)
    assert result.right_seen == len(rows)
    for key, found in result.candidates.items():
        assert key in {entity.key for entity in entities}
        assert [c.rank for c in found] == list(range(1, len(found) + 1))
        assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
        for candidate in found:
            assert POSSIBLE <= candidate.score <= 1.0
            assert (candidate.match is not None) == explain
