"""Exchanges for the tests: one with a line for each given case."""

from __future__ import annotations

from app.auth.models import User
from app.cases.models import Case
from app.exchanges.models import Exchange, ExchangeLine, ExchangeRemains
from app.exchanges.remains import add_remains
from app.exchanges.services import add_line, create_exchange
from app.exchanges.versions import make_version
from app.extensions import db


def make_exchange(supervisor: User, *cases: Case, **fields) -> Exchange:
    """A prisoner exchange between two synthetic sides, with the cases listed in it."""
    fields.setdefault("kind", "prisoner_exchange")
    fields.setdefault("side_a", "Сторона А")
    fields.setdefault("side_b", "Сторона Б")
    categories = fields.pop("categories", [("seriously wounded", 50), ("all for all", None)])
    exchange = create_exchange(supervisor, categories=categories, **fields)
    for case in cases:
        add_line(exchange, supervisor, case=case, category_id=exchange.categories[0].id)
    return exchange


def exchange_ids(supervisor: User, owned: Case, foreign: Case) -> dict[str, int]:
    """For the route matrix and the hostile forms: an exchange holding a case of each
    caseworker; ``line_id`` is the line of ``owned``, ``version_id`` a list version of both."""
    exchange = make_exchange(supervisor, owned, foreign)
    line = db.session.scalars(exchange.lines.select().where(ExchangeLine.case_id == owned.id)).one()
    version = make_version(exchange, supervisor)
    return {"exchange_id": exchange.id, "line_id": line.id, "version_id": version.id}


def line_of(exchange: Exchange, case_id: int) -> ExchangeLine:
    return db.session.scalars(exchange.lines.select().where(ExchangeLine.case_id == case_id)).one()


def make_repatriation(supervisor: User, *body_numbers: str, **fields) -> Exchange:
    """A repatriation of remains with one unidentified body per number given."""
    fields.setdefault("kind", "remains_repatriation")
    fields.setdefault("categories", [])
    exchange = make_exchange(supervisor, **fields)
    for number in body_numbers:
        make_remains(exchange, supervisor, body_number=number)
    return exchange


def make_remains(exchange: Exchange, supervisor: User, **fields) -> ExchangeRemains:
    fields.setdefault("body_number", "Т-001")
    fields.setdefault("recovery_region", "Північна область")
    fields.setdefault("claimed_family_name", "Вигаданенко")
    fields.setdefault("claimed_given_name", "Остап")
    fields.setdefault("sex", "male")
    fields.setdefault("age_min", 25)
    fields.setdefault("age_max", 35)
    return add_remains(exchange, supervisor, **fields)


def remains_ids(supervisor: User) -> dict[str, int]:
    """For the route matrix and the hostile forms: unidentified remains of a repatriation."""
    exchange = make_repatriation(supervisor, "МАТРИЦЯ-1", side_a="Репатріація")
    remains = db.session.scalars(
        exchange.lines.select().where(ExchangeLine.is_remains.is_(True))
    ).one()
    return {"remains_id": remains.remains.id}  # type: ignore[union-attr]


__all__ = [
    "exchange_ids",
    "line_of",
    "make_exchange",
    "make_remains",
    "make_repatriation",
    "remains_ids",
]
