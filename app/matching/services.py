"""Running the engine against the database: which pairs to score, and storing the candidates.

A run links open cases with partner records (and open cases with each other, for duplicate
reports) through the pure engine (``app.matching.engine.link``), then writes the result in one
transaction: new candidates inserted, proposals re-scored, proposals that no longer score
removed. Pairs a person has decided (confirmed, rejected, awaiting approval) are never touched
and never proposed again.

Full or incremental
    A full run (``--all``, or the first run ever) scores everything and counts how common each
    name and place is among the partner records (the ``u`` of the scoring), kept in
    :class:`MatchingState`. An incremental run (after every import) scores only what is new or
    changed since the last finished run: new or changed records against all open cases, and new
    or changed cases against all records and all other open cases; it adds the new records to
    the kept frequencies (a record updated in place is counted twice until the next full run,
    a negligible drift).

"Since" is the start of the last finished run, or earlier when an import that started before
it committed after it (its rows carry the import's earlier timestamps), minus a moment for
requests in flight (``SLACK``). Scoring a pair twice is harmless; missing one is not.
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO, cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Connection, Select, delete, func, insert, or_, select, update
from sqlalchemy.orm import selectinload

from app.audit.models import AuditAction
from app.audit.services import record as audit
from app.auth.models import User
from app.cases.models import SEARCHED_STATUSES, Case
from app.database import chunks, utcnow
from app.extensions import db
from app.imports.models import BatchStatus, ImportBatch
from app.jobs import exclusive, job, mark_interrupted, report_progress, runner_id, running
from app.matching.calibration import (
    DEFAULT_TRUE_PER_CASE,
    TRUSTED_TRUE_PAIRS,
    PriorEstimate,
    prior_for_rate,
)
from app.matching.engine import Candidate, LinkResult, link
from app.matching.entities import RECORD_ROW, Features, from_case, prepare, prepare_row
from app.matching.explain import swap_sides
from app.matching.learning import LearntSource
from app.matching.models import (
    CandidateStatus,
    GivenNameEntry,
    MatchCandidate,
    MatchingRun,
    MatchingState,
    RunStatus,
)
from app.matching.parallel import available_cores, link_parallel
from app.matching.quality import reviewer_labels
from app.matching.review import MatchError
from app.matching.scoring import LIKELY, Frequencies, Parameters
from app.names.given import extend_given_names
from app.names.text import fold
from app.records.models import PartnerRecord, PartnerSource
from app.reports.exports import neutralise
from app.sqlite import long_read

__all__ = [
    "EXPORT_COLUMNS",
    "add_given_name",
    "claim_case_run",
    "export_candidates",
    "given_name_entries",
    "import_needs_matching",
    "latest_runs",
    "new_run",
    "run_matching",
    "run_matching_job",
    "start_in_background",
]

# A case saved in a request gets its timestamp a moment before its commit.
SLACK = timedelta(seconds=5)
STREAM_CHUNK = 5000
# The record's source last: each source is scored with what was learnt from it.
_RECORD_COLUMNS = (
    *(getattr(PartnerRecord, name) for name in RECORD_ROW),
    PartnerRecord.source_id,
)

Pair = tuple[int, int]  # (case_id, record_id) or (older case_id, newer case_id)
# How from_case and from_record key the entities of a run: ("case", id) or ("record", id).
EntityKey = tuple[str, int]
Progress = Callable[[int, int], None]


# --- starting runs ------------------------------------------------------------------------
#
# Services flush; the run's row must be committed before a job picks it up in its own session,
# so the callers commit: the runs page, the command line, and the receivers of
# app.matching.events (job starters after a case or an import).


def new_run(full: bool, trigger: str, started_by_id: int | None) -> MatchingRun:
    """A run waiting to be done (flushed); :func:`run_matching` does it."""
    run = MatchingRun(full=full, trigger=trigger, started_by_id=started_by_id)
    db.session.add(run)
    db.session.flush()
    return run


def start_in_background(run: MatchingRun) -> None:
    """Queue a committed run (done at once when jobs run inline)."""
    run_matching_job(run.id)


def claim_case_run(user_id: int | None) -> MatchingRun | None:
    """The run a newly created case asks for (flushed), or None when one asked for the same
    reason is still waiting for a worker: it will see this case too. The caller commits it
    and queues it."""
    waiting = db.session.scalar(
        select(MatchingRun.id).where(
            MatchingRun.trigger == "case",
            MatchingRun.status == RunStatus.RUNNING.value,
            MatchingRun.runner.is_(None),
        )
    )
    return None if waiting is not None else new_run(False, "case", user_id)


def import_needs_matching(batch: ImportBatch) -> bool:
    """Whether an import brought anything to match: it finished with new or changed rows, and
    ``MATCH_AFTER_IMPORT`` is on."""
    if batch.status != BatchStatus.DONE or not current_app.config.get("MATCH_AFTER_IMPORT", True):
        return False
    return bool(batch.created or batch.updated)


def latest_runs(limit: int = 20) -> list[MatchingRun]:
    return list(
        db.session.scalars(select(MatchingRun).order_by(MatchingRun.id.desc()).limit(limit))
    )


def mark_interrupted_runs() -> int:
    """Mark running runs whose process is gone as failed ("interrupted"); flushes. A run
    that was never picked up by a process counts as gone after an hour."""
    return mark_interrupted(
        MatchingRun, RunStatus.RUNNING.value, RunStatus.FAILED.value, "interrupted"
    )


# --- the run ------------------------------------------------------------------------------


def _since(run_id: int) -> datetime | None:
    last = db.session.scalar(
        select(MatchingRun)
        .where(MatchingRun.status == RunStatus.DONE.value, MatchingRun.id != run_id)
        .order_by(MatchingRun.started_at.desc())
        .limit(1)
    )
    if last is None:
        return None
    late_imports = db.session.scalar(
        select(func.min(ImportBatch.started_at)).where(ImportBatch.finished_at >= last.started_at)
    )
    since = min(filter(None, (last.started_at, late_imports)))
    return since - SLACK


def _open_cases() -> Iterator[Case]:
    """The open cases, read :data:`CASES_CHUNK` at a time: a run keeps their features, not the
    cases (20,000 cases with their aliases were 78 MB of the run's process through the run, in
    memory its record processes inherit)."""
    return iter(
        db.session.scalars(
            select(Case)
            .where(
                Case.archived.is_(False),
                Case.duplicate_of_id.is_(None),
                Case.status.in_(sorted(SEARCHED_STATUSES)),
            )
            .options(selectinload(Case.aliases))
            .order_by(Case.id)
            .execution_options(yield_per=CASES_CHUNK)
        )
    )


# Cases read at a time by a run (their aliases with them, one query a chunk).
CASES_CHUNK = 1_000


def _stream_records(since: datetime | None = None) -> Iterator[Any]:
    query = select(*_RECORD_COLUMNS).order_by(PartnerRecord.id)
    if since is not None:
        query = query.where(
            or_(PartnerRecord.updated_at >= since, PartnerRecord.created_at >= since)
        )
    return _record_rows(db.session.connection(), query)


# The column of the records' rows that holds a date (the day an age was given).
_AGE_ON = RECORD_ROW.index("age_on")


def _record_rows(connection: Connection, query: Select[Any]) -> Iterator[Sequence[Any]]:
    """The rows of ``query`` (the :data:`_RECORD_COLUMNS`), streamed.

    On SQLite, the tuples of the driver's cursor, fetched :data:`STREAM_CHUNK` at a time: a full
    run reads a million, and SQLAlchemy's rows (a row object each, its buffer) took a quarter
    of the reading. The query is executed by SQLAlchemy all the same (its parameters bound, the
    connection's events: a long read's snapshot), without ``yield_per``, whose buffer would
    take the first row before the cursor is read; SQLite's cursor steps through the rows as
    they are fetched. The one column SQLite gives as text, the date an age was given (stored
    as YYYY-MM-DD), is made a date here, as SQLAlchemy would.

    Elsewhere (PostgreSQL) SQLAlchemy's rows from a cursor on the server (``yield_per``): the
    driver would otherwise fetch a whole part at once, and its rows need no conversion."""
    if connection.dialect.name != "sqlite":
        with connection.execute(query.execution_options(yield_per=STREAM_CHUNK)) as result:
            yield from result
        return
    with connection.execute(query) as result:
        cursor = result.cursor
        while rows := cursor.fetchmany(STREAM_CHUNK):
            for row in rows:
                if isinstance(row[_AGE_ON], str):
                    row = (*row[:_AGE_ON], _iso_date(row[_AGE_ON]), *row[_AGE_ON + 1 :])
                yield row


@lru_cache(maxsize=1 << 14)
def _iso_date(text: str) -> date:
    """A date as SQLite stores it (YYYY-MM-DD), one object per day for every row giving it."""
    return date.fromisoformat(text)


def _count_records(since: datetime | None = None) -> int:
    query = select(func.count(PartnerRecord.id))
    if since is not None:
        query = query.where(
            or_(PartnerRecord.updated_at >= since, PartnerRecord.created_at >= since)
        )
    return db.session.scalar(query) or 0


def _decided_pairs() -> set[Pair]:
    rows = db.session.execute(
        select(
            MatchCandidate.case_id,
            func.coalesce(MatchCandidate.record_id, -MatchCandidate.other_case_id),
        ).where(MatchCandidate.status != CandidateStatus.PROPOSED.value)
    )
    return {(case_id, other) for case_id, other in rows}


@dataclass
class _State:
    """What the last full run left for the incremental ones: the population's frequencies,
    true pairs per case (the prior) and what each source taught it (kept as stored)."""

    freq: Frequencies
    true_per_case: float
    sources: dict[str, dict[str, Any]]
    counted_through_id: int  # the highest record id ``freq`` counts

    def by_source(self) -> dict[Hashable, Parameters]:
        return {
            int(source): Parameters.from_dict(found.get("parameters") or {})
            for source, found in self.sources.items()
        }


def _load_state() -> _State | None:
    """The last full run's state (None: no full run yet)."""
    state = db.session.get(MatchingState, 1)
    if state is None:
        return None
    rate = state.true_pairs_per_case
    return _State(
        Frequencies.from_dict(state.frequencies),
        DEFAULT_TRUE_PER_CASE if rate is None else rate,
        dict(state.parameters or {}),
        state.counted_through_id or 0,
    )


