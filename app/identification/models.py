"""What DNA identification stores: frequency tables, reference samples, remains profiles,
screening runs and their proposals.

Profiles are JSON objects ``{marker: [allele, allele]}`` in app.dna's canonical spelling. They
are read only through :mod:`app.identification.services`, which audits every view.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import TZDateTime, created_at, intpk
from app.dna.kinship import Relationship
from app.extensions import Model

if TYPE_CHECKING:
    from app.auth.models import User
    from app.cases.models import Case, Relative
    from app.exchanges.models import ExchangeRemains


def _sql_in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in enum)})"


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ProposalBand(StrEnum):
    PROPOSED = "proposed"
    POSSIBLE = "possible"


class ProposalStatus(StrEnum):
    OPEN = "open"  # for a DNA reviewer to look at
    FORWARDED = "forwarded"  # handed to the remains link as a proposal (two-person rule)


class FrequencyTableRecord(Model):
    """An allele frequency table as app.dna.frequencies read it; screening uses the active one."""

    __tablename__ = "dna_frequency_table"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[created_at]
    # {"markers": {marker: {"n": int | null, "frequencies": {allele: p}}}, "minimum": p | null}
    table: Mapped[dict[str, Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=False)

    uploaded_by: Mapped[User | None] = relationship()


class ReferenceSample(Model):
    """A relative's sample for a case, with their consent; its profile arrives later, from the
    laboratory's file, by the sample number."""

    __tablename__ = "dna_reference_sample"
    __table_args__ = (
        UniqueConstraint("lab_sample_number", name="uq_dna_reference_sample_lab_sample_number"),
        CheckConstraint(_sql_in("relationship_kind", Relationship), name="relationship_known"),
        Index("ix_dna_reference_sample_case_id", "case_id"),
    )
    # Profiles are not audited field by field (the import writes its own event); reads are.
    __audit_ignore__ = frozenset({"profile"})

    id: Mapped[intpk]
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"))
    relative_id: Mapped[int | None] = mapped_column(ForeignKey("relative.id", ondelete="SET NULL"))
    relationship_kind: Mapped[str] = mapped_column(String(30))
    lab_sample_number: Mapped[str] = mapped_column(String(50))
    consent_given_on: Mapped[date] = mapped_column(Date)
    consent_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    profile: Mapped[dict[str, list[str]] | None] = mapped_column(JSON)
    profile_received_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    created_at: Mapped[created_at]

    case: Mapped[Case] = relationship()
    relative: Mapped[Relative | None] = relationship()
    consent_recorded_by: Mapped[User | None] = relationship()


class RemainsProfile(Model):
    """The profile of one repatriated remains, attached by its laboratory sample number."""

    __tablename__ = "dna_remains_profile"
    __table_args__ = (UniqueConstraint("remains_id", name="uq_dna_remains_profile_remains"),)
    __audit_ignore__ = frozenset({"profile"})

    id: Mapped[intpk]
    remains_id: Mapped[int] = mapped_column(ForeignKey("exchange_remains.id", ondelete="CASCADE"))
    profile: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    received_at: Mapped[created_at]
    # The sex the laboratory's amelogenin shows ("male", "female", "" if not typed): screening
    # weighs it before the sex the other side wrote (app.dna.evidence).
    lab_sex: Mapped[str] = mapped_column(String(10), default="", server_default="")

    remains: Mapped[ExchangeRemains] = relationship()


class ScreeningRun(Model):
    """One screening of every remains profile against every family, and what it found."""

    __tablename__ = "dna_screening_run"
    __table_args__ = (CheckConstraint(_sql_in("status", RunStatus), name="status_known"),)

    id: Mapped[intpk]
    status: Mapped[str] = mapped_column(String(10), default=RunStatus.QUEUED.value)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    frequency_table_id: Mapped[int | None] = mapped_column(ForeignKey("dna_frequency_table.id"))
    remains_count: Mapped[int] = mapped_column(default=0)
    families_count: Mapped[int] = mapped_column(default=0)
    proposals_count: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[float | None]
    prior: Mapped[float | None]
    # The consistency checks' findings: [{"code", "subjects": [...], "loci": [...]}]
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Families not screened, and why: {case id: [problem, ...]}
    skipped: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(String(200), default="")
    # Who runs it (app.jobs.runner_id) and since when: a run whose process died is marked
    # failed ("interrupted") by app.jobs.mark_interrupted, never left running.
    runner: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    started_by: Mapped[User | None] = relationship()

    @property
    def job_key(self) -> str:
        return self.key_for(self.id)

    @staticmethod
    def key_for(run_id: int) -> str:
        """The key of a run's job (progress, liveness) before its row is loaded."""
        return f"dna-screening-{run_id}"


class IdentificationProposal(Model):
    """A (remains, case) pair a screening found supportive, with its evidence."""

    __tablename__ = "dna_proposal"
    __table_args__ = (
        UniqueConstraint("run_id", "remains_id", "case_id", name="uq_dna_proposal_pair"),
        CheckConstraint(_sql_in("band", ProposalBand), name="band_known"),
        CheckConstraint(_sql_in("status", ProposalStatus), name="status_known"),
        Index("ix_dna_proposal_case_id", "case_id"),
    )

    id: Mapped[intpk]
    run_id: Mapped[int] = mapped_column(ForeignKey("dna_screening_run.id", ondelete="CASCADE"))
    remains_id: Mapped[int] = mapped_column(ForeignKey("exchange_remains.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"))
    log10_lr: Mapped[float]
    posterior: Mapped[float]
    band: Mapped[str] = mapped_column(String(10))
    rank: Mapped[int] = mapped_column(default=1)
    # app.dna.explain's notes: [{"marker", "status", "remains", "log10_lr", "shared", "mutation"}]
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # app.dna.evidence's notes for the name, sex, age and region:
    # [{"factor", "code", "log10_lr", "remains", "case"}]
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    # The DNA's and the other evidence's log10 LR together: what orders a band's pairs.
    combined_log10_lr: Mapped[float | None]
    # app.dna.evidence.Flag: "contradicted" when the DNA proposed it but the other evidence
    # contradicts it (the band is then "possible", for review).
    flag: Mapped[str] = mapped_column(String(20), default="", server_default="")
    status: Mapped[str] = mapped_column(String(10), default=ProposalStatus.OPEN.value)
    forwarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    forwarded_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    run: Mapped[ScreeningRun] = relationship()
    remains: Mapped[ExchangeRemains] = relationship()
    case: Mapped[Case] = relationship()
    forwarded_by: Mapped[User | None] = relationship()
