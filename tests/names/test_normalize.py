"""Unit tests of the comparison space: fold, Latin skeleton, surnames, patronymics, blocking."""

import pytest
from rapidfuzz import fuzz

from app.names.given import given_name_keys, given_name_sex, patronymic_key, patronymic_parts
from app.names.surnames import phonetic_block_key, surname_key
from app.names.text import fold, to_latin_key

# ---------------------------------------------------------------------------------------------
# fold


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Олександр", "олександр"),
        ("  ОЛЕКСАНДР  ", "олександр"),
        ("Мар’яна", "мар'яна"),
        ("Марʼяна", "мар'яна"),
        ("Мар`яна", "мар'яна"),
        ("Марʻяна", "мар'яна"),
        ("Кам'янка – Дніпровська", "кам'янка-дніпровська"),
        ("Іванова—Петренко", "іванова-петренко"),
        ("Іванова - - Петренко", "іванова-петренко"),
        ("Нова\u00a0\u00a0Каховка", "нова каховка"),
        ("Нова\tКаховка\n", "нова каховка"),
        ("Ｌｙｓｅｎｋｏ", "lysenko"),  # full-width (NFKC)
        ("Ly\u200bsen\u00adko", "lysenko"),  # zero-width space, soft hyphen
        ("'Олег'", "олег"),  # quotes at word edges are not apostrophes
        ("STRAẞE", "strasse"),
        ("", ""),
    ],
)
def test_fold(text, expected):
    assert fold(text) == expected


@pytest.mark.parametrize(
    ("mixed", "clean"),
    [
        ("Олексiй", "олексій"),  # Latin i in a Cyrillic word
        ("Kовальов", "ковальов"),  # Latin K
        ("Pоман", "роман"),  # Latin P (it looks like Cyrillic Р)
        ("Оleksandr", "oleksandr"),  # Cyrillic О in a Latin word
    ],
)
def test_fold_repairs_lookalike_letters_in_mixed_words(mixed, clean):
    assert fold(mixed) == clean


def test_fold_leaves_separate_words_in_separate_scripts():
    assert fold("Олег Oleh") == "олег oleh"


# ---------------------------------------------------------------------------------------------
# to_latin_key

SAME_LATIN_KEY = [
    ("Лисенко", "Лысенко", "Lysenko", "Lissenko", "LYSENKO"),
    ("Шевченко", "Shevchenko", "Schewtschenko", "Ševčenko", "Szewczenko"),
    ("Юлія", "Юлия", "Yuliia", "Yulia", "Julia", "Iuliia", "Yuliya"),
    ("Хомич", "Khomych", "Homich", "Chomicz"[:0] + "Khomich"),
    ("Ковальов", "Kovalyov", "Kovalev", "Kovaliov", "Ковалёв", "Ковалев"),
    ("Ющенко", "Yushchenko", "Juschtschenko", "Juščenko", "Iushchenko"),
    ("Олександр", "Oleksandr", "Olexandr"),
    ("Александр", "Aleksandr", "Alexandr"),
    ("Соловйов", "Соловьёв", "Соловьев", "Solovyov", "Soloviov", "Solovev"),
    ("Запоріжжя", "Zaporizhzhia", "Zaporizhia"),
    ("Запорожье", "Zaporozhye", "Zaporozhe"),
    ("Марія", "Мария", "Mariia", "Maria", "Mariya"),
    ("Андрій", "Andrii", "Andriy", "Andrij"),
    ("Андреев", "Andreyev", "Andreev", "Андрєєв"),
    ("Гончаренко", "Honcharenko", "Goncharenko"),
    ("Щербак", "Shcherbak", "Szczerbak", "Ščerbak"),
    ("Жуков", "Zhukov", "Žukov"),
    ("Цибуля", "Tsybulia", "Tsybulya", "Cybula"[:0] + "Tzybulia"),
    ("Кравець", "Kravets", "Kravec", "Кравец"),
    ("Мар'яна", "Марьяна", "Maryana", "Mariana", "Mar'yana", "Marjana"),
    ("Олексій", "Oleksii", "Oleksiy", "Oleksij"),
    ("Федір", "Fedir"),
    ("Фёдор", "Fyodor", "Fedor", "Федор"),
    ("Степанович", "Stepanovych", "Stepanovich"),
    ("Ілля", "Илья", "Illia", "Ilya", "Ilja"),
    ("Братський", "Брацький", "Bratskyi"),
    ("Матвієнко", "Матвиенко", "Matviienko", "Matvienko", "Matviyenko"),
]


