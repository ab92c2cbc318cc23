"""Stored match candidates, the runs that made them, and what the runs remember."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import TZDateTime, created_at, intpk, utcnow
from app.extensions import Model

if TYPE_CHECKING:
    from app.auth.models import User
    from app.cases.models import Case
    from app.records.models import PartnerRecord


class CandidateStatus(StrEnum):
    PROPOSED = "proposed"  # the engine's proposal, waiting for a person
    AWAITING_APPROVAL = "awaiting_approval"  # a caseworker confirmed; a supervisor must approve
    CONFIRMED = "confirmed"  # the same person: the record is linked (or the cases merged)
    REJECTED = "rejected"  # not the same person; never proposed again


class CandidateKind(StrEnum):
    RECORD = "record"  # a partner record that may be this case's person
    CASE = "case"  # another case that may be the same person (a duplicate report)


class MatchCandidate(Model):
    """A pair the engine found worth a look: a case and a partner record, or two cases.

    For two cases, ``case_id`` is the older case (the smaller id) and ``other_case_id`` the
    newer, so a pair is stored once. ``rank`` orders a case's record candidates, 1 the best.
    """

    __tablename__ = "match_candidate"
    __table_args__ = (
        UniqueConstraint("case_id", "record_id", name="uq_match_candidate_case_record"),
        UniqueConstraint("case_id", "other_case_id", name="uq_match_candidate_case_other"),
        CheckConstraint("(record_id IS NULL) <> (other_case_id IS NULL)", name="one_counterpart"),
        CheckConstraint(
            "status IN ('proposed', 'awaiting_approval', 'confirmed', 'rejected')",
            name="status_known",
        ),
        CheckConstraint("score >= 0 AND score <= 1", name="score_range"),
        Index("ix_match_candidate_record_id", "record_id"),
        Index("ix_match_candidate_other_case_id", "other_case_id"),
    )
    __audit_ignore__ = frozenset({"updated_at", "explanation", "rank", "score", "likely"})

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("partner_record.id"))
    other_case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    score: Mapped[float]
    rank: Mapped[int] = mapped_column(default=0)
    likely: Mapped[bool] = mapped_column(default=False)
    # app.matching.scoring.Match.explanation(): score, bits, capped, fields[{field, a, b, ...}]
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=CandidateStatus.PROPOSED.value)
    review_reason: Mapped[str] = mapped_column(Text, default="")
    # Asked for by the confirming caseworker: move the case to "located" once approved.
    advance_status: Mapped[bool] = mapped_column(default=False)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship(foreign_keys=[case_id])
    record: Mapped[PartnerRecord | None] = relationship()
    other_case: Mapped[Case | None] = relationship(foreign_keys=[other_case_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def kind(self) -> CandidateKind:
        return CandidateKind.RECORD if self.record_id is not None else CandidateKind.CASE

    @property
    def band(self) -> str:
        return "likely" if self.likely else "possible"

    def counterpart_of(self, case: Case) -> Case | None:
        """For a pair of cases, the case that is not ``case``."""
        if self.other_case_id is None:
            return None
        return self.other_case if case.id == self.case_id else self.case

    def __repr__(self) -> str:
        return f"<MatchCandidate {self.id} {self.status}>"


# The review queue: a band of a status in score order, read a page at a time from the index
# without sorting the band (tens of thousands of candidates nationally). Both columns ascend:
# best first (``-score``: score DESC, id DESC, app/matching/review.py) reads it backwards, worst
# first forwards. With score DESC and id ascending, best first had to sort every tie of the
# band's scores again (a temporary b-tree): 150-300 ms a page at 33,000 likely proposals.
Index(
    "ix_match_candidate_queue",
    MatchCandidate.status,
    MatchCandidate.likely,
    MatchCandidate.score,
    MatchCandidate.id,
)


class RunStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class MatchingRun(Model):
    """One run of the engine: what it looked at, what it found, how long it took."""

    __tablename__ = "matching_run"
    __audited__ = False  # a run writes one explicit audit event with its counts
    __table_args__ = (
        CheckConstraint("status IN ('running', 'done', 'failed')", name="status_known"),
    )

    id: Mapped[intpk]
    full: Mapped[bool] = mapped_column(default=False)
    trigger: Mapped[str] = mapped_column(String(20), default="manual")  # import / cli / manual
    status: Mapped[str] = mapped_column(String(10), default=RunStatus.RUNNING.value, index=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # "host:pid" of the process doing the run, to tell a dead run from a slow one.
    runner: Mapped[str | None] = mapped_column(String(100))
    # Everything at or after this moment counted as new or changed (None: everything).
    since: Mapped[datetime | None] = mapped_column(TZDateTime)
    cases_checked: Mapped[int] = mapped_column(default=0)
    records_checked: Mapped[int] = mapped_column(default=0)
    pairs_scored: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    removed: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[float] = mapped_column(default=0.0)
    error: Mapped[str] = mapped_column(Text, default="")
    # What the run learnt from its data and scored with: the prior odds and the expected number
    # of true pairs they came from (app.matching.calibration.PriorEstimate.as_dict()).
    calibration: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    started_by: Mapped[User | None] = relationship()

    @property
    def job_key(self) -> str:
        return self.key_for(self.id)

    @staticmethod
    def key_for(run_id: int) -> str:
        """The key of a run's job (progress, liveness) before its row is loaded."""
        return f"matching-{run_id}"

    def summary(self) -> str:
        """One line for the command line: what the run checked and stored."""
        if self.status != RunStatus.DONE:
            return f"Matching run {self.id} failed ({self.error}); nothing was stored."
        kind = "full" if self.full else "new and changed only"
        return (
            f"Matching run {self.id} ({kind}): {self.cases_checked} cases and "
            f"{self.records_checked} records checked, {self.pairs_scored} pairs scored; "
            f"candidates {self.created} new, {self.updated} re-scored, {self.removed} removed "
            f"in {self.seconds:.1f} s"
        )

    def __repr__(self) -> str:
        return f"<MatchingRun {self.id} {self.status}>"


