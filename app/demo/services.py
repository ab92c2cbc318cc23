"""Synthetic demo data that shows what Reunite does. Every person here is invented.

``seed_demo`` fills an empty database the way a team's first weeks would: three source lists
of cases (children, prisoners of war, hotline reports) in every status, some of them
unassigned, stale or waiting for a supervisor; relatives and contacts with next steps (some
overdue); two partner registers imported through the real import pipeline (one with rejected
rows and warnings); one run of the real matching engine over them, which proposes candidates
in both bands, capped siblings and duplicate reports; and people's decisions on a few of them
through the real review services. Nothing is scored or decided here by hand.
"""

from __future__ import annotations

import csv
import random
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from faker import Faker
from sqlalchemy import select, update

from app.auth.models import User
from app.auth.permissions import Role
from app.auth.second_factor import code_at, current_step
from app.auth.services import create_user, enrol_second_factor
from app.cases.models import (
    Case,
    CaseEvent,
    CaseStatus,
    CaseType,
    ClosureReason,
    ContactLog,
    SourceList,
)
from app.cases.services import (
    add_relative,
    change_status,
    create_source_list,
    decide_transition,
    link_siblings,
    log_contact,
    open_case,
)
from app.database import utcnow
from app.demo.people import Person, fake_phone, names, new_person
from app.extensions import db
from app.imports.batches import create_batch, import_target, start_batch
from app.imports.mapping import detect_format
from app.imports.models import ImportBatch, ImportKind
from app.imports.pipeline import run_batch
from app.imports.storage import file_sha256
from app.matching.models import CandidateStatus, MatchCandidate
from app.matching.review import confirm, decide, reject
from app.matching.services import new_run, run_matching
from app.names.given import given_name_keys, given_names
from app.names.places import Place, place_row

DEMO_USERS = [
    ("admin@demo.reunite.test", "Demo Administrator", Role.ADMIN),
    ("supervisor@demo.reunite.test", "Demo Supervisor", Role.SUPERVISOR),
    ("caseworker@demo.reunite.test", "Demo Caseworker", Role.CASEWORKER),
    ("caseworker2@demo.reunite.test", "Demo Caseworker Two", Role.CASEWORKER),
    ("dna@demo.reunite.test", "Demo DNA Reviewer", Role.DNA_REVIEWER),
]


# DEMO ONLY, published in the README: the authenticator key of the demo supervisor, admin and
# DNA reviewer, whose roles require a second factor. Anyone can make their codes; never give it
# to a real account (real accounts enrol with a random key of their own).
DEMO_TOTP_SECRET = "REUNITEDEMOONLYXREUNITEDEMOONLYX"  # noqa: S105 - public demo key
DEMO_SECOND_FACTOR_ROLES = {Role.SUPERVISOR, Role.ADMIN, Role.DNA_REVIEWER}


@dataclass
class SeedSummary:
    created: bool
    cases: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)
    second_factor_secret: str | None = None


def seed_demo(password: str, case_count: int = 120, seed: int = 339) -> SeedSummary:
    """Fill an empty database with the demo (commits). A database with any user is left as it
    is, so running it twice adds nothing."""
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
    demo = _Demo(users, date.today(), seed)
    demo.open_cases(case_count)
    db.session.commit()
    demo.import_registers()
    run = new_run(True, "demo", None)
    db.session.commit()  # the run's job reads it in a session of its own
    run_matching(run.id)
    demo.review_candidates()
    demo.request_transitions()
    db.session.commit()
    demo.age_stale_cases()
    db.session.commit()
    return SeedSummary(
        created=True, cases=case_count, logins=logins, second_factor_secret=DEMO_TOTP_SECRET
    )


SOURCE_LISTS = {
    "children": ("List of 339 children (talks, demo)", "Synthetic delegation", 90),
    "prisoners": ("Prisoner exchange list (demo)", "Synthetic ombudsman office", 60),
    "hotline": ("Hotline reports (demo)", "Reunite hotline", 120),
}
# Shares of the cases, and of a list's cases in each status (every status at least once).
LIST_SHARES = {"children": 0.5, "prisoners": 0.2, "hotline": 0.3}
STATUS_WEIGHTS = {
    CaseStatus.NEW: 25,
    CaseStatus.UNDER_INVESTIGATION: 30,
    CaseStatus.LOCATED: 12,
    CaseStatus.CONTACT_ESTABLISHED: 8,
    CaseStatus.REUNIFICATION_IN_PROGRESS: 7,
    CaseStatus.REUNIFIED: 10,
    CaseStatus.CLOSED: 8,
}
CLOSURE_REASONS = {
    "children": ClosureReason.REUNIFIED,  # the list's chart counts these as reunified
    "prisoners": ClosureReason.REUNIFIED,
    "hotline": ClosureReason.WITHDRAWN,
}
_OPEN = (CaseStatus.NEW, CaseStatus.UNDER_INVESTIGATION)


