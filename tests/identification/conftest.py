"""Synthetic families and remains, with profiles simulated from the published frequency table.

Nobody here is a person: genotypes are drawn from the table's frequencies with a fixed seed,
a child's from one allele of each parent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from app.auth.models import User
from app.cases.models import Case
from app.dna.frequencies import FrequencyTable, read_table
from app.dna.markers import Profile, genotype
from app.exchanges.models import ExchangeRemains
from app.extensions import db
from app.identification.models import (
    IdentificationProposal,
    RemainsProfile,
    RunStatus,
    ScreeningRun,
)
from app.identification.services import (
    add_frequency_table,
    add_reference_sample,
    profile_to_json,
)
from tests import factories
from tests.exchanges.conftest import make_remains, make_repatriation


def actors_of(users: dict[str, int]) -> dict[str, User]:
    """Each role's user (the ``users`` fixture's ids), loaded in the current session."""
    return {role: db.session.get(User, user_id) for role, user_id in users.items()}


@pytest.fixture
def actors(app, users):
    with app.app_context():
        yield actors_of(users)


TABLE_FILE = Path("/work/shared/data/str-frequencies/fbi-extended-caucasian-2024.csv")


def table() -> FrequencyTable:
    return read_table(TABLE_FILE.read_bytes())


def random_profile(rng: np.random.Generator, freq: FrequencyTable) -> Profile:
    profile: Profile = {}
    for marker, m in sorted(freq.markers.items()):
        alleles = list(m.frequencies)
        p = np.array([m.frequencies[a] for a in alleles])
        a, b = rng.choice(len(alleles), size=2, p=p / p.sum())
        profile[marker] = genotype(alleles[a], alleles[b])
    return profile


def child_of(rng: np.random.Generator, mother: Profile, father: Profile) -> Profile:
    return {
        marker: genotype(mother[marker][rng.integers(2)], father[marker][rng.integers(2)])
        for marker in mother
    }


@dataclass
class Scene:
    case: Case
    other_case: Case
    remains: ExchangeRemains  # the missing person of `case`
    stranger: ExchangeRemains  # unrelated to anyone
    profiles: dict[str, Profile]  # by lab sample number


def make_scene(supervisor: User, owner: User, *, attach: bool = True) -> Scene:
    """One family (mother and father sampled) whose child is among two remains, and a second
    family unrelated to both remains. ``attach``: store the profiles (else only the lab
    sample numbers exist, for a lab file to fill)."""
    rng = np.random.default_rng(14)
    freq = table()
    add_frequency_table("FBI 2024", TABLE_FILE.read_bytes(), None)
    mother, father, stranger = (random_profile(rng, freq) for _ in range(3))
    child = child_of(rng, mother, father)
    other_mother = random_profile(rng, freq)
    case = factories.make_case(
        supervisor, family_name="Синтетичний", given_name="Тарас", assigned_to=owner
    )
    other_case = factories.make_case(
        supervisor, family_name="Вигаданий", given_name="Петро", assigned_to=owner
    )
    exchange = make_repatriation(supervisor, side_a="Репатріація ДНК")
    remains = make_remains(exchange, supervisor, body_number="Б-1", lab_sample_number="RM-1")
    strange = make_remains(exchange, supervisor, body_number="Б-2", lab_sample_number="RM-2")
    profiles = {"RF-1": mother, "RF-2": father, "RF-3": other_mother, "RM-1": child}
    profiles["RM-2"] = stranger
    for number, kind, on in (
        ("RF-1", "mother", case),
        ("RF-2", "father", case),
        ("RF-3", "mother", other_case),
    ):
        sample = add_reference_sample(
            on,
            supervisor,
            relative=None,
            relationship_kind=kind,
            lab_sample_number=number,
            consent_given_on=date(2026, 11, 1),
        )
        if attach:
            sample.profile = profile_to_json(profiles[number])
    if attach:
        for found, number in ((remains, "RM-1"), (strange, "RM-2")):
            db.session.add(
                RemainsProfile(remains_id=found.id, profile=profile_to_json(profiles[number]))
            )
    db.session.flush()
    return Scene(case, other_case, remains, strange, profiles)


def long_form(profiles: dict[str, Profile]) -> bytes:
    lines = ["Sample;Marker;Allele 1;Allele 2"]
    for number, profile in profiles.items():
        lines += [f"{number};{marker};{a};{b}" for marker, (a, b) in profile.items()]
    return ("\n".join(lines) + "\n").encode()


# Alleles no real kit calls (so no page shows them by chance): the matrix's guarded profile.
DNA_SECRET = "41.3, 47.2"
_SECRET_PROFILE = {"D8S1179": ["41.3", "47.2"], "VWA": ["14", "17"]}


def dna_ids(supervisor: User, case: Case, remains_id: int) -> dict[str, int]:
    """For the route matrix and the hostile forms: a profiled reference sample on ``case``,
    a profile for the remains, and a screening's proposal pairing them."""
    sample = add_reference_sample(
        case,
        supervisor,
        relative=None,
        relationship_kind="mother",
        lab_sample_number="MATRIX-REF-1",
        consent_given_on=date(2026, 11, 2),
    )
    sample.profile = dict(_SECRET_PROFILE)
    db.session.add(RemainsProfile(remains_id=remains_id, profile=dict(_SECRET_PROFILE)))
    run = ScreeningRun(status=RunStatus.DONE.value, started_by_id=supervisor.id)
    db.session.add(run)
    db.session.flush()
    note = {
        "marker": "D8S1179",
        "status": "compared",
        "remains": ["41.3", "47.2"],
        "log10_lr": 2.5,
        "shared": {str(sample.id): 2},
        "mutation": False,
    }
    proposal = IdentificationProposal(
        run_id=run.id,
        remains_id=remains_id,
        case_id=case.id,
        log10_lr=7.5,
        posterior=0.9995,
        band="proposed",
        explanation=[note],
    )
    db.session.add(proposal)
    db.session.flush()
    return {"sample_id": sample.id, "proposal_id": proposal.id, "screening_id": run.id}
