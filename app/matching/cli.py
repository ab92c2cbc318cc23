"""``flask matches run [--all]`` and ``flask matches export FILE``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.matching.models import RunStatus
from app.matching.services import export_to_file, new_run, run_matching

matches_cli = AppGroup("matches", help="Match cases against partner records.")


@matches_cli.command("run")
@click.option("--all", "full", is_flag=True, help="Score everything, not only what changed.")
def run_command(full: bool) -> None:
    """Find candidates: new or changed records and cases since the last run (or all)."""
    run = new_run(full, "cli", None)
    db.session.commit()
    next_report = 100_000

    def progress(done: int, total: int) -> None:
        nonlocal next_report
        if done >= next_report:
            click.echo(f"{done} of {total} records", err=True)
            next_report += 100_000

    run = run_matching(run.id, progress=progress)
    click.echo(run.summary())
    if run.status != RunStatus.DONE:
        raise SystemExit(1)


@matches_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_command(path: str) -> None:
    """Write every stored case-record candidate to a CSV file."""
    count = export_to_file(path)
    db.session.commit()
    click.echo(f"{count} candidates written to {path}")
