"""``flask dna``: load an allele frequency table from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.dna.frequencies import TableError
from app.extensions import db
from app.identification.services import add_frequency_table

dna_cli = AppGroup("dna", help="DNA identification.")


@dna_cli.command("load-frequencies")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--name", default="", help="The table's name (default: the file's name).")
@click.option("--inactive", is_flag=True, help="Store it without making it the one in use.")
def load_frequencies(path: str, name: str, inactive: bool) -> None:
    """Load a frequency table (the published layout) and make screening use it."""
    file = Path(path)
    try:
        table = add_frequency_table(
            name or file.stem, file.read_bytes(), None, activate=not inactive
        )
    except TableError as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        raise SystemExit(1) from error
    db.session.commit()
    markers = len(table.table["markers"])
    click.echo(f"Loaded {table.name}: {markers} markers{'' if inactive else ', in use'}.")
