"""Synthetic demo data. Every person here is invented (Faker uk_UA / ru_RU)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from faker import Faker
from sqlalchemy import select

from app.auth.models import User
from app.auth.permissions import Role
from app.auth.second_factor import code_at, current_step
from app.auth.services import create_user, enrol_second_factor
from app.cases.models import Case, CaseStatus, CaseType, ClosureReason
from app.cases.services import add_relative, create_source_list, log_contact, open_case
from app.extensions import db
from app.matching.services import new_run, run_matching
from app.names.given import given_name_keys, given_names
from app.records.models import PartnerRecord, PartnerSource
from app.records.services import file_name_keys

DEMO_USERS = [
    ("admin@demo.reunite.test", "Demo Administrator", Role.ADMIN),
    ("supervisor@demo.reunite.test", "Demo Supervisor", Role.SUPERVISOR),
    ("caseworker@demo.reunite.test", "Demo Caseworker", Role.CASEWORKER),
    ("caseworker2@demo.reunite.test", "Demo Caseworker Two", Role.CASEWORKER),
]


# DEMO ONLY, published in the README: the authenticator key of the demo supervisor and admin,
# whose role requires a second factor. Anyone can make their codes; never give it to a real
# account (real accounts enrol with a random key of their own).
DEMO_TOTP_SECRET = "REUNITEDEMOONLYXREUNITEDEMOONLYX"  # noqa: S105 - public demo key
DEMO_SECOND_FACTOR_ROLES = {Role.SUPERVISOR, Role.ADMIN}


@dataclass
class SeedSummary:
    created: bool
    cases: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)
    second_factor_secret: str | None = None


def seed_demo(password: str, case_count: int = 120, seed: int = 339) -> SeedSummary:
    logins = [(email, role.value) for email, _, role in DEMO_USERS]
    if db.session.scalar(select(User.id).limit(1)) is not None:
        # Never mix demo accounts into a database that has real ones.
        demo_present = db.session.scalar(select(User.id).where(User.email == DEMO_USERS[0][0]))
        if not demo_present:
            return SeedSummary(created=False)
        return SeedSummary(created=False, logins=logins, second_factor_secret=DEMO_TOTP_SECRET)
    users: dict[Role, list[User]] = {role: [] for role in Role}
    for email, name, role in DEMO_USERS:
        user = create_user(email, name, role.value, password)
        if role in DEMO_SECOND_FACTOR_ROLES:
            # Enrolled as a person would, with the previous step's code, so that the code an
            # app shows right now still signs in (a used step is refused).
            enrol_second_factor(
                user, DEMO_TOTP_SECRET, code_at(DEMO_TOTP_SECRET, current_step() - 1)
            )
        users[role].append(user)
    cases = _seed_people(users, case_count, seed)
    _seed_partner_records(seed)
    db.session.commit()
    _match_demo_data()
    return SeedSummary(
        created=True, cases=cases, logins=logins, second_factor_secret=DEMO_TOTP_SECRET
    )


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


PARTNER_SOURCE = ("Evacuation register (demo)", "Synthetic partner organisation")
INSTITUTIONS = ["Дитячий будинок №2", "Школа-інтернат №5", "Реабілітаційний центр «Сонечко»"]
CURRENT_PLACES = ["Таганрог", "Ростов-на-Дону", "Анапа", "Воронеж", "Курськ"]


def _other_spelling(given_name: str, rng: random.Random) -> str:
    """Another spelling of the same given name from the table (Russian form, diminutive)."""
    keys = given_name_keys(given_name)
    for row in given_names():
        if row.canonical in keys:
            spellings = (*row.variants, *row.diminutives)
            options = [v for v in spellings if v[0] > "z" and v != given_name] or [given_name]
            return rng.choice(options)
    return given_name


def _names(fake: Faker, female: bool) -> dict[str, str]:
    form = "female" if female else "male"
    return {
        "family_name": getattr(fake, f"last_name_{form}")(),
        "given_name": getattr(fake, f"first_name_{form}")(),
        "patronymic": getattr(fake, f"middle_name_{form}")(),
        "sex": form,
    }


def _noisy_date(month: int | None, day: int | None, rng: random.Random) -> dict:
    """The other side's date: often the year only, sometimes day and month swapped."""
    roll = rng.random()
    if roll < 0.35 or month is None or day is None:
        return {"dob_month": None, "dob_day": None}
    if roll < 0.45 and day <= 12:
        return {"dob_month": day, "dob_day": month}
    return {"dob_month": month, "dob_day": day}


def _seed_partner_records(seed: int) -> None:
    """A partner register in which some demo children appear again, spelt the other side's
    way (upper-case surname, Russian or diminutive given name, only a year), a few of their
    siblings, and strangers: something for the matching queues to show."""
    rng = random.Random(seed + 2)
    faker_ru = Faker("ru_RU")
    faker_ru.seed_instance(seed + 3)
    name, organisation = PARTNER_SOURCE
    source = PartnerSource(name=name, organisation=organisation, list_name=name)
    db.session.add(source)
    rows: list[dict] = []
    children = db.session.scalars(
        select(Case).where(Case.case_type == CaseType.CHILD.value).order_by(Case.id)
    ).all()
    for case in children:
        if rng.random() < 0.45:
            rows.append(
                {
                    "family_name": case.family_name.upper(),
                    "given_name": _other_spelling(case.given_name, rng),
                    "patronymic": case.patronymic,
                    "sex": case.sex,
                    "dob_year": case.dob_year,
                    **_noisy_date(case.dob_month, case.dob_day, rng),
                    "place_of_origin": case.last_known_place,
                    "current_location": rng.choice(CURRENT_PLACES),
                    "institution": rng.choice(INSTITUTIONS),
                }
            )
        if rng.random() < 0.1:  # a sibling: same family, another child
            female = rng.random() < 0.5
            rows.append(
                {
                    **_names(faker_ru, female),
                    "family_name": case.family_name,
                    "patronymic": case.patronymic,
                    "dob_year": (case.dob_year or 2014) + rng.choice([-3, -2, 2, 3]),
                    "place_of_origin": case.last_known_place,
                    "current_location": rng.choice(CURRENT_PLACES),
                }
            )
    for _ in range(120):
        female = rng.random() < 0.5
        rows.append(
            {
                **_names(faker_ru, female),
                "dob_year": rng.randint(2006, 2021),
                "place_of_origin": rng.choice(PLACES),
                "current_location": rng.choice(CURRENT_PLACES),
            }
        )
    rng.shuffle(rows)
    records = [
        PartnerRecord(
            source=source,
            external_id=f"E-{number:04d}",
            raw={k: "" if v is None else str(v) for k, v in fields.items()},
            row_hash=f"E-{number:04d}",
            **fields,
        )
        for number, fields in enumerate(rows, start=1)
    ]
    db.session.add_all(records)
    db.session.flush()
    file_name_keys({r.id: [getattr(r, f) for f in PartnerRecord.NAME_FIELDS] for r in records})


def _match_demo_data() -> None:
    run = new_run(True, "demo", None)
    db.session.commit()  # the run's job reads it in a session of its own
    run_matching(run.id)