class MatchingState(Model):
    """What incremental runs need from the last full one: how common each name and place is
    among partner records (the ``u`` of the scoring), and how many true pairs a case has (the
    prior). One row."""

    __tablename__ = "matching_state"
    __audited__ = False

    id: Mapped[intpk]
    frequencies: Mapped[dict[str, Any]] = mapped_column(JSON)
    records_counted: Mapped[int] = mapped_column(default=0)
    # The highest partner record id the frequencies have counted: an incremental run re-reads
    # a little before its start (an import that ended during the last run), and must not count
    # those records a second time (twice the records would lower every later prior by a bit).
    counted_through_id: Mapped[int | None]
    # True pairs per open case that the last full run estimated: an incremental run's prior is
    # this rate over today's number of records (app.matching.calibration.prior_for_rate).
    true_pairs_per_case: Mapped[float | None]
    # What the last full run learnt from each partner source, by source id: its m and family
    # caps and from how many pairs (app.matching.learning); incremental runs score with them.
    parameters: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)


class GivenNameEntry(Model):
    """A given name added by an admin to the shipped table (app/names/data/given_names.csv):
    a local spelling or diminutive the table lacks. Same columns as the CSV."""

    __tablename__ = "given_name_entry"

    id: Mapped[intpk]
    canonical: Mapped[str] = mapped_column(String(100))
    sex: Mapped[str] = mapped_column(String(1))  # "m" or "f"
    variants: Mapped[str] = mapped_column(String(500), default="")  # separated by "|"
    diminutives: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]
    __table_args__ = (
        CheckConstraint("sex IN ('m', 'f')", name="sex_known"),
        UniqueConstraint("canonical", "sex", name="uq_given_name_entry_canonical_sex"),
    )
