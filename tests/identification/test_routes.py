"""The DNA pages, from a laboratory file to an approved identification on a case, with who may
see what: profiles only on DNA reviewers' pages (each view audited), results on the case."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.auth.models import User
from app.cases.models import Case, Relative
from app.cases.services import add_relative
from app.extensions import db
from app.identification.models import (
    FrequencyTableRecord,
    IdentificationProposal,
    ReferenceSample,
    ScreeningRun,
)
from app.identification.services import run_screening, start_screening
from tests import factories
from tests.conftest import csrf_token
from tests.identification.conftest import TABLE_FILE, long_form, make_scene


def _post(client, url: str, data: dict, **kwargs):
    data = {"csrf_token": csrf_token(client, "/login", follow_redirects=True), **data}
    return client.post(url, data=data, **kwargs)


@pytest.fixture
def reviewer(login, users):
    return login(users["dna_reviewer"])


@pytest.fixture
def scene(app, users):
    """The synthetic family's samples and remains, profiles still at the laboratory."""
    with app.app_context():
        made = make_scene(
            db.session.get(User, users["supervisor"]),
            db.session.get(User, users["caseworker"]),
            attach=False,
        )
        db.session.commit()
        return {
            "case": made.case.id,
            "remains": made.remains.id,
            "profiles": made.profiles,
        }


def _alleles_shown(html: str, profiles) -> list[str]:
    """Genotypes of the scene written as the pages write them ("14, 17")."""
    return [
        f"{a}, {b}"
        for profile in profiles.values()
        for a, b in profile.values()
        if a != b and f"{a}, {b}" in html
    ]


