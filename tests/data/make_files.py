"""Regenerate the synthetic CSV fixtures in this folder.

Run from the repository root: ``python tests/data/make_files.py``. Output is deterministic
(Faker is seeded and dates come from fixed ranges), so re-running leaves ``git diff`` empty for
the same Faker version. Every person is invented: names come from Faker's uk_UA / ru_RU
locales or are written by hand; phone numbers use the unassigned operator code 00.

The tests in ``tests/imports`` rely on the hand-written rows (their line numbers and values)
and on the row counts printed below, not on the Faker values.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from faker import Faker

HERE = Path(__file__).resolve().parent
SEED = 339

_TRANSLIT = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "h",
    "ґ": "g",
    "д": "d",
    "е": "e",
    "є": "ie",
    "ж": "zh",
    "з": "z",
    "и": "y",
    "і": "i",
    "ї": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ь": "",
    "ю": "iu",
    "я": "ia",
    "э": "e",
    "ы": "y",
    "ё": "io",
    "ъ": "",
}


def transliterate(text: str) -> str:
    """Rough Ukrainian national transliteration, enough for synthetic English-header files."""
    out = []
    for char in text:
        latin = _TRANSLIT.get(char.lower())
        if latin is None:
            out.append("" if char in "'’ʼ" else char)
            continue
        out.append(latin.capitalize() if char.isupper() else latin)
    return "".join(out)


def _phone(fake: Faker) -> str:
    return f"+380 00 {fake.numerify('###')} {fake.numerify('##')} {fake.numerify('##')}"


def _person(fake: Faker) -> dict[str, str]:
    female = fake.boolean()
    if female:
        family, given, patronymic = (
            fake.last_name_female(),
            fake.first_name_female(),
            fake.middle_name_female(),
        )
    else:
        family, given, patronymic = (
            fake.last_name_male(),
            fake.first_name_male(),
            fake.middle_name_male(),
        )
    born = fake.date_between_dates(date(2006, 1, 1), date(2021, 12, 31))
    return {
        "family": family,
        "given": given,
        "patronymic": patronymic,
        "female": "1" if female else "",
        "born": born.isoformat(),
    }


def _csv_text(rows: list[list[str]], delimiter: str, lineterminator: str = "\r\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerows(rows)
    return buffer.getvalue()


def _write(name: str, text: str, encoding: str) -> None:
    (HERE / name).write_bytes(text.encode(encoding))
    print(f"{name}: {text.count(chr(10))} lines, {encoding}")


def _dotted(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}.{month}.{year}"


def records_uk_utf8() -> None:
    fake = Faker("uk_UA")
    fake.seed_instance(SEED)
    rows = [
        [
            "№",
            "Прізвище",
            "Ім’я",
            "По батькові",
            "Стать",
            "Дата народження",
            "Місце народження",
            "Населений пункт",
            "Область",
            "Примітка",
        ]
    ]
    # Hand-written rows first: the tests read them by position.
    rows.append(
        [
            "1",
            "Коваленко",
            "Марія",
            "Іванівна",
            "ж",
            "05.03.2014",
            "Харків",
            "с. Вигадане",
            "Харківська область",
            "Синтетичний запис",
        ]
    )
    rows.append(["2", "Бондар", "Остап", "Петрович", "ч", "2012 р.", "Суми", "", "", ""])
    rows.append(["3", "Мельник", "Ярина", "", "жін", "03.2016", "", "м. Умовне", "", ""])
    for number in range(4, 21):
        person = _person(fake)
        rows.append(
            [
                str(number),
                person["family"],
                person["given"],
                person["patronymic"],
                "ж" if person["female"] else "ч",
                _dotted(person["born"]),
                fake.city_name(),
                fake.city_name(),
                fake.region(),
                "",
            ]
        )
    _write("records_uk_utf8.csv", _csv_text(rows, ";", "\n"), "utf-8")
    # The same list sent again after the partner corrected it: one date fixed, one row added.
    corrected = [list(row) for row in rows]
    corrected[2][5] = "14.05.2012"
    corrected.append(
        ["21", "Левченко", "Дарина", "Олегівна", "ж", "01.09.2015", "Полтава", "", "", ""]
    )
    _write("records_uk_utf8_corrected.csv", _csv_text(corrected, ";", "\n"), "utf-8")


def records_ru_cp1251() -> None:
    fake = Faker("ru_RU")
    fake.seed_instance(SEED)
    rows = [
        [
            "№",
            "ФИО",
            "Пол",
            "Дата рождения",
            "Возраст",
            "Место пребывания",
            "Учреждение",
            "ФИО матери",
            "Телефон",
            "Дата записи",
        ]
    ]
    rows.append(
        [
            "1",
            "Соколова Анна Сергеевна",
            "жен",
            "12.07.2013",
            "10 лет",
            "г. Условный",
            "Детский дом № 0",
            "Соколова Елена Викторовна",
            "+380 00 000 00 01",
            "01.02.2024",
        ]
    )
    rows.append(
        [
            "2",
            "Ёлкин Пётр Ильич",
            "муж",
            "2015",
            "",
            "",
            "",
            "",
            "",
            "15.03.2024",
        ]
    )
    for number in range(3, 16):
        person = _person(fake)
        mother = f"{fake.last_name_female()} {fake.first_name_female()} {fake.middle_name_female()}"
        rows.append(
            [
                str(number),
                f"{person['family']} {person['given']} {person['patronymic']}",
                "жен" if person["female"] else "муж",
                _dotted(person["born"]),
                "",
                fake.city_name(),
                "",
                mother,
                _phone(fake),
                "01.03.2024",
            ]
        )
    _write("records_ru_cp1251.csv", _csv_text(rows, ";"), "cp1251")


def records_en_bom() -> None:
    fake = Faker("uk_UA")
    fake.seed_instance(SEED + 1)
    rows = [
        [
            "ID",
            "Surname",
            "First name",
            "Patronymic",
            "Gender",
            "DOB",
            "Place of birth",
            "Last known place",
            "Region",
            "Mother's name",
            "Father full name",
            "Contact phone",
            "Notes",
        ]
    ]
    rows.append(
        [
            "EN-001",
            "Kovalenko",
            "Oleksandr",
            "Petrovych",
            "M",
            "2014-03-05",
            "Kharkiv",
            "Izium district, village",
            "Kharkiv oblast",
            "Kovalenko Iryna",
            "Kovalenko Petro",
            "+380 00 000 00 02",
            "Seen in March, with an aunt",
        ]
    )
    for number in range(2, 16):
        person = _person(fake)
        rows.append(
            [
                f"EN-{number:03d}",
                transliterate(person["family"]),
                transliterate(person["given"]),
                transliterate(person["patronymic"]),
                "F" if person["female"] else "M",
                person["born"],
                transliterate(fake.city_name()),
                transliterate(fake.city_name()),
                transliterate(fake.region()),
                "",
                "",
                _phone(fake),
                "",
            ]
        )
    _write("records_en_bom.csv", _csv_text(rows, ","), "utf-8-sig")


def records_tab() -> None:
    fake = Faker("uk_UA")
    fake.seed_instance(SEED + 2)
    rows = [["No", "Full name", "Sex", "Age", "Current location", "Institution", "Record date"]]
    rows.append(
        [
            "T1",
            "ШЕВЧУК Тарас Андрійович",
            "чол",
            "9 років",
            "м. Умовне",
            "Заклад № 0",
            "2024-01-10",
        ]
    )
    for number in range(2, 13):
        person = _person(fake)
        full = f"{person['family']} {person['given']} {person['patronymic']}"
        rows.append(
            [
                f"T{number}",
                full,
                "ж" if person["female"] else "ч",
                str(fake.random_int(1, 17)),
                fake.city_name(),
                "",
                "2024-01-10",
            ]
        )
    _write("records_tab.tsv", _csv_text(rows, "\t"), "utf-8")


# Written by hand so that the line numbers are obvious: rows start on lines 2, 3, 5, 8 and 10
# (line 9 is blank). Excel style: CRLF between rows, LF inside cells.
QUOTED_NEWLINES = (
    "ID,Family name,Given name,Date of birth,Notes\r\n"
    "1,Бондаренко,Олена,2014-03-05,Один рядок\r\n"
    '2,Ткаченко,Іван,2013,"Перший рядок\nдругий рядок"\r\n'
    '3,Мельник,Оксана,03.2012,"Три\nрядки\nтут"\r\n'
    '4,Шевченко,Петро,2011,"Кома, і ""лапки"""\r\n'
    "\r\n"
    "5,Кравченко,Анна,2010,\r\n"
)

