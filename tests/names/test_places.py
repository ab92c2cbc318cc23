"""Tests of the gazetteer data/places.csv and of place_key on free text."""

import csv
from collections import Counter
from pathlib import Path

import pytest

from app.names.places import oblast_key, place_candidates, place_key, place_region, places

CSV_PATH = Path(__file__).resolve().parents[2] / "app" / "names" / "data" / "places.csv"
PLACES = places()
OBLASTS = {"donetsk", "luhansk", "zaporizhzhia", "kherson", "kharkiv", "mykolaiv", "crimea"}
OBLAST_LABELS = {
    "donetsk": "Donetska oblast",
    "luhansk": "Луганська обл.",
    "zaporizhzhia": "Запорожская область",
    "kherson": "Khersonska oblast",
    "kharkiv": "Харківська область",
    "mykolaiv": "Николаевская обл.",
    "crimea": "АР Крим",
}


def test_csv_columns():
    with CSV_PATH.open(encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh)) == ["key", "oblast", "uk", "ru", "en", "former"]


def test_gazetteer_covers_the_affected_regions():
    counts = Counter(place.oblast for place in PLACES)
    assert set(counts) == OBLASTS
    assert len(PLACES) >= 150
    for oblast in OBLASTS:
        assert counts[oblast] >= 15, oblast


@pytest.mark.parametrize(
    "key",
    [
        "donetsk",
        "luhansk",
        "zaporizhzhia",
        "kherson",
        "kharkiv",
        "mykolaiv",
        "simferopol",
        "sevastopol",
        "mariupol",
        "bakhmut",
        "oleshky",
        "horlivka",
        "pokrovsk",
        "nova-kakhovka",
    ],
)
def test_centres_and_named_cities_are_present(key):
    assert place_region(key) is not None


@pytest.mark.parametrize("place", PLACES, ids=lambda place: place.key)
def test_every_name_of_a_row_finds_the_row(place):
    label = OBLAST_LABELS[place.oblast]
    for name in (place.uk, place.ru, place.en):
        assert place_key(name) in (place.key, None), name
        assert place.key in place_candidates(name), name
        if place_key(name) is None:  # only a name shared by two places may stay open
            assert len(place_candidates(name)) > 1, name
        assert place_key(f"{name}, {label}") == place.key, name
    for name in place.former:
        assert place.key in place_candidates(name), name
        assert place_key(f"{label}, {name}") == place.key, name


@pytest.mark.parametrize("place", PLACES, ids=lambda place: place.key)
def test_place_region(place):
    assert place_region(place.key) == place.oblast


def test_unknown_key_has_no_region():
    assert place_region("atlantis") is None


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Алешки Херсонская обл.", "oleshky"),
        ("м. Олешки", "oleshky"),
        ("с. Нова Каховка", "nova-kakhovka"),
        ("Oleshky, Khersonska oblast", "oleshky"),
        ("г. Артемовск", "bakhmut"),
        ("Артемівськ", "bakhmut"),
        ("Artemivsk", "bakhmut"),
        ("Бахмут", "bakhmut"),
        ("Цюрупинськ", "oleshky"),
        ("Tsiurupynsk", "oleshky"),
        ("Алешки (Цюрупинск)", "oleshky"),
        ("Маріуполь", "mariupol"),
        ("Мариуполь", "mariupol"),
        ("Mariupol, Donetsk region", "mariupol"),
        ("Горлівка", "horlivka"),
        ("Горловка", "horlivka"),
        ("Покровськ", "pokrovsk"),
        ("Красноармейск", "pokrovsk"),
        ("г. Красноармейск, Донецкая обл.", "pokrovsk"),
        ("Новая Каховка", "nova-kakhovka"),
        ("NOVA KAKHOVKA", "nova-kakhovka"),
        ("смт Чаплинка", "chaplynka"),
        ("пгт. Чаплинка", "chaplynka"),
        ("Херсонська обл., Скадовський р-н, с. Лазурне", "lazurne"),
        ("Kherson Oblast, Oleshky", "oleshky"),
        ("Херсонська область, Херсон", "kherson"),
        ("Kherson", "kherson"),
        ("Запоріжжя", "zaporizhzhia"),
        ("Запорожье", "zaporizhzhia"),
        ("Zaporozhye", "zaporizhzhia"),
        ("Харьков", "kharkiv"),
        ("Kharkov", "kharkiv"),
        ("Николаев", "mykolaiv"),
        ("Nikolayev", "mykolaiv"),
        ("Кам’янка – Дніпровська", "kamianka-dniprovska"),
        ("Каменка-Днепровская", "kamianka-dniprovska"),
        ("Станиця Луганська", "stanytsia-luhanska"),
        ("Станица Луганская, Луганская обл.", "stanytsia-luhanska"),
        ("Старый Крым", "staryi-krym"),
        ("Ялта, АР Крим", "yalta"),
        ("Республика Крым, г. Симферополь", "simferopol"),
        ("Севастополь", "sevastopol"),
        ("Стаханов", "kadiivka"),
        ("Краснодон ЛНР", "sorokyne"),
        ("Торез", "chystiakove"),
        ("Первомайск Луганская обл.", "pervomaisk-luhansk"),
        ("Первомайськ, Миколаївська область", "pervomaisk-mykolaiv"),
        ("Кировское, Донецкая обл.", "khrestivka"),
        ("Кировское", "kirovske-crimea"),  # a current name beats another place's former name
        ("вул. Шевченка 5, м. Ізюм, Харківська обл., 64300", "izium"),
        ("Украина, Донецк", "donetsk"),
    ],
)
def test_place_key_on_free_text(text, key):
    assert place_key(text) == key


@pytest.mark.parametrize(
    "text", ["", "   ", "Херсонська область", "Київ", "Ukraine", "с.", "Первомайськ"]
)
def test_place_key_returns_none_when_no_single_place(text):
    assert place_key(text) is None


def test_ambiguous_name_lists_every_candidate():
    assert set(place_candidates("Первомайськ")) == {"pervomaisk-luhansk", "pervomaisk-mykolaiv"}


@pytest.mark.parametrize(
    ("text", "oblast"),
    [
        ("Алешки Херсонская обл.", "kherson"),
        ("Херсонської області", "kherson"),
        ("Donetsk Oblast", "donetsk"),
        ("ДНР", "donetsk"),
        ("Запорізька обл.", "zaporizhzhia"),
        ("Крым", "crimea"),
        ("Мелітополь", "zaporizhzhia"),
        ("Київ", None),
    ],
)
def test_oblast_key(text, oblast):
    assert oblast_key(text) == oblast
