"""The consistency checks a DNA reviewer expects, as pure functions returning findings.

- a reference inconsistent with its own family (a 'mother' excluded by her own children);
- one remains profile matching two families; two remains matching one family (commingling,
  or the same person sampled twice);
- duplicate profiles (the same profile under two names: a re-sampled relative, a swapped tube).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from app.dna.kinship import Family, Reference, Relationship
from app.dna.markers import Genotype, Profile
from app.dna.screening import Band, Candidate

R = Relationship
# (parent, child) pairs implied by the pedigree: both relationships are to the missing person.
# A half-sibling of unknown side may be either parent's child, so neither can exclude them.
_PARENT_OF = {
    R.MOTHER: {R.FULL_SIBLING, R.MATERNAL_HALF_SIBLING},
    R.FATHER: {R.FULL_SIBLING, R.PATERNAL_HALF_SIBLING},
    R.SPOUSE: {R.CHILD},
}


class FindingCode(StrEnum):
    REFERENCE_INCONSISTENT = "reference_inconsistent"
    REMAINS_MATCH_SEVERAL_FAMILIES = "remains_match_several_families"
    FAMILY_MATCHES_SEVERAL_REMAINS = "family_matches_several_remains"
    DUPLICATE_PROFILES = "duplicate_profiles"


@dataclass(frozen=True)
class Finding:
    code: FindingCode
    subjects: tuple[str, ...]  # reference, remains or family ids, as the code says
    loci: tuple[str, ...] = ()  # where it shows (inconsistent loci)


def _shares(parent: Genotype, child: Genotype) -> bool:
    return bool(set(parent) & set(child))


def _trio_fits(mother: Genotype, father: Genotype, child: Genotype) -> bool:
    a, b = child
    return (a in mother and b in father) or (b in mother and a in father)


def inconsistent_references(family: Family, min_loci: int = 2) -> list[Finding]:
    """References excluded by each other: a parent sharing no allele with their own child at
    `min_loci` loci or more (one locus may be a mutation), or a full sibling that the two typed
    parents together cannot make. Subjects: (parent id, child id[, other parent id])."""
    findings = []
    by_role: dict[Relationship, list[Reference]] = defaultdict(list)
    for ref in family.references:
        by_role[ref.relationship].append(ref)
    for parent_role, child_roles in _PARENT_OF.items():
        for parent in by_role[parent_role]:
            for role in child_roles:
                for child in by_role[role]:
                    loci = tuple(
                        marker
                        for marker in sorted(parent.profile.keys() & child.profile.keys())
                        if not _shares(parent.profile[marker], child.profile[marker])
                    )
                    if len(loci) >= min_loci:
                        findings.append(
                            Finding(FindingCode.REFERENCE_INCONSISTENT, (parent.id, child.id), loci)
                        )
    for mother in by_role[R.MOTHER]:
        for father in by_role[R.FATHER]:
            for child in by_role[R.FULL_SIBLING]:
                common = mother.profile.keys() & father.profile.keys() & child.profile.keys()
                loci = tuple(
                    m
                    for m in sorted(common)
                    if not _trio_fits(mother.profile[m], father.profile[m], child.profile[m])
                )
                if len(loci) >= min_loci and not any(f.subjects[1] == child.id for f in findings):
                    findings.append(
                        Finding(
                            FindingCode.REFERENCE_INCONSISTENT,
                            (mother.id, child.id, father.id),
                            loci,
                        )
                    )
    return findings


def multiple_matches(
    candidates: Iterable[Candidate], at_least: Band = Band.POSSIBLE
) -> list[Finding]:
    """Remains supported for two or more families, and families supported by two or more
    remains (commingled or duplicated remains), at the given band or above."""
    accepted = {Band.PROPOSED} if at_least is Band.PROPOSED else {Band.PROPOSED, Band.POSSIBLE}
    families_of: dict[str, list[str]] = defaultdict(list)
    remains_of: dict[str, list[str]] = defaultdict(list)
    for candidate in candidates:
        if candidate.band in accepted:
            families_of[candidate.remains_id].append(candidate.family_id)
            remains_of[candidate.family_id].append(candidate.remains_id)
    findings = [
        Finding(FindingCode.REMAINS_MATCH_SEVERAL_FAMILIES, (remains, *sorted(families)))
        for remains, families in sorted(families_of.items())
        if len(families) > 1
    ]
    findings += [
        Finding(FindingCode.FAMILY_MATCHES_SEVERAL_REMAINS, (family, *sorted(remains)))
        for family, remains in sorted(remains_of.items())
        if len(remains) > 1
    ]
    return findings


def duplicate_profiles(
    profiles: Mapping[str, Profile], markers: Sequence[str], min_shared: int = 8
) -> list[Finding]:
    """Pairs of profiles equal at every locus typed in both, with at least `min_shared` such
    loci (a partial profile of degraded remains still matches its full duplicate)."""
    ids = list(profiles)
    codes = np.full((len(ids), len(markers)), -1, dtype=np.int64)
    names: dict[Genotype, int] = {}
    for row, key in enumerate(ids):
        for column, marker in enumerate(markers):
            pair = profiles[key].get(marker)
            if pair is not None:
                codes[row, column] = names.setdefault(pair, len(names))
    findings = []
    block = 256
    typed = codes >= 0
    for start in range(0, len(ids), block):
        part, part_typed = codes[start : start + block], typed[start : start + block]
        both = part_typed[:, None, :] & typed[None, :, :]
        differ = (part[:, None, :] != codes[None, :, :]) & both
        equal = ~differ.any(axis=2) & (both.sum(axis=2) >= min_shared)
        for i, j in zip(*np.nonzero(equal), strict=True):
            if start + i < j:
                findings.append(Finding(FindingCode.DUPLICATE_PROFILES, (ids[start + i], ids[j])))
    return findings
