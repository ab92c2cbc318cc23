"""Allele frequency tables: the published layout (first column `Allele`, a column per marker,
a last row `N` with the number of people sampled), read from bytes with errors that name the
line, and each locus's frequencies ready for calculation.

Policy for rare and unseen alleles (documented in docs/dna.md): an allele's frequency is at
least the minimum frequency, by default 5/(2N) for the marker's N (a common convention); an
allele seen in a profile but absent from the table gets that minimum too; then the marker's
frequencies are rescaled to sum to 1, so that genotype probabilities stay a distribution (the
kinship calculation normalises over every genotype of the locus).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from app.dna.markers import Allele, allele_order, is_autosomal, normalize_marker, parse_allele

SUM_TOLERANCE = 0.02  # published columns are rounded; a column further off 1 is a wrong file


class TableError(ValueError):
    """A frequency table that cannot be used; `problems` lists each with its line number."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class MarkerFrequencies:
    marker: str
    frequencies: dict[Allele, float]  # as published, zeros dropped
    sample_size: int | None  # N people; None when the table does not say


@dataclass(frozen=True)
class Locus:
    """One marker ready for calculation: alleles in order and their frequencies (sum 1)."""

    marker: str
    alleles: tuple[Allele, ...]
    p: np.ndarray  # float64, same order as alleles
    index: dict[Allele, int] = field(compare=False)

    @property
    def genotype_count(self) -> int:
        n = len(self.alleles)
        return n * (n + 1) // 2


@dataclass(frozen=True)
class FrequencyTable:
    markers: dict[str, MarkerFrequencies]
    default_minimum: float | None = None  # overrides 5/(2N) when set

    def minimum_frequency(self, marker: str) -> float:
        if self.default_minimum is not None:
            return self.default_minimum
        size = self.markers[marker].sample_size
        return 5 / (2 * size) if size else 0.001  # 0.001 only for tables without an N row

    def locus(self, marker: str, observed: Iterable[Allele] = ()) -> Locus:
        """The marker's alleles (published non-zero ones and any observed) with the minimum
        frequency applied and the column rescaled to 1."""
        published = self.markers[marker].frequencies
        floor = self.minimum_frequency(marker)
        alleles = sorted(set(published) | set(observed), key=allele_order)
        raw = np.array([max(published.get(a, 0.0), floor) for a in alleles], dtype=np.float64)
        return Locus(marker, tuple(alleles), raw / raw.sum(), {a: i for i, a in enumerate(alleles)})


def read_table(data: bytes, *, minimum: float | None = None) -> FrequencyTable:
    """The CSV layout of /work/shared/data/str-frequencies (comma or semicolon separated).

    Raises TableError listing every problem with its line number."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError([f"line 1: not UTF-8 text ({exc.reason})"]) from exc
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise TableError(["line 1: the file is empty"])
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = [cell.strip() for cell in rows[0]]
    problems: list[str] = []
    if not header or header[0].lower() != "allele":
        raise TableError(["line 1: the first column must be headed 'Allele'"])
    columns: dict[int, str] = {}
    for position, name in enumerate(header[1:], start=1):
        if not name:
            problems.append(f"line 1: column {position + 1} has no marker name")
            continue
        marker = normalize_marker(name)
        if not is_autosomal(marker):
            continue
        if marker in columns.values():
            problems.append(f"line 1: marker {name!r} appears twice")
            continue
        columns[position] = marker
    if not columns:
        problems.append("line 1: no autosomal marker columns")
    frequencies: dict[str, dict[Allele, float]] = {m: {} for m in columns.values()}
    sizes: dict[str, int | None] = dict.fromkeys(columns.values())
    seen_alleles: set[Allele] = set()
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        label = row[0].strip()
        if len(row) > len(header):
            problems.append(f"line {number}: {len(row)} cells for {len(header)} columns")
            continue
        if label.upper() == "N":
            for position, marker in columns.items():
                cell = row[position].strip() if position < len(row) else ""
                if cell:
                    try:
                        size = int(float(cell))
                    except ValueError:
                        problems.append(f"line {number}: N for {marker} is not a number: {cell!r}")
                        continue
                    sizes[marker] = size if size > 0 else None
            continue
        if "," in label or label.upper().startswith("X"):
            continue  # amelogenin rows ("X,X", "X,Y") of the published layout
        try:
            allele = parse_allele(label)
        except ValueError:
            problems.append(f"line {number}: {label!r} is not an allele (e.g. 9.3 or 10)")
            continue
        if allele in seen_alleles:
            problems.append(f"line {number}: allele {label} appears twice")
            continue
        seen_alleles.add(allele)
        for position, marker in columns.items():
            cell = row[position].strip() if position < len(row) else ""
            if not cell:
                continue
            try:
                value = float(cell.replace(",", "."))
            except ValueError:
                problems.append(f"line {number}: {marker} {allele}: not a number: {cell!r}")
                continue
            if not (math.isfinite(value) and 0 <= value <= 1):
                problems.append(f"line {number}: {marker} {allele}: {cell} is not in 0..1")
                continue
            if value > 0:
                frequencies[marker][allele] = value
    for marker, column in frequencies.items():
        total = sum(column.values())
        if not column:
            continue  # a marker with no data in this table (e.g. a kit's extra marker)
        if abs(total - 1) > SUM_TOLERANCE:
            problems.append(f"column {marker}: frequencies sum to {total:.3f}, not 1")
    if problems:
        raise TableError(problems)
    markers = {
        marker: MarkerFrequencies(marker, column, sizes[marker])
        for marker, column in frequencies.items()
        if column
    }
    return FrequencyTable(markers, minimum)