# Rows start on lines 2-8; line 5 has too many cells, line 7 too few.
BAD_DATES = (
    "№;Прізвище;Ім'я;Дата народження;Примітка\n"
    "1;Бондаренко;Олена;31.02.2014;\n"
    "2;Ткаченко;Іван;1965-13-45;\n"
    "3;Мельник;Оксана;05.03.14;рік двома цифрами\n"
    "4;Шевченко;Петро;2011;;зайва;комірка\n"
    "5;Кравченко;Анна;невідомо;\n"
    "6;Лисенко;Ігор\n"
    "7;Гончаренко;Ірина;29.02.2016;\n"
)

# Rows start on lines 2-7. "Нас. пункт" is a header no alias knows (the operator maps it).
# Line 3 has an impossible date (a warning), line 4 repeats the row id of line 3 (rejected),
# line 5 has a family name longer than 200 characters (rejected), line 6 an unknown sex value
# (a warning) and line 7 a date that is a spreadsheet formula (a warning whose value the
# report must neutralise).
REJECTS = (
    "№;Прізвище;Ім'я;Стать;Дата народження;Нас. пункт;Примітка\n"
    "1;Бондаренко;Олена;ж;05.03.2014;с. Вигадане;\n"
    "2;Ткаченко;Іван;ч;31.02.2013;м. Умовне;\n"
    "2;Ткаченко;Іван;ч;2013;м. Умовне;дубль\n"
    f"3;{'Д' * 201};Оксана;ж;2012;;\n"
    "4;Шевченко;Петро;x;2011;с. Вигадане;\n"
    '5;Кравченко;Анна;ж;=1+2;;=HYPERLINK("http://example.invalid")\n'
)

