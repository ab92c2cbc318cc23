"""A name written for the other side: Russian conventions and two romanisations (synthetic
people; the names are common words of the language, not anyone in particular)."""

from __future__ import annotations

import pytest

from app.names.scripts import (
    Script,
    convert_name,
    romanise_russian,
    romanise_ukrainian,
    russian_patronymic,
    to_russian,
)

RUSSIAN = [
    # given names through the table
    ("Олександр", "given", "Александр"),
    ("Микола", "given", "Николай"),
    ("Олена", "given", "Елена"),
    ("ОЛЕНА", "given", "ЕЛЕНА"),
    ("Ганна", "given", "Анна"),
    ("Антон", "given", "Антон"),  # the table lists Антоний too; Russian says Антон
    ("Богдан", "given", "Богдан"),  # the same in both
    ("Анна-Марія", "given", "Анна-Мария"),
    ("Євгенія", "given", "Евгения"),
    ("Саша", "given", "Саша"),  # a nickname stays
    ("Никита", "given", "Никита"),  # already Russian
    ("Алёна", "given", "Алёна"),
    ("Oleksandr", "given", "Oleksandr"),  # Latin stays
    # surnames by letter rules
    ("Лисенко", "family", "Лысенко"),
    ("Коваленко", "family", "Коваленко"),
    ("Тимошенко", "family", "Тимошенко"),  # и stays и
    ("Ковальов", "family", "Ковалёв"),
    ("Олійник", "family", "Олейник"),
    ("Ковальський", "family", "Ковальский"),
    ("Ковальська", "family", "Ковальская"),
    ("Білецька", "family", "Билецкая"),
    ("Грицький", "family", "Грицкий"),
    ("Кравець", "family", "Кравец"),
    ("П'ятниця", "family", "Пятница"),
    ("Григор'єв", "family", "Григорьев"),
    ("Єременко", "family", "Еременко"),
    ("Ґудзь", "family", "Гудзь"),
    ("Їжакевич", "family", "Йижакевич"),
    ("Гаїв", "family", "Гаив"),
    ("Егоров", "family", "Егоров"),  # no Ukrainian letter: may be Russian already
    ("Ерьомін", "family", "Эрёмин"),  # a Ukrainian word: initial е is э
    ("Ковалёв", "family", "Ковалёв"),
    ("Шевчук-Лисенко", "family", "Шевчук-Лысенко"),
    ("КОВАЛЬСЬКА", "family", "КОВАЛЬСКАЯ"),
    ("Kovalenko", "family", "Kovalenko"),
    # patronymics from the father's name
    ("Миколайович", "patronymic", "Николаевич"),
    ("Миколаївна", "patronymic", "Николаевна"),
    ("Сергіївна", "patronymic", "Сергеевна"),
    ("Юрійович", "patronymic", "Юрьевич"),
    ("Дмитрович", "patronymic", "Дмитриевич"),
    ("Ігорович", "patronymic", "Игоревич"),
    ("Петрович", "patronymic", "Петрович"),
    ("Павлівна", "patronymic", "Павловна"),
    ("Іллівна", "patronymic", "Ильинична"),
    ("Олександрович", "patronymic", "Александрович"),
    ("Васильович", "patronymic", "Васильевич"),
    ("Андріївна", "patronymic", "Андреевна"),
    ("Іванівна", "patronymic", "Ивановна"),
    ("Николаевич", "patronymic", "Николаевич"),
    ("", "patronymic", ""),
]


@pytest.mark.parametrize(("written", "part", "russian"), RUSSIAN)
def test_russian_conventions(written, part, russian):
    assert to_russian(written, part) == russian


@pytest.mark.parametrize(
    ("father", "son", "daughter"),
    [
        ("Николай", "Николаевич", "Николаевна"),
        ("Юрий", "Юрьевич", "Юрьевна"),
        ("Дмитрий", "Дмитриевич", "Дмитриевна"),
        ("Георгий", "Георгиевич", "Георгиевна"),
        ("Игорь", "Игоревич", "Игоревна"),
        ("Иван", "Иванович", "Ивановна"),
        ("Никита", "Никитич", "Никитична"),
        ("Илья", "Ильич", "Ильинична"),
        ("Павел", "Павлович", "Павловна"),
        ("Лев", "Львович", "Львовна"),
    ],
)
def test_russian_patronymic_rules(father, son, daughter):
    assert russian_patronymic(father, female=False) == son
    assert russian_patronymic(father, female=True) == daughter


UK2010 = [
    ("Олександр", "Oleksandr"),
    ("Згурський", "Zghurskyi"),
    ("Євген", "Yevhen"),
    ("Андрієнко", "Andriienko"),
    ("Їжакевич", "Yizhakevych"),
    ("Гаїв", "Haiv"),
    ("Йосипенко", "Yosypenko"),
    ("Олексій", "Oleksii"),
    ("Юлія", "Yuliia"),
    ("Мар'яна", "Mariana"),
    ("Щербань", "Shcherban"),
    ("ЩЕРБАНЬ", "SHCHERBAN"),
    ("Ґудзь", "Gudz"),
    ("Коваленко-Шевчук", "Kovalenko-Shevchuk"),
    ("Kowalski", "Kowalski"),
]


@pytest.mark.parametrize(("written", "latin"), UK2010)
def test_ukrainian_national_romanisation(written, latin):
    assert romanise_ukrainian(written) == latin


BGN = [
    ("Николаевич", "Nikolayevich"),
    ("Елена", "Yelena"),
    ("Ковалёв", "Kovalëv"),
    ("Лысенко", "Lysenko"),
    ("Щукин", "Shchukin"),
    ("Игорь", "Igorʼ"),
    ("Юлия", "Yuliya"),
]


@pytest.mark.parametrize(("russian", "latin"), BGN)
def test_bgn_pcgn_romanisation(russian, latin):
    assert romanise_russian(russian) == latin


def test_convert_name_chooses_the_script():
    assert convert_name("Микола", "given", Script.AS_WRITTEN) == "Микола"
    assert convert_name("Микола", "given", "ru") == "Николай"
    assert convert_name("Микола", "given", "latin_uk2010") == "Mykola"
    # BGN/PCGN romanises the Russian form: what the other side's Latin registers hold.
    assert convert_name("Микола", "given", "latin_bgn") == "Nikolay"
    assert convert_name("Миколайович", "patronymic", "latin_bgn") == "Nikolayevich"
    with pytest.raises(ValueError):
        convert_name("Микола", "given", "klingon")


def test_a_given_name_an_admin_adds_is_used_at_once():
    from app.names import given

    assert to_russian("Тестослав", "given") == "Тестослав"
    try:
        given.extend_given_names([("testoslav", "m", ["Тестослав", "Тестослов"], [])])
        assert to_russian("Тестослав", "given") == "Тестослов"
    finally:
        given._EXTRA_GIVEN_NAMES.clear()
        given.extend_given_names([])
    assert to_russian("Тестослав", "given") == "Тестослав"
