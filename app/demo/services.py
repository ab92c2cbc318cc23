"""Synthetic demo data. Every person here is invented (Faker uk_UA / ru_RU)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.auth.models import User
from app.auth.permissions import Role
from app.auth.services import create_user
from app.extensions import db

DEMO_USERS = [
    ("admin@demo.reunite.test", "Demo Administrator", Role.ADMIN),
    ("supervisor@demo.reunite.test", "Demo Supervisor", Role.SUPERVISOR),
    ("caseworker@demo.reunite.test", "Demo Caseworker", Role.CASEWORKER),
    ("caseworker2@demo.reunite.test", "Demo Caseworker Two", Role.CASEWORKER),
]


@dataclass
class SeedSummary:
    created: bool
    cases: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)


def seed_demo(password: str, case_count: int = 120, seed: int = 339) -> SeedSummary:
    logins = [(email, role.value) for email, _, role in DEMO_USERS]
    if db.session.scalar(select(User.id).limit(1)) is not None:
        # Never mix demo accounts into a database that has real ones.
        demo_present = db.session.scalar(select(User.id).where(User.email == DEMO_USERS[0][0]))
        return SeedSummary(created=False, logins=logins if demo_present else [])
    users = {role: [] for role in Role}
    for email, name, role in DEMO_USERS:
        users[role].append(create_user(email, name, role.value, password))
    cases = _seed_people(users, case_count, seed)
    db.session.commit()
    return SeedSummary(created=True, cases=cases, logins=logins)


def _seed_people(users: dict, case_count: int, seed: int) -> int:
    # Cases arrive with the cases feature; until then the demo has users only.
    return 0
