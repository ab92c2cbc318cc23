"""Precision of the bands against reviewers' decisions, per partner source, on the runs page."""

from __future__ import annotations

from app.extensions import db
from app.matching.models import CandidateStatus
from app.matching.quality import BandRecord, reviewed_precision
from tests.matching.conftest import make_candidate, make_record, make_source

CONFIRMED, REJECTED = CandidateStatus.CONFIRMED.value, CandidateStatus.REJECTED.value


def _decisions(app, make_case) -> None:
    case_id = make_case()
    with app.app_context():
        evacuation, tracing = make_source("Evacuation (test)"), make_source("Tracing (test)")
        plan = [
            (evacuation, 0.97, CONFIRMED),
            (evacuation, 0.95, CONFIRMED),
            (evacuation, 0.93, CONFIRMED),
            (evacuation, 0.91, REJECTED),
            (evacuation, 0.40, REJECTED),
            (evacuation, 0.50, CONFIRMED),
            (tracing, 0.99, REJECTED),
            (tracing, 0.30, CandidateStatus.PROPOSED.value),  # undecided: not counted
        ]
        for source, score, status in plan:
            record = make_record(source=source)
            make_candidate(case_id, record.id, score=score, status=status)
        db.session.commit()


def test_precision_per_source_and_band(app, make_case) -> None:
    _decisions(app, make_case)
    with app.app_context():
        rows = {row.source_name: row for row in reviewed_precision()}
    evacuation, tracing = rows["Evacuation (test)"], rows["Tracing (test)"]
    assert evacuation.likely == BandRecord(confirmed=3, rejected=1)
    assert evacuation.likely.precision == 0.75
    assert evacuation.possible == BandRecord(confirmed=1, rejected=1)
    assert tracing.likely.precision == 0.0
    assert tracing.possible.decided == 0 and tracing.possible.precision is None


def test_the_runs_page_shows_the_table_to_supervisors_only(app, make_case, supervisor, caseworker):
    assert 'data-testid="reviewed-none"' in supervisor.get("/matches/runs").get_data(as_text=True)
    _decisions(app, make_case)
    html = supervisor.get("/matches/runs").get_data(as_text=True)
    assert 'data-testid="reviewed-precision"' in html
    assert "Evacuation (test)" in html and "75%" in html
    assert caseworker.get("/matches/runs").status_code == 403
