"""Why a pair scored as it did, locus by locus, for the DNA reviewer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from app.dna.frequencies import Locus
from app.dna.kinship import (
    LOG10_FLOOR,
    Family,
    Settings,
    genotype_index,
    locus_log10_lr,
    typed_references,
)
from app.dna.markers import Genotype, Profile


class LocusStatus(StrEnum):
    COMPARED = "compared"
    NOT_IN_REMAINS = "not_in_remains"  # skipped: untyped or dropped out in the remains
    NOT_IN_FAMILY = "not_in_family"  # skipped: no reference typed at this locus
    UNKNOWN_MARKER = "unknown_marker"  # skipped: not in the frequency table


@dataclass(frozen=True)
class LocusNote:
    marker: str
    status: LocusStatus
    remains: Genotype | None
    log10_lr: float  # 0 when skipped
    shared: dict[str, int]  # reference id -> alleles it shares with the remains (0, 1, 2)
    mutation_assumed: bool  # without mutation this locus would exclude the family


def explain_pair(
    remains: Profile, family: Family, loci: Mapping[str, Locus], settings: Settings
) -> list[LocusNote]:
    """One note per marker of the remains or the table, in the table's order."""
    notes = []
    markers = list(loci) + sorted(m for m in remains if m not in loci)
    for marker in markers:
        typed = remains.get(marker)
        if marker not in loci:
            status = LocusStatus.UNKNOWN_MARKER
        elif typed is None:
            status = LocusStatus.NOT_IN_REMAINS
        elif not typed_references(family, marker):
            status = LocusStatus.NOT_IN_FAMILY
        else:
            status = LocusStatus.COMPARED
        if status is not LocusStatus.COMPARED or typed is None:
            notes.append(LocusNote(marker, status, typed, 0.0, {}, False))
            continue
        locus, references = loci[marker], typed_references(family, marker)
        index = genotype_index(locus, typed)
        table = locus_log10_lr(locus, references, settings)
        strict = locus_log10_lr(locus, references, replace(settings, mutation_rate=0.0))
        if table is None or strict is None:  # not reached: references are typed here
            continue
        shared = {
            ref.id: _shared(typed, ref.profile[marker])
            for ref in family.references
            if marker in ref.profile
        }
        mutation = settings.mutation_rate > 0 and strict[index] <= LOG10_FLOOR
        notes.append(LocusNote(marker, status, typed, float(table[index]), shared, mutation))
    return notes


def _shared(one: Genotype, other: Genotype) -> int:
    rest = list(other)
    count = 0
    for allele in one:
        if allele in rest:
            rest.remove(allele)
            count += 1
    return count
