"""The case page's exchanges section asks first whether the case was in any exchange
(app/exchanges/services.py ``case_lines``): a case in none, nearly every one, costs one plain
statement; tests/exchanges/test_routes.py shows the lines of one that was."""

from __future__ import annotations

from app.cases.models import Case
from app.exchanges.services import case_lines
from app.extensions import db
from tests.conftest import sql_statements


def test_a_case_in_no_exchange_costs_one_statement(app, make_case):
    case_id = make_case(owner="caseworker")
    with app.app_context():
        case = db.session.get_one(Case, case_id)
        with sql_statements(app) as statements:
            assert case_lines(case) == []
        assert len([s for s in statements if "SAVEPOINT" not in s]) == 1