def test_from_a_lab_file_to_an_approved_identification(
    app, reviewer, caseworker, supervisor, scene
):
    data = long_form(scene["profiles"]) + b"NOBODY;TH01;6;7\n"
    response = _post(
        reviewer,
        "/dna/lab-files",
        {"file": (io.BytesIO(data), "lab.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("<tr>") >= 5 and 'data-code="unknown_sample"' in html
    last_line = data.decode().count("\n")
    assert f"<td>{last_line}</td><td>NOBODY</td>" in html

    assert _post(reviewer, "/dna/screening", {}).status_code == 302
    with app.app_context():
        run = db.session.scalars(select(ScreeningRun)).one()
        assert run.status == "done" and run.remains_count == 2
        proposal = db.session.scalars(
            select(IdentificationProposal).where(IdentificationProposal.band == "proposed")
        ).one()
        assert proposal.case_id == scene["case"]
    listing = reviewer.get("/dna/proposals").get_data(as_text=True)
    assert f'data-proposal="{proposal.id}"' in listing
    page = reviewer.get(f"/dna/proposals/{proposal.id}").get_data(as_text=True)
    assert "proposal-loci" in page and _alleles_shown(page, {"rm": scene["profiles"]["RM-1"]})

    forwarded = _post(reviewer, f"/dna/proposals/{proposal.id}/forward", {"note": "Checked."})
    assert forwarded.status_code == 302
    case_page = caseworker.get(f"/cases/{scene['case']}").get_data(as_text=True)
    assert 'data-testid="case-dna-result" data-approved="no"' in case_page
    assert "10^" in case_page
    assert _alleles_shown(case_page, scene["profiles"]) == []

    decision = {
        "link_decision-reason": "The DNA evidence is conclusive.",
        "link_decision-family_step": "Visit the parents",
        "link_decision-approve": "y",
    }
    url = f"/exchanges/remains/{scene['remains']}/link/decide"
    assert _post(supervisor, url, decision).status_code == 302
    with app.app_context():
        case = db.session.get(Case, scene["case"])
        assert (case.status, case.closure_reason) == ("closed", "found_deceased")
    case_page = caseworker.get(f"/cases/{scene['case']}").get_data(as_text=True)
    assert 'data-approved="yes"' in case_page
    assert "link approved" in reviewer.get("/dna/proposals").get_data(as_text=True)
    assert _alleles_shown(case_page, scene["profiles"]) == []
    remains_page = caseworker.get(f"/exchanges/remains/{scene['remains']}")
    assert _alleles_shown(remains_page.get_data(as_text=True), scene["profiles"]) == []


def test_profile_pages_are_audited_and_refused_to_case_staff(
    app, reviewer, caseworker, supervisor, scene
):
    with app.app_context():
        sample = db.session.scalars(select(ReferenceSample)).first()
        sample.profile = {"D8S1179": ["12", "15"]}
        db.session.commit()
        sample_id = sample.id
    assert caseworker.get(f"/dna/samples/{sample_id}").status_code == 403
    assert supervisor.get(f"/dna/samples/{sample_id}").status_code == 403
    assert "12, 15" in reviewer.get(f"/dna/samples/{sample_id}").get_data(as_text=True)
    assert reviewer.get(f"/dna/remains/{scene['remains']}").status_code == 200
    with app.app_context():
        reads = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "read", AuditEvent.detail.is_not(None))
        ).all()
        seen = {(e.object_type, e.object_id) for e in reads if e.detail == {"dna": "profile"}}
        assert seen == {("dna_reference_sample", sample_id), ("exchange_remains", scene["remains"])}


def test_screening_without_a_table_is_refused_beside_the_button(app, reviewer):
    with app.app_context():
        db.session.execute(db.delete(FrequencyTableRecord))
        db.session.commit()
    response = _post(reviewer, "/dna/screening", {})
    assert response.status_code == 200
    assert "No frequency table is loaded" in response.get_data(as_text=True)


def test_the_caseworker_records_a_sample_with_consent(app, caseworker, other_caseworker, users):
    with app.app_context():
        owner = db.session.get(User, users["caseworker"])
        case = factories.make_case(owner, assigned_to=owner)
        relative = add_relative(case, owner, relationship_kind="mother", full_name="Мати Тестова")
        db.session.commit()
        case_id, relative_id = case.id, relative.id
    form = {
        "relative_id": str(relative_id),
        "relationship_kind": "mother",
        "lab_sample_number": "LAB-77",
        "consent_given_on": "01.11.2026",
    }
    url = f"/cases/{case_id}/dna/samples/new"
    assert _post(other_caseworker, url, form).status_code == 403
    assert _post(caseworker, url, form).status_code == 302
    again = _post(caseworker, url, form)
    assert again.status_code == 200 and "already recorded" in again.get_data(as_text=True)
    no_consent = _post(
        caseworker, url, {**form, "lab_sample_number": "LAB-78", "consent_given_on": ""}
    )
    assert no_consent.status_code == 200
    with app.app_context():
        (sample,) = db.session.scalars(select(ReferenceSample)).all()
        assert sample.relative_id == relative_id and sample.profile is None
        assert db.session.get(Relative, relative_id) is not None
    page = caseworker.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "LAB-77" in page and "awaited from the laboratory" in page


def test_the_admin_loads_a_frequency_table(app, admin):
    upload = {"name": "FBI 2024", "file": (io.BytesIO(TABLE_FILE.read_bytes()), "fbi.csv")}
    response = _post(admin, "/dna/frequencies", upload, content_type="multipart/form-data")
    assert response.status_code == 302
    bad = {"name": "Broken", "file": (io.BytesIO(b"Allele,D8S1179\n12,abc\n"), "bad.csv")}
    refused = _post(admin, "/dna/frequencies", bad, content_type="multipart/form-data")
    assert refused.status_code == 200 and "line" in refused.get_data(as_text=True).lower()
    with app.app_context():
        (table,) = db.session.scalars(select(FrequencyTableRecord)).all()
        assert table.active and "VWA" in table.table["markers"]


def test_the_command_loads_the_shared_table(app, runner):
    result = runner.invoke(args=["dna", "load-frequencies", str(TABLE_FILE), "--name", "FBI"])
    assert result.exit_code == 0, result.output
    assert "in use" in result.output
    with app.app_context():
        assert db.session.scalars(select(FrequencyTableRecord)).one().name == "FBI"


def test_a_proposal_is_handed_on_once(app, reviewer, login, users, scene):
    with app.app_context():
        db.session.execute(db.update(ReferenceSample).values(profile={"D8S1179": ["12", "15"]}))
        run = start_screening(db.session.get(User, users["dna_reviewer"]))
        db.session.commit()
        run_id = run_screening(run.id).id
    # A second reviewer, at the same time as the first: one proposal, one refusal.
    with app.app_context():
        other = factories.make_user(role="dna_reviewer")
        db.session.commit()
        other_id = other.id
    with app.app_context():
        # One-locus profiles propose nothing: a proposal made by hand on the screened run.
        proposal = IdentificationProposal(
            run_id=run_id,
            remains_id=scene["remains"],
            case_id=scene["case"],
            log10_lr=8.0,
            posterior=0.9999,
            band="proposed",
            explanation=[],
        )
        db.session.add(proposal)
        db.session.commit()
        proposal_id = proposal.id
    second = login(other_id)
    url = f"/dna/proposals/{proposal_id}/forward"
    assert _post(reviewer, url, {"note": ""}).status_code == 302
    refused = _post(second, url, {"note": ""})
    assert refused.status_code == 400
    assert "already handed on" in refused.get_data(as_text=True)