def _place(key: str) -> Place:
    place = place_row(key)
    if place is None:  # the gazetteer is shipped data; a missing showcase town is a bug
        raise LookupError(key)
    return place


def _showcase(today: date) -> list[tuple[str, Person]]:
    """Children whose register entries show what matching copes with (see ``_showcase_rows``):
    a name across scripts, a day and month swapped, a surname changed by adoption, twins."""
    year = today.year
    return [
        ("lysenko", Person("Лисенко", "Олександр", "Вікторович", "male", year - 12, 3, 7,
                           _place("melitopol"))),
        ("koval", Person("Коваль", "Дарина", "Андріївна", "female", year - 10, 5, 9,
                         _place("mariupol"))),
        ("adopted", Person("Шевчук", "Марія", "Іванівна", "female", year - 8, 11, 23,
                           _place("berdiansk"))),
        ("twin_a", Person("Бондаренко", "Ігор", "Сергійович", "male", year - 9, 6, 14,
                          _place("oleshky"))),
        ("twin_b", Person("Бондаренко", "Софія", "Сергіївна", "female", year - 9, 6, 14,
                          _place("oleshky"))),
    ]  # fmt: skip


def _other_spelling(given_name: str, rng: random.Random) -> str:
    """Another Cyrillic spelling of the same given name from the table (Russian form,
    diminutive), or the name itself."""
    keys = given_name_keys(given_name)
    for row in given_names():
        if row.canonical in keys:
            spellings = (*row.variants, *row.diminutives)
            options = [v for v in spellings if v[0] > "z" and v != given_name] or [given_name]
            return rng.choice(options)
    return given_name


def _typo(name: str, rng: random.Random) -> str:
    """Two neighbouring letters swapped, as a hurried clerk types."""
    if len(name) < 5:
        return name
    i = rng.randint(1, len(name) - 3)
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def _written(year: int, month: int | None, day: int | None) -> str:
    if month is None:
        return str(year)
    if day is None:
        return f"{month:02d}.{year}"
    return f"{day:02d}.{month:02d}.{year}"


REGISTER_HEADERS = [
    "external_id", "family_name", "given_name", "patronymic", "sex", "date_of_birth", "age",
    "record_date", "place_of_origin", "current_location", "institution",
]  # fmt: skip
CURRENT_PLACES = ["Таганрог", "Ростов-на-Дону", "Анапа", "Воронеж", "Курськ", "Брянськ"]
INSTITUTIONS = ["Детский дом № 2", "Школа-интернат № 5", "Реабилитационный центр «Солнышко»"]
DETENTION = ["СИЗО-2 (demo)", "Исправительная колония № 10 (demo)", "СИЗО-3 (demo)"]


