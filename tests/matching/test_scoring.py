"""Scoring: the issue's examples, families and namesakes, date tolerance, weights, explanations."""

import json
from collections import Counter
from datetime import date

import pytest

from app.matching.entities import MatchEntity, prepare
from app.matching.explain import Cap, Code, Flag, Note
from app.matching.scoring import LIKELY, POSSIBLE, Frequencies, band, compare
from app.names.given import given_name_keys
from app.names.surnames import surname_key

CASE = MatchEntity(
    key=("case", 1),
    family_name="Лисенко",
    given_name="Олександр",
    patronymic="Сергійович",
    sex="male",
    dob_year=2014,
    dob_month=3,
    dob_day=12,
    places=("Олешки",),
)
RUSSIAN = MatchEntity(
    key=("record", 1),
    family_name="ЛЫСЕНКО",
    given_name="Александр",
    patronymic="Сергеевич",
    dob_year=2014,
    dob_month=3,
    dob_day=12,
    places=("Алешки Херсонская обл.",),
)
LATIN = MatchEntity(
    key=("record", 2),
    family_name="LYSENKO",
    given_name="Oleksandr",
    dob_year=2014,
    places=("Oleshky",),
)


def entity(key: object = ("record", 9), **changes: object) -> MatchEntity:
    """The case child as another source wrote them, with ``changes``."""
    fields = {
        "family_name": CASE.family_name,
        "given_name": CASE.given_name,
        "patronymic": CASE.patronymic,
        "sex": CASE.sex,
        "dob_year": CASE.dob_year,
        "dob_month": CASE.dob_month,
        "dob_day": CASE.dob_day,
        "places": CASE.places,
    }
    fields.update(changes)
    return MatchEntity(key=key, **fields)  # type: ignore[arg-type]


def score(a: MatchEntity, b: MatchEntity, freq: Frequencies | None = None) -> float:
    return compare(prepare(a), prepare(b), freq or Frequencies()).score


@pytest.mark.parametrize("record", [RUSSIAN, LATIN], ids=["russian", "latin"])
def test_the_issue_example_is_likely(record: MatchEntity) -> None:
    match = compare(prepare(CASE), prepare(record))
    assert match.likely
    assert match.band == "likely"
    assert not match.capped


def test_explanation_reads_as_the_issue_asks() -> None:
    explanation = compare(prepare(CASE), prepare(RUSSIAN)).explanation()
    notes = {f["field"]: f["note"] for f in explanation["fields"]}
    assert notes["family_name"] == {
        "code": "russian_spelling_of_ukrainian",
        "left": "ЛЫСЕНКО",
        "right": "Лисенко",
        "sign": "≈",
    }
    assert (
        notes["given_name"]
        == Note(Code.RUSSIAN_FORM_OF_UKRAINIAN, "Александр", "Олександр", "=").as_dict()
    )
    assert notes["patronymic"]["code"] == Code.SAME_FATHER
    assert notes["patronymic"]["params"] == {"father": "serhii"}
    assert (
        notes["date_of_birth"]
        == Note(Code.SAME_DATE_OF_BIRTH, "2014-03-12", "2014-03-12", "/").as_dict()
    )
    assert notes["place"]["code"] == Code.UKRAINIAN_AND_RUSSIAN_PLACE_NAMES
    assert notes["place"]["params"] == {"place": "Олешки"}
    assert json.loads(json.dumps(explanation)) == explanation


def test_explanation_has_every_compared_field_with_its_bits() -> None:
    explanation = compare(prepare(CASE), prepare(LATIN)).explanation()
    assert set(explanation) >= {"score", "bits", "capped", "fields"}
    fields = {f["field"]: f for f in explanation["fields"]}
    assert set(fields) == {"family_name", "given_name", "date_of_birth", "sex", "place"}
    assert (
        fields["family_name"]["note"]
        == Note(Code.TRANSLITERATION, "LYSENKO", "Лисенко", "=").as_dict()
    )
    assert fields["date_of_birth"]["level"] == "year"
    for item in explanation["fields"]:
        assert set(item) == {"field", "a", "b", "level", "note", "bits"}
        assert item["note"]["code"] in set(Code)
    assert explanation["bits"] == pytest.approx(sum(f["bits"] for f in fields.values()), abs=0.1)


