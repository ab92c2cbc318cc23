"""Synthetic demo data. Every person here is invented (Faker uk_UA / ru_RU)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from faker import Faker
from sqlalchemy import select

from app.auth.models import User
from app.auth.permissions import Role
from app.auth.services import create_user
from app.cases.models import CaseStatus, CaseType, ClosureReason
from app.cases.services import add_relative, create_source_list, log_contact, open_case
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


SOURCE_LISTS = [
    ("List of 339 children (talks, demo)", "Synthetic delegation", 0.6),
    ("Prisoner exchange list (demo)", "Synthetic ombudsman office", 0.2),
    ("Hotline reports (demo)", "Reunite hotline", 0.2),
]
REGIONS = ["Херсонська", "Запорізька", "Донецька", "Луганська", "Харківська"]
PLACES = [
    "Олешки",
    "Мелітополь",
    "Маріуполь",
    "Бердянськ",
    "Нова Каховка",
    "Генічеськ",
    "Скадовськ",
    "Енергодар",
    "Сєвєродонецьк",
    "Куп'янськ",
]
# A spread of progress so that charts and queues have something to show.
STATUS_WEIGHTS = {
    CaseStatus.NEW: 30,
    CaseStatus.UNDER_INVESTIGATION: 30,
    CaseStatus.LOCATED: 12,
    CaseStatus.CONTACT_ESTABLISHED: 8,
    CaseStatus.REUNIFICATION_IN_PROGRESS: 5,
    CaseStatus.REUNIFIED: 10,
    CaseStatus.CLOSED: 5,
}


def _seed_people(users: dict, case_count: int, seed: int) -> int:
    """Synthetic children and adults with relatives, contacts and a spread of statuses."""
    faker_uk, faker_ru = Faker("uk_UA"), Faker("ru_RU")
    faker_uk.seed_instance(seed)
    faker_ru.seed_instance(seed + 1)
    rng = random.Random(seed)
    supervisor = users[Role.SUPERVISOR][0]
    caseworkers = users[Role.CASEWORKER]
    lists = [create_source_list(name, org, date(2026, 9, 1)) for name, org, _ in SOURCE_LISTS]
    statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
    for number in range(1, case_count + 1):
        fake = faker_uk if rng.random() < 0.7 else faker_ru
        female = rng.random() < 0.5
        source_index = rng.choices(range(len(lists)), [w for *_, w in SOURCE_LISTS])[0]
        is_child = source_index == 0 or rng.random() < 0.3
        birth_year = rng.randint(2008, 2021) if is_child else rng.randint(1960, 2004)
        precision = rng.random()
        case = open_case(
            lists[source_index],
            supervisor,
            external_id=str(number),
            case_type=(
                CaseType.CHILD
                if is_child
                else rng.choice([CaseType.ADULT_CIVILIAN, CaseType.PRISONER_OF_WAR])
            ).value,
            priority=rng.choice(["normal", "normal", "high", "urgent", "low"]),
            family_name=fake.last_name_female() if female else fake.last_name_male(),
            given_name=fake.first_name_female() if female else fake.first_name_male(),
            patronymic=fake.middle_name_female() if female else fake.middle_name_male(),
            sex="female" if female else "male",
            dob_year=birth_year,
            dob_month=rng.randint(1, 12) if precision < 0.8 else None,
            dob_day=rng.randint(1, 28) if precision < 0.6 else None,
            last_known_place=rng.choice(PLACES),
            region=rng.choice(REGIONS),
            circumstances="Synthetic demo record.",
        )
        if rng.random() < 0.8:
            case.assigned_to_id = rng.choice(caseworkers).id
        mother = f"{fake.last_name_female()} {fake.first_name_female()} {fake.middle_name_female()}"
        relative = add_relative(
            case,
            supervisor,
            relationship_kind="mother",
            full_name=mother,
            phone=f"+380 00 {rng.randint(1000000, 9999999)}",
            consents_to_contact=True,
            is_reporter=True,
        )
        if rng.random() < 0.6:
            log_contact(
                case,
                supervisor,
                contacted_on=date(2026, 10, rng.randint(1, 31)),
                channel=rng.choice(["phone", "messenger", "visit"]),
                relative_id=relative.id,
                outcome="Synthetic demo contact.",
                next_step="Call back",
                next_step_due=date(2026, 11, rng.randint(1, 30)),
            )
        case.status = rng.choices(statuses, weights)[0].value
        if case.status == CaseStatus.CLOSED:
            case.closure_reason = ClosureReason.REUNIFIED.value
    db.session.flush()
    return case_count
