"""Backups: ``flask db backup FILE`` and ``flask db restore FILE``.

SQLite is copied with its online backup API (a consistent copy while the application runs);
PostgreSQL with ``pg_dump --format=custom`` and ``pg_restore`` (the client programs must be on
the PATH, of the server's major version or newer). A restore replaces what the target database
holds: stop the web and job processes first, then start them again.

:func:`table_fingerprints` gives each table's row count and a checksum of its rows, so that a
restore can be checked against the database it came from.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask_migrate.cli import db as db_cli
from sqlalchemy import Engine, MetaData, select

from app.extensions import db

__all__ = ["backup", "restore", "table_fingerprints"]


def _sqlite_path(engine: Engine) -> Path | None:
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise click.ClickException("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _libpq_url(engine: Engine) -> str:
    """The SQLAlchemy URL as pg_dump reads it (no driver name, the password included)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise click.ClickException(f"{name} is not on the PATH (install the PostgreSQL client)")
    return path


def backup(engine: Engine, target: Path) -> None:
    """Write a consistent copy of the database to ``target``."""
    source = _sqlite_path(engine)
    if source is not None:
        with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
            live.backup(copy)
        return
    subprocess.run(  # noqa: S603 - a fixed program and our own database URL
        [_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}",
         _libpq_url(engine)],
        check=True,
    )  # fmt: skip


def restore(engine: Engine, source: Path) -> None:
    """Replace the database's content with the backup ``source``."""
    if not source.is_file():
        raise click.ClickException(f"no backup at {source}")
    target = _sqlite_path(engine)
    engine.dispose()  # no pooled connection may see the old file or hold a lock
    if target is not None:
        with sqlite3.connect(source) as copy, sqlite3.connect(target) as live:
            copy.backup(live)
        return
    subprocess.run(  # noqa: S603 - a fixed program and our own database URL
        [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
         f"--dbname={_libpq_url(engine)}", str(source)],
        check=True,
    )  # fmt: skip
    # pg_restore brings neither planner statistics nor the visibility map: until autovacuum
    # gets round to the tables, pages run on guessed plans and every count reads the heap
    # (the national review queue's counts took 140 ms instead of a few).
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def table_fingerprints(engine: Engine) -> dict[str, tuple[int, str]]:
    """Each table's row count and the SHA-256 of its rows in primary-key order."""
    metadata = MetaData()
    metadata.reflect(engine)
    fingerprints: dict[str, tuple[int, str]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            digest = hashlib.sha256()
            count = 0
            for row in connection.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
                count += 1
            fingerprints[table.name] = (count, digest.hexdigest())
    return fingerprints


@db_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Write a consistent copy of the database to PATH (safe while Reunite runs)."""
    backup(db.engine, path)
    click.echo(f"Backed up to {path} ({path.stat().st_size:,} bytes).")


@db_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask: the database's content is replaced.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database's content with the backup PATH (stop Reunite first)."""
    if not yes:
        click.confirm("This replaces everything in the database. Go on?", abort=True)
    restore(db.engine, path)
    counts = table_fingerprints(db.engine)
    click.echo(f"Restored from {path}: {sum(n for n, _ in counts.values()):,} rows.")
