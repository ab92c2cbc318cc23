"""Synthetic cases and partner records with known true pairs, noisy the way real lists are.

    .venv/bin/python bench/synth.py --cases 500 --records 20000 --write-csv /tmp/synth

Every person is invented: surnames from Faker's uk_UA lists (Zipf-weighted, so that namesakes
happen), given names and diminutives from ``app/names/data/given_names.csv``, places from the
gazetteer. A case is written by a relative (Ukrainian Cyrillic, full date of birth mostly); each
partner source writes the same child its own way:

``ru``     the other side's lists: Russian spellings (Лисенко -> Лысенко, Олександр -> Александр,
           Сергійович -> Сергеевич), Russian or former place names (Алешки, Артемовск), dates
           as dd.mm.yyyy or only an age on a date; Windows-1251 with Russian headers.
``latin``  a tracing partner: Latin transliterations (national 2010, BGN/PCGN, a few German),
           often no patronymic, often only a year; UTF-8 with English headers.
``uk``     a Ukrainian institution register: Ukrainian, diminutives, typos; UTF-8, Ukrainian
           headers.

Noise on top (rates per record, the ``m`` side of ``app.matching.scoring``): typos in names,
diminutives, family and given names swapped, a new surname after adoption, day and month swapped,
a year off by one, one part of the date wrong, a plainly wrong date, partial dates, missing
patronymics and places. Distractors: siblings (same surname, patronymic and place, other given
name and date of birth), twins (same date of birth too), namesakes (same surname and given name)
and a background population drawn from the same pools.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from faker.providers.person.uk_UA import Provider as UkNames

from app.matching.entities import MatchEntity
from app.names.given import given_names
from app.names.places import places

# --- noise rates (per partner record of a case child) ---------------------------------------
RATES = {
    "surname_typo": 0.06,
    "given_typo": 0.04,
    "diminutive": 0.08,
    "swap_names": 0.03,
    "adopted_surname": 0.03,
    "dob_swap": 0.03,
    "dob_year_off": 0.03,
    "dob_one_part": 0.02,
    "dob_wrong": 0.01,
    "dob_missing": 0.03,
    "place_missing": 0.2,
}
AGE_ON = date(2024, 6, 1)

# --- transliteration (the generator's own tables, independent of the normaliser) -----------
_UK_LETTERS = "абвгґдезиіїйклмнопрстуфхцчшщьюяє'"
_UK_LATIN = "a b v h g d e z y i i i k l m n o p r s t u f kh ts ch sh shch _ iu ia ie _"
_UK_NATIONAL = dict(zip(_UK_LETTERS, _UK_LATIN.split(), strict=True))
_UK_NATIONAL_START = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_RU_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_RU_LATIN = "a b v g d e yo zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya"
_RU_BGN = dict(zip(_RU_LETTERS, _RU_LATIN.split(), strict=True))
_GERMAN = {
    **_RU_BGN,
    "в": "w",
    "ж": "sh",
    "з": "s",
    "ш": "sch",
    "ч": "tsch",
    "щ": "schtsch",
    "й": "j",
    "ю": "ju",
    "я": "ja",
    "х": "ch",
    "ы": "y",
    "е": "e",
    "ц": "z",
}


def translit(text: str, table: dict[str, str], start: dict[str, str] | None = None) -> str:
    out = []
    for i, ch in enumerate(text):
        low = ch.lower()
        if start and (i == 0 or not text[i - 1].isalpha()) and low in start:
            rep = start[low]
        elif low in table:
            rep = table[low]
        elif low == "ж" and table is _UK_NATIONAL:
            rep = "zh"
        else:
            rep = low
        rep = rep.replace("_", "")
        out.append(rep.capitalize() if ch.isupper() else rep)
    return "".join(out)


_UK_NATIONAL["ж"] = "zh"


def uk_to_ru_surname(text: str) -> str:
    """How a Russian clerk writes a Ukrainian surname (Лисенко -> Лысенко, Олійник -> Олейник)."""
    s = text
    s = s.replace("ський", "ский").replace("цький", "цкий").replace("ська", "ская")
    s = s.replace("цька", "цкая").replace("ій", "ей").replace("'", "").replace("ʼ", "")
    out = []
    for i, ch in enumerate(s):
        prev = s[i - 1].lower() if i else ""
        low = ch.lower()
        rep = ch
        if low == "и" and prev not in "кгхжшчщ" and not s[i:].startswith(("ий", "ин")):
            rep = "ы"
        elif low == "і" or low == "ї":
            rep = "и"
        elif low == "є":
            rep = "е"
        elif low == "ґ":
            rep = "г"
        out.append(rep.upper() if ch.isupper() else rep)
    return "".join(out)


def typo(text: str, rng: random.Random) -> str:
    """One keyboard slip: a doubled, dropped, swapped or replaced letter."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return text[:i] + text[i] + text[i:]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]
    letters = "аеиоунрлткс" if not text.isascii() else "aeiounrltks"
    return text[:i] + rng.choice(letters) + text[i + 1 :]