def _save_state(
    freq: Frequencies,
    true_per_case: float | None,
    sources: dict[str, dict[str, Any]] | None,
    counted_through_id: int,
) -> None:
    state = db.session.get(MatchingState, 1)
    if state is None:
        state = MatchingState(id=1, frequencies={})
        db.session.add(state)
    state.frequencies = freq.to_dict()
    state.records_counted = freq.total
    state.counted_through_id = counted_through_id
    if true_per_case is not None:
        state.true_pairs_per_case = true_per_case
    if sources is not None:
        state.parameters = sources


def _learnt_sources(learnt: dict[Hashable, LearntSource]) -> dict[str, dict[str, Any]]:
    """What a full run learnt, as kept in the state and shown with the run: per source id."""
    return {
        str(source): {**found.as_dict(), "parameters": found.parameters.as_dict()}
        for source, found in learnt.items()
        if source is not None
    }


def _confirmed_record_pairs() -> int:
    """Case–record pairs reviewers confirmed: true pairs that runs no longer score."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(MatchCandidate)
            .where(
                MatchCandidate.status == CandidateStatus.CONFIRMED.value,
                MatchCandidate.record_id.is_not(None),
            )
        )
        or 0
    )


class _Collector:
    """The pairs a run found, keyed as stored: (case, record) and (older case, -newer case)."""

    def __init__(self) -> None:
        self.found: dict[Pair, Candidate] = {}
        self.pairs_scored = 0

    def add(self, candidates: dict[Hashable, list[Candidate]], compared: int) -> None:
        self.pairs_scored += compared
        for found in candidates.values():
            for candidate in found:
                key = _pair_key(candidate.left, candidate.right)
                if key is None:
                    continue
                kept = self.found.get(key)
                if kept is None or candidate.score > kept.score:
                    self.found[key] = candidate


def _entity_key(key: Hashable) -> EntityKey:
    """A key the engine handed back: the one this module gave it. The engine types keys only
    as hashable (tests and benchmarks key entities their own way)."""
    return cast(EntityKey, key)


def _pair_key(left: Hashable, right: Hashable) -> Pair | None:
    (_left_kind, left_id), (right_kind, right_id) = _entity_key(left), _entity_key(right)
    if right_kind == "record":
        return (left_id, right_id)
    if left_id == right_id:
        return None
    older, newer = sorted((left_id, right_id))
    return (older, -newer)


def run_matching(run_id: int, progress: Progress | None = None) -> MatchingRun:
    """Do one run and commit its candidates together with its counts (or nothing, on error).

    Runs take turns, across every process: two runs storing the same new pair at once would
    make the second fail on the unique key."""
    with exclusive("matching-run"), running(MatchingRun.key_for(run_id)):
        return _run_matching(run_id, progress)


@job
def run_matching_job(run_id: int) -> None:
    """The queued job of a run (after an import, a new case, or the runs page)."""
    run_matching(run_id)


def _run_matching(run_id: int, progress: Progress | None) -> MatchingRun:
    # Write before reading (SQLite: a transaction that read first may be refused its write).
    db.session.execute(
        update(MatchingRun).where(MatchingRun.id == run_id).values(runner=runner_id())
    )
    db.session.commit()
    run = db.session.get(MatchingRun, run_id)
    if run is None:
        raise LookupError(f"no matching run {run_id}")
    key, full = run.job_key, run.full
    # End the transaction that loaded the run before scoring: on SQLite it began as
    # BEGIN IMMEDIATE and would hold the write lock through the whole read, so that every
    # page (each transaction takes the lock first) waited for the run and then failed.
    db.session.commit()
    clock = time.perf_counter()

    def report(done: int, total: int) -> None:
        report_progress(key, done, total, items=done)
        if progress is not None:
            progress(done, total)

    try:
        # Scoring only reads. Its read transaction ends before the writing starts with an
        # update of the run: in SQLite (one writer, WAL) a long read transaction that then
        # writes fails if anyone else wrote meanwhile, while a fresh write waits its turn.
        with long_read():
            outcome = _score(run_id, full, report)
        db.session.rollback()
        _write(run, outcome)
        run.status = RunStatus.DONE.value
        run.seconds = round(time.perf_counter() - clock, 3)
        run.finished_at = utcnow()
        audit(
            AuditAction.UPDATE,
            run,
            actor_id=run.started_by_id,
            detail={
                "matching": "full" if run.full else "incremental",
                **{
                    name: getattr(run, name)
                    for name in ("cases_checked", "records_checked", "pairs_scored", "created",
                                 "updated", "removed")
                },
            },
        )  # fmt: skip
        db.session.commit()
    except BaseException as error:
        db.session.rollback()
        failed = db.session.get(MatchingRun, run_id)
        if failed is not None:
            failed.status = RunStatus.FAILED.value
            # The class name only: a message could quote a person's name.
            failed.error = type(error).__name__
            failed.finished_at = utcnow()
            failed.seconds = round(time.perf_counter() - clock, 3)
            db.session.commit()
        # No traceback: its messages and locals could quote a person's name.
        current_app.logger.error("matching run %s failed: %s", run_id, type(error).__name__)
        if not isinstance(error, Exception):
            raise
        return failed if failed is not None else run
    return run


def _prepared(rows: Iterable[Any]) -> Iterator[Features]:
    # prepare(from_record_row(row)) with the source, by the caches of each column's text.
    return map(prepare_row, rows)


def _link_records(left: Iterable[Features], records: int, **options: Any) -> LinkResult:
    """:func:`link` of ``left`` against every partner record (about ``records`` of them): in
    this process, or at national size split by id over the cores (:mod:`app.matching.parallel`;
    the same result, in a fraction of the time)."""
    processes = current_app.config.get("MATCHING_PROCESSES", 0) or available_cores()
    if processes < 2 or records < current_app.config.get("MATCHING_PARALLEL_FROM", 100_000):
        # A function, not the stream: a run above the learning size reads the records twice.
        return link(left, lambda: _prepared(_stream_records()), **options)
    return link_parallel(left, _record_parts(processes), **options)


def _record_parts(count: int) -> list[Callable[[], Iterator[Features]]]:
    """``count`` consecutive id ranges of the partner records, each a stream to open in the
    process that reads it."""
    low, high = db.session.execute(
        select(func.min(PartnerRecord.id), func.max(PartnerRecord.id))
    ).one()
    if low is None:
        return []
    step = (high - low) // count + 1
    return [_record_part(start, start + step - 1) for start in range(low, high + 1, step)]


def _record_part(low: int, high: int) -> Callable[[], Iterator[Features]]:
    def stream() -> Iterator[Features]:
        # In a forked process: the connections of the pool are the parent's (their sockets
        # and SQLite handles are shared with it); this process opens its own.
        db.engine.dispose(close=False)
        query = (
            select(*_RECORD_COLUMNS)
            .where(PartnerRecord.id.between(low, high))
            .order_by(PartnerRecord.id)
        )
        with db.engine.connect() as connection:
            yield from _prepared(_record_rows(connection, query))

    return stream


def _is_changed(case: Case, since: datetime) -> bool:
    # Not updated_at: a contact, a note or an assignment moves it and changes nothing the
    # matcher reads (issue 12: a day of casework made the next run re-link every case).
    return case.created_at >= since or case.identity_changed_at >= since


class _Scope:
    """The pairs a run is responsible for: proposals in scope that it no longer finds go."""

    def __init__(self, full: bool, record_ids: set[int], case_ids: set[int]) -> None:
        self.full, self.record_ids, self.case_ids = full, record_ids, case_ids

    def covers(self, pair: Pair) -> bool:
        case_id, other = pair
        if self.full or case_id in self.case_ids:
            return True
        return other in self.record_ids if other > 0 else -other in self.case_ids


@dataclass
class _Outcome:
    """What scoring found, written by :func:`_write` in a transaction of its own."""

    full: bool
    since: datetime | None
    freq: Frequencies
    found: dict[Pair, Candidate]
    scope: _Scope
    records_checked: int
    cases_checked: int
    pairs_scored: int
    prior: PriorEstimate
    true_per_case: float | None  # estimated by a full run, for the incremental ones after it
    # Per source id: what a full run learnt, or what an incremental run reused or learnt.
    sources: dict[str, dict[str, Any]]
    learnt_here: set[str]  # the source ids this run learnt (every one, in a full run)
    counted_through_id: int  # the highest partner record id the frequencies count


def _score(run_id: int, full: bool, report: Progress) -> _Outcome:
    """Read and score; changes nothing in the database."""
    load_given_names()
    state = None if full else _load_state()
    full = state is None
    since = None if full else _since(run_id)
    features: dict[int, Features] = {}
    changed: list[Features] = []
    for case in _open_cases():  # each let go once prepared
        prepared = features[case.id] = prepare(from_case(case))
        if since is None or _is_changed(case, since):
            changed.append(prepared)
    decided = _decided_pairs()

    def skip(left: Hashable, right: Hashable) -> bool:
        pair = _pair_key(left, right)
        return pair is None or pair in decided

    def skip_decided_record(left: Hashable, right: Hashable) -> bool:
        # A case and a record: the pair is (case id, record id), never one entity twice.
        return (_entity_key(left)[1], _entity_key(right)[1]) in decided

    # Asked of every blocked case-record pair, twice (learning, then scoring): where nobody
    # has decided a pair yet, not asked at all.
    record_skip = skip_decided_record if decided else None

    collector = _Collector()
    new_record_ids: set[int] = set()
    true_per_case: float | None = None
    if state is None:
        # The prior comes from this run's own pairs (app.matching.calibration).
        total = _count_records()
        counted_through = db.session.scalar(select(func.max(PartnerRecord.id))) or 0
        # Each source's m and caps are learnt from its own pairs first, then the prior from
        # the bits they give (app.matching.learning).
        result = _link_records(
            features.values(), total, explain=True, skip=record_skip,
            progress=lambda seen: report(seen, total), known_true=_confirmed_record_pairs(),
            learn_sources=True, labels=reviewer_labels(),
        )  # fmt: skip
        freq, prior = result.frequencies, result.prior
        sources = _learnt_sources(result.learnt)
        true_per_case = prior.expected_true / len(features) if features else None
        collector.add(result.candidates, result.compared)
        records_checked = result.right_seen
    else:
        freq, rate, sources = state.freq, state.true_per_case, state.sources
        learnt_now: dict[str, dict[str, Any]] = {}
        # What the last full run (or an incremental one, for a list it saw first) learnt per
        # source; a list no run has learnt is learnt below, from its records here.
        by_source = state.by_source()
        new_records = list(_prepared(_stream_records(since)))
        new_record_ids = {_entity_key(f.entity.key)[1] for f in new_records}
        total = len(new_records) + (_count_records() if changed else 0)
        counted_through = state.counted_through_id
        for item in new_records:
            record_id = _entity_key(item.entity.key)[1]
            # Records the last run already counted (read again because they are recent) count
            # once.
            if record_id > state.counted_through_id:
                freq.add(item)
                counted_through = max(counted_through, record_id)
        # A few new records say little about the rate of true pairs: the last full run's
        # rate over today's population.
        prior_bits = prior_for_rate(rate, freq.total, len(features))
        prior = PriorEstimate(
            prior_bits, rate * len(features), len(features) * freq.total, prior_bits, False
        )
        # Records of a list no full run has seen: all of that list's records are new, so its
        # pairs are all here to learn its m, caps and prior from, as a full run would.
        first = [f for f in new_records if str(f.entity.source) not in sources]
        if first:
            result = _link_new_sources(features.values(), first, record_skip, freq, prior_bits)
            collector.add(result.candidates, result.compared)
            learnt_now = _learnt_sources(result.learnt)
            sources = {**sources, **learnt_now}
            by_source.update((s, found.parameters) for s, found in result.learnt.items())
            if result.prior.expected_true >= TRUSTED_TRUE_PAIRS and features:
                # The list's true pairs join the kept rate, as a full run would now count
                # them: this run's other pairs and the next runs score with it.
                rate += result.prior.expected_true / len(features)
                true_per_case = rate
                prior_bits = prior_for_rate(rate, freq.total, len(features))
                prior = PriorEstimate(
                    prior_bits, rate * len(features), len(features) * freq.total, prior_bits, False
                )
        known = [f for f in new_records if str(f.entity.source) not in learnt_now]
        result = link(
            features.values(), known, explain=True, skip=record_skip, frequencies=freq,
            prior_bits=prior_bits, by_source=by_source,
        )  # fmt: skip
        collector.add(result.candidates, result.compared)
        records_checked = len(new_records)
        report(len(new_records), total)
        if changed:
            done = len(new_records)
            result = _link_records(
                changed, total - done, explain=True, skip=record_skip,
                frequencies=freq, progress=lambda seen: report(done + seen, total),
                prior_bits=prior_bits, by_source=by_source,
            )  # fmt: skip
            collector.add(result.candidates, result.compared)
            records_checked += result.right_seen
    # Duplicate reports: changed cases (every case, in a full run) against every open case.
    # A case has at most about one duplicate: generous, as every proposal is looked at.
    result = link(
        changed, features.values(), explain=True, skip=skip, frequencies=freq,
        prior_bits=prior_for_rate(DEFAULT_TRUE_PER_CASE, len(features)),
    )  # fmt: skip
    collector.add(result.candidates, result.compared)
    changed_ids = {_entity_key(f.entity.key)[1] for f in changed}
    return _Outcome(
        full=full,
        since=since,
        freq=freq,
        found=collector.found,
        scope=_Scope(full, new_record_ids, changed_ids),
        records_checked=records_checked,
        cases_checked=len(changed),
        pairs_scored=collector.pairs_scored,
        prior=prior,
        true_per_case=true_per_case,
        sources=sources,
        learnt_here=set(sources) if full else set(learnt_now),
        counted_through_id=counted_through,
    )


def _link_new_sources(
    cases: Iterable[Features],
    records: list[Features],
    skip: Callable[[Hashable, Hashable], bool] | None,
    freq: Frequencies,
    kept_prior: float,
) -> LinkResult:
    """An incremental run's records of lists no full run has learnt: each list's m and caps
    learnt from these pairs, and the prior estimated from them when they hold enough true pairs
    to trust (``TRUSTED_TRUE_PAIRS``); else scored with the prior the last full run's rate gives
    (``kept_prior``): a few records' estimate is noise."""
    cases = list(cases)
    options: dict[str, Any] = {"explain": True, "skip": skip, "frequencies": freq}
    result = link(cases, records, learn_sources=True, labels=reviewer_labels(), **options)
    if result.prior.expected_true >= TRUSTED_TRUE_PAIRS:
        return result
    by_source = {source: found.parameters for source, found in result.learnt.items()}
    again = link(cases, records, prior_bits=kept_prior, by_source=by_source, **options)
    again.learnt = result.learnt
    return again


