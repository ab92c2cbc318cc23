"""``flask records import`` and ``flask cases import``: the browser's import, from a terminal.

Both print the same summary as the browser, exit 0 when the batch was imported (or was already
imported and ``--force`` was not given), 1 when the file cannot be read at all or nothing was
imported. ``flask imports purge`` deletes old uploads (see :mod:`app.imports.purge`).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import click
from flask.cli import AppGroup

from app.extensions import db
from app.imports.batches import (
    create_batch,
    fail_batch,
    find_previous_import,
    import_target,
    start_batch,
)
from app.imports.mapping import ImportRefused, detect_format, mapping_from_json
from app.imports.models import BatchStatus, ImportBatch, ImportKind
from app.imports.pipeline import run_batch
from app.imports.problems import batch_error_text, error_text
from app.imports.purge import purge_after, purge_uploads
from app.imports.readers import UnreadableFile
from app.imports.storage import file_sha256

records_cli = AppGroup("records", help="Partner records.")
# If the cases feature adds its own "cases" group, attach import_cases_command to it instead.
cases_cli = AppGroup("cases", help="Cases.")
imports_cli = AppGroup("imports", help="Import batches and their uploads.")

PROGRESS_EVERY = 10_000


def summary_lines(batch: ImportBatch) -> list[str]:
    """The summary the browser shows, as plain lines."""
    lines = [
        f"Batch {batch.id}: {batch.status}",
        f"  rows read: {batch.rows_read}",
        f"  created:   {batch.created}",
        f"  updated:   {batch.updated}",
        f"  skipped (unchanged): {batch.unchanged}",
        f"  rejected:  {batch.rejected}",
        f"  warnings:  {batch.warnings}",
    ]
    if batch.error or batch.error_code:
        lines.append(f"  error: {batch_error_text(batch)}")
    return lines


def _read_mapping_file(path: str | None) -> dict | None:
    if path is None:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise click.ClickException(f"cannot read the mapping file: {error}") from error
    if not isinstance(data, dict):
        raise click.ClickException("the mapping file must be a JSON object {header: field}")
    return data


def _run(
    kind: ImportKind,
    path: str,
    target_name: str,
    mapping_path: str | None,
    *,
    force: bool,
    all_or_nothing: bool,
    match: bool = True,
) -> None:
    mapping_data = _read_mapping_file(mapping_path)
    target = import_target(kind, target_name)
    sha256, size = file_sha256(path)
    batch = create_batch(kind, target, path, sha256, size, all_or_nothing=all_or_nothing)
    previous = find_previous_import(batch)
    if previous is not None and not force:
        db.session.rollback()
        click.echo(
            f"This file was already imported into {target_name!r} as batch {previous.id} "
            f"on {previous.created_at:%Y-%m-%d %H:%M} UTC; nothing was done "
            "(use --force to import it again)."
        )
        return
    try:
        with open(path, "rb") as stream:
            detect_format(batch, stream)
        if mapping_data is not None:
            batch.mapping = mapping_from_json(batch.headers or [], mapping_data)
        start_batch(batch)
    except (UnreadableFile, ImportRefused) as error:
        fail_batch(batch, error)
        db.session.commit()
        raise click.ClickException(error_text(error)) from error
    db.session.commit()
    click.echo(
        f"Importing {Path(path).name} ({batch.encoding}, delimiter {batch.delimiter!r}) "
        f"as batch {batch.id}",
        err=True,
    )
    mapped = ", ".join(
        f"{header} -> {field}"
        for header, field in zip(batch.headers or [], batch.mapping or [], strict=True)
        if field
    )
    click.echo(f"Columns: {mapped}", err=True)

    next_report = PROGRESS_EVERY

    def progress(rows: int, done: int, total: int) -> None:
        nonlocal next_report
        if rows >= next_report:
            click.echo(f"{rows} rows read", err=True)
            next_report += PROGRESS_EVERY

    batch, started = run_batch(batch.id, path, progress=progress, background=False, follow_up=match)
    for line in summary_lines(batch):
        click.echo(line)
    for follow_up in started:
        click.echo(follow_up.summary())
    if batch.status != BatchStatus.DONE:
        raise SystemExit(1)


_common = [
    click.argument("path", type=click.Path(exists=True, dir_okay=False)),
    click.option(
        "--mapping",
        "mapping_path",
        type=click.Path(exists=True, dir_okay=False),
        help="JSON file {header: field}; other headers are recognised automatically.",
    ),
    click.option("--force", is_flag=True, help="Import even if this file was imported before."),
    click.option("--all-or-nothing", is_flag=True, help="Import nothing if any row is rejected."),
    click.option(
        "--match/--no-match",
        default=True,
        help="Match what is new or changed afterwards (default: yes).",
    ),
]


def _with_common(command):
    for decorator in reversed(_common):
        command = decorator(command)
    return command


@records_cli.command("import")
@_with_common
@click.option("--source", "source_name", required=True, help="Partner source (created if new).")
def import_records_command(
    path: str,
    mapping_path: str | None,
    force: bool,
    all_or_nothing: bool,
    match: bool,
    source_name: str,
) -> None:
    """Import partner records from a CSV file into a partner source."""
    _run(
        ImportKind.RECORDS,
        path,
        source_name,
        mapping_path,
        force=force,
        all_or_nothing=all_or_nothing,
        match=match,
    )


@cases_cli.command("import")
@_with_common
@click.option("--list", "list_name", required=True, help="Source list (created if new).")
def import_cases_command(
    path: str,
    mapping_path: str | None,
    force: bool,
    all_or_nothing: bool,
    match: bool,
    list_name: str,
) -> None:
    """Import cases from a CSV file into a source list; external_id is the case's number there."""
    _run(
        ImportKind.CASES,
        path,
        list_name,
        mapping_path,
        force=force,
        all_or_nothing=all_or_nothing,
        match=match,
    )


@imports_cli.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Age in days (default: IMPORT_PURGE_AFTER_DAYS).",
)
def purge_command(days: int | None) -> None:
    """Delete uploads never imported, and interrupted imports' kept files, once old.

    Pending batches fail as "abandoned"; interrupted ones can no longer run again. The job
    workers do this every hour; this command does it now."""
    older_than = purge_after() if days is None else timedelta(days=days)
    purged = purge_uploads(older_than)
    db.session.commit()
    click.echo(f"Older than {older_than.days} day(s): {purged.summary()}.")