@pytest.mark.parametrize("group", SAME_LATIN_KEY, ids=lambda g: g[0])
def test_transliteration_variants_share_a_latin_key(group):
    keys = {spelling: to_latin_key(spelling) for spelling in group}
    assert len(set(keys.values())) == 1, keys


@pytest.mark.parametrize(
    "group",
    [
        ("Олександр", "Александр", "Oleksandr", "Aleksandr", "Alexander"),
        ("Євген", "Евгений", "Yevhen", "Evgeniy", "Yevgeniy"),
        ("Kovalov", "Kovalev"),
    ],
    ids=lambda g: g[0],
)
def test_related_spellings_have_close_latin_keys(group):
    keys = [to_latin_key(spelling) for spelling in group]
    for key in keys[1:]:
        assert fuzz.ratio(keys[0], key) >= 70, keys


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Шевченко", "wevqenko"),
        ("Хомич", "homiq"),
        ("Лисенко", "lisenko"),
        ("Ганна", "hana"),
        ("Петренко-Кравець", "petrenko kravec"),
        ("Кам'янка-Дніпровська", "kamianka dniprovska"),
        ("Alexander", "aleksander"),
        ("O'Brien", "obren"),
        ("Marco", "marko"),  # c before a/o/u or a consonant is k
        ("Victor", "viktor"),
        ("Kravec", "kravec"),  # c elsewhere is ц
        ("Cecilia", "cecilia"),
        ("  ", ""),
        ("123", ""),
    ],
)
def test_latin_key_examples(text, key):
    assert to_latin_key(text) == key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Шевченко", "Шевчук"),
        ("Жук", "Зук"),
        ("Шило", "Сило"),
        ("Цап", "Сап"),
        ("Чорний", "Шорний"),
        ("Лев", "Лео"),
        ("Олена", "Алена"),
        ("Іра", "Яра"),
    ],
)
def test_latin_key_keeps_real_differences(a, b):
    assert to_latin_key(a) != to_latin_key(b)


# ---------------------------------------------------------------------------------------------
# surname_key

