"""Benchmark: matching runs through the database, as `flask matches run` and imports do them.

    .venv/bin/python bench/matching_runs.py [--cases 500] [--records 1000000] [--new 20000]

Builds a fresh SQLite file with synthetic cases and partner records from ``bench/synth.py``
(written with bulk inserts, not timed), then times, through ``app.matching.services``:

  full run         every open case against every record (what `flask matches run --all` does)
  incremental run  after a day of casework (a contact and a note on every case, which change
                   nothing the matcher reads) and ``--new`` more records (what runs after an
                   import): it scores the new records, and re-links no case

and prints seconds, records streamed, pairs scored, candidates stored and the run's peak
memory: the PSS of its processes summed, sampled while it runs (the run's process and the
record processes it forks, app.matching.parallel; PSS shares the pages they share among them,
so that nothing is counted twice), beside the same sum of RSS and the whole-life peaks.
``DATABASE_URL`` chooses another database (an empty one: the script migrates it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import secrets
import shutil
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
# Before anything imports config: a fresh database of its own, never the development one.
WORK = tempfile.mkdtemp(prefix="reunite-bench-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{WORK}/bench.db")

from synth import Generator  # noqa: E402

from app.matching.entities import MatchEntity  # noqa: E402

_SEX = {"m": "male", "f": "female", "male": "male", "female": "female"}


def _record_row(entity: MatchEntity, source_id: int, number: int) -> dict:
    places = [*entity.places, "", ""]
    return {
        "source_id": source_id,
        "external_id": f"R{number}",
        "family_name": entity.family_name[:200],
        "given_name": entity.given_name[:200],
        "patronymic": entity.patronymic[:200],
        "sex": _SEX.get((entity.sex or "").lower(), "unknown"),
        "dob_year": entity.dob_year,
        "dob_month": entity.dob_month,
        "dob_day": entity.dob_day,
        "age": entity.age,
        "age_on": entity.age_on,
        "place_of_birth": places[1],
        "place_of_origin": places[0],
        "region": entity.region[:100],
        "raw": {},
        "row_hash": str(number),
    }


def _case_row(entity: MatchEntity, list_id: int, number: int) -> dict:
    places = [*entity.places, "", ""]
    return {
        "source_list_id": list_id,
        "external_id": f"C{number}",
        "family_name": entity.family_name,
        "given_name": entity.given_name,
        "patronymic": entity.patronymic,
        "family_name_latin": entity.family_name_latin,
        "given_name_latin": entity.given_name_latin,
        "sex": _SEX.get((entity.sex or "").lower(), "unknown"),
        "dob_year": entity.dob_year,
        "dob_month": entity.dob_month,
        "dob_day": entity.dob_day,
        "estimated_age": entity.age,
        "age_estimated_on": entity.age_on,
        "last_known_place": places[0],
        "place_of_birth": places[1],
        "region": entity.region[:100],
    }


def _insert(table, rows: list[dict], age: timedelta = timedelta(0)) -> None:
    """Bulk insert; ``age`` back-dates the rows (data that was there before the last run)."""
    from sqlalchemy import insert

    from app.database import utcnow
    from app.extensions import db

    stamp = utcnow() - age
    for row in rows:
        row["created_at"] = row["updated_at"] = stamp
        if table.name == "case_record":
            row["identity_changed_at"] = row["last_activity_at"] = stamp
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(table), rows[start : start + 5000])
    db.session.commit()


def _casework(case_model) -> int:
    """A day's work on every case: a contact logged and a note added, through the services.
    They change nothing the matcher reads, so the next run must not re-link these cases."""
    from sqlalchemy import select

    from app.auth.services import create_user
    from app.cases.services import add_note, log_contact
    from app.extensions import db

    worker = create_user("bench@bench.reunite.test", "Bench", "caseworker", secrets.token_hex(16))
    cases = db.session.scalars(select(case_model)).all()
    for case in cases:
        log_contact(case, worker, contacted_on=date.today(), channel="phone", outcome="No news.")
        add_note(case, worker, "Asked the neighbours again.")
    db.session.commit()
    return len(cases)


def _rss_mb() -> str:
    """Peak RSS of this process, and of the largest process a run forked (its record parts,
    app.matching.parallel): the two live side by side. Both are whole-life peaks."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return f"{own:.0f} MB" + (f" (largest record process {children:.0f} MB)" if children else "")


