from pathlib import Path

import pytest

from app.imports.fields import (
    ALIASES,
    FIELD_LABELS,
    FIELDS,
    guess_field,
    guess_mapping,
    normalise_header,
)
from app.imports.readers import open_csv

DATA = Path(__file__).resolve().parent.parent / "data"

# Every alias the product owner listed, in the three languages.
LISTED = [
    ("№", "external_id"),
    ("N", "external_id"),
    ("No", "external_id"),
    ("ID", "external_id"),
    ("Номер", "external_id"),
    ("Row id", "external_id"),
    ("Прізвище", "family_name"),
    ("Фамилия", "family_name"),
    ("Surname", "family_name"),
    ("Last name", "family_name"),
    ("Family name", "family_name"),
    ("Ім'я", "given_name"),
    ("Ім’я", "given_name"),
    ("Імʼя", "given_name"),
    ("Имя", "given_name"),
    ("First name", "given_name"),
    ("Given name", "given_name"),
    ("Name", "given_name"),
    ("По батькові", "patronymic"),
    ("Отчество", "patronymic"),
    ("Father's name", "patronymic"),
    ("Father’s name", "patronymic"),
    ("Patronymic", "patronymic"),
    ("Middle name", "patronymic"),
    ("ПІБ", "full_name"),
    ("ФИО", "full_name"),
    ("Full name", "full_name"),
    ("П.І.Б.", "full_name"),
    ("Стать", "sex"),
    ("Пол", "sex"),
    ("Sex", "sex"),
    ("Gender", "sex"),
    ("Дата народження", "date_of_birth"),
    ("Дата рождения", "date_of_birth"),
    ("Date of birth", "date_of_birth"),
    ("DOB", "date_of_birth"),
    ("Birth date", "date_of_birth"),
    ("Вік", "age"),
    ("Возраст", "age"),
    ("Age", "age"),
    ("Місце народження", "place_of_birth"),
    ("Место рождения", "place_of_birth"),
    ("Place of birth", "place_of_birth"),
    ("Населений пункт", "place_of_origin"),
    ("Откуда прибыл", "place_of_origin"),
    ("Place of origin", "place_of_origin"),
    ("Last known place", "place_of_origin"),
    ("last_known_place", "place_of_origin"),
    ("Місце перебування", "current_location"),
    ("Место пребывания", "current_location"),
    ("Current location", "current_location"),
    ("Заклад", "institution"),
    ("Учреждение", "institution"),
    ("Institution", "institution"),
    ("ФИО матери", "mother_name"),
    ("ПІБ матері", "mother_name"),
    ("Mother's name", "mother_name"),
    ("Mother", "mother_name"),
    ("ФИО отца", "father_name"),
    ("ПІБ батька", "father_name"),
    ("Father full name", "father_name"),
    ("Father", "father_name"),
    ("Область", "region"),
    ("Регион", "region"),
    ("Region", "region"),
    ("Oblast", "region"),
    ("Телефон", "contact_phone"),
    ("Phone", "contact_phone"),
    ("Contact phone", "contact_phone"),
    ("Дата запису", "record_date"),
    ("Дата записи", "record_date"),
    ("Record date", "record_date"),
    ("Date of record", "record_date"),
    ("Примітка", "notes"),
    ("Примечание", "notes"),
    ("Notes", "notes"),
    ("Comment", "notes"),
]


@pytest.mark.parametrize(("header", "field"), LISTED)
def test_listed_aliases(header, field):
    assert guess_field(header) == field


@pytest.mark.parametrize("field", FIELDS)
def test_canonical_name_is_a_header(field):
    assert guess_field(field) == field
    assert guess_field(field.upper()) == field