def _write(run: MatchingRun, outcome: _Outcome) -> None:
    # The stored values (explanations above all) take a while to build at national scale:
    # built before the first write, so that the write lock is held only to write them.
    values = _stored_values(outcome.found)
    run.full, run.since = outcome.full, outcome.since
    run.records_checked = outcome.records_checked
    run.cases_checked = outcome.cases_checked
    run.pairs_scored = outcome.pairs_scored
    run.calibration = {
        **outcome.prior.as_dict(),
        "sources": _source_rows(outcome.sources, outcome.learnt_here),
    }
    db.session.flush()  # the first statement writes: the write lock is waited for, not refused
    learnt = outcome.sources if outcome.learnt_here else None
    _save_state(outcome.freq, outcome.true_per_case, learnt, outcome.counted_through_id)
    _store(run, values, outcome.scope)


def _source_rows(sources: dict[str, dict[str, Any]], learnt_here: set[str]) -> list[dict[str, Any]]:
    """The run page's table of what was learnt per source (without the full m tables)."""
    names: dict[int, str] = {
        source_id: name
        for source_id, name in db.session.execute(
            select(PartnerSource.id, PartnerSource.name).where(
                PartnerSource.id.in_([int(s) for s in sources])
            )
        )
    }
    return [
        {
            "source": names.get(int(source), source),
            "learnt_here": source in learnt_here,
            **{k: v for k, v in found.items() if k != "parameters"},
        }
        for source, found in sorted(sources.items(), key=lambda item: int(item[0]))
    ]


