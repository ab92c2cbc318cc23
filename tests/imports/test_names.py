from pathlib import Path

import pytest

from app.imports.fields import guess_mapping
from app.imports.names import NameParts, detect_sex_value, split_full_name
from app.imports.readers import open_csv
from app.names.given import looks_like_patronymic

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.mark.parametrize(
    ("text", "family", "given", "patronymic"),
    [
        # Rule 2: a capitalised token is the family name wherever it stands.
        ("Олександр КОВАЛЕНКО", "КОВАЛЕНКО", "Олександр", None),
        ("КОВАЛЕНКО Олександр Петрович", "КОВАЛЕНКО", "Олександр", "Петрович"),
        ("Олександр Петрович КОВАЛЕНКО", "КОВАЛЕНКО", "Олександр", "Петрович"),
        ("KOVALENKO Oleksandr", "KOVALENKO", "Oleksandr", None),
        ("Oleksandr KOVALENKO", "KOVALENKO", "Oleksandr", None),
        ("ІВАНОВА-ПЕТРЕНКО Марія", "ІВАНОВА-ПЕТРЕНКО", "Марія", None),
        ("VAN DER BERG Anna", "VAN DER BERG", "Anna", None),
        ("КОВАЛЕНКО О.П.", "КОВАЛЕНКО", "О", "П"),
        # Rule 3: comma after the family name.
        ("LYSENKO, Oleksandr", "LYSENKO", "Oleksandr", None),
        ("Lysenko, Oleksandr", "Lysenko", "Oleksandr", None),
        ("Лисенко, Олександр Петрович", "Лисенко", "Олександр", "Петрович"),
        ("Лисенко,Олександр", "Лисенко", "Олександр", None),
        # Rule 4: three tokens.
        ("Коваленко Олександр Петрович", "Коваленко", "Олександр", "Петрович"),
        ("Коваленко Марія Іванівна", "Коваленко", "Марія", "Іванівна"),
        ("Шевчук Ярина Андріївна", "Шевчук", "Ярина", "Андріївна"),
        ("Бондар Остап Сергійович", "Бондар", "Остап", "Сергійович"),
        ("Соколова Анна Сергеевна", "Соколова", "Анна", "Сергеевна"),
        ("Иванов Петр Ильич", "Иванов", "Петр", "Ильич"),
        ("Ёлкин Пётр Кузьмич", "Ёлкин", "Пётр", "Кузьмич"),
        ("Кравец Ольга Ильинична", "Кравец", "Ольга", "Ильинична"),
        ("Олександр Петрович Коваленко", "Коваленко", "Олександр", "Петрович"),
        ("Коваленко Олександр Невідомий", "Коваленко", "Олександр", "Невідомий"),
        ("Kovalenko Oleksandr Petrovych", "Kovalenko", "Oleksandr", "Petrovych"),
        ("Kovalenko Mariia Ivanivna", "Kovalenko", "Mariia", "Ivanivna"),
        ("Sokolova Anna Sergeevna", "Sokolova", "Anna", "Sergeevna"),
        ("Ivanov Petr Sergeevich", "Ivanov", "Petr", "Sergeevich"),
        ("Oleksandr Petrovych Kovalenko", "Kovalenko", "Oleksandr", "Petrovych"),
        ("Anna Maria Smith", "Smith", "Anna Maria", None),
        # Rule 5: two tokens.
        ("Олександр Петрович", None, "Олександр", "Петрович"),
        ("Марія Іванівна", None, "Марія", "Іванівна"),
        ("Коваленко Олександр", "Коваленко", "Олександр", None),
        ("Шевчук Ярина", "Шевчук", "Ярина", None),
        ("Олександр Коваленко", "Коваленко", "Олександр", None),
        ("Ярина Шевчук", "Шевчук", "Ярина", None),
        ("Анна Соколова", "Соколова", "Анна", None),
        ("Бабич Олег", "Бабич", "Олег", None),
        # No surname ending to go by: the Cyrillic default, family first, applies.
        ("Олег Бабич", "Олег", "Бабич", None),
        ("Oleksandr Kovalenko", "Kovalenko", "Oleksandr", None),
        ("Oleksandr Petrovych", None, "Oleksandr", "Petrovych"),
        # Rule 6: one token.
        ("Марія", None, "Марія", None),
        ("KOVALENKO", None, "KOVALENKO", None),
        # Rule 7: four tokens.
        ("Іванова Петренко Марія Іванівна", "Іванова Петренко", "Марія", "Іванівна"),
        ("Коваленко Анна Марія Софія", "Коваленко", "Анна Марія Софія", None),
        ("Anna Maria de Souza", "Souza", "Anna Maria de", None),
        # Hyphens, apostrophes, punctuation, spacing.
        ("Іванова-Петренко Марія Іванівна", "Іванова-Петренко", "Марія", "Іванівна"),
        ("Мар'яненко Мар’яна Ігорівна", "Мар'яненко", "Мар’яна", "Ігорівна"),
        ("  Коваленко   Олександр  ", "Коваленко", "Олександр", None),
        ('"Коваленко" (Олександр).', "Коваленко", "Олександр", None),
        ("Коваленко\tОлександр\nПетрович", "Коваленко", "Олександр", "Петрович"),
        ("Коваленко О.П.", "Коваленко", "О", "П"),
        ("Коваленко О. П.", "Коваленко", "О", "П"),
        ("коваленко олександр петрович", "коваленко", "олександр", "петрович"),
    ],
)
def test_split_full_name(text, family, given, patronymic):
    assert split_full_name(text) == NameParts(family, given, patronymic)