def test_sibling_twin_and_namesake_are_never_likely_and_clearly_lower() -> None:
    true = score(CASE, entity())
    sibling = entity(given_name="Дмитро", dob_year=2011, dob_month=7, dob_day=2)
    twin = entity(given_name="Дмитро")
    sister = entity(given_name="Олександра", sex="female", patronymic="Сергіївна")
    namesake = entity(patronymic="Іванович", dob_year=2012, dob_month=5, dob_day=30, places=())
    for other, cap in (
        (sibling, Cap.SIBLINGS),
        (twin, Cap.SIBLINGS),
        (sister, Cap.SIBLINGS),
        (namesake, Cap.NAMESAKES),
    ):
        match = compare(prepare(CASE), prepare(other))
        assert not match.likely, other
        assert match.capped == cap, other
        assert match.explanation()["capped"] == cap.value
        assert true - match.score > 0.3, other


def test_day_and_month_swapped_stays_likely() -> None:
    match = compare(prepare(CASE), prepare(entity(dob_month=12, dob_day=3)))
    assert match.likely
    assert {f["field"]: f["level"] for f in match.explanation()["fields"]}[
        "date_of_birth"
    ] == "swapped"


def test_year_off_by_one_stays_likely() -> None:
    match = compare(prepare(CASE), prepare(entity(dob_year=2015)))
    assert match.likely
    assert match.explanation()["fields"][3]["note"]["code"] == Code.YEAR_OFF_BY_ONE


def test_adoption_surname_found_through_an_alias() -> None:
    adopted = entity(family_name="Коваленко", patronymic="")
    without = compare(prepare(CASE), prepare(adopted))
    aliased = MatchEntity(**{**_fields(CASE), "aliases": (("Коваленко", "", ""),)})
    with_alias = compare(prepare(aliased), prepare(adopted))
    assert with_alias.likely
    assert with_alias.score > without.score
    note = with_alias.explanation()["fields"][0]["note"]
    assert note == {
        "code": "same_spelling",
        "left": "Коваленко",
        "right": "Коваленко",
        "sign": "=",
        "flags": [Flag.ALIAS.value],
    }


def _fields(e: MatchEntity) -> dict:
    return {name: getattr(e, name) for name in MatchEntity.__slots__}


def test_rare_name_weighs_more_than_a_common_one() -> None:
    freq = Frequencies(total=1000)
    freq.surnames.update({surname_key("Коваленко"): 60, surname_key("Шевчишин"): 1})
    freq.given.update({"oleksandr": 80, next(iter(given_name_keys("Ярема"))): 1})
    common = MatchEntity(("case", 1), family_name="Коваленко", given_name="Олександр")
    rare = MatchEntity(("case", 2), family_name="Шевчишин", given_name="Ярема")

    def bits(e: MatchEntity) -> dict[str, float]:
        other = MatchEntity(("record", 1), family_name=e.family_name, given_name=e.given_name)
        fields = compare(prepare(e), prepare(other), freq).explanation()["fields"]
        return {f["field"]: f["bits"] for f in fields}

    assert bits(rare)["family_name"] > bits(common)["family_name"] + 4
    assert bits(rare)["given_name"] > bits(common)["given_name"] + 4


def test_an_age_is_stored_as_a_value_not_a_sentence() -> None:
    aged = MatchEntity(
        ("record", 3), family_name="Лисенко", given_name="Олександр", age=7, age_on=date(2021, 5, 1)
    )
    fields = {f["field"]: f for f in compare(prepare(CASE), prepare(aged)).explanation()["fields"]}
    dob = fields["date_of_birth"]
    assert (dob["a"], dob["b"]) == ("2014-03-12", {"age": 7, "on": "2021-05-01"})
    assert dob["note"] == Note(Code.AGE_FITS_YEAR, dob["b"], dob["a"], "/").as_dict()


@pytest.mark.parametrize(
    ("x", "y", "code"),
    [
        ("вул. Шевченка 5", "вул. Шевченка 5", Code.SAME_VALUE),
        ("вул. Шевченка 5", "вул. Шевченка 6", Code.CLOSE_VALUES),
        ("вул. Шевченка 5", "пров. Зелений 12", Code.DIFFERENT_VALUES),
    ],
)
def test_further_fields_have_codes_of_their_own(x: str, y: str, code: Code) -> None:
    a, b = entity(("case", 2), extra={"street": x}), entity(extra={"street": y})
    fields = {f["field"]: f for f in compare(prepare(a), prepare(b)).explanation()["fields"]}
    street = fields["street"]
    assert street["note"] == Note(code, street["b"], street["a"], street["note"]["sign"]).as_dict()