def _stored_values(found: dict[Pair, Candidate]) -> dict[Pair, dict[str, Any]]:
    """Each found pair's score, band and explanation, as stored."""
    values = {}
    for pair, candidate in found.items():
        match = candidate.match
        explanation = match.explanation() if match is not None else {}
        if pair[1] < 0 and candidate.left != ("case", pair[0]):
            explanation = swap_sides(explanation)
        values[pair] = {
            "score": round(min(max(candidate.score, 0.0), 1.0), 6),
            "likely": candidate.score >= LIKELY,
            "explanation": explanation,
        }
    return values


def _store(run: MatchingRun, found: dict[Pair, dict[str, Any]], scope: _Scope) -> None:
    """Insert new pairs, re-score kept proposals, remove proposals in scope no longer found."""
    decided = _decided_pairs()  # again: someone may have decided a pair while we scored
    found = {pair: values for pair, values in found.items() if pair not in decided}
    existing = {
        (case_id, record_id if record_id is not None else -other_id): candidate_id
        for candidate_id, case_id, record_id, other_id in db.session.execute(
            select(
                MatchCandidate.id,
                MatchCandidate.case_id,
                MatchCandidate.record_id,
                MatchCandidate.other_case_id,
            ).where(MatchCandidate.status == CandidateStatus.PROPOSED.value)
        )
    }
    inserts, updates = [], []
    for pair, values in found.items():
        candidate_id = existing.get(pair)
        if candidate_id is not None:
            updates.append({"id": candidate_id, **values})
            continue
        case_id, other = pair
        inserts.append(
            {
                "case_id": case_id,
                "record_id": other if other > 0 else None,
                "other_case_id": -other if other < 0 else None,
                "status": CandidateStatus.PROPOSED.value,
                **values,
            }
        )
    gone = [cid for pair, cid in existing.items() if pair not in found and scope.covers(pair)]
    for chunk in chunks(inserts, 1000):
        db.session.execute(insert(MatchCandidate), chunk)
    if updates:
        db.session.execute(update(MatchCandidate), updates)
    for chunk in chunks(gone, 1000):
        db.session.execute(delete(MatchCandidate).where(MatchCandidate.id.in_(chunk)))
    run.created, run.updated, run.removed = len(inserts), len(updates), len(gone)
    affected = {pair[0] for pair in found} | {pair[0] for pair in existing if scope.covers(pair)}
    _rerank(affected)


