"""Marker names, alleles and profiles as laboratories write them.

A profile is a mapping from a canonical marker name to a sorted pair of canonical alleles.
Amelogenin and Y-chromosome markers are not autosomal STRs: they are dropped on reading, since
kinship through a pedigree of autosomal transmissions says nothing about them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

Allele = str  # canonical: "9.3", "10", "X"
Genotype = tuple[Allele, Allele]  # sorted by allele_order
Profile = dict[str, Genotype]  # canonical marker -> genotype

_SEPARATORS = re.compile(r"[\s_\-.]+")
_Y_MARKER = re.compile(r"^(DYS\d+.*|DXYS.*|Y.*INDEL|YINDEL|Y_?GATA.*)$")
_ALLELE = re.compile(r"^\d{1,3}(\.\d)?$")


def normalize_marker(name: str) -> str:
    """`vWA`, `VWA`, `v WA` -> `VWA`; `Penta E`, `PentaE`, `penta-e` -> `PENTA_E`;
    `D8S1179` -> `D8S1179`. Kits differ in case and spacing, never in the marker itself."""
    cleaned = _SEPARATORS.sub(" ", name.strip()).upper()
    compact = cleaned.replace(" ", "")
    if compact.startswith("PENTA") and len(compact) == 6:
        return f"PENTA_{compact[-1]}"
    return compact


def is_autosomal(marker: str) -> bool:
    """False for amelogenin and Y markers, which kinship calculations skip."""
    return not (marker.startswith("AMEL") or _Y_MARKER.match(marker))


def parse_allele(text: str) -> Allele:
    """`9.3`, ` 10 `, `10.0` -> canonical repeat numbers; `X`/`Y` stay letters.

    Raises ValueError for anything else (off-ladder calls such as `<8` or `OL` need a person
    to decide what they are)."""
    value = text.strip().upper()
    if value in {"X", "Y"}:
        return value
    if not _ALLELE.match(value):
        raise ValueError(f"not an allele: {text!r}")
    whole, _, tenth = value.partition(".")
    whole = str(int(whole))
    return whole if tenth in {"", "0"} else f"{whole}.{tenth}"


def allele_value(allele: Allele) -> float:
    """The repeat number as a number, for ordering and for mutation step sizes."""
    return float(allele) if allele[0].isdigit() else -1.0


def allele_order(allele: Allele) -> tuple[float, str]:
    return (allele_value(allele), allele)


def genotype(first: str, second: str | None = None) -> Genotype:
    """A sorted pair; one allele given means a homozygote (as many kits print it)."""
    a = parse_allele(first)
    b = a if second is None or not second.strip() else parse_allele(second)
    return (a, b) if allele_order(a) <= allele_order(b) else (b, a)


def parse_genotype(text: str) -> Genotype:
    """`"9.3, 10"`, `"9.3/10"`, `"12"` (a homozygote)."""
    parts = [part for part in re.split(r"[,/;\s]+", text.strip()) if part]
    if not 1 <= len(parts) <= 2:
        raise ValueError(f"not a genotype: {text!r}")
    return genotype(parts[0], parts[1] if len(parts) == 2 else None)


def parse_profile(
    values: Mapping[str, str | Iterable[str] | None],
) -> Profile:
    """Raw marker -> `"a,b"` or `(a, b)`; blank or missing genotypes are untyped loci (skipped,
    not errors); AMEL and Y markers are dropped; a marker written twice must agree."""
    profile: Profile = {}
    for raw_marker, raw in values.items():
        marker = normalize_marker(raw_marker)
        if not is_autosomal(marker) or raw is None:
            continue
        if isinstance(raw, str):
            if not raw.strip():
                continue
            typed = parse_genotype(raw)
        else:
            alleles = [a for a in raw if a and a.strip()]
            if not alleles:
                continue
            if len(alleles) > 2:
                raise ValueError(f"{raw_marker}: more than two alleles {alleles!r}")
            typed = genotype(alleles[0], alleles[1] if len(alleles) == 2 else None)
        if marker in profile and profile[marker] != typed:
            raise ValueError(f"{raw_marker}: given twice with different genotypes")
        profile[marker] = typed
    return profile
