"""Fixtures for the review of matches: cases, partner records and stored candidates."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.matching.models import CandidateStatus, MatchCandidate
from app.records.models import PartnerRecord, PartnerSource

_sequence = itertools.count(1)


def explanation(score: float = 0.97, capped: str = "") -> dict[str, Any]:
    """An explanation as app.matching.scoring.Match.explanation() stores it (notes as codes)."""
    return {
        "score": score,
        "bits": 14.2,
        "prior_bits": -9.0,
        "capped": capped,
        "fields": [
            {
                "field": "family_name",
                "a": "Лисенко",
                "b": "ЛЫСЕНКО",
                "level": "same",
                "note": {
                    "code": "russian_spelling_of_ukrainian",
                    "left": "ЛЫСЕНКО",
                    "right": "Лисенко",
                    "sign": "≈",
                },
                "bits": 9.1,
            },
            {
                "field": "given_name",
                "a": "Олександр",
                "b": "Александр",
                "level": "same",
                "note": {
                    "code": "russian_form_of_ukrainian",
                    "left": "Александр",
                    "right": "Олександр",
                    "sign": "=",
                },
                "bits": 6.3,
            },
            {
                "field": "date_of_birth",
                "a": "2014-03-12",
                "b": "2014-12-03",
                "level": "swapped",
                "note": {
                    "code": "day_month_swapped",
                    "left": "2014-12-03",
                    "right": "2014-03-12",
                    "sign": "/",
                },
                "bits": 1.4,
            },
            {
                "field": "place",
                "a": "Олешки",
                "b": "Херсон",
                "level": "different",
                "note": {
                    "code": "different_places",
                    "left": "Херсон",
                    "right": "Олешки",
                    "sign": "/",
                },
                "bits": -2.6,
            },
        ],
    }


def make_source(name: str = "Evacuation register (test)") -> PartnerSource:
    source = db.session.scalar(select(PartnerSource).where(PartnerSource.name == name))
    if source is None:
        source = PartnerSource(name=name)
        db.session.add(source)
        db.session.flush()
    return source


def make_record(source: PartnerSource | None = None, **fields: Any) -> PartnerRecord:
    external_id = fields.pop("external_id", f"R-{next(_sequence)}")
    fields.setdefault("family_name", "ЛЫСЕНКО")
    fields.setdefault("given_name", "Александр")
    fields.setdefault("current_location", "Таганрог")
    fields.setdefault("institution", "Детский дом № 3")
    record = PartnerRecord(
        source=source or make_source(),
        external_id=external_id,
        raw={"id": external_id},
        row_hash=external_id,
        **fields,
    )
    db.session.add(record)
    db.session.flush()
    return record


def make_candidate(case_id: int, record_id: int | None = None, **fields: Any) -> MatchCandidate:
    score = fields.pop("score", 0.97)
    fields.setdefault("likely", score >= 0.9)
    fields.setdefault("explanation", explanation(score))
    fields.setdefault("status", CandidateStatus.PROPOSED.value)
    candidate = MatchCandidate(case_id=case_id, record_id=record_id, score=score, **fields)
    db.session.add(candidate)
    db.session.flush()
    return candidate


@pytest.fixture
def make_match(app, make_case):
    """A case with one stored record candidate; returns ``{"case", "record", "candidate"}`` ids.

    ``owner`` is the case's caseworker (None: unassigned); other keywords go to the candidate.
    """

    def make(owner: str | None = "caseworker", case_fields=None, record_fields=None, **fields):
        case_id = make_case(owner=owner, **(case_fields or {}))
        with app.app_context():
            record = make_record(**(record_fields or {}))
            candidate = make_candidate(case_id, record.id, **fields)
            db.session.commit()
            return {"case": case_id, "record": record.id, "candidate": candidate.id}

    return make


@pytest.fixture
def make_duplicate_pair(app, make_case):
    """Two cases of the same child (the older first) and their stored candidate."""

    def make(owner: str | None = "caseworker", other_owner: str | None = "caseworker", **fields):
        older = make_case(owner=owner)
        newer = make_case(owner=other_owner, given_name="Сашко")
        with app.app_context():
            candidate = make_candidate(older, other_case_id=newer, **fields)
            db.session.commit()
            return {"case": older, "other_case": newer, "candidate": candidate.id}

    return make