# --- pools ----------------------------------------------------------------------------------

_GENDERED_TEXT = """
    Ковальов Соколов Гончаров Мельников Бондарев Волков Захаров Морозов Новіков Лебедєв
    Вишневський Ковалевський Савицький Яворський Левицький Домбровський Журавський Сомін
    Ільїн Кузьмін Галкін Бєлов Козлов Романов Тарасов Сидоров Павлов Федоров Семенов
"""
_GENDERED = _GENDERED_TEXT.split()


def _female_form(male: str) -> str:
    for a, b in (("ський", "ська"), ("цький", "цька"), ("ов", "ова"), ("єв", "єва"),
                 ("ев", "ева"), ("ін", "іна"), ("ин", "ина")):  # fmt: skip
        if male.endswith(a):
            return male[: -len(a)] + b
    return male


@dataclass
class Pools:
    surnames: list[tuple[str, str]]  # (male, female)
    surname_weights: list[float]
    male: list
    female: list
    given_weights_m: list[float]
    given_weights_f: list[float]
    places: list
    place_weights: list[float]


def build_pools() -> Pools:
    surnames = [(s, s) for s in UkNames.last_names_common]
    surnames += list(
        zip(UkNames.last_names_male_only, UkNames.last_names_female_only, strict=False)
    )
    surnames += [(s, _female_form(s)) for s in _GENDERED]
    random.Random(7).shuffle(surnames)
    rows = given_names()
    male = [r for r in rows if r.sex == "m"]
    female = [r for r in rows if r.sex == "f"]
    gazetteer = list(places())
    return Pools(
        surnames=surnames,
        surname_weights=[1 / (i + 10) for i in range(len(surnames))],
        male=male,
        female=female,
        given_weights_m=[1 / (i + 3) for i in range(len(male))],
        given_weights_f=[1 / (i + 3) for i in range(len(female))],
        places=gazetteer,
        place_weights=[1 / (i + 5) for i in range(len(gazetteer))],
    )


@dataclass
class Person:
    pid: int
    sex: str  # m / f
    surname: tuple[str, str]
    given: object  # GivenName row
    father: object  # GivenName row
    dob: date
    place: object  # Place row


def _is_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def ru_form(row) -> str:
    cyr = [v for v in row.variants[1:] if _is_cyrillic(v)]
    return cyr[0] if cyr else row.variants[0]


def latin_forms(row) -> list[str]:
    return [v for v in row.variants if not _is_cyrillic(v)] or [
        translit(row.variants[0], _UK_NATIONAL)
    ]


def patronymic(father_form: str, sex: str, lang: str) -> str:
    f = father_form
    if lang == "uk":
        if f.endswith("ій"):
            stem, m, w = f[:-2], "ійович", "іївна"
        elif f.endswith("о") or f.endswith("а"):
            stem, m, w = f[:-1], "ович", "івна"
        else:
            stem, m, w = f, "ович", "івна"
    else:
        if f.endswith(("ей", "ий")):
            stem, m, w = f[:-2], f[-2] + "евич", f[-2] + "евна"
        elif f.endswith("а"):
            stem, m, w = f[:-1], "ич", "ична"
        elif f.endswith("о"):
            stem, m, w = f[:-1], "ович", "овна"
        else:
            stem, m, w = f, "ович", "овна"
    return stem + (m if sex == "m" else w)