SAME_SURNAME = [
    ("Лисенко", "Лысенко"),
    ("Лисенко", "Lysenko"),
    ("Лысенко", "Lissenko"),
    ("Шевченко", "Shevchenko"),
    ("Шевченко", "Schewtschenko"),
    ("Шевченко", "Ševčenko"),
    ("Ковальов", "Ковальова"),
    ("Ковальов", "Kovalyov"),
    ("Ковальов", "Kovalev"),
    ("Ковальова", "Kovaleva"),
    ("Ковальов", "Ковалёв"),
    ("Ковальов", "Kovalov"),
    ("Вишневський", "Вишневская"),
    ("Вишневський", "Vyshnevskyi"),
    ("Вишневська", "Vishnevskaya"),
    ("Вишневський", "Wiszniewski"),
    ("Вишневский", "Вишневской"),
    ("Хомич", "Khomych"),
    ("Хомич", "Homich"),
    ("Ткаченко", "Tkachenko"),
    ("Бондаренко", "Bondarenko"),
    ("Кравець", "Кравец"),
    ("Кравець", "Kravets"),
    ("Олійник", "Олейник"),
    ("Олійник", "Oliynyk"),
    ("Олійник", "Oleinik"),
    ("Корнійчук", "Корнейчук"),
    ("Мельник", "Melnyk"),
    ("Мельник", "Melnik"),
    ("Ковальчук", "Kovalchuk"),
    ("Ковальчук", "Kowalczuk"),
    ("Шевчук", "Szewczuk"),
    ("Ющенко", "Yushchenko"),
    ("Ющенко", "Juschtschenko"),
    ("Кузнецов", "Kuznetsov"),
    ("Кузнецова", "Кузнецов"),
    ("Иванов", "Ivanov"),
    ("Іванова", "Иванова"),
    ("Іванов", "Ivanova"),
    ("Петров", "Petrova"),
    ("Соловйов", "Соловьёв"),
    ("Соловйов", "Solovyov"),
    ("Соловйов", "Соловьева"),
    ("Гончаренко", "Honcharenko"),
    ("Гончаренко", "Goncharenko"),
    ("Гордієнко", "Гордиенко"),
    ("Гордієнко", "Hordiienko"),
    ("Андрієнко", "Andriyenko"),
    ("Зінченко", "Зинченко"),
    ("Зінченко", "Zinchenko"),
    ("Бойко", "Boyko"),
    ("Бойко", "Boiko"),
    ("Поліщук", "Полищук"),
    ("Поліщук", "Polishchuk"),
    ("Лук'яненко", "Лукьяненко"),
    ("Лук'яненко", "Lukianenko"),
    ("Григор'єв", "Григорьев"),
    ("Григор'єва", "Grigoryev"),
    ("Литвиненко", "Lytvynenko"),
    ("Литвиненко", "Litvinenko"),
    ("Павлюк", "Pavliuk"),
    ("Павлюк", "Pavlyuk"),
    ("Ільїн", "Ильин"),
    ("Ільїна", "Ilyin"),
    ("Пушкін", "Пушкина"),
    ("Гайдамацький", "Гайдамацкая"),
    ("Гайдамацький", "Haidamatskyi"),
    ("Белый", "Белая"),
    ("Толстой", "Толстая"),
    ("Кириленко", "Kyrylenko"),
    ("Кириленко", "Kirilenko"),
    ("Семенов", "Семёнова"),
    ("Семенов", "Semyonov"),
    ("Федоров", "Fyodorov"),
    ("Яковлев", "Yakovleva"),
    ("Жуков", "Zhukova"),
    ("Щербак", "Shcherbak"),
    ("Цибульський", "Tsybulskyi"),
    ("Цибульський", "Cybulski"),
    ("Гуменюк", "Humeniuk"),
    ("Гуменюк", "Gumenyuk"),
    ("Дяченко", "Diachenko"),
    ("Дяченко", "Dyachenko"),
    ("Юрченко", "Jurczenko"),
    ("Левченко", "Lewtschenko"),
    ("Ткачук", "Tkaczuk"),
    ("ПЕТРЕНКО-КРАВЕЦЬ", "Petrenko Kravets"),
    ("Матвієнко", "Матвиенко"),
]


@pytest.mark.parametrize(("a", "b"), SAME_SURNAME, ids=lambda s: s)
def test_surname_variants_share_a_key(a, b):
    assert surname_key(a) == surname_key(b), (surname_key(a), surname_key(b))


@pytest.mark.parametrize(("a", "b"), SAME_SURNAME, ids=lambda s: s)
def test_surname_variants_share_a_block(a, b):
    assert phonetic_block_key(a) == phonetic_block_key(b)