def test_partial_swap_of_names_still_scores() -> None:
    swapped = entity(family_name="Олександр", given_name="Лисенко")
    match = compare(prepare(CASE), prepare(swapped))
    assert match.likely
    assert match.explanation()["fields"][0]["note"]["code"] == Code.NAMES_SWAPPED


def test_band_thresholds() -> None:
    assert band(LIKELY) == "likely"
    assert band(POSSIBLE) == "possible"
    assert band(POSSIBLE - 0.01) is None
    assert 0 < POSSIBLE < LIKELY < 1


def test_frequencies_round_trip_through_json() -> None:
    freq = Frequencies()
    for record in (RUSSIAN, LATIN, CASE):
        freq.add(prepare(record))
    freq.extras["postcode"] = Counter({"2600": 3})
    again = Frequencies.from_dict(json.loads(json.dumps(freq.to_dict())))
    assert again == freq
    assert again.total == 3
    assert again.surnames["lisenko"] == 3


def test_scores_below_the_likely_band_are_recalibrated_and_the_band_is_not():
    import math

    from app.matching.scoring import (
        CALIBRATION_RAMP,
        CALIBRATION_SHIFT,
        CAP_SCORE,
        calibrated_log_odds,
        to_score,
    )

    threshold = math.log2(LIKELY / (1 - LIKELY))
    # The likely band keeps Fellegi–Sunter's probabilities exactly.
    for log_odds in (threshold, threshold + 0.5, 20.0):
        assert calibrated_log_odds(log_odds) == log_odds
    assert to_score(threshold + 3, 0.0) == 1 / (1 + 2 ** -(threshold + 3))
    # Below it, lowered by the full shift once past the ramp, and continuously towards it.
    assert calibrated_log_odds(-1.0) == -1.0 - CALIBRATION_SHIFT
    just_below = threshold - CALIBRATION_RAMP / 10
    assert calibrated_log_odds(just_below) == pytest.approx(just_below - CALIBRATION_SHIFT / 10)
    # Monotonic: a pair with more evidence never scores lower.
    grid = [threshold - 8 + i / 16 for i in range(160)]
    mapped = [calibrated_log_odds(z) for z in grid]
    assert mapped == sorted(mapped)
    # What the benchmark measured: a pair Fellegi–Sunter puts at 0.35 is about one in ten.
    raw = math.log2(0.35 / 0.65)
    assert 0.05 < to_score(raw, 0.0) < 0.15
    # A capped pair is held at the cap, then recalibrated: it shows below the cap.
    assert 0.1 < to_score(20.0, 0.0, capped=True) < CAP_SCORE


def test_a_place_the_gazetteer_does_not_know_agrees_by_its_name_and_how_rare_it_is() -> None:
    home = entity(("case", 5), places=("Winston Hills",))
    same = entity(places=("WINSTON HILLS",))
    typo = entity(places=("Winstom Hills",))
    elsewhere = entity(places=("Blackheath",))

    def place(other: MatchEntity, freq: Frequencies | None = None) -> dict:
        found = compare(prepare(home), prepare(other), freq or Frequencies()).explanation()
        return next(f for f in found["fields"] if f["field"] == "place")

    agreed = place(same)
    assert agreed["level"] == "same" and agreed["note"]["code"] == Code.SAME_NAME.value
    assert place(typo)["level"] == "close"
    assert place(elsewhere)["level"] == "different"
    # Counted like any place: a suburb every other record names is worth less than a rare one.
    common = Frequencies.count([prepare(same)] * 150 + [prepare(elsewhere)] * 150)
    rare = Frequencies.count([prepare(same)] * 3 + [prepare(elsewhere)] * 297)
    assert place(same, common)["bits"] < place(same, rare)["bits"]


def test_a_region_that_names_no_oblast_is_compared_as_a_plain_value() -> None:
    home = prepare(entity(("case", 5), places=("Winston Hills",), region="NSW"))
    assert home.extra == {"region": "nsw"}
    assert prepare(entity(region="Херсонська область")).extra == {}  # an oblast: the place
    same = compare(home, prepare(entity(places=("Winston Hills",), region="nsw")))
    other = compare(home, prepare(entity(places=("Winston Hills",), region="vic")))
    fields = {f["field"]: f for f in same.explanation()["fields"]}
    assert fields["region"]["level"] == "same"
    assert same.bits > other.bits