@dataclass
class Dataset:
    cases: list[MatchEntity]
    records: list[MatchEntity]
    true_pairs: set[tuple[object, object]]
    sources: dict[object, str] = field(default_factory=dict)  # record key -> source
    rows: dict[object, dict] = field(default_factory=dict)  # key -> CSV row (when asked)


class Generator:
    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.pools = build_pools()
        self.next_pid = 0

    def person(self, **fixed) -> Person:
        rng, p = self.rng, self.pools
        sex = fixed.get("sex") or rng.choice("mf")
        self.next_pid += 1
        given = (
            fixed.get("given")
            or rng.choices(
                p.male if sex == "m" else p.female,
                p.given_weights_m if sex == "m" else p.given_weights_f,
            )[0]
        )
        return Person(
            pid=self.next_pid,
            sex=sex,
            surname=fixed.get("surname") or rng.choices(p.surnames, p.surname_weights)[0],
            given=given,
            father=fixed.get("father") or rng.choices(p.male, p.given_weights_m)[0],
            dob=fixed.get("dob")
            or date(rng.randint(2005, 2022), rng.randint(1, 12), rng.randint(1, 28)),
            place=fixed.get("place") or rng.choices(p.places, p.place_weights)[0],
        )

    # -- writing a person down --------------------------------------------------------------

    def as_case(self, person: Person, key) -> MatchEntity:
        rng = self.rng
        surname = person.surname[0 if person.sex == "m" else 1]
        dob = person.dob
        entity = MatchEntity(
            key=key,
            family_name=surname,
            given_name=person.given.variants[0],
            patronymic=patronymic(person.father.variants[0], person.sex, "uk")
            if rng.random() < 0.9
            else "",
            sex="male" if person.sex == "m" else "female",
            dob_year=dob.year,
            dob_month=dob.month if rng.random() < 0.92 else None,
            places=(person.place.uk,),
        )
        if entity.dob_month is not None:
            entity.dob_day = dob.day
        if rng.random() < 0.3:
            entity.family_name_latin = translit(surname, _UK_NATIONAL)
            entity.given_name_latin = translit(person.given.variants[0], _UK_NATIONAL)
        return entity

    def as_record(self, person: Person, key, source: str, noisy: bool = True) -> MatchEntity:
        rng, r = self.rng, RATES if noisy else dict.fromkeys(RATES, 0.0)
        sexi = 0 if person.sex == "m" else 1
        surname = person.surname[sexi]
        if rng.random() < r["adopted_surname"]:
            surname = rng.choice(self.pools.surnames)[sexi]
        given_row = person.given
        if source == "ru":
            family = uk_to_ru_surname(surname)
            given = ru_form(given_row)
            patr = patronymic(ru_form(person.father), person.sex, "ru")
            place_row = person.place
            place = rng.choice([place_row.ru, place_row.ru, *place_row.former[:1], place_row.uk])
            place = rng.choice([place, f"г. {place}", f"{place} {_oblast_ru(place_row.oblast)}"])
        elif source == "latin":
            style = rng.random()
            if style < 0.6:
                family = translit(surname, _UK_NATIONAL, _UK_NATIONAL_START)
            elif style < 0.95:
                family = translit(uk_to_ru_surname(surname), _RU_BGN)
            else:
                family = translit(uk_to_ru_surname(surname), _GERMAN)
            if rng.random() < 0.5:
                family = family.upper()
            given = rng.choice(latin_forms(given_row))
            patr = (
                translit(patronymic(person.father.variants[0], person.sex, "uk"), _UK_NATIONAL)
                if rng.random() < 0.3
                else ""
            )
            place = person.place.en
        else:
            family = surname
            given = given_row.variants[0]
            patr = patronymic(person.father.variants[0], person.sex, "uk")
            place = rng.choice([person.place.uk, f"м. {person.place.uk}", f"с. {person.place.uk}"])
        if given_row.diminutives and rng.random() < r["diminutive"]:
            dims = [d for d in given_row.diminutives if _is_cyrillic(d) == _is_cyrillic(given)]
            given = rng.choice(dims or list(given_row.diminutives))
        if rng.random() < r["surname_typo"]:
            family = typo(family, rng)
        if rng.random() < r["given_typo"]:
            given = typo(given, rng)
        if rng.random() < r["swap_names"]:
            family, given = given, family
        if rng.random() < r["place_missing"]:
            place = ""
        entity = MatchEntity(
            key=key,
            family_name=family,
            given_name=given,
            patronymic=patr,
            sex=rng.choice(["male", "female", "unknown"])
            if rng.random() < 0.01
            else (("male" if person.sex == "m" else "female") if rng.random() < 0.8 else ""),
            places=(place,) if place else (),
        )
        self._write_dob(entity, person.dob, source, r)
        return entity

    def _write_dob(self, entity: MatchEntity, dob: date, source: str, r: dict) -> None:
        rng = self.rng
        y, m, d = dob.year, dob.month, dob.day
        roll = rng.random()
        acc = 0.0
        for kind in ("dob_swap", "dob_year_off", "dob_one_part", "dob_wrong", "dob_missing"):
            acc += r[kind]
            if roll < acc:
                break
        else:
            kind = ""
        if kind == "dob_swap" and d <= 12:
            m, d = d, m
        elif kind == "dob_year_off":
            y += rng.choice((-1, 1))
        elif kind == "dob_one_part":
            if rng.random() < 0.5:
                d = rng.choice([x for x in range(1, 29) if x != d])
            else:
                m = rng.choice([x for x in range(1, 13) if x != m])
        elif kind == "dob_wrong":
            y, m, d = rng.randint(2005, 2022), rng.randint(1, 12), rng.randint(1, 28)
        elif kind == "dob_missing":
            return
        precision = rng.random()
        if source == "latin" and precision < 0.5:
            entity.dob_year = y
        elif source == "ru" and precision < 0.15:
            age_on = AGE_ON
            entity.age = age_on.year - y - ((age_on.month, age_on.day) < (m, d))
            entity.age_on = age_on
        elif precision < 0.08:
            entity.dob_year, entity.dob_month = y, m
        else:
            entity.dob_year, entity.dob_month, entity.dob_day = y, m, d

    # -- a whole benchmark ------------------------------------------------------------------

    def dataset(self, n_cases: int = 500, n_records: int = 20000) -> Dataset:
        rng = self.rng
        cases: list[MatchEntity] = []
        records: list[MatchEntity] = []
        true_pairs: set[tuple[object, object]] = set()
        sources: dict[object, str] = {}
        source_names = ("ru", "latin", "uk")

        def add_record(person: Person, src: str, noisy: bool = True) -> MatchEntity:
            key = ("record", len(records) + 1)
            entity = self.as_record(person, key, src, noisy)
            records.append(entity)
            sources[key] = src
            return entity

        for i in range(n_cases):
            person = self.person()
            case = self.as_case(person, ("case", i + 1))
            cases.append(case)
            # Found in 0-3 lists; 80 % at least once.
            found_in = [s for s in source_names if rng.random() < 0.45]
            if not found_in and rng.random() < 0.7:
                found_in = [rng.choice(source_names)]
            for src in found_in:
                true_pairs.add((case.key, add_record(person, src).key))
            # Family and namesakes in the lists, the hard distractors.
            if rng.random() < 0.35:
                for _ in range(rng.randint(1, 3)):
                    sibling = self.person(
                        surname=person.surname, father=person.father, place=person.place
                    )
                    add_record(sibling, rng.choice(source_names))
            if rng.random() < 0.04:
                twin = self.person(
                    surname=person.surname, father=person.father, place=person.place,
                    dob=person.dob, sex=person.sex,
                )  # fmt: skip
                while twin.given is person.given:
                    twin = self.person(
                        surname=person.surname, father=person.father, place=person.place,
                        dob=person.dob, sex=person.sex,
                    )  # fmt: skip
                add_record(twin, rng.choice(source_names))
            if rng.random() < 0.15:
                namesake = self.person(surname=person.surname, given=person.given, sex=person.sex)
                add_record(namesake, rng.choice(source_names))
        while len(records) < n_records:
            add_record(self.person(), rng.choice(source_names))
        return Dataset(cases=cases, records=records, true_pairs=true_pairs, sources=sources)


