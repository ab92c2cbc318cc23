"""Import batches (one per file imported) and the problems found on their rows."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from app.database import created_at, intpk
from app.extensions import Model
from app.imports.rows import CONVERTED_FIELDS

if TYPE_CHECKING:
    from app.auth.models import User
    from app.cases.models import SourceList
    from app.records.models import PartnerSource


class ImportKind(StrEnum):
    RECORDS = "records"  # partner records into a partner source
    CASES = "cases"  # cases into a source list


class BatchStatus(StrEnum):
    PENDING = "pending"  # uploaded, mapping not confirmed yet
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Severity(StrEnum):
    WARNING = "warning"  # the row was imported; a value was left empty or kept raw only
    REJECTED = "rejected"  # the row was not imported


COUNT_FIELDS = ("rows_read", "created", "updated", "unchanged", "rejected", "warnings")


class ImportBatch(Model):
    """One import of one file. Committed with status "running" before the rows are written;
    the rows, the counts and status "done" are committed together at the end, or not at all."""

    __tablename__ = "import_batch"
    # Not in the generic audit trail: an import writes one explicit "import" event with counts.
    __audited__ = False
    __table_args__ = (
        CheckConstraint("kind IN ('records', 'cases')", name="kind_known"),
        CheckConstraint("status IN ('pending', 'running', 'done', 'failed')", name="status_known"),
        CheckConstraint(
            "(kind = 'records' AND partner_source_id IS NOT NULL) OR "
            "(kind = 'cases' AND source_list_id IS NOT NULL)",
            name="target_given",
        ),
        Index("ix_import_batch_sha256", "sha256"),
    )

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(10))
    partner_source_id: Mapped[int | None] = mapped_column(ForeignKey("partner_source.id"))
    source_list_id: Mapped[int | None] = mapped_column(ForeignKey("source_list.id"))
    filename: Mapped[str] = mapped_column(String(255))
    # The upload on disk under instance/uploads/, a random name; None for command-line imports.
    stored_name: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    encoding: Mapped[str | None] = mapped_column(String(20))
    delimiter: Mapped[str | None] = mapped_column(String(1))
    headers: Mapped[list[str] | None] = mapped_column(JSON)
    # The field of each column, by position; null keeps a column in the raw row only.
    mapping: Mapped[list[Any] | None] = mapped_column(JSON)
    all_or_nothing: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default=BatchStatus.PENDING.value, index=True)
    rows_read: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    warnings: Mapped[int] = mapped_column(default=0)
    # Why the batch failed: a code of app.imports.problems.BatchError with its parameters,
    # worded when shown. ``error`` holds the reader's own sentence for a file that cannot be
    # read, and older versions' sentences; shown as written when there is no code.
    error: Mapped[str] = mapped_column(Text, default="")
    error_code: Mapped[str | None] = mapped_column(String(40))
    error_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # "host:pid" of the process running the import, to tell a live import from a killed one.
    runner: Mapped[str | None] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Who started (or last retried) the import: the owner or a supervisor. The audit event and
    # the cases' timeline name this person, who decided that the rows be written.
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    partner_source: Mapped[PartnerSource | None] = relationship()
    source_list: Mapped[SourceList | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id])
    problems: WriteOnlyMapped[ImportProblem] = relationship(
        back_populates="batch", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def target_name(self) -> str:
        target = self.partner_source if self.kind == ImportKind.RECORDS else self.source_list
        return target.name if target is not None else ""

    @property
    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNT_FIELDS}

    @property
    def job_key(self) -> str:
        return f"import:{self.id}"

    def __repr__(self) -> str:
        return f"<ImportBatch {self.id} {self.status}>"


class ImportProblem(Model):
    """A rejected row or a warning on an imported row: where, which column, what value, why.

    Why is a code (:class:`app.imports.rows.ProblemCode`) with its parameters, worded in the
    reader's language by :func:`app.imports.problems.problem_text`; rows written before the
    codes have only the English sentence in ``reason`` (and no code), shown as written."""

    __tablename__ = "import_problem"
    __audited__ = False  # derived from the file; the batch's import event covers it
    __table_args__ = (
        CheckConstraint("severity IN ('warning', 'rejected')", name="severity_known"),
        Index("ix_import_problem_batch_line", "batch_id", "line_number"),
    )

    id: Mapped[intpk]
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id", ondelete="CASCADE"))
    line_number: Mapped[int]
    column_name: Mapped[str] = mapped_column(String(200), default="")
    value: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(String(300), default="")
    reason_code: Mapped[str | None] = mapped_column(String(40))
    reason_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    severity: Mapped[str] = mapped_column(String(10))

    batch: Mapped[ImportBatch] = relationship(back_populates="problems")


def _staged_column(name: str) -> Column[Any]:
    if name in ("dob_year", "dob_month", "dob_day", "age"):
        return Column(name, Integer)
    if name in ("age_on", "captured_on"):
        return Column(name, Date)
    return Column(name, Text, nullable=False, default="")


class ImportRow(Model):
    """A row of a file being imported, read and converted, waiting for the batch's one writing
    transaction (see app.imports.pipeline): reading a big file never holds the write lock.
    The converted fields are columns (no JSON to encode and decode twice); the cells as
    received are one JSON list."""

    __table__ = Table(
        "import_row",
        Model.metadata,
        Column("id", Integer, primary_key=True),
        Column("batch_id", ForeignKey("import_batch.id", ondelete="CASCADE"), nullable=False),
        Column("line_number", Integer, nullable=False),
        Column("cells", Text, nullable=False),
        *(_staged_column(name) for name in CONVERTED_FIELDS),
        Index("ix_import_row_batch_line", "batch_id", "line_number"),
    )
    __audited__ = False  # transient; the batch's import event covers what is written