CASE_HEADERS = [
    "external_id",
    "family_name",
    "given_name",
    "patronymic",
    "sex",
    "date_of_birth",
    "place_of_birth",
    "last_known_place",
    "region",
    "mother_name",
    "father_name",
    "contact_phone",
]


def cases_339_sample() -> None:
    fake = Faker("uk_UA")
    fake.seed_instance(SEED + 3)
    rows = [CASE_HEADERS]
    for number in range(1, 41):
        person = _person(fake)
        born = person["born"]
        # Vary the precision the way source lists do: full date, month, or year only.
        if number % 5 == 0:
            born = born[:4]
        elif number % 7 == 0:
            born = born[:7]
        father = (
            f"{person['family'] if not person['female'] else fake.last_name_male()} "
            f"{fake.first_name_male()}"
        )
        rows.append(
            [
                f"339-{number:03d}",
                person["family"],
                person["given"],
                person["patronymic"],
                "female" if person["female"] else "male",
                born,
                fake.city_name(),
                fake.city_name(),
                fake.region(),
                f"{fake.last_name_female()} {fake.first_name_female()}",
                father,
                _phone(fake),
            ]
        )
    _write("cases_339_sample.csv", _csv_text(rows, ","), "utf-8")


def binary() -> None:
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00"
    (HERE / "binary.csv").write_bytes(data)
    print(f"binary.csv: {len(data)} bytes")


def main() -> None:
    records_uk_utf8()
    records_ru_cp1251()
    records_en_bom()
    records_tab()
    _write("records_quoted_newlines.csv", QUOTED_NEWLINES, "utf-8")
    _write("records_bad_dates.csv", BAD_DATES, "utf-8")
    _write("records_rejects.csv", REJECTS, "utf-8")
    cases_339_sample()
    binary()


if __name__ == "__main__":
    main()