class _Demo:
    """The state of one seeding: who works here, and which case is which."""

    def __init__(self, users: dict[Role, list[User]], today: date, seed: int) -> None:
        self.supervisor = users[Role.SUPERVISOR][0]
        self.caseworkers = users[Role.CASEWORKER]
        self.today = today
        self.rng = random.Random(seed)
        self.fake_uk, self.fake_ru = Faker("uk_UA"), Faker("ru_RU")
        self.fake_uk.seed_instance(seed)
        self.fake_ru.seed_instance(seed + 1)
        self.lists: dict[str, SourceList] = {}
        self.people: dict[int, Person] = {}  # case id -> as the case states them
        self.by_list: dict[str, list[Case]] = {}
        self.showcase: dict[str, Case] = {}
        self.keep_fresh: set[int] = set()  # cases whose story needs recent activity
        self.stale: dict[int, int] = {}  # case id -> days since its last activity

    # --- cases --------------------------------------------------------------------------

    def open_cases(self, case_count: int) -> None:
        rng = self.rng
        for key, (name, organisation, days_ago) in SOURCE_LISTS.items():
            received = self.today - timedelta(days=days_ago)
            self.lists[key] = create_source_list(name, organisation, received)
            self.by_list[key] = []
        plan: list[tuple[str, str, Person | None, str]] = []  # list, type, person, role
        showcase = _showcase(self.today) if case_count >= 20 else []
        plan += [("children", CaseType.CHILD.value, p, role) for role, p in showcase]
        duplicates = max(2, case_count // 30) if case_count >= 20 else 0
        rest = case_count - len(plan) - duplicates
        shares = {k: round(rest * share) for k, share in LIST_SHARES.items()}
        shares["children"] += rest - sum(shares.values())
        for key, n in shares.items():
            for _ in range(n):
                if key == "children":
                    kind = CaseType.CHILD.value
                elif key == "prisoners":
                    kind = CaseType.PRISONER_OF_WAR.value
                else:
                    kind = rng.choice([CaseType.CHILD.value, *[CaseType.ADULT_CIVILIAN.value] * 2])
                plan.append((key, kind, None, ""))
        statuses = {key: self._status_pool(key, plan) for key in self.lists}
        for number, (key, kind, person, role) in enumerate(plan, start=1):
            fake = self.fake_uk if rng.random() < 0.7 else self.fake_ru
            person = person or new_person(fake, kind, self.today, rng)
            status = CaseStatus.NEW if role else statuses[key].pop()
            case = self._open(key, number, kind, person, status)
            if role:
                self.showcase[role] = case
                self.keep_fresh.add(case.id)
        # Reported twice: a hotline call about a child of the list of children who is still
        # looked for, written down the caller's way (Russian given name and town, the day or
        # also the month unknown).
        children = [
            c for c in self.by_list["children"] if c.id not in self.keep_fresh and c.status in _OPEN
        ]
        for offset, original in enumerate(children[:duplicates]):
            first = self.people[original.id]
            person = Person(
                first.family_name, _other_spelling(first.given_name, rng), first.patronymic,
                first.sex, first.dob_year, first.dob_month if offset % 2 else None, None,
                first.place,
            )  # fmt: skip
            case = self._open("hotline", len(plan) + offset + 1, CaseType.CHILD.value, person,
                              CaseStatus.NEW, place_text=first.place.ru)  # fmt: skip
            self.keep_fresh |= {case.id, original.id}
        if showcase:
            twin_a, twin_b = self.showcase["twin_a"], self.showcase["twin_b"]
            link_siblings(twin_a, twin_b, self.supervisor)
            adopted = self.showcase["adopted"]
            adopted.circumstances = (
                "Synthetic demo record. Relatives heard she was placed with a foster family "
                "and may carry the family's surname now."
            )
        db.session.flush()

    def _status_pool(self, key: str, plan: list) -> list[CaseStatus]:
        """The statuses of a list's cases: each status its share, at least once."""
        n = sum(1 for item in plan if item[0] == key and not item[3])
        pool = [s for s, w in STATUS_WEIGHTS.items() for _ in range(max(1, round(n * w / 100)))]
        pool = pool[:n] if len(pool) >= n else pool + [CaseStatus.NEW] * (n - len(pool))
        self.rng.shuffle(pool)
        return pool

    def _open(
        self,
        key: str,
        number: int,
        kind: str,
        person: Person,
        status: CaseStatus,
        place_text: str | None = None,
    ) -> Case:
        rng = self.rng
        fields = person.case_fields()
        if place_text is not None:
            fields["last_known_place"] = place_text
        child = kind == CaseType.CHILD.value
        case = open_case(
            self.lists[key],
            self.supervisor,
            external_id=str(number),
            case_type=kind,
            priority=rng.choice(
                ["high", "urgent", "normal"] if child else ["normal", "normal", "high", "low"]
            ),
            circumstances="Synthetic demo record.",
            **fields,
        )
        self.people[case.id] = person
        self.by_list[key].append(case)
        case.status = status.value
        if status == CaseStatus.CLOSED:
            case.closure_reason = CLOSURE_REASONS[key].value
        assignee: User | None = None
        if status == CaseStatus.CLOSED or rng.random() >= 0.2:  # else: the unassigned queue
            assignee = self.caseworkers[number % len(self.caseworkers)]
        case.assigned_to_id = assignee.id if assignee else None
        if status in (*_OPEN, CaseStatus.LOCATED) and rng.random() < 0.2:
            self.stale[case.id] = rng.randint(24, 75)  # nobody touched it for weeks
        self._relatives_and_contacts(case, kind, status, assignee or self.supervisor)
        return case

    def _relatives_and_contacts(
        self, case: Case, kind: str, status: CaseStatus, worker: User
    ) -> None:
        rng = self.rng
        fake = self.fake_uk
        if kind == CaseType.CHILD.value:
            kinds = ["mother", "father", "grandmother"]
        elif kind == CaseType.PRISONER_OF_WAR.value:
            kinds = ["wife", "mother", "father"]
        else:
            kinds = ["daughter", "son", "sister"]
        female = {"mother", "grandmother", "wife", "daughter", "sister"}
        relatives = []
        for index, relation in enumerate(kinds[: rng.choice([1, 1, 2])]):
            person = names(fake, relation in female)
            # The reporter shares the family's surname; a wife or a second relative may not.
            family = (
                case.family_name if index == 0 and relation != "wife" else person["family_name"]
            )
            relatives.append(
                add_relative(
                    case,
                    self.supervisor,
                    relationship_kind=relation,
                    full_name=" ".join((family, person["given_name"], person["patronymic"])),
                    phone=fake_phone(rng),
                    consents_to_contact=index == 0 or rng.random() < 0.5,
                    is_reporter=index == 0,
                )
            )
        if status == CaseStatus.NEW and rng.random() < 0.5:
            return
        stale = self.stale.get(case.id, 0)
        for n in range(rng.choice([1, 1, 2])):
            contacted = self.today - timedelta(days=stale + rng.randint(2, 20) + 10 * n)
            overdue = rng.random() < 0.4 or stale > 0
            due = (
                contacted + timedelta(days=rng.randint(5, 12))
                if overdue
                else self.today + timedelta(days=rng.randint(1, 21))
            )
            done = n > 0  # an earlier contact's step was done
            log_contact(
                case,
                worker,
                contacted_on=contacted,
                channel=rng.choice(["phone", "messenger", "visit"]),
                relative_id=relatives[0].id,
                outcome="Synthetic demo contact.",
                next_step=rng.choice(
                    ["Call back", "Ask the ombudsman's office", "Send the photo to the partner"]
                ),
                next_step_due=min(due, self.today + timedelta(days=30)),
                next_step_done=done,
            )

    # --- partner registers, imported through the pipeline --------------------------------

    def import_registers(self) -> None:
        """An evacuation register of children (with a few rows the import rejects or warns
        about) and a detention list of adults, as partners send them."""
        worker = self.caseworkers[0]
        received = self.today - timedelta(days=20)
        rows = self._children_rows(received)
        self._import(
            "Evacuation register (demo)", "Synthetic partner organisation", received,
            "evacuation_register.csv", rows, worker,
        )  # fmt: skip
        received = self.today - timedelta(days=12)
        self._import(
            "Detention list (demo)", "Synthetic ombudsman office", received,
            "detention_list.csv", self._adult_rows(received), worker,
        )  # fmt: skip

    def _import(
        self,
        name: str,
        organisation: str,
        received: date,
        filename: str,
        rows: list[dict[str, Any]],
        worker: User,
    ) -> ImportBatch:
        target = import_target(
            ImportKind.RECORDS, name, organisation=organisation, list_name=name,
            received_on=received,
        )  # fmt: skip
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / filename
            with open(path, "w", encoding="utf-8", newline="") as out:
                writer = csv.DictWriter(out, REGISTER_HEADERS)
                writer.writeheader()
                writer.writerows(rows)
            sha256, size = file_sha256(path)
            batch = create_batch(ImportKind.RECORDS, target, filename, sha256, size,
                                 user_id=worker.id)  # fmt: skip
            with open(path, "rb") as stream:
                detect_format(batch, stream)
            start_batch(batch, started_by_id=worker.id)
            db.session.commit()
            # Matching follows once, over both registers (seed_demo).
            batch, _ = run_batch(batch.id, path, background=False, follow_up=False)
        return batch

    def _row(self, number: int, prefix: str, **values: Any) -> dict[str, Any]:
        return {"external_id": f"{prefix}-{number:04d}", **values}

    def _children_rows(self, received: date) -> list[dict[str, Any]]:
        rng = self.rng
        rows = self._showcase_rows(received)
        for case in self.by_list["children"] + self.by_list["hotline"]:
            if case.id in self.keep_fresh or case.case_type != CaseType.CHILD.value:
                continue
            person = self.people[case.id]
            if rng.random() < 0.5:
                rows.append(self._seen_again(person, received))
                if rng.random() < 0.3:  # and once more, in a hurried note
                    rows.append(self._as_written(person, received, style="sparse"))
            if rng.random() < 0.2:
                rows.append(self._sibling_of(person))
        for _ in range(max(60, len(rows) * 2)):  # strangers
            stranger = new_person(self.fake_ru, CaseType.CHILD.value, self.today, rng)
            rows.append(self._as_written(stranger, received, style="partial"))
        rng.shuffle(rows)
        rows += self._untidy_rows(received)
        numbered = [self._row(n, "E", **row) for n, row in enumerate(rows, start=1)]
        # A row sent twice (the same row id): the import keeps the first and rejects these.
        numbered += [dict(numbered[5]), dict(numbered[9])]
        return numbered

    def _untidy_rows(self, received: date) -> list[dict[str, Any]]:
        """What a partner's file also holds: a note pasted into a name column (longer than a
        name can be: rejected), an impossible date, a sex and an age nobody can read (kept,
        with a warning)."""
        strangers = [
            self._as_written(
                new_person(self.fake_ru, CaseType.CHILD.value, self.today, self.rng),
                received,
                style="partial",
            )
            for _ in range(3)
        ]
        strangers[0]["date_of_birth"] = f"31.02.{self.today.year - 9}"
        strangers[1]["sex"] = "?"
        strangers[2]["age"], strangers[2]["date_of_birth"] = "близько десяти", ""
        note = "Примітка: " + "дані уточнюються; " * 14
        return [*strangers, {"family_name": note, "given_name": "Ганна"}]

    def _as_written(self, person: Person, received: date, style: str) -> dict[str, Any]:
        """A person as a partner's clerk wrote them: ``full`` (Russian spelling, upper-case
        surname, the whole date), ``partial`` (the year only) or ``sparse`` (an age, a typo,
        no place)."""
        rng = self.rng
        row: dict[str, Any] = {
            "family_name": person.family_name.upper(),
            "given_name": _other_spelling(person.given_name, rng),
            "sex": "м" if person.sex == "male" else "ж",
            "current_location": rng.choice(CURRENT_PLACES),
        }
        if style == "full":
            row["patronymic"] = person.patronymic
            month, day = person.dob_month, person.dob_day
            if month and day and day <= 12 and rng.random() < 0.5:
                month, day = day, month  # the other side's habit: month first
            row["date_of_birth"] = _written(person.dob_year, month, day)
            row["place_of_origin"] = person.place.ru
            row["institution"] = rng.choice(INSTITUTIONS)
        elif style == "partial":
            row["date_of_birth"] = str(person.dob_year)
            row["place_of_origin"] = person.place.uk if rng.random() < 0.5 else ""
        else:
            row["family_name"] = _typo(person.family_name, rng)
            row["sex"] = ""
            row["age"] = received.year - person.dob_year - 1
            row["record_date"] = received.strftime("%d.%m.%Y")
            row["current_location"] = ""
        return row

    def _seen_again(self, person: Person, received: date) -> dict[str, Any]:
        style = self.rng.choices(["full", "partial", "sparse"], [4, 3, 3])[0]
        return self._as_written(person, received, style)

    def _sibling_of(self, person: Person) -> dict[str, Any]:
        """A brother or sister: the family's surname, patronymic and town, another child."""
        rng = self.rng
        female = rng.random() < 0.5
        other = names(self.fake_ru, female)
        patronymic = person.patronymic
        if female != (person.sex == "female"):  # Сергійович -> Сергіївна, roughly
            patronymic = ""
        return {
            "family_name": person.family_name,
            "given_name": other["given_name"],
            "patronymic": patronymic,
            "sex": "ж" if female else "м",
            "date_of_birth": str(person.dob_year + rng.choice([0, 0, -1, 1])),
            "place_of_origin": person.place.ru,
            "current_location": rng.choice(CURRENT_PLACES),
        }

    def _showcase_rows(self, received: date) -> list[dict[str, Any]]:
        if not self.showcase:
            return []
        lysenko, koval = (
            self.people[self.showcase["lysenko"].id],
            self.people[self.showcase["koval"].id],
        )
        adopted, twin = (
            self.people[self.showcase["adopted"].id],
            self.people[self.showcase["twin_a"].id],
        )
        y = lysenko.dob_year
        return [
            # Олександр Лисенко in Russian (likely), in Latin with only an age (possible), and
            # his brother Алексей (a sibling: never likely).
            {"family_name": "ЛЫСЕНКО", "given_name": "Александр", "patronymic": "Викторович",
             "sex": "м", "date_of_birth": f"07.03.{y}", "place_of_origin": "Мелитополь",
             "current_location": "Таганрог", "institution": INSTITUTIONS[0]},
            {"family_name": "LYSENKO", "given_name": "Oleksandr", "age": received.year - y - 1,
             "record_date": received.strftime("%d.%m.%Y")},
            {"family_name": "Лысенко", "given_name": "Алексей", "patronymic": "Викторович",
             "sex": "м", "date_of_birth": str(y + 1), "place_of_origin": "Мелитополь",
             "current_location": "Таганрог"},
            # Дарина Коваль with day and month swapped, and a namesake from her town, born later.
            {"family_name": "КОВАЛЬ", "given_name": "Дарина", "patronymic": "Андреевна",
             "sex": "ж", "date_of_birth": f"05.09.{koval.dob_year}",
             "place_of_origin": "Мариуполь", "current_location": "Ростов-на-Дону"},
            {"family_name": "Коваль", "given_name": "Дарина", "patronymic": "Андреевна",
             "sex": "ж", "date_of_birth": f"17.12.{koval.dob_year + 3}",
             "place_of_origin": "Мариуполь", "current_location": "Курськ"},
            # Марія Шевчук under her foster family's surname.
            {"family_name": "Петренко", "given_name": "Мария", "patronymic": "Ивановна",
             "sex": "ж", "date_of_birth": f"23.11.{adopted.dob_year}",
             "place_of_origin": "Бердянск", "current_location": "Воронеж",
             "institution": INSTITUTIONS[2]},
            # One of the Бондаренко twins: the likely match of Ігор, a capped one of Софія.
            {"family_name": "БОНДАРЕНКО", "given_name": "Игорь", "patronymic": "Сергеевич",
             "sex": "м", "date_of_birth": f"14.06.{twin.dob_year}", "place_of_origin": "Алешки",
             "current_location": "Анапа", "institution": INSTITUTIONS[1]},
        ]  # fmt: skip

    def _adult_rows(self, received: date) -> list[dict[str, Any]]:
        rng = self.rng
        rows = []
        for case in self.by_list["prisoners"]:
            if rng.random() < 0.5:
                row = self._as_written(self.people[case.id], received, rng.choice(
                    ["full", "full", "partial", "sparse"]))  # fmt: skip
                row["current_location"], row["institution"] = "", rng.choice(DETENTION)
                rows.append(row)
        for _ in range(max(40, len(rows) * 2)):
            stranger = new_person(self.fake_ru, CaseType.PRISONER_OF_WAR.value, self.today, rng)
            row = self._as_written(stranger, received, style="partial")
            row["current_location"], row["institution"] = "", rng.choice(DETENTION)
            rows.append(row)
        rng.shuffle(rows)
        return [self._row(n, "D", **row) for n, row in enumerate(rows, start=1)]

    # --- people's decisions ---------------------------------------------------------------

    def review_candidates(self) -> None:
        """Decisions on a few candidates through the review services: some confirmed (one
        duplicate report merged), some waiting for approval, some rejected with a reason."""
        supervisor, (first, second) = self.supervisor, self.caseworkers[:2]
        proposed = db.session.scalars(
            select(MatchCandidate)
            .where(MatchCandidate.status == CandidateStatus.PROPOSED.value)
            .order_by(MatchCandidate.case_id, MatchCandidate.rank, MatchCandidate.id)
        ).all()
        used: set[int] = set()
        showcase = {case.id for case in self.showcase.values()}  # left for a person to decide

        def pick(likely: bool | None = None, kind: str = "record", worker: User | None = None,
                 capped: str = "") -> MatchCandidate | None:  # fmt: skip
            for candidate in proposed:
                cases = {candidate.case_id, candidate.other_case_id} - {None}
                if (
                    candidate.status == CandidateStatus.PROPOSED
                    and not cases & used
                    and candidate.kind == kind
                    and (likely is None or candidate.likely == likely)
                    and (worker is None or candidate.case.assigned_to_id == worker.id)
                    and (candidate.explanation or {}).get("capped", "") == capped
                    and not cases & showcase
                ):
                    used.update(c for c in cases if c is not None)
                    return candidate
            return None

        same = "Same date of birth and family; the register's spelling is the Russian one."
        for worker in (first, first, second):  # waiting for a supervisor
            if candidate := pick(likely=True, worker=worker):
                confirm(candidate, worker, same)
        for _ in range(2):  # a supervisor's own confirmation needs no approval
            if candidate := pick(likely=True):
                confirm(candidate, supervisor, same)
        if candidate := pick(likely=True, worker=second):  # confirmed, then approved
            confirm(candidate, second, same)
            decide(candidate, supervisor, approve=True, note="Checked with the partner.")
        if candidate := pick(likely=True, kind="case"):  # one child reported twice: merged
            confirm(candidate, supervisor, "The hotline call is about the child on the list.")
        if candidate := pick(capped="siblings"):
            reject(candidate, supervisor, "A sibling: the mother confirms she has two children.")
        for _ in range(2):
            if candidate := pick(likely=False):
                reject(candidate, supervisor, "Another child: the mother's name differs.")
        db.session.flush()
        self.keep_fresh |= used

    # --- the supervisor's approvals queue --------------------------------------------------

    def request_transitions(self) -> None:
        """Caseworkers ask to close, to declare reunified and to reopen; a supervisor decides
        one of them. The rest wait in the approvals queue."""
        asks = [
            (CaseStatus.UNDER_INVESTIGATION, CaseStatus.CLOSED, ClosureReason.NOT_FOUND,
             "No trace after three months; the family agrees to close."),
            (CaseStatus.REUNIFICATION_IN_PROGRESS, CaseStatus.REUNIFIED, None,
             "The child is home with the mother since Monday (visit)."),
            (CaseStatus.CLOSED, CaseStatus.UNDER_INVESTIGATION, None,
             "The caller rang again with new details."),
            (CaseStatus.LOCATED, CaseStatus.CLOSED, ClosureReason.WITHDRAWN,
             "The family asked to stop the search."),
        ]  # fmt: skip
        for index, (source, target, closure, reason) in enumerate(asks):
            case = db.session.scalar(
                select(Case)
                .where(
                    Case.status == source.value,
                    Case.assigned_to_id.is_not(None),
                    Case.id.not_in(self.keep_fresh | set(self.stale)),
                    Case.duplicate_of_id.is_(None),
                )
                .order_by(Case.id)
                .limit(1)
            )
            if case is None or case.assigned_to is None:
                continue
            request = change_status(
                case, case.assigned_to, target.value, reason, closure.value if closure else None
            )
            self.keep_fresh.add(case.id)
            if request is not None and index == len(asks) - 1:
                decide_transition(
                    request, self.supervisor, approve=False, note="Talk to the family first."
                )
        db.session.flush()

    # --- the stale queue ------------------------------------------------------------------

    def age_stale_cases(self) -> None:
        """Move the history of the cases nobody touched for weeks back in time (opened,
        events, contacts), so the stale queue shows them. Bookkeeping columns, written
        without the case's version check, as app.cases.services.add_event writes them."""
        now = utcnow()
        for case_id, days in self.stale.items():
            if case_id in self.keep_fresh:
                continue
            shift = timedelta(days=days)
            db.session.execute(
                update(Case)
                .where(Case.id == case_id)
                .values(
                    last_activity_at=now - shift,
                    created_at=now - shift - timedelta(days=self.rng.randint(5, 40)),
                )
                .execution_options(synchronize_session=False)
            )
            db.session.execute(
                update(CaseEvent)
                .where(CaseEvent.case_id == case_id)
                .values(at=now - shift)
                .execution_options(synchronize_session=False)
            )
            db.session.execute(
                update(ContactLog)
                .where(ContactLog.case_id == case_id)
                .values(created_at=now - shift)
                .execution_options(synchronize_session=False)
            )