@pytest.mark.parametrize("text", ["", None, "   ", ", ,", "--", "..."])
def test_split_full_name_empty(text):
    assert split_full_name(text) == NameParts(None, None, None)


def test_split_keeps_original_case_of_each_part():
    parts = split_full_name("мАКаренко ОлеКсандр петрович")
    assert parts == NameParts("мАКаренко", "ОлеКсандр", "петрович")
    assert split_full_name("коваленко олександр") == NameParts("коваленко", "олександр", None)


@pytest.mark.parametrize(
    ("token", "short", "expected"),
    [
        ("Петрович", False, True),
        ("Андрійович", False, True),
        ("Сергеевич", False, True),
        ("Іванівна", False, True),
        ("Андріївна", False, True),
        ("Ивановна", False, True),
        ("Сергеевна", False, True),
        ("Ильинична", False, True),
        ("Petrovych", False, True),
        ("Ivanivna", False, True),
        ("Ilyich", False, False),
        ("Ильич", False, False),
        ("Ильич", True, True),
        ("Коваленко", True, False),
        ("Марія", True, False),
    ],
)
def test_looks_like_patronymic(token, short, expected):
    assert looks_like_patronymic(token, short=short) is expected


def test_split_every_full_name_in_the_fixtures():
    """Every generated "Family Given Patronymic" cell splits into three non-empty parts."""
    checked = 0
    for name in ("records_ru_cp1251.csv", "records_tab.tsv"):
        with (DATA / name).open("rb") as stream, open_csv(stream) as source:
            column = next(
                index
                for index, field in guess_mapping(source.headers).items()
                if field == "full_name"
            )
            for row in source.rows():
                family, given, patronymic = row.values[column].split()
                assert split_full_name(row.values[column]) == NameParts(family, given, patronymic)
                checked += 1
    assert checked == 15 + 12


MALE = [
    "ч",
    "Ч",
    "ч.",
    "чол",
    "Чол.",
    "чоловіча",
    "Чоловіча",
    "чоловічий",
    "м",
    "М",
    "муж",
    "Муж.",
    "мужской",
    "Мужской",
    "M",
    "m",
    "male",
    "Male",
    "MALE",
    " male ",
    "хлопчик",
    "мальчик",
    "boy",
]
FEMALE = [
    "ж",
    "Ж",
    "ж.",
    "жін",
    "Жін.",
    "жіноча",
    "Жіноча",
    "жіночий",
    "жен",
    "Жен.",
    "женский",
    "Женский",
    "F",
    "f",
    "female",
    "Female",
    "FEMALE",
    "дівчинка",
    "девочка",
    "girl",
]


@pytest.mark.parametrize("text", MALE)
def test_detect_sex_male(text):
    assert detect_sex_value(text) == "male"


@pytest.mark.parametrize("text", FEMALE)
def test_detect_sex_female(text):
    assert detect_sex_value(text) == "female"


@pytest.mark.parametrize(
    "text", ["", None, " ", "x", "?", "невідомо", "unknown", "ч/ж", "мж", "1", "2", "fm"]
)
def test_detect_sex_unknown(text):
    assert detect_sex_value(text) is None