def _rollup(pid: int) -> tuple[int, int]:
    """(Pss, Rss) of a process in kB, from /proc/<pid>/smaps_rollup; (0, 0) once it is gone."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found.extend(int(child) for child in task.read_text().split())
    return found


class MemorySampler:
    """The memory of a run, all its processes together: every second, the sum over this process
    and the processes it forked of their PSS (shared pages divided among the processes that
    share them, so that the parent's pages the record processes inherit count once) and of
    their RSS (shared pages counted in each); the peaks of both sums. Linux only.

    Not more often: the kernel walks a process's page tables to sum its PSS, 20-50 ms for a
    process of a few hundred MB, and sampling three processes ten times a second took a core's
    worth of time from the run it measured."""

    def __init__(self, trace: str | None = None) -> None:
        self.peak_pss = self.peak_rss = 0
        self.processes = 1
        # At the peak of the PSS sum: seconds into the run, this process's PSS, the others'.
        self.at_peak: tuple[float, int, list[int]] = (0.0, 0, [])
        self.trace = trace  # a file to write every sample to (seconds, then PSS in kB each)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        me = os.getpid()
        start = time.perf_counter()
        lines = []
        while True:
            pids = [me, *_children(me)]
            pss = rss = 0
            each = []
            for pid in pids:
                one_pss, one_rss = _rollup(pid)
                pss, rss = pss + one_pss, rss + one_rss
                each.append(one_pss)
            seconds = time.perf_counter() - start
            if pss > self.peak_pss:
                self.at_peak = (seconds, each[0], each[1:])
            self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)
            self.processes = max(self.processes, len(pids))
            lines.append(" ".join([f"{seconds:.0f}", *map(str, each)]))
            if self._stop.wait(1.0):
                if self.trace:
                    Path(self.trace).write_text("\n".join(lines) + "\n")
                return

    def __str__(self) -> str:
        if not self.peak_pss:
            return "(no /proc/<pid>/smaps_rollup here)"
        seconds, own, others = self.at_peak
        return (
            f"{self.peak_pss / 1024:.0f} MB PSS summed over the run's {self.processes} "
            f"processes ({self.peak_rss / 1024:.0f} MB RSS summed, shared pages counted in each;"
            f" at the peak, {seconds:.0f} s in: the run's process {own / 1024:.0f} MB PSS"
            + "".join(f", a record process {other / 1024:.0f} MB" for other in others)
            + ")"
        )


def _timed_run(full: bool, trace: str | None = None) -> str:
    from app.extensions import db
    from app.matching.models import MatchingRun
    from app.matching.services import run_matching

    run = MatchingRun(full=full, trigger="bench")
    db.session.add(run)
    db.session.commit()
    load = "/".join(f"{value:.1f}" for value in os.getloadavg())
    with MemorySampler(trace) as memory:
        start = time.perf_counter()
        run = run_matching(run.id)
        seconds = time.perf_counter() - start
    return (
        f"{'full' if full else 'incremental'} run: {seconds:.1f} s, {run.status} (load average "
        f"{load} before); {_digest(run.id)}\n"
        f"  {run.cases_checked} cases, {run.records_checked:,} records streamed, "
        f"{run.pairs_scored:,} pairs scored, candidates {run.created:,} new / "
        f"{run.updated:,} re-scored / {run.removed:,} removed; peak memory {memory}; "
        f"whole-life peak RSS {_rss_mb()}"
    )


def _digest(run_id: int) -> str:
    """A digest of what a run stored: every candidate (case, record, rank, score to 1e-9,
    explanation) and the run's calibration (prior, learnt parameters), to tell two versions of
    the code gave the same result."""
    import hashlib
    import json

    from sqlalchemy import select

    from app.extensions import db
    from app.matching.models import MatchCandidate, MatchingRun

    digest = hashlib.sha256()
    rows = db.session.execute(
        select(
            MatchCandidate.case_id,
            MatchCandidate.record_id,
            MatchCandidate.other_case_id,
            MatchCandidate.rank,
            MatchCandidate.score,
            MatchCandidate.explanation,
        ).order_by(MatchCandidate.case_id, MatchCandidate.record_id, MatchCandidate.other_case_id)
    )
    count = 0
    for case_id, record_id, other_id, rank, score, explanation in rows:
        line = [case_id, record_id, other_id, rank, f"{score:.9f}", explanation]
        digest.update(json.dumps(line, sort_keys=True).encode())
        count += 1
    calibration = db.session.get(MatchingRun, run_id).calibration
    digest.update(json.dumps(calibration, sort_keys=True, default=str).encode())
    return f"digest of {count:,} candidates and the calibration: {digest.hexdigest()[:16]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=20_000)
    parser.add_argument(
        "--memory-trace",
        metavar="FILE",
        help="write the full run's memory, once a second, to FILE: seconds, then the PSS in kB "
        "of the run's process and of each record process",
    )
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app import create_app
    from app.cases.models import Case, SourceList
    from app.extensions import db
    from app.records.models import PartnerRecord, PartnerSource

    app = create_app()
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        data = Generator(7).dataset(args.cases, args.records)
        source_list = SourceList(name="Bench list", received_on=date(2026, 11, 1))
        source = PartnerSource(name="Bench register")
        db.session.add_all([source_list, source])
        db.session.commit()
        day = timedelta(days=1)
        _insert(
            Case.__table__, [_case_row(e, source_list.id, n) for n, e in enumerate(data.cases)], day
        )
        _insert(
            PartnerRecord.__table__,
            [_record_row(e, source.id, n) for n, e in enumerate(data.records)],
            day,
        )
        print(
            f"data: {args.cases} cases, {len(data.records):,} records generated and inserted "
            f"in {time.perf_counter() - start:.0f} s ({db.engine.dialect.name})"
        )
        offset = len(data.records)
        # The run's memory, not the generator's: a million entities held here would count in
        # the peak RSS (and be copied into the processes a run forks).
        del data
        print(_timed_run(full=True, trace=args.memory_trace))
        started = time.perf_counter()
        touched = _casework(Case)
        print(f"casework: a contact and a note on each of {touched} cases "
              f"({time.perf_counter() - started:.0f} s)")  # fmt: skip
        extra = Generator(8).dataset(max(args.cases // 10, 1), args.new).records
        _insert(
            PartnerRecord.__table__,
            [_record_row(e, source.id, offset + n) for n, e in enumerate(extra)],
        )
        print(f"+ {len(extra):,} new records")
        del extra
        print(_timed_run(full=False))


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)  # the generated database is never kept
