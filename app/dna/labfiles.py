"""Laboratory STR exports: bytes in, profiles by sample number and problems with line numbers out.

Two layouts, told apart by their header:

- long: a row per (sample, marker): `Sample, Marker, Allele 1, Allele 2` (a second allele
  left blank is a homozygote, as kits print it);
- wide: a row per sample and two columns per marker, written `D8S1179_1`/`D8S1179_2`,
  `D8S1179 a`/`D8S1179 b`, or `D8S1179` twice.

UTF-8 (with or without a byte-order mark) or Windows-1251, `;` or `,` separated. Marker names
are normalised (`vWA` = `VWA`); amelogenin and Y markers are dropped from the profile as the
kinship core drops them, but amelogenin is read as the sample's sex (X alone female, with a Y
male), which screening weighs beside the DNA (app.dna.evidence). Nothing is lost silently: a
cell that is not an allele, a third allele, a marker given twice with different genotypes and a
row without a sample each become a problem with its line; the rest of the sample's profile is
kept. Which sample numbers exist is not known here: the caller reports unknown ones with the
line this module gives each profile.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.dna.markers import Genotype, Profile, genotype, is_autosomal, normalize_marker

__all__ = ["LabFile", "LabProblem", "Layout", "ProblemCode", "read_lab_file"]

_SAMPLE_HEADERS = re.compile(r"^(sample|specimen)[\s_-]*(name|id|number|no|file)?\.?$")
_MARKER_HEADERS = {"marker", "locus", "loci"}
_ALLELE_HEADER = re.compile(r"^allele[\s_-]*\d*$")
# A wide column's pair suffix: "_1"/"_2", " a"/" b", "-1".
_PAIR_SUFFIX = re.compile(r"^(.+?)[\s_\-.]+([12ab])$", re.IGNORECASE)
# What a wide file's marker column is called once normalised: STR loci, amelogenin, Y markers.
# Other columns (a kit, a date, a comment) are not read as alleles; the report names them.
_MARKER_NAME = re.compile(
    r"^(D\d{1,2}S\d{2,4}[A-Z]?|VWA|TH0?1|TPOX|CSF1PO|FGA|SE33|PENTA_[A-Z]|F13A0?1|F13B|"
    r"FESFPS|FES|LPL|AMEL.*|DYS\d+.*|DXYS.*|Y_?INDEL|YINDEL|Y_?GATA.*)$"
)


class Layout(StrEnum):
    LONG = "long"
    WIDE = "wide"


class ProblemCode(StrEnum):
    NO_HEADER = "no_header"  # no sample column: not a laboratory export we know
    NO_SAMPLE = "no_sample"  # a row with alleles and no sample number
    BAD_ALLELE = "bad_allele"  # detail: marker and the cell
    TOO_MANY_ALLELES = "too_many_alleles"  # detail: marker
    CONFLICT = "conflict"  # a marker of a sample given twice, differently; detail: marker
    NO_MARKER = "no_marker"  # a long-form row without a marker name
    IGNORED_COLUMN = "ignored_column"  # a wide-form column that names no marker; detail: its name


@dataclass(frozen=True)
class LabProblem:
    line: int  # 1 = the header
    code: str  # a ProblemCode, or a code of the caller (an unknown sample number)
    sample: str = ""
    detail: str = ""


@dataclass
class LabFile:
    layout: Layout | None
    profiles: dict[str, Profile] = field(default_factory=dict)  # sample number -> profile
    lines: dict[str, int] = field(default_factory=dict)  # sample number -> its first line
    sexes: dict[str, str] = field(default_factory=dict)  # sample -> "male"/"female" (amelogenin)
    problems: list[LabProblem] = field(default_factory=list)
    rows: int = 0  # data rows read


def _decode(data: bytes) -> str:
    """UTF-8 first (a Windows-1251 file is almost never valid UTF-8), then Windows-1251."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251")


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if first.count(";") > first.count(",") else ","


def _header_key(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower())


def _marker_of_column(name: str) -> tuple[str, str | None]:
    """`D8S1179_1` -> (`D8S1179`, "1"); `D8S1179` -> (`D8S1179`, None). A marker whose own
    name ends in a letter (`Penta E`, `Penta D`) keeps it unless a pair suffix follows."""
    stripped = name.strip()
    match = _PAIR_SUFFIX.match(stripped)
    if match and not re.fullmatch(r"penta", match.group(1).strip(), re.IGNORECASE):
        return normalize_marker(match.group(1)), match.group(2).lower()
    return normalize_marker(stripped), None