_OBLAST_RU = {
    "donetsk": "Донецкая обл.",
    "luhansk": "Луганская обл.",
    "zaporizhzhia": "Запорожская обл.",
    "kherson": "Херсонская обл.",
    "kharkiv": "Харьковская обл.",
    "mykolaiv": "Николаевская обл.",
    "crimea": "Крым",
}


def _oblast_ru(oblast: str) -> str:
    return _OBLAST_RU.get(oblast, "")


# --- CSV files for `flask records import` / `flask cases import` ---------------------------

HEADERS = {
    "ru": ("cp1251", ["№", "Фамилия", "Имя", "Отчество", "Пол", "Дата рождения", "Возраст",
                      "Населенный пункт"]),
    "latin": ("utf-8", ["ID", "Surname", "First name", "Patronymic", "Sex", "Date of birth",
                        "Age", "Place of origin"]),
    "uk": ("utf-8", ["№", "Прізвище", "Ім'я", "По батькові", "Стать", "Дата народження", "Вік",
                     "Населений пункт"]),
}  # fmt: skip
_SEX_WORDS = {
    "ru": {"male": "м", "female": "ж"},
    "latin": {"male": "M", "female": "F"},
    "uk": {"male": "ч", "female": "ж"},
}


def _date_text(e: MatchEntity, source: str) -> str:
    if e.dob_year is None:
        return ""
    if e.dob_month is None:
        return str(e.dob_year)
    if e.dob_day is None:
        return f"{e.dob_month:02d}.{e.dob_year}"
    if source == "latin":
        return f"{e.dob_year}-{e.dob_month:02d}-{e.dob_day:02d}"
    return f"{e.dob_day:02d}.{e.dob_month:02d}.{e.dob_year}"