DIFFERENT_SURNAMES = [
    ("Коваленко", "Ковальчук"),
    ("Лисенко", "Лысак"),
    ("Бондар", "Бондаренко"),
    ("Мельник", "Мельниченко"),
    ("Коваль", "Ковальов"),
    ("Коваль", "Коваленко"),
    ("Шевченко", "Шевчук"),
    ("Іванов", "Іваненко"),
    ("Петров", "Петренко"),
    ("Кравець", "Кравченко"),
    ("Ткач", "Ткаченко"),
    ("Гончар", "Гончаренко"),
    ("Савченко", "Савчук"),
    ("Сидоренко", "Сидоров"),
    ("Мороз", "Морозов"),
    ("Попов", "Попович"),
    ("Павленко", "Павлюк"),
    ("Руденко", "Рудь"),
    ("Бойко", "Бойчук"),
    ("Кузнецов", "Кузьменко"),
    ("Марченко", "Марчук"),
    ("Олійник", "Олексієнко"),
    ("Гордієнко", "Гордійчук"),
    ("Козак", "Козаченко"),
    ("Швець", "Шевченко"),
    ("Кириленко", "Кирилюк"),
    ("Захаренко", "Захарченко"),
    ("Литвин", "Литвиненко"),
    ("Лисенко", "Лесенко"),
    ("Жук", "Жуков"),
]


@pytest.mark.parametrize(("a", "b"), DIFFERENT_SURNAMES, ids=lambda s: s)
def test_different_surnames_keep_different_keys(a, b):
    assert surname_key(a) != surname_key(b)


def test_surname_tables_are_big_enough():
    assert len(SAME_SURNAME) >= 60
    assert len(DIFFERENT_SURNAMES) >= 20


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Ковальова", "kovalov"),
        ("Вишневська", "viwnevsk"),
        ("Гайдамацька", "haidamack"),
        ("Ільїна", "ilin"),
        ("Коваленко", "kovalenko"),
        ("Лев", "lev"),  # too short to lose an ending
        ("", ""),
    ],
)
def test_surname_key_examples(text, key):
    assert surname_key(text) == key


@pytest.mark.parametrize(
    ("text", "block"),
    [
        ("Олійник", "alnk"),
        ("Олейник", "alnk"),
        ("Шевченко", "wvqn"),
        ("Ковальова", "kvlv"),
        ("Ли", "l"),
        ("", ""),
    ],
)
def test_phonetic_block_key_examples(text, block):
    assert phonetic_block_key(text) == block


# ---------------------------------------------------------------------------------------------
# given names (the per-row tests are in test_given_names.py)


@pytest.mark.parametrize(
    ("spellings", "key"),
    [
        (
            ("Олександр", "Александр", "Oleksandr", "Alexander", "Aleksandr", "Olexandr"),
            "oleksandr",
        ),
        (("Дмитро", "Дмитрий", "Dmytro", "Dmitriy", "Dmitry", "Діма", "Dima"), "dmytro"),
        (("Микола", "Николай", "Mykola", "Nikolay", "Коля"), "mykola"),
        (("Ганна", "Анна", "Hanna", "Anna", "Аня"), "hanna"),
        (("Наталія", "Наталья", "Наталя", "Nataliia", "Natalya", "Наташа"), "nataliia"),
        (("Дарина", "Дарья", "Дар'я", "Daria", "Даша"), "daria"),
        (("Олексiй", "Alexey", "Лёша", "Льоша"), "oleksii"),
        (("Юлія", "Julia", "Iuliia", "Юля"), "yuliia"),
        (("Петро", "Пётр", "Pyotr", "Petr"), "petro"),
    ],
    ids=lambda v: v if isinstance(v, str) else v[0],
)
def test_given_name_equivalents(spellings, key):
    for spelling in spellings:
        assert given_name_keys(spelling) == {key}, spelling


@pytest.mark.parametrize(
    ("spelling", "keys"),
    [
        ("Саша", {"oleksandr", "oleksandra"}),
        ("Sasha", {"oleksandr", "oleksandra"}),
        ("Женя", {"yevhen", "yevheniia"}),
        ("Валя", {"valentyn", "valentyna"}),
        ("Вітя", {"viktor", "vitalii"}),
        ("Стася", {"anastasiia", "stanislava"}),
    ],
)
def test_ambiguous_diminutives_return_every_name(spelling, keys):
    assert given_name_keys(spelling) == keys


