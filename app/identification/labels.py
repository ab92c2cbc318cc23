"""What the DNA pages call codes, and the findings' subjects as a reader can follow them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from app.cases.labels import SEX_LABELS
from app.cases.models import Case
from app.dna.checks import FindingCode
from app.dna.evidence import AMELOGENIN, WRITTEN, EvidenceCode, Factor, Flag
from app.dna.explain import LocusStatus
from app.dna.labfiles import ProblemCode
from app.exchanges.models import ExchangeRemains
from app.extensions import db
from app.identification import services
from app.identification.forms import RELATIONSHIP_LABELS
from app.identification.models import ReferenceSample, RunStatus, ScreeningRun

PROBLEM_LABELS = {
    ProblemCode.NO_HEADER: _l("No sample column: this is not a laboratory export we can read."),
    ProblemCode.NO_SAMPLE: _l("A row without a sample number."),
    ProblemCode.BAD_ALLELE: _l("Not an allele"),
    ProblemCode.TOO_MANY_ALLELES: _l("More than two alleles"),
    ProblemCode.CONFLICT: _l("This marker is given twice with different genotypes"),
    ProblemCode.NO_MARKER: _l("Alleles without a marker name"),
    ProblemCode.IGNORED_COLUMN: _l("A column that names no marker, not read"),
    services.UNKNOWN_SAMPLE: _l("No reference sample or remains has this sample number."),
    services.AMBIGUOUS_SAMPLE: _l("Several samples or remains have this number: not attached."),
    services.EMPTY_PROFILE: _l("No locus of this sample could be read."),
}

FINDING_LABELS = {
    FindingCode.REFERENCE_INCONSISTENT: _l("A reference sample is inconsistent with its family"),
    FindingCode.REMAINS_MATCH_SEVERAL_FAMILIES: _l("Remains supported for several families"),
    FindingCode.FAMILY_MATCHES_SEVERAL_REMAINS: _l(
        "A family supported by several remains (commingled or duplicated remains?)"
    ),
    FindingCode.DUPLICATE_PROFILES: _l("Two identical profiles"),
}

LOCUS_LABELS = {
    LocusStatus.COMPARED: _l("compared"),
    LocusStatus.NOT_IN_REMAINS: _l("not typed in the remains"),
    LocusStatus.NOT_IN_FAMILY: _l("not typed in the family"),
    LocusStatus.UNKNOWN_MARKER: _l("not in the frequency table"),
}

FACTOR_LABELS = {
    Factor.NAME: _l("Claimed name"),
    Factor.SEX: _l("Sex"),
    Factor.AGE: _l("Age (remains' estimate; the case's age on the recovery date)"),
    Factor.REGION: _l("Oblast (recovery; the case's)"),
}

EVIDENCE_LABELS = {
    EvidenceCode.NAME_AGREES: _l("the name matcher finds the names alike"),
    EvidenceCode.NAME_DIFFERS: _l("the name matcher finds the names different"),
    EvidenceCode.NAME_CAPPED: _l("counted at the bound: a name never outweighs the DNA"),
    EvidenceCode.SEX_SAME: _l("same sex"),
    EvidenceCode.SEX_DIFFERENT: _l("different sex: a contradiction (or a mislabelled sex)"),
    EvidenceCode.AGE_INSIDE: _l("within the estimate"),
    EvidenceCode.AGE_NEAR: _l("a few years outside the estimate"),
    EvidenceCode.AGE_OUTSIDE: _l("outside the estimate"),
    EvidenceCode.AGE_FAR: _l("far outside the estimate: a contradiction"),
    EvidenceCode.REGION_SAME: _l("same oblast"),
    EvidenceCode.REGION_DIFFERENT: _l("another oblast"),
    EvidenceCode.UNKNOWN: _l("not known on one side: not counted"),
}

SOURCE_LABELS = {
    AMELOGENIN: _l("laboratory: amelogenin"),
    WRITTEN: _l("as the other side wrote it"),
}

FLAG_LABELS = {
    Flag.CONTRADICTED: _l("DNA would propose it, but the other evidence contradicts it: review"),
}

BAND_LABELS = {"proposed": _l("Proposed identifications"), "possible": _l("Possible")}
RUN_STATUS_LABELS = {
    RunStatus.QUEUED: _l("queued"),
    RunStatus.RUNNING: _l("running"),
    RunStatus.DONE: _l("done"),
    RunStatus.FAILED: _l("failed"),
}


def labels() -> dict[str, Any]:
    return {
        "problem_labels": PROBLEM_LABELS,
        "finding_labels": FINDING_LABELS,
        "locus_labels": LOCUS_LABELS,
        "band_labels": BAND_LABELS,
        "run_status_labels": RUN_STATUS_LABELS,
        "relationship_labels": RELATIONSHIP_LABELS,
        "factor_labels": FACTOR_LABELS,
        "evidence_labels": EVIDENCE_LABELS,
        "flag_labels": FLAG_LABELS,
        "source_labels": SOURCE_LABELS,
        "sex_labels": SEX_LABELS,
    }


@dataclass(frozen=True)
class FindingRow:
    code: str
    subjects: list[str]  # sample numbers, body numbers, case numbers
    loci: list[str]


def finding_rows(run: ScreeningRun) -> list[FindingRow]:
    """The run's findings with their subjects named as the reviewer knows them."""
    rows = []
    for finding in run.findings or []:
        code = finding["code"]
        names = []
        for position, subject in enumerate(finding["subjects"]):
            kind, _, key = str(subject).partition(":")
            if code == FindingCode.DUPLICATE_PROFILES:
                names.append(_remains_name(key) if kind == "remains" else _sample_name(key))
            elif code == FindingCode.REFERENCE_INCONSISTENT:
                names.append(_sample_name(subject))
            elif code == FindingCode.REMAINS_MATCH_SEVERAL_FAMILIES:
                names.append(_remains_name(subject) if position == 0 else _case_name(subject))
            else:
                names.append(_case_name(subject) if position == 0 else _remains_name(subject))
        rows.append(FindingRow(code, names, list(finding.get("loci", []))))
    return rows


def _sample_name(key: str) -> str:
    sample = db.session.get(ReferenceSample, int(key))
    return sample.lab_sample_number if sample else key


def _remains_name(key: str) -> str:
    found = db.session.get(ExchangeRemains, int(key))
    return found.body_number if found else key


def _case_name(key: str) -> str:
    case = db.session.get(Case, int(key))
    return case.case_number if case else key