@pytest.mark.parametrize(
    ("field", "alias"), [(field, alias) for field in FIELDS for alias in ALIASES[field]]
)
def test_every_declared_alias_maps_to_its_field(field, alias):
    assert guess_field(alias) == field


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("  прізвище  ", "family_name"),
        ("ПРІЗВИЩЕ", "family_name"),
        ("Прізвище:", "family_name"),
        ("Прізвище *", "family_name"),
        ("Прізвище*:", "family_name"),
        ("\ufeffПрізвище", "family_name"),
        ("\ufeff№", "external_id"),
        ("Дата   народження", "date_of_birth"),
        ("Дата\u00a0народження", "date_of_birth"),
        ("Дата народження (дд.мм.рррр)", "date_of_birth"),
        ("Ім`я", "given_name"),
        ("Имя ", "given_name"),
        ("Імя", "given_name"),  # apostrophe forgotten
        ("ПIБ", "full_name"),  # Latin I typed inside a Cyrillic word
        ("Прiзвище", "family_name"),
        ("Ф.И.О.", "full_name"),
        ("ФІО", "full_name"),
        ("Прізвище, ім'я, по батькові", "full_name"),
        ("Прізвище дитини", "family_name"),
        ("ФИО ребенка", "full_name"),
        ("LAST NAME", "family_name"),
        ("Last_Name", "family_name"),
        ("date-of-birth", "date_of_birth"),
        ("По-батькові", "patronymic"),
        ("d.o.b.", "date_of_birth"),
        ("№ п/п", "external_id"),
        ("Father name", "father_name"),
        ("Fathers name", "patronymic"),
        ("Father's full name", "father_name"),
        ("Mother name", "mother_name"),
    ],
)
def test_robust_matching(header, field):
    assert guess_field(header) == field


@pytest.mark.parametrize("header", ["", "   ", "Колонка 7", "Unnamed: 3", "***", None, "()"])
def test_unknown_headers(header):
    assert guess_field(header) is None


@pytest.mark.parametrize(
    ("header", "normalised"),
    [
        ("\ufeff  Ім’я :", "імя"),
        ("П.І.Б.", "піб"),
        ("№", "no"),
        ("Family_Name*", "family name"),
        ("Дата народження (дд.мм.рррр)", "дата народження"),
        ("ПIБ", "піб"),
        ("ID", "id"),
    ],
)
def test_normalise_header(header, normalised):
    assert normalise_header(header) == normalised


def test_guess_mapping_first_column_wins_and_unknowns_are_none():
    headers = ["№", "Прізвище", "Фамилия", "Колонка", "Ім'я", "", "Дата народження", "DOB"]
    assert guess_mapping(headers) == {
        0: "external_id",
        1: "family_name",
        2: None,
        3: None,
        4: "given_name",
        5: None,
        6: "date_of_birth",
        7: None,
    }


def test_guess_mapping_empty():
    assert guess_mapping([]) == {}


def test_labels_cover_fields_in_order():
    assert list(FIELD_LABELS) == FIELDS
    assert set(ALIASES) == set(FIELDS)
    assert len(set(FIELDS)) == len(FIELDS)
    assert all(label.strip() for label in FIELD_LABELS.values())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "records_uk_utf8.csv",
            [
                "external_id",
                "family_name",
                "given_name",
                "patronymic",
                "sex",
                "date_of_birth",
                "place_of_birth",
                "place_of_origin",
                "region",
                "notes",
            ],
        ),
        (
            "records_ru_cp1251.csv",
            [
                "external_id",
                "full_name",
                "sex",
                "date_of_birth",
                "age",
                "current_location",
                "institution",
                "mother_name",
                "contact_phone",
                "record_date",
            ],
        ),
        (
            "records_en_bom.csv",
            [
                "external_id",
                "family_name",
                "given_name",
                "patronymic",
                "sex",
                "date_of_birth",
                "place_of_birth",
                "place_of_origin",
                "region",
                "mother_name",
                "father_name",
                "contact_phone",
                "notes",
            ],
        ),
        (
            "records_tab.tsv",
            [
                "external_id",
                "full_name",
                "sex",
                "age",
                "current_location",
                "institution",
                "record_date",
            ],
        ),
        (
            "cases_339_sample.csv",
            [
                "external_id",
                "family_name",
                "given_name",
                "patronymic",
                "sex",
                "date_of_birth",
                "place_of_birth",
                "place_of_origin",
                "region",
                "mother_name",
                "father_name",
                "contact_phone",
            ],
        ),
    ],
)
def test_fixture_headers_map_completely(name, expected):
    with (DATA / name).open("rb") as stream, open_csv(stream) as source:
        mapping = guess_mapping(source.headers)
    assert list(mapping.values()) == expected