def _rerank(case_ids: Iterable[int]) -> None:
    """Rank each case's record candidates (not rejected), 1 the best."""
    ranks = []
    for chunk in chunks(sorted(case_ids), 1000):
        rows = db.session.execute(
            select(MatchCandidate.id, MatchCandidate.case_id)
            .where(
                MatchCandidate.case_id.in_(chunk),
                MatchCandidate.record_id.is_not(None),
                MatchCandidate.status != CandidateStatus.REJECTED.value,
            )
            .order_by(MatchCandidate.case_id, MatchCandidate.score.desc(), MatchCandidate.id)
        )
        position: Counter[int] = Counter()
        for candidate_id, case_id in rows:
            position[case_id] += 1
            ranks.append({"id": candidate_id, "rank": position[case_id]})
    if ranks:
        db.session.execute(update(MatchCandidate), ranks)


# --- export -------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "case_external_id",
    "record_source",
    "record_external_id",
    "score",
    "rank",
    "likely",
    "status",
)
# Awaiting a supervisor's approval is not yet a confirmation.
_EXPORT_STATUS = {
    CandidateStatus.PROPOSED: "proposed",
    CandidateStatus.AWAITING_APPROVAL: "proposed",
    CandidateStatus.CONFIRMED: "confirmed",
    CandidateStatus.REJECTED: "rejected",
}