def test_unknown_given_name_falls_back_to_its_latin_key():
    assert given_name_keys("Зорегляд") == {to_latin_key("Зорегляд")}
    assert given_name_keys("") == frozenset()


def test_compound_given_name_gives_both_names():
    assert given_name_keys("Анна-Марія") == {"hanna", "mariia"}


def test_given_name_sex():
    assert given_name_sex("oleksandr") == "m"
    assert given_name_sex("oleksandra") == "f"
    assert given_name_sex("nobody") is None


# ---------------------------------------------------------------------------------------------
# patronymics


@pytest.mark.parametrize(
    ("text", "father", "sex"),
    [
        ("Сергійович", "serhii", "m"),
        ("Сергеевич", "serhii", "m"),
        ("Serhiiovych", "serhii", "m"),
        ("Sergeevich", "serhii", "m"),
        ("Sergeyevich", "serhii", "m"),
        ("Сергіївна", "serhii", "f"),
        ("Сергеевна", "serhii", "f"),
        ("Олександрович", "oleksandr", "m"),
        ("Александровна", "oleksandr", "f"),
        ("Oleksandrivna", "oleksandr", "f"),
        ("Миколайович", "mykola", "m"),
        ("Николаевич", "mykola", "m"),
        ("Миколаївна", "mykola", "f"),
        ("Николаевна", "mykola", "f"),
        ("Андрійович", "andrii", "m"),
        ("Андреевна", "andrii", "f"),
        ("Андріївна", "andrii", "f"),
        ("Олексійович", "oleksii", "m"),
        ("Алексеевич", "oleksii", "m"),
        ("Дмитрович", "dmytro", "m"),
        ("Дмитриевна", "dmytro", "f"),
        ("Павлович", "pavlo", "m"),
        ("Павлівна", "pavlo", "f"),
        ("Петрович", "petro", "m"),
        ("Михайлович", "mykhailo", "m"),
        ("Васильович", "vasyl", "m"),
        ("Васильевна", "vasyl", "f"),
        ("Юрійович", "yurii", "m"),
        ("Юрьевич", "yurii", "m"),
        ("Ігорович", "ihor", "m"),
        ("Игоревна", "ihor", "f"),
        ("Євгенович", "yevhen", "m"),
        ("Евгеньевич", "yevhen", "m"),
        ("Федорович", "fedir", "m"),
        ("Ілліч", "illia", "m"),
        ("Ильич", "illia", "m"),
        ("Ильинична", "illia", "f"),
        ("Іллівна", "illia", "f"),
        ("Кузьмич", "kuzma", "m"),
        ("Никитична", "mykyta", "f"),
        ("Львович", "lev", "m"),
        ("Яковлевич", "yakiv", "m"),
        ("Якович", "yakiv", "m"),
        ("Віталійович", "vitalii", "m"),
        ("Георгійович", "heorhii", "m"),
        ("Тимофійович", "tymofii", "m"),
        ("Ivanovna", "ivan", "f"),
        ("Ivanivna", "ivan", "f"),
    ],
)
def test_patronymic_parts(text, father, sex):
    assert patronymic_parts(text) == (father, sex)
    assert patronymic_key(text) == father


def test_patronymic_of_unknown_father_keeps_the_stem():
    assert patronymic_parts("Зореглядович") == ("zorehliad", "m")


def test_not_a_patronymic():
    assert patronymic_parts("Олена") == ("olena", None)


def test_extending_given_names_changes_the_version() -> None:
    # Callers that cache keys derived from given names (app.matching.entities) rely on it.
    from app.names.given import extend_given_names, given_names_version

    before = given_names_version()
    extend_given_names([])
    assert given_names_version() == before + 1


@pytest.mark.parametrize(("uk", "ru"), [("Салій", "Салей"), ("Гордій", "Гордей")])
def test_final_ukrainian_ii_meets_russian_ei(uk: str, ru: str) -> None:
    # Found by the matching benchmark: only "-ій-" inside a word met "-ей-" before.
    assert surname_key(uk) == surname_key(ru)
