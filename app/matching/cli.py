"""``flask matches run [--all]`` and ``flask matches export FILE``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.matching.models import MatchingRun, RunStatus
from app.matching.services import export_to_file, run_matching

matches_cli = AppGroup("matches", help="Match cases against partner records.")


def run_summary(run: MatchingRun) -> str:
    if run.status != RunStatus.DONE:
        return f"Matching run {run.id} failed ({run.error}); nothing was stored."
    kind = "full" if run.full else "new and changed only"
    return (
        f"Matching run {run.id} ({kind}): {run.cases_checked} cases and "
        f"{run.records_checked} records checked, {run.pairs_scored} pairs scored; "
        f"candidates {run.created} new, {run.updated} re-scored, {run.removed} removed "
        f"in {run.seconds:.1f} s"
    )


@matches_cli.command("run")
@click.option("--all", "full", is_flag=True, help="Score everything, not only what changed.")
def run_command(full: bool) -> None:
    """Find candidates: new or changed records and cases since the last run (or all)."""
    run = MatchingRun(full=full, trigger="cli")
    db.session.add(run)
    db.session.commit()
    next_report = 100_000

    def progress(done: int, total: int) -> None:
        nonlocal next_report
        if done >= next_report:
            click.echo(f"{done} of {total} records", err=True)
            next_report += 100_000

    run = run_matching(run.id, progress=progress)
    click.echo(run_summary(run))
    if run.status != RunStatus.DONE:
        raise SystemExit(1)


@matches_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_command(path: str) -> None:
    """Write every stored case-record candidate to a CSV file."""
    count = export_to_file(path)
    click.echo(f"{count} candidates written to {path}")