def export_candidates(out: TextIO) -> int:
    """One CSV row per stored case-record candidate (duplicate-case pairs are not records),
    by case and rank. Text cells are neutralised against spreadsheet formulas."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    query = (
        select(
            Case.external_id,
            Case.id,
            PartnerSource.name,
            PartnerRecord.external_id,
            MatchCandidate.score,
            MatchCandidate.rank,
            MatchCandidate.likely,
            MatchCandidate.status,
        )
        .join(Case, MatchCandidate.case_id == Case.id)
        .join(PartnerRecord, MatchCandidate.record_id == PartnerRecord.id)
        .join(PartnerSource, PartnerRecord.source_id == PartnerSource.id)
        .order_by(Case.id, MatchCandidate.rank, MatchCandidate.score.desc(), MatchCandidate.id)
    )
    count = 0
    for case_ext, case_id, source, record_ext, score, rank, likely, status in db.session.execute(
        query.execution_options(yield_per=STREAM_CHUNK)
    ):
        writer.writerow(
            (
                neutralise(case_ext or f"RU-{case_id:06d}"),
                neutralise(source),
                neutralise(record_ext),
                f"{score:.4f}",
                rank,
                1 if likely else 0,
                _EXPORT_STATUS[CandidateStatus(status)],
            )
        )
        count += 1
    return count


def export_to_file(path: str | Path) -> int:
    """Write :func:`export_candidates` to a file and record the export (flushes)."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        count = export_candidates(out)
    audit(AuditAction.EXPORT, None, detail={"export": "match_candidates", "rows": count})
    return count


