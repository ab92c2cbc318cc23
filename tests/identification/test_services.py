"""Screening end to end on a synthetic family, the handoff to the two-person link, and its
approval closing the case."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.cases.models import CaseStatus
from app.exchanges import remains as remains_link
from app.extensions import db
from app.identification.models import IdentificationProposal, ProposalStatus, RunStatus
from app.identification.services import (
    UNKNOWN_SAMPLE,
    DnaError,
    case_results,
    forward_proposal,
    import_lab_file,
    read_reference_profile,
    run_proposals,
    run_screening,
    start_screening,
)
from tests import factories
from tests.identification.conftest import long_form, make_scene


def test_screening_proposes_the_true_family_only(app, actors):
    scene = make_scene(actors["supervisor"], actors["caseworker"])
    run = start_screening(actors["dna_reviewer"])
    db.session.commit()
    run = run_screening(run.id)
    assert run.status == RunStatus.DONE.value, run.error
    assert (run.remains_count, run.families_count) == (2, 2)
    banded = run_proposals(run)
    (proposed,) = banded["proposed"]
    assert (proposed.remains_id, proposed.case_id) == (scene.remains.id, scene.case.id)
    assert proposed.log10_lr > 6 and proposed.posterior > 0.999
    compared = [n for n in proposed.explanation if n["status"] == "compared"]
    assert len(compared) >= 20
    assert all(p.remains_id != scene.stranger.id for p in banded["possible"])
    assert run.seconds is not None and run.seconds >= 0


def test_screening_needs_a_table_and_the_role(app, actors):
    with pytest.raises(DnaError):
        start_screening(actors["caseworker"])
    with pytest.raises(DnaError):
        start_screening(actors["dna_reviewer"])  # no table loaded yet


def test_forwarded_proposal_is_approved_by_a_supervisor_and_closes_the_case(app, actors):
    scene = make_scene(actors["supervisor"], actors["caseworker"])
    run = run_screening(start_screening(actors["dna_reviewer"]).id)
    (proposal,) = run_proposals(run)["proposed"]
    forward_proposal(proposal, actors["dna_reviewer"], "Checked the loci.")
    assert proposal.status == ProposalStatus.FORWARDED.value
    assert scene.remains.proposed_case_id == scene.case.id
    assert "10^" in scene.remains.link_proposal_reason
    assert "Checked the loci." in scene.remains.link_proposal_reason
    for allele_pair in scene.profiles["RM-1"].values():  # the reason quotes no allele
        assert f"{allele_pair[0]},{allele_pair[1]}" not in scene.remains.link_proposal_reason
    with pytest.raises(DnaError):
        forward_proposal(proposal, actors["dna_reviewer"])
    (result,) = case_results(scene.case)
    assert result.pending and not result.approved
    remains_link.decide_link(
        scene.remains, actors["supervisor"], True, "Agreed.", family_step="Visit the mother"
    )
    db.session.flush()
    assert scene.case.status == CaseStatus.CLOSED.value
    (result,) = case_results(scene.case)
    assert result.approved


def test_a_caseworker_cannot_forward(app, actors):
    make_scene(actors["supervisor"], actors["caseworker"])
    run = run_screening(start_screening(actors["dna_reviewer"]).id)
    proposal = db.session.scalars(
        select(IdentificationProposal).where(IdentificationProposal.run_id == run.id)
    ).first()
    with pytest.raises(DnaError):
        forward_proposal(proposal, actors["caseworker"])
    with pytest.raises(DnaError):
        forward_proposal(proposal, actors["supervisor"])


def test_lab_file_attaches_profiles_and_reports_unknown_numbers(app, actors):
    scene = make_scene(actors["supervisor"], actors["caseworker"], attach=False)
    data = long_form({**scene.profiles, "NOBODY-9": scene.profiles["RF-1"]})
    data += b"RF-1;TH01;9.3;OL\n"
    result = import_lab_file(data, "lab.csv", actors["dna_reviewer"])
    assert sorted(a.sample for a in result.attached) == ["RF-1", "RF-2", "RF-3", "RM-1", "RM-2"]
    problems = [(p.code, p.sample) for p in result.problems]
    assert (UNKNOWN_SAMPLE, "NOBODY-9") in problems
    assert ("bad_allele", "RF-1") in problems
    bad = next(p for p in result.problems if p.code == "bad_allele")
    assert bad.line == data.decode().count("\n")  # the last line of the file
    run = run_screening(start_screening(actors["dna_reviewer"]).id)
    assert run.remains_count == 2 and run.proposals_count >= 1
    with pytest.raises(DnaError):
        import_lab_file(data, "lab.csv", actors["caseworker"])


def test_reading_a_profile_is_audited_and_refused_to_caseworkers(app, actors):
    make_scene(actors["supervisor"], actors["caseworker"])
    from app.identification.models import ReferenceSample

    sample = db.session.scalars(select(ReferenceSample)).first()
    with pytest.raises(DnaError):
        read_reference_profile(sample, actors["caseworker"])
    profile = read_reference_profile(sample, actors["dna_reviewer"])
    assert profile
    event = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "dna_reference_sample", AuditEvent.action == "read"
        )
    ).one()
    assert event.detail == {"dna": "profile"}


def test_a_second_sample_number_is_refused(app, actors):
    from datetime import date

    from app.identification.services import add_reference_sample

    case = factories.make_case(actors["supervisor"], assigned_to=actors["caseworker"])
    fields = dict(relative=None, relationship_kind="mother", consent_given_on=date(2026, 1, 1))
    add_reference_sample(case, actors["caseworker"], lab_sample_number="X-1", **fields)
    with pytest.raises(DnaError):
        add_reference_sample(case, actors["caseworker"], lab_sample_number="X-1", **fields)
    with pytest.raises(DnaError):
        add_reference_sample(case, actors["dna_reviewer"], lab_sample_number="X-2", **fields)
