"""How precise the engine's bands have been against reviewers' decisions, per partner source.

A confirmed or rejected pair is a label. Counting them per source and band tells a supervisor
whether "likely" still means what it says for a given list (a source with unusual noise shows
here first). The same decisions are labels for a full run's learning
(:func:`reviewer_labels`, :mod:`app.matching.learning`): the estimates of each source are
refined by what its reviewers said."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.matching.models import CandidateStatus, MatchCandidate
from app.records.models import PartnerRecord, PartnerSource

__all__ = ["BandRecord", "reviewed_precision", "reviewer_labels"]


@dataclass(frozen=True, slots=True)
class BandRecord:
    """Reviewers' decisions on one source's pairs of one band."""

    confirmed: int = 0
    rejected: int = 0

    @property
    def decided(self) -> int:
        return self.confirmed + self.rejected

    @property
    def precision(self) -> float | None:
        """Share of the decided pairs that were the same person (None: none decided)."""
        return self.confirmed / self.decided if self.decided else None


@dataclass(frozen=True, slots=True)
class SourceReview:
    source_id: int
    source_name: str
    likely: BandRecord
    possible: BandRecord


def reviewed_precision() -> list[SourceReview]:
    """Per partner source with decided pairs: confirmed and rejected, likely and possible.

    A pair counts in the band it was in when last scored (proposals are re-scored by each run
    until someone decides them)."""
    decided = (CandidateStatus.CONFIRMED.value, CandidateStatus.REJECTED.value)
    rows = db.session.execute(
        select(
            PartnerSource.id,
            PartnerSource.name,
            MatchCandidate.likely,
            MatchCandidate.status,
            func.count(),
        )
        .join(PartnerRecord, PartnerRecord.id == MatchCandidate.record_id)
        .join(PartnerSource, PartnerSource.id == PartnerRecord.source_id)
        .where(MatchCandidate.status.in_(decided))
        .group_by(
            PartnerSource.id, PartnerSource.name, MatchCandidate.likely, MatchCandidate.status
        )
    )
    counts: dict[tuple[int, str], dict[tuple[bool, str], int]] = {}
    for source_id, name, likely, status, count in rows:
        counts.setdefault((source_id, name), {})[(bool(likely), status)] = count

    def band(by: dict[tuple[bool, str], int], likely: bool) -> BandRecord:
        return BandRecord(
            confirmed=by.get((likely, CandidateStatus.CONFIRMED.value), 0),
            rejected=by.get((likely, CandidateStatus.REJECTED.value), 0),
        )

    return [
        SourceReview(source_id, name, band(by, True), band(by, False))
        for (source_id, name), by in sorted(counts.items(), key=lambda item: item[0][1])
    ]


def reviewer_labels() -> dict[tuple[Hashable, Hashable], bool]:
    """Every decided case–record pair, keyed as a run keys its entities (``("case", id)``,
    ``("record", id)``): True where a reviewer confirmed it, False where one rejected it."""
    rows = db.session.execute(
        select(MatchCandidate.case_id, MatchCandidate.record_id, MatchCandidate.status).where(
            MatchCandidate.status.in_(
                (CandidateStatus.CONFIRMED.value, CandidateStatus.REJECTED.value)
            ),
            MatchCandidate.record_id.is_not(None),
        )
    )
    return {
        (("case", case_id), ("record", record_id)): status == CandidateStatus.CONFIRMED.value
        for case_id, record_id, status in rows
    }
