"""The case page's DNA section reads the case's samples and results only when it has some
(app/identification/services.py ``case_dna``): a case with neither, nearly every one, costs one
plain statement; one with samples shows them, whatever another case holds."""

from __future__ import annotations

from datetime import date

from app.auth.models import User
from app.cases.models import Case, Relative
from app.extensions import db
from app.identification.services import add_reference_sample, case_dna
from tests.conftest import sql_statements


def test_a_case_without_dna_costs_one_statement(app, make_case, users):
    with_sample, without = make_case(owner="caseworker"), make_case(owner="caseworker")
    with app.app_context():
        worker = db.session.get_one(User, users["caseworker"])
        case = db.session.get_one(Case, with_sample)
        relative = Relative(case=case, relationship_kind="mother", full_name="Мати Тестова")
        db.session.add(relative)
        db.session.flush()
        add_reference_sample(
            case,
            worker,
            relative=relative,
            relationship_kind="mother",
            lab_sample_number="LAB-1",
            consent_given_on=date(2026, 11, 1),
        )
        db.session.commit()
    with app.app_context():
        empty = db.session.get_one(Case, without)
        with sql_statements(app) as statements:
            assert case_dna(empty) == ([], [])
        assert len([s for s in statements if "SAVEPOINT" not in s]) == 1
        samples, results = case_dna(db.session.get_one(Case, with_sample))
        assert [sample.lab_sample_number for sample in samples] == ["LAB-1"] and results == []
