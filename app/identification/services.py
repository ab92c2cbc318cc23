"""DNA identification's operations: frequency tables, reference samples, laboratory files,
screening runs, and the handoff of a proposal to the remains link.

Every operation flushes and never commits; the flush hook audits the rows it creates and
changes, and reading a profile writes a ``read`` event of its own (profiles are more sensitive
than names). Who may do what is checked here as well as on the routes.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Integer, Select, bindparam, exists, func, select

from app.audit.models import AuditAction
from app.audit.services import record
from app.auth.models import User
from app.auth.permissions import Permission
from app.cases.access import can_edit_case
from app.cases.models import Case, CaseStatus, Relative
from app.database import utcnow
from app.dna import checks, evidence, explain, screening
from app.dna.frequencies import FrequencyTable, MarkerFrequencies, read_table
from app.dna.kinship import Family, Reference, Relationship, Settings
from app.dna.labfiles import LabProblem, ProblemCode, read_lab_file
from app.dna.markers import Profile
from app.exchanges import remains as remains_link
from app.exchanges.models import ExchangeLine, ExchangeRemains
from app.exchanges.workflow import ExchangeError
from app.extensions import db
from app.identification.models import (
    FrequencyTableRecord,
    IdentificationProposal,
    ProposalBand,
    ProposalStatus,
    ReferenceSample,
    RemainsProfile,
    RunStatus,
    ScreeningRun,
)
from app.jobs import exclusive, job, mark_interrupted, report_progress, runner_id, running
from app.matching.entities import MatchEntity, prepare
from app.matching.parallel import available_cores
from app.matching.scoring import compare

# The relationships a case's sample may have (app.dna.kinship's pedigree).
RELATIONSHIPS = tuple(Relationship)


class DnaError(ValueError):
    """A refused operation; the message is for the user, beside ``field`` where it names one."""

    def __init__(self, message: str = "", field: str | None = None):
        super().__init__(message)
        self.field = field


# --- profiles as stored -------------------------------------------------------------------


def profile_to_json(profile: Profile) -> dict[str, list[str]]:
    return {marker: list(pair) for marker, pair in sorted(profile.items())}


def profile_from_json(data: dict[str, list[str]] | None) -> Profile:
    return {marker: (pair[0], pair[1]) for marker, pair in (data or {}).items()}


# --- frequency tables ---------------------------------------------------------------------


def _table_to_json(table: FrequencyTable) -> dict[str, Any]:
    return {
        "markers": {
            marker: {"n": m.sample_size, "frequencies": m.frequencies}
            for marker, m in table.markers.items()
        },
        "minimum": table.default_minimum,
    }


def table_from_json(data: dict[str, Any]) -> FrequencyTable:
    return FrequencyTable(
        {
            marker: MarkerFrequencies(marker, dict(values["frequencies"]), values["n"])
            for marker, values in data["markers"].items()
        },
        data.get("minimum"),
    )


def add_frequency_table(
    name: str, data: bytes, actor: User | None, *, activate: bool = True
) -> FrequencyTableRecord:
    """Read a table (app.dna.frequencies.TableError lists its problems with their lines) and
    store it; the new table becomes the one screening uses unless ``activate`` is false."""
    if actor is not None and not actor.can(Permission.DNA_FREQUENCIES_MANAGE):
        raise DnaError(_("You may not load frequency tables."))
    table = read_table(data)
    stored = FrequencyTableRecord(
        name=name.strip()[:200] or _("Frequency table"),
        uploaded_by_id=actor.id if actor else None,
        table=_table_to_json(table),
        active=False,
    )
    db.session.add(stored)
    db.session.flush()
    if activate:
        activate_frequency_table(stored)
    return stored


def activate_frequency_table(table: FrequencyTableRecord) -> None:
    for other in db.session.scalars(
        select(FrequencyTableRecord).where(FrequencyTableRecord.active.is_(True))
    ):
        other.active = False
    db.session.flush()  # one active table at a time, whatever order the rows flush in
    table.active = True
    db.session.flush()


def frequency_tables() -> list[FrequencyTableRecord]:
    query = select(FrequencyTableRecord).order_by(FrequencyTableRecord.uploaded_at.desc())
    return list(db.session.scalars(query))


def active_table() -> FrequencyTableRecord | None:
    query = select(FrequencyTableRecord).where(FrequencyTableRecord.active.is_(True))
    return db.session.scalars(query.order_by(FrequencyTableRecord.id.desc())).first()


# --- reference samples --------------------------------------------------------------------


def case_samples(case: Case) -> list[ReferenceSample]:
    return list(db.session.scalars(_case_samples_statement(), {"case_id": case.id}))


# The case page's statements are built once, the case a parameter: SQLAlchemy keys a statement
# for its cache of compiled SQL on every execution unless it is the same object.
@cache
def _case_samples_statement() -> Select:
    return (
        select(ReferenceSample)
        .where(ReferenceSample.case_id == bindparam("case_id"))
        .order_by(ReferenceSample.id)
    )


def add_reference_sample(
    case: Case,
    actor: User,
    *,
    relative: Relative | None,
    relationship_kind: str,
    lab_sample_number: str,
    consent_given_on: date | None,
) -> ReferenceSample:
    """Record a relative's sample with their consent; its profile comes with the lab's file."""
    if not can_edit_case(actor, case):
        raise DnaError(_("You may not add samples to this case."))
    if relative is not None and relative.case_id != case.id:
        raise DnaError(_("Choose a relative of this case."), "relative_id")
    if relationship_kind not in {r.value for r in Relationship}:
        raise DnaError(_("Choose the relationship."), "relationship_kind")
    number = lab_sample_number.strip()
    if not number:
        raise DnaError(_("Give the laboratory's sample number."), "lab_sample_number")
    if consent_given_on is None:
        raise DnaError(_("A sample is taken only with consent: give its date."), "consent_given_on")
    if consent_given_on > date.today():
        raise DnaError(_("Consent cannot be given in the future."), "consent_given_on")
    taken = select(ReferenceSample.id).where(ReferenceSample.lab_sample_number == number)
    if db.session.scalar(taken) is not None:
        raise DnaError(_("This sample number is already recorded."), "lab_sample_number")
    sample = ReferenceSample(
        case_id=case.id,
        relative_id=relative.id if relative else None,
        relationship_kind=relationship_kind,
        lab_sample_number=number,
        consent_given_on=consent_given_on,
        consent_recorded_by_id=actor.id,
    )
    db.session.add(sample)
    db.session.flush()
    return sample


def read_reference_profile(sample: ReferenceSample, actor: User) -> Profile:
    """A reference profile, for a DNA reviewer; every read is audited."""
    if not actor.can(Permission.DNA_PROFILE_READ):
        raise DnaError(_("You may not read profiles."))
    record(AuditAction.READ, sample, detail={"dna": "profile"})
    return profile_from_json(sample.profile)


def remains_profile(remains: ExchangeRemains) -> RemainsProfile | None:
    query = select(RemainsProfile).where(RemainsProfile.remains_id == remains.id)
    return db.session.scalar(query)


def read_remains_profile(remains: ExchangeRemains, actor: User) -> Profile | None:
    if not actor.can(Permission.DNA_PROFILE_READ):
        raise DnaError(_("You may not read profiles."))
    found = remains_profile(remains)
    record(AuditAction.READ, remains, detail={"dna": "profile"})
    return profile_from_json(found.profile) if found else None


# --- laboratory files ---------------------------------------------------------------------

# Problems found here rather than in the file's reading (app.dna.labfiles knows no samples).
UNKNOWN_SAMPLE = "unknown_sample"
AMBIGUOUS_SAMPLE = "ambiguous_sample"  # the number names several remains, or a sample and remains
EMPTY_PROFILE = "empty_profile"  # a sample whose every locus was blank or refused


@dataclass(frozen=True)
class Attached:
    sample: str
    kind: str  # "reference" or "remains"
    object_id: int
    loci: int
    line: int
    replaced: bool  # it had a profile before this file


@dataclass
class LabImport:
    layout: str | None
    attached: list[Attached] = field(default_factory=list)
    problems: list[LabProblem] = field(default_factory=list)
    rows: int = 0


def import_lab_file(data: bytes, filename: str, actor: User) -> LabImport:
    """Attach each profile of a laboratory file to the reference sample or the remains with its
    sample number. Unknown numbers, ambiguous ones and the file's own problems are reported
    with their lines; the profiles that can be attached are."""
    if not actor.can(Permission.DNA_PROFILE_IMPORT):
        raise DnaError(_("You may not import laboratory files."))
    parsed = read_lab_file(data)
    result = LabImport(parsed.layout.value if parsed.layout else None, rows=parsed.rows)
    result.problems.extend(parsed.problems)
    numbers = list(parsed.profiles)
    references = {
        s.lab_sample_number: s
        for s in db.session.scalars(
            select(ReferenceSample).where(ReferenceSample.lab_sample_number.in_(numbers))
        )
    }
    remains_of: dict[str, list[ExchangeRemains]] = defaultdict(list)
    for found in db.session.scalars(
        select(ExchangeRemains).where(ExchangeRemains.lab_sample_number.in_(numbers))
    ):
        remains_of[found.lab_sample_number].append(found)
    now = utcnow()
    for number, profile in parsed.profiles.items():
        line = parsed.lines[number]
        candidates = len(remains_of[number]) + (number in references)
        if candidates == 0:
            result.problems.append(LabProblem(line, UNKNOWN_SAMPLE, number))
            continue
        if candidates > 1:
            result.problems.append(LabProblem(line, AMBIGUOUS_SAMPLE, number))
            continue
        if not profile:
            result.problems.append(LabProblem(line, EMPTY_PROFILE, number))
            continue
        stored = profile_to_json(profile)
        if number in references:
            sample = references[number]
            replaced = sample.profile is not None
            sample.profile, sample.profile_received_at = stored, now
            result.attached.append(
                Attached(number, "reference", sample.id, len(profile), line, replaced)
            )
        else:
            (target,) = remains_of[number]
            existing = remains_profile(target)
            sex = parsed.sexes.get(number, "")
            if existing is None:
                db.session.add(RemainsProfile(remains_id=target.id, profile=stored, lab_sex=sex))
            else:
                existing.profile, existing.received_at = stored, now
                existing.lab_sex = sex
            result.attached.append(
                Attached(number, "remains", target.id, len(profile), line, existing is not None)
            )
    result.problems.sort(key=lambda p: p.line)
    db.session.flush()
    record(
        AuditAction.IMPORT,
        object_type="dna_lab_file",
        detail={
            "filename": filename[:200],
            "rows": result.rows,
            "attached": len(result.attached),
            "problems": len(result.problems),
        },
    )
    return result


# --- screening ----------------------------------------------------------------------------

SETTINGS = Settings(theta=0.01)  # as the benchmark and the usual practice for one population


def mark_interrupted_runs() -> int:
    """Mark runs whose process died (running) or that no worker took up within an hour
    (queued) as failed ("interrupted"), so that none shows as under way forever and a new
    one can start; flushes, returns how many."""
    return sum(
        mark_interrupted(ScreeningRun, status.value, RunStatus.FAILED.value, "interrupted")
        for status in (RunStatus.RUNNING, RunStatus.QUEUED)
    )


def active_run() -> ScreeningRun | None:
    """The run queued or under way, if any (after the dead ones are marked failed)."""
    mark_interrupted_runs()
    query = select(ScreeningRun).where(
        ScreeningRun.status.in_([RunStatus.QUEUED.value, RunStatus.RUNNING.value])
    )
    return db.session.scalars(query.order_by(ScreeningRun.id.desc())).first()


def start_screening(actor: User) -> ScreeningRun:
    """Queue a run; one at a time (a second would only do the same work again)."""
    if not actor.can(Permission.DNA_SCREENING_RUN):
        raise DnaError(_("You may not start a screening."))
    if active_run() is not None:
        raise DnaError(_("A screening is already under way: wait for it to finish."))
    table = active_table()
    if table is None:
        raise DnaError(_("No frequency table is loaded: an administrator loads one first."))
    run = ScreeningRun(started_by_id=actor.id, frequency_table_id=table.id)
    db.session.add(run)
    db.session.flush()
    return run


@job
def run_screening_job(run_id: int) -> None:
    """The queued job of a screening run (the screening page's button). Runs take turns
    across every process: two at once would only do the same work twice."""
    with exclusive("dna-screening"):
        run_screening(run_id)


def _families() -> tuple[list[Family], list[ReferenceSample]]:
    samples = list(
        db.session.scalars(
            select(ReferenceSample)
            .join(Case, Case.id == ReferenceSample.case_id)
            .where(
                ReferenceSample.profile.is_not(None),
                Case.status != CaseStatus.CLOSED.value,
                Case.archived.is_(False),
            )
            .order_by(ReferenceSample.case_id, ReferenceSample.id)
        )
    )
    by_case: dict[int, list[Reference]] = defaultdict(list)
    for sample in samples:
        by_case[sample.case_id].append(
            Reference(
                str(sample.id),
                Relationship(sample.relationship_kind),
                profile_from_json(sample.profile),
            )
        )
    families = [Family(str(case_id), tuple(refs)) for case_id, refs in by_case.items()]
    return families, samples


def _remains_profiles() -> dict[str, Profile]:
    """Remains not yet linked to a case."""
    query = (
        select(RemainsProfile)
        .join(ExchangeRemains, ExchangeRemains.id == RemainsProfile.remains_id)
        .join(ExchangeLine, ExchangeLine.id == ExchangeRemains.line_id)
        .where(ExchangeLine.case_id.is_(None))
        .order_by(RemainsProfile.remains_id)
    )
    return {str(p.remains_id): profile_from_json(p.profile) for p in db.session.scalars(query)}


def _prior() -> float:
    """One over the open missing persons: every case not closed (at least two, so that a
    single open case is not certain before any evidence)."""
    open_cases = db.session.scalar(
        select(func.count())
        .select_from(Case)
        .where(Case.status != CaseStatus.CLOSED.value, Case.archived.is_(False))
    )
    return 1 / max(int(open_cases or 0), 2)


def _finding_json(finding: checks.Finding) -> dict[str, Any]:
    return {
        "code": finding.code.value,
        "subjects": list(finding.subjects),
        "loci": list(finding.loci),
    }


def _note_json(note: explain.LocusNote) -> dict[str, Any]:
    return {
        "marker": note.marker,
        "status": note.status.value,
        "remains": list(note.remains) if note.remains else None,
        "log10_lr": round(note.log10_lr, 4),
        "shared": {ref: int(count) for ref, count in note.shared.items()},
        "mutation": bool(note.mutation_assumed),
    }


# Progress stages, stored as the progress message (the page words it in the reader's language).
STAGE_TABLES = "tables"  # the families' tables, locus by locus
STAGE_SCREENING = "screening"  # remains against families, block by block


def _name_bits(found: ExchangeRemains, case: Case) -> float | None:
    """The name matcher's bits for the claimed name against the case's names (and aliases),
    or None when the other side claims no name. Only names are given to the matcher, so
    every bit it returns is a name's."""
    claimed = (found.claimed_family_name, found.claimed_given_name, found.claimed_patronymic)
    if not any(part.strip() for part in claimed):
        return None
    theirs = MatchEntity(("remains", found.id), *claimed)
    ours = MatchEntity(
        ("case", case.id),
        case.family_name,
        case.given_name,
        case.patronymic,
        case.family_name_latin,
        case.given_name_latin,
        aliases=tuple((a.family_name, a.given_name, a.patronymic) for a in case.aliases),
    )
    return compare(prepare(ours), prepare(theirs)).bits


def remains_facts(found: ExchangeRemains, lab_sex: str = "") -> evidence.RemainsFacts:
    claimed = (found.claimed_family_name, found.claimed_given_name, found.claimed_patronymic)
    return evidence.RemainsFacts(
        sex=found.sex,
        lab_sex=lab_sex,
        age_min=found.age_min,
        age_max=found.age_max,
        recovered_on=found.recovered_on,
        recovery_region=found.recovery_region,
        claimed_name=" ".join(part.strip() for part in claimed if part.strip()),
    )


def case_facts(case: Case) -> evidence.CaseFacts:
    return evidence.CaseFacts(
        sex=case.sex,
        dob_year=case.dob_year,
        dob_month=case.dob_month,
        dob_day=case.dob_day,
        estimated_age=case.estimated_age,
        age_estimated_on=case.age_estimated_on,
        places=(case.region, case.last_known_place, case.place_of_birth),
    )


def other_evidence(
    found: ExchangeRemains, case: Case, lab_sex: str | None = None
) -> list[evidence.EvidenceNote]:
    """The name, sex, age and region factors of a pair (app.dna.evidence); ``lab_sex`` is the
    remains' amelogenin sex (looked up when not given)."""
    if lab_sex is None:
        profile = remains_profile(found)
        lab_sex = profile.lab_sex if profile else ""
    facts = remains_facts(found, lab_sex)
    return evidence.other_evidence(facts, case_facts(case), _name_bits(found, case))


def _ranked(
    candidates: list[screening.Candidate],
) -> list[tuple[screening.Candidate, list[evidence.EvidenceNote], evidence.Combined, int]]:
    """The candidates worth storing with their other evidence and combined band, each
    remains' families re-ranked by the combined log10 LR (the DNA still decides the band)."""
    kept = [c for c in candidates if c.band is not screening.Band.NONE]
    remains_by_id = {
        r.id: r
        for r in db.session.scalars(
            select(ExchangeRemains).where(ExchangeRemains.id.in_({int(c.remains_id) for c in kept}))
        )
    }
    cases = {
        c.id: c
        for c in db.session.scalars(
            select(Case).where(Case.id.in_({int(c.family_id) for c in kept}))
        )
    }
    lab_sexes = {
        remains_id: sex
        for remains_id, sex in db.session.execute(
            select(RemainsProfile.remains_id, RemainsProfile.lab_sex).where(
                RemainsProfile.remains_id.in_(list(remains_by_id))
            )
        )
    }
    scored = []
    for candidate in kept:
        remains_id = int(candidate.remains_id)
        notes = other_evidence(
            remains_by_id[remains_id],
            cases[int(candidate.family_id)],
            lab_sexes.get(remains_id, ""),
        )
        scored.append(
            (candidate, notes, evidence.combine(candidate.log10_lr, candidate.band.value, notes))
        )
    by_remains: dict[str, list[Any]] = defaultdict(list)
    for item in scored:
        by_remains[item[0].remains_id].append(item)
    ranked = []
    for items in by_remains.values():
        items.sort(key=lambda item: -item[2].log10_lr)
        ranked += [(*item, rank) for rank, item in enumerate(items, start=1)]
    return ranked


def run_screening(run_id: int) -> ScreeningRun:
    """Screen every unlinked remains profile against every open case's family with the run's
    table; store the proposed and possible pairs with their explanations and other evidence,
    and the consistency checks' findings, then commit (or record the failure and commit
    that). Progress goes to the queue's store under the run's job key."""
    with running(ScreeningRun.key_for(run_id)):
        return _run_screening(run_id)


def _run_screening(run_id: int) -> ScreeningRun:
    run = db.session.get(ScreeningRun, run_id)
    if run is None:
        raise LookupError(f"no screening run {run_id}")
    if run.status != RunStatus.QUEUED.value:
        # Marked interrupted while it waited for a worker (a newer run may be doing its
        # work), or already run: it is not run again.
        return run
    run.status = RunStatus.RUNNING.value
    run.runner = runner_id()
    run.started_at = utcnow()
    key = run.job_key
    db.session.commit()
    clock = time.perf_counter()
    try:
        stored = db.session.get(FrequencyTableRecord, run.frequency_table_id)
        if stored is None:
            raise LookupError("the run's frequency table is gone")
        table = table_from_json(stored.table)
        families, samples = _families()
        remains = _remains_profiles()
        loci = screening.build_loci(
            table, [*remains.values(), *(profile_from_json(s.profile) for s in samples)]
        )
        report_progress(key, 0, len(loci), STAGE_TABLES)
        tables = screening.prepare_families(
            families,
            loci,
            SETTINGS,
            progress=lambda done, total: report_progress(key, done, total, STAGE_TABLES),
            processes=current_app.config.get("DNA_PROCESSES", 0) or available_cores(),
        )
        ids = list(remains)
        codes = screening.encode_remains([remains[i] for i in ids], tables)
        prior = _prior()
        report_progress(key, 0, len(ids), STAGE_SCREENING)
        candidates = screening.screen(
            ids,
            codes,
            tables,
            prior,
            progress=lambda done, total: report_progress(
                key, done, total, STAGE_SCREENING, items=done
            ),
        )
        family_of = {f.id: f for f in families}
        ranked = _ranked(candidates)
        for candidate, notes, combined, rank in ranked:
            loci_notes = explain.explain_pair(
                remains[candidate.remains_id], family_of[candidate.family_id], loci, SETTINGS
            )
            db.session.add(
                IdentificationProposal(
                    run_id=run.id,
                    remains_id=int(candidate.remains_id),
                    case_id=int(candidate.family_id),
                    log10_lr=candidate.log10_lr,
                    posterior=candidate.posterior,
                    band=ProposalBand(combined.band).value,
                    rank=rank,
                    explanation=[_note_json(n) for n in loci_notes],
                    evidence=[note.as_dict() for note in notes],
                    combined_log10_lr=round(combined.log10_lr, 4),
                    flag=combined.flag.value,
                )
            )
        findings = [f for family in families for f in checks.inconsistent_references(family)]
        findings += checks.multiple_matches(candidates)
        every = {f"remains:{k}": v for k, v in remains.items()}
        every |= {f"sample:{s.id}": profile_from_json(s.profile) for s in samples}
        findings += checks.duplicate_profiles(every, list(loci))
        run.findings = [_finding_json(f) for f in findings]
        run.skipped = tables.skipped
        run.remains_count = len(ids)
        run.families_count = len(tables.family_ids)
        run.proposals_count = len(ranked)
        run.prior = prior
        run.status = RunStatus.DONE.value
    except Exception as error:
        db.session.rollback()
        run = db.session.get(ScreeningRun, run_id) or run  # the row outlives a rollback
        run.status = RunStatus.FAILED.value
        run.error = type(error).__name__[:200]  # never a message: it could quote a profile
    run.seconds = round(time.perf_counter() - clock, 3)
    run.finished_at = utcnow()
    db.session.flush()
    record(
        AuditAction.UPDATE,
        run,
        actor_id=run.started_by_id,
        detail={
            "screening": run.status,
            "remains": run.remains_count,
            "families": run.families_count,
            "proposals": run.proposals_count,
        },
    )
    db.session.commit()
    return run


def screening_runs(limit: int = 20) -> list[ScreeningRun]:
    query = select(ScreeningRun).order_by(ScreeningRun.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def latest_done_run() -> ScreeningRun | None:
    query = select(ScreeningRun).where(ScreeningRun.status == RunStatus.DONE.value)
    return db.session.scalars(query.order_by(ScreeningRun.id.desc())).first()


def run_proposals(run: ScreeningRun) -> dict[str, list[IdentificationProposal]]:
    """The run's proposals by band, strongest first: by the DNA and the other evidence
    together (app.dna.evidence), the DNA alone for runs made before there was any."""
    query = (
        select(IdentificationProposal)
        .where(IdentificationProposal.run_id == run.id)
        .order_by(
            func.coalesce(
                IdentificationProposal.combined_log10_lr, IdentificationProposal.log10_lr
            ).desc(),
            IdentificationProposal.id,
        )
    )
    banded: dict[str, list[IdentificationProposal]] = {band.value: [] for band in ProposalBand}
    for proposal in db.session.scalars(query):
        banded[proposal.band].append(proposal)
    return banded


# --- review: the handoff to the two-person link --------------------------------------------


def evidence_summary(proposal: IdentificationProposal) -> str:
    """The reason written on the link proposal: what the DNA says, without any allele."""
    compared = sum(1 for note in proposal.explanation if note["status"] == "compared")
    mutations = sum(1 for note in proposal.explanation if note.get("mutation"))
    text = _(
        "DNA kinship: likelihood ratio 10^%(lr).1f over %(loci)d loci compared, "
        "posterior %(posterior).6f (screening run %(run)d).",
        lr=proposal.log10_lr,
        loci=compared,
        posterior=proposal.posterior,
        run=proposal.run_id,
    )
    if mutations:
        text += " " + _("Mutation assumed at %(count)d loci.", count=mutations)
    if proposal.combined_log10_lr is not None:
        text += " " + _(
            "With the other evidence (name, sex, age, region): 10^%(lr).1f.",
            lr=proposal.combined_log10_lr,
        )
    if proposal.flag == evidence.Flag.CONTRADICTED:
        text += " " + _("The other evidence contradicts it (sex or age): reviewed by a person.")
    return text


def forward_proposal(
    proposal: IdentificationProposal, actor: User, note: str = ""
) -> IdentificationProposal:
    """A DNA reviewer turns a proposal into the remains' link proposal; a supervisor other than
    them confirms it on the remains page (the two-person rule of app.exchanges.remains).

    The reviewer does not read the case: their right to propose this case comes from the
    screening that found it, checked here, not from case access."""
    if not actor.can(Permission.DNA_IDENTIFICATION_PROPOSE):
        raise DnaError(_("You may not propose identifications."))
    if proposal.status != ProposalStatus.OPEN.value:
        raise DnaError(_("This proposal was already handed on."))
    reason = evidence_summary(proposal)
    if note.strip():
        reason += "\n" + note.strip()
    try:
        remains_link.record_link_proposal(proposal.remains, actor, proposal.case, reason)
    except ExchangeError as error:
        raise DnaError(str(error)) from error
    proposal.status = ProposalStatus.FORWARDED.value
    proposal.forwarded_by_id = actor.id
    proposal.forwarded_at = utcnow()
    db.session.flush()
    return proposal


# --- what a case's reader sees: results, never profiles -------------------------------------


@dataclass(frozen=True)
class CaseResult:
    remains: ExchangeRemains
    log10_lr: float
    approved: bool  # the remains are linked to this case
    pending: bool  # proposed, awaiting the second person


def case_results(case: Case) -> list[CaseResult]:
    """The DNA identifications handed on for this case, and whether they were approved."""
    results = []
    for proposal in db.session.scalars(_case_results_statement(), {"case_id": case.id}):
        found = proposal.remains
        approved = found.line.case_id == case.id
        pending = found.proposed_case_id == case.id and not approved
        if approved or pending:
            results.append(CaseResult(found, proposal.log10_lr, approved, pending))
    return results


@cache
def _case_results_statement() -> Select:  # built once: see _case_samples_statement
    return (
        select(IdentificationProposal)
        .where(
            IdentificationProposal.case_id == bindparam("case_id"),
            IdentificationProposal.status == ProposalStatus.FORWARDED.value,
        )
        .order_by(IdentificationProposal.forwarded_at.desc())
    )


#: The case page's questions to DNA identification (app.cases.events.case_page_probes).
HAS_SAMPLES, HAS_RESULTS = "dna_samples", "dna_results"


def case_has_samples(case_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """Whether the case of ``case_id`` (a column or a parameter) has reference samples."""
    return exists().where(ReferenceSample.case_id == case_id)


def case_has_results(case_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """Whether identifications of the case of ``case_id`` were handed on (:func:`case_results`)."""
    return exists().where(
        IdentificationProposal.case_id == case_id,
        IdentificationProposal.status == ProposalStatus.FORWARDED.value,
    )


def case_dna(
    case: Case, held: tuple[bool, bool] | None = None
) -> tuple[list[ReferenceSample], list[CaseResult]]:
    """The case page's DNA section: :func:`case_samples` and :func:`case_results`, each read only
    when the case has some: ``held`` says whether it has (the case page asks with the case),
    or a plain statement asks. Nearly every case has neither: a statement saying so costs less
    than the two of mapped rows it replaces (about 460 Python calls fewer a page, and a round
    trip); a case with both takes one statement more."""
    if held is None:
        values = {"case_id": case.id}
        row = db.session.connection().execute(_case_dna_held_statement(), values).one()
        held = (row[0], row[1])
    has_samples, has_results = held
    return (case_samples(case) if has_samples else [], case_results(case) if has_results else [])


@cache
def _case_dna_held_statement() -> Select:  # built once: see _case_samples_statement
    case_id = bindparam("case_id", type_=Integer)
    return select(case_has_samples(case_id), case_has_results(case_id))


def sample_counts(case: Case) -> tuple[int, int]:
    """(samples recorded, samples whose profile arrived) for the case page."""
    samples = case_samples(case)
    return len(samples), sum(1 for s in samples if s.profile is not None)


__all__ = [
    "AMBIGUOUS_SAMPLE",
    "EMPTY_PROFILE",
    "RELATIONSHIPS",
    "STAGE_SCREENING",
    "STAGE_TABLES",
    "UNKNOWN_SAMPLE",
    "Attached",
    "CaseResult",
    "DnaError",
    "LabImport",
    "ProblemCode",
    "activate_frequency_table",
    "active_run",
    "active_table",
    "add_frequency_table",
    "add_reference_sample",
    "case_dna",
    "case_results",
    "case_samples",
    "evidence_summary",
    "forward_proposal",
    "frequency_tables",
    "import_lab_file",
    "latest_done_run",
    "mark_interrupted_runs",
    "other_evidence",
    "profile_from_json",
    "profile_to_json",
    "read_reference_profile",
    "read_remains_profile",
    "remains_profile",
    "run_proposals",
    "run_screening",
    "run_screening_job",
    "sample_counts",
    "screening_runs",
    "start_screening",
    "table_from_json",
]