def write_csv(data: Dataset, folder: Path) -> list[Path]:
    """One file per source in its header language and encoding, plus the cases (uk, UTF-8)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    by_source: dict[str, list[MatchEntity]] = {}
    for record in data.records:
        by_source.setdefault(data.sources[record.key], []).append(record)
    for source, rows in by_source.items():
        encoding, headers = HEADERS[source]
        path = folder / f"records_{source}.csv"
        with open(path, "w", encoding=encoding, errors="replace", newline="") as out:
            writer = csv.writer(out, delimiter=";" if source == "ru" else ",")
            writer.writerow(headers)
            for e in rows:
                writer.writerow([
                    e.key[1], e.family_name, e.given_name, e.patronymic,
                    _SEX_WORDS[source].get(e.sex or "", ""), _date_text(e, source),
                    "" if e.age is None else e.age, e.places[0] if e.places else "",
                ])  # fmt: skip
        written.append(path)
    path = folder / "cases.csv"
    encoding, headers = HEADERS["uk"]
    with open(path, "w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(headers)
        for e in data.cases:
            writer.writerow([
                e.key[1], e.family_name, e.given_name, e.patronymic,
                _SEX_WORDS["uk"].get(e.sex or "", ""), _date_text(e, "uk"), "",
                e.places[0] if e.places else "",
            ])  # fmt: skip
    written.append(path)
    truth = folder / "true_pairs.csv"
    with open(truth, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["case_external_id", "record_source", "record_external_id"])
        for case_key, record_key in sorted(data.true_pairs, key=str):
            writer.writerow([case_key[1], data.sources[record_key], record_key[1]])
    written.append(truth)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write-csv", type=Path, required=True)
    args = parser.parse_args()
    data = Generator(args.seed).dataset(args.cases, args.records)
    for path in write_csv(data, args.write_csv):
        print(path)


if __name__ == "__main__":
    main()