def read_lab_file(data: bytes) -> LabFile:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    header: list[str] | None = None
    for row in reader:
        if any(cell.strip() for cell in row):
            header = row
            break
    if header is None:
        return LabFile(None, problems=[LabProblem(1, ProblemCode.NO_HEADER)])
    keys = [_header_key(cell) for cell in header]
    header_line = reader.line_num
    sample_column = next((i for i, key in enumerate(keys) if _SAMPLE_HEADERS.match(key)), None)
    if sample_column is None:
        return LabFile(None, problems=[LabProblem(header_line, ProblemCode.NO_HEADER)])
    marker_column = next((i for i, key in enumerate(keys) if key in _MARKER_HEADERS), None)
    if marker_column is not None:
        alleles = [i for i, key in enumerate(keys) if _ALLELE_HEADER.match(key)]
        result = LabFile(Layout.LONG)
        _read_long(reader, result, sample_column, marker_column, alleles)
    else:
        columns: dict[str, list[int]] = {}
        ignored: list[str] = []
        for i, name in enumerate(header):
            if i == sample_column or not name.strip():
                continue
            marker = _marker_of_column(name)[0]
            if _MARKER_NAME.match(marker):
                columns.setdefault(marker, []).append(i)
            else:
                ignored.append(name.strip())
        result = LabFile(Layout.WIDE)
        result.problems.extend(
            LabProblem(header_line, ProblemCode.IGNORED_COLUMN, detail=name) for name in ignored
        )
        _read_wide(reader, result, sample_column, columns)
    return result


class _Sink:
    """Collects one file's profiles, keeping each sample's first line and every problem."""

    def __init__(self, result: LabFile) -> None:
        self.result = result

    def put(self, line: int, sample: str, marker: str, cells: list[str]) -> None:
        result = self.result
        result.lines.setdefault(sample, line)
        profile = result.profiles.setdefault(sample, {})
        canonical = normalize_marker(marker)
        if canonical.startswith("AMEL"):
            self._sex(sample, cells)
            return
        if not canonical or not is_autosomal(canonical):
            return
        values = [cell.strip() for cell in cells if cell.strip()]
        if not values:
            return  # untyped here: a locus that dropped out is not an error
        if len(values) > 2:
            result.problems.append(LabProblem(line, ProblemCode.TOO_MANY_ALLELES, sample, marker))
            return
        try:
            typed: Genotype = genotype(values[0], values[1] if len(values) == 2 else None)
        except ValueError:
            detail = f"{marker}: {' / '.join(values)}"
            result.problems.append(LabProblem(line, ProblemCode.BAD_ALLELE, sample, detail))
            return
        if canonical in profile and profile[canonical] != typed:
            result.problems.append(LabProblem(line, ProblemCode.CONFLICT, sample, marker))
            return
        profile[canonical] = typed

    def _sex(self, sample: str, cells: list[str]) -> None:
        """Amelogenin: X alone is female, a Y is male; anything else says nothing."""
        values = {cell.strip().upper() for cell in cells if cell.strip()}
        if values and values <= {"X", "Y"}:
            self.result.sexes[sample] = "male" if "Y" in values else "female"


def _cell(row: list[str], index: int) -> str:
    return row[index] if index < len(row) else ""


def _read_long(
    reader: Any,  # a csv reader: rows and their line_num
    result: LabFile,
    sample_column: int,
    marker_column: int,
    alleles: list[int],
) -> None:
    sink = _Sink(result)
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        line = reader.line_num
        result.rows += 1
        sample, marker = _cell(row, sample_column).strip(), _cell(row, marker_column).strip()
        cells = [_cell(row, i) for i in alleles]
        if not sample:
            result.problems.append(LabProblem(line, ProblemCode.NO_SAMPLE))
            continue
        if not marker:
            if any(c.strip() for c in cells):
                result.problems.append(LabProblem(line, ProblemCode.NO_MARKER, sample))
            continue
        sink.put(line, sample, marker, cells)


def _read_wide(
    reader: Any,  # a csv reader: rows and their line_num
    result: LabFile,
    sample_column: int,
    columns: dict[str, list[int]],
) -> None:
    sink = _Sink(result)
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        line = reader.line_num
        result.rows += 1
        sample = _cell(row, sample_column).strip()
        if not sample:
            result.problems.append(LabProblem(line, ProblemCode.NO_SAMPLE))
            continue
        result.lines.setdefault(sample, line)
        result.profiles.setdefault(sample, {})
        for marker, indexes in columns.items():
            sink.put(line, sample, marker, [_cell(row, i) for i in indexes])