# --- the given-name table, extended by admins -----------------------------------------------


def given_name_entries():
    return select(GivenNameEntry).order_by(GivenNameEntry.canonical, GivenNameEntry.sex)


def add_given_name(
    canonical: str, sex: str, variants: list[str], diminutives: list[str], actor: User
) -> GivenNameEntry:
    """Add a given name (or more spellings of a shipped one) to the matching table."""
    key = fold(canonical).strip()
    if not key:
        raise MatchError(_("Give the name's canonical spelling."))
    if sex not in ("m", "f"):
        raise MatchError(_("Choose male or female."))
    clean_variants = [v.strip() for v in variants if v.strip()]
    clean_diminutives = [d.strip() for d in diminutives if d.strip()]
    if not clean_variants and not clean_diminutives:
        raise MatchError(_("Give at least one spelling or diminutive."))
    exists = db.session.scalar(
        select(GivenNameEntry).where(GivenNameEntry.canonical == key, GivenNameEntry.sex == sex)
    )
    if exists is not None:
        raise MatchError(_("This name is already in the table; add another spelling instead."))
    entry = GivenNameEntry(
        canonical=key,
        sex=sex,
        variants="|".join(clean_variants),
        diminutives="|".join(clean_diminutives),
        created_by_id=actor.id,
    )
    db.session.add(entry)
    db.session.flush()
    extend_given_names([(key, sex, clean_variants, clean_diminutives)])
    return entry


def load_given_names() -> int:
    """Teach the normaliser the admins' additions (at start-up and before each run)."""
    rows = [
        (e.canonical, e.sex, [v for v in e.variants.split("|") if v],
         [d for d in e.diminutives.split("|") if d])
        for e in db.session.scalars(given_name_entries())
    ]  # fmt: skip
    if rows:
        extend_given_names(rows)
    return len(rows)
