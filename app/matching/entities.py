"""What the matching engine compares: plain records and their normalised features.

A :class:`MatchEntity` is one person as written in one place (a case, a partner record), with no
Flask and no database, so blocking and scoring are pure and fast to test. :func:`prepare` turns
it into :class:`Features`, every key that blocking and scoring need, computed once through the
one normaliser (``app.names``) and the one date module (``app.dates``).

The adapters :func:`from_case` and :func:`from_record` read a ``Case`` or a ``PartnerRecord``
by attribute (duck typing), so this module imports no model.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from sys import intern
from typing import Any

from app.dates import age_to_birth_year_range
from app.names.given import given_name_keys, given_name_sex, given_names_version, patronymic_parts
from app.names.places import oblast_key, place_candidates, place_region
from app.names.surnames import phonetic_block_key, surname_key
from app.names.text import fold, to_latin_key
from app.records.fields import RECORD_FIELDS

__all__ = [
    "DOCUMENT_NUMBER",
    "RECORD_ROW",
    "Features",
    "MatchEntity",
    "from_case",
    "from_record",
    "from_record_row",
    "place_text_keys",
    "prepare",
    "prepare_row",
    "trim_caches",
    "unknown_place_keys",
]

_SEX = {"male": "m", "female": "f", "m": "m", "f": "f"}


@dataclass(slots=True)
class MatchEntity:
    """One person as one source wrote them down. Empty strings and None mean "not known"."""

    key: Hashable
    family_name: str = ""
    given_name: str = ""
    patronymic: str = ""
    family_name_latin: str = ""
    given_name_latin: str = ""
    # Other names: (family, given, patronymic) of aliases (spellings, diminutives, adoption).
    aliases: tuple[tuple[str, str, str], ...] = ()
    sex: str | None = None  # "male"/"female"/"m"/"f"; anything else is unknown
    dob_year: int | None = None
    dob_month: int | None = None
    dob_day: int | None = None
    age: int | None = None
    age_on: date | None = None
    # Places this person is tied to (birth, origin, last seen); compared as a set.
    places: tuple[str, ...] = ()
    region: str = ""
    # Further fields: an identity document number, a street address, a postcode (and a
    # benchmark's own), compared as plain strings; a document number by its edits.
    extra: dict[str, str] = field(default_factory=dict)
    # The list it came from (a partner source's id): each source is scored with the m learnt
    # from its own pairs (app.matching.learning). None: a case, or a source not told apart.
    source: Hashable = None


@dataclass(slots=True)
class Features:
    """Normalised keys of one entity (see :func:`prepare`)."""

    entity: MatchEntity
    surnames: frozenset[str]  # surname_key of every family-name spelling
    surname_latin: tuple[str, ...]  # to_latin_key of the same, for fuzzy comparison
    surname_blocks: frozenset[str]  # phonetic_block_key of the same
    given: frozenset[str]  # canonical given-name keys
    given_latin: tuple[str, ...]
    # The same read across: keys of the family name as a given name and vice versa, for
    # records that put the names in the wrong columns.
    given_from_family: frozenset[str]
    surnames_from_given: frozenset[str]
    blocks_from_given: frozenset[str]
    patronymic: str  # father's canonical key, "" if none
    sex: str | None
    years: tuple[int, int] | None  # possible birth years, from the date or from an age
    place_keys: frozenset[str]
    oblasts: frozenset[str]
    place_latin: tuple[str, ...]  # places not in the gazetteer, as Latin skeletons
    extra: dict[str, str]


def _nonempty(values: Iterable[str]) -> list[str]:
    return [v for v in (v.strip() for v in values if v) if v]


def _texts(
    text: str, latin: str, aliases: tuple[tuple[str, str, str], ...], column: int
) -> tuple[str, ...]:
    """The non-empty spellings of one name: as written, in Latin, in each alias."""
    if not aliases and not latin:
        text = text.strip()
        return (text,) if text else ()  # most records: one spelling, no tuple building
    return tuple(_nonempty((text, latin, *(alias[column] for alias in aliases))))


def _given_keys(texts: Iterable[str]) -> frozenset[str]:
    keys: set[str] = set()
    for text in texts:
        # "Олександр Іванович" in a given-name column: the first word is the given name.
        words = text.split()
        keys |= given_name_keys(text) if len(words) < 2 else given_name_keys(words[0])
        if len(words) > 1:
            keys |= given_name_keys("".join(words))  # "Олек сандр": a space typed inside
    return frozenset(k for k in keys if k)


def _surname_keys(texts: Iterable[str]) -> frozenset[str]:
    keys = {surname_key(t) for t in texts}
    # A space typed inside a name ("Кова ленко", FEBRL's "pai nter") is the name: the words
    # joined are a key too. A double surname keeps its own key, and its joined one is met
    # only by the same double surname written without the space.
    keys.update(surname_key("".join(t.split())) for t in texts if " " in t.strip())
    return frozenset(k for k in keys if k)


_CACHE = 1 << 17


# Name and place keys are cached on the texts themselves: a million partner records hold far
# fewer distinct spellings, and these are most of the work of prepare(). Admins extend the
# given-name table at run time, so given-name keys are cached with the table's version.
@lru_cache(maxsize=_CACHE)
def _family_part(
    families: tuple[str, ...],
) -> tuple[frozenset[str], tuple[str, ...], frozenset[str]]:
    """surnames, surname_latin and surname_blocks of the family-name texts."""
    return (
        _surname_keys(families),
        tuple(dict.fromkeys(to_latin_key(t) for t in families)),
        frozenset(b for b in (phonetic_block_key(t) for t in families) if b),
    )


@lru_cache(maxsize=_CACHE)
def _given_part(
    givens: tuple[str, ...], version: int
) -> tuple[frozenset[str], tuple[str, ...], frozenset[str], frozenset[str], str | None]:
    """given, given_latin, surnames_from_given, blocks_from_given and the sex the given names
    imply (None if none or both); ``version`` is the given-name table's."""
    given = _given_keys(givens)
    sexes = {given_name_sex(k) for k in given} - {None}
    return (
        given,
        tuple(dict.fromkeys(to_latin_key(t.split()[0]) for t in givens)),
        _surname_keys(givens[:1]),
        frozenset(b for b in (phonetic_block_key(t) for t in givens[:1]) if b),
        sexes.pop() if len(sexes) == 1 else None,
    )


@lru_cache(maxsize=_CACHE)
def _given_from_family(family: str, version: int) -> frozenset[str]:
    """Given-name keys of the family name, for records with the names in the wrong columns."""
    return _given_keys((family,)) if family else frozenset()


UNKNOWN_PLACE = "~"  # marks the key of a place outside the gazetteer: its Latin skeleton


def unknown_place_keys(skeleton: str) -> tuple[str, ...]:
    """The place keys of a settlement the gazetteer does not know, from its Latin skeleton:
    the skeleton, and its words joined ("kings cross", "kingscross" and "kin gscross" meet)."""
    joined = skeleton.replace(" ", "")
    return (
        (UNKNOWN_PLACE + skeleton, UNKNOWN_PLACE + joined)
        if joined != skeleton
        else (UNKNOWN_PLACE + skeleton,)
    )


@lru_cache(maxsize=_CACHE)
def _place_part(
    places: tuple[str, ...], region: str
) -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """place_keys, oblasts and place_latin of the place texts and the region."""
    place_keys: set[str] = set()
    oblasts: set[str] = set()
    place_latin: list[str] = []
    for text in _nonempty(places):
        # "Первомайськ" is two towns: both are kept, so that either side's spelling meets it.
        keys = place_candidates(text)
        if keys:
            place_keys.update(keys)
            if len(keys) == 1:
                found = place_region(keys[0])
                if found:
                    oblasts.add(found)
        else:
            found = oblast_key(text)
            if found:
                oblasts.add(found)
            skeleton = to_latin_key(text)
            if skeleton:
                place_latin.append(skeleton)
                # The same name of a place the gazetteer does not know (a foreign suburb, a
                # hamlet) agrees as "same", weighed by how common it is, not only as "close".
                place_keys.update(unknown_place_keys(skeleton))
    if region.strip():
        found = oblast_key(region)
        if found:
            oblasts.add(found)
    return frozenset(place_keys), frozenset(oblasts), tuple(place_latin)


def place_text_keys(text: str) -> frozenset[str]:
    """The place keys one place text gives, as :func:`prepare` files them (an explanation
    finds with it which of a person's places met the other's)."""
    return _place_part((text,), "")[0]


@lru_cache(maxsize=1024)
def _year(year: int) -> tuple[int, int]:
    """The birth years of a known year: one tuple per year for every entity born in it."""
    return (year, year)


def prepare(entity: MatchEntity) -> Features:
    """Compute every key blocking and scoring use; each normaliser call is cached."""
    version = given_names_version()
    families = _texts(entity.family_name, entity.family_name_latin, entity.aliases, 0)
    givens = _texts(entity.given_name, entity.given_name_latin, entity.aliases, 1)
    surnames, surname_latin, surname_blocks = _family_part(families)
    given_from_family = _given_from_family(families[0] if families else "", version)
    given, given_latin, surnames_from_given, blocks_from_given, given_sex = _given_part(
        givens, version
    )
    patronymic_key, patronymic_sex = (
        patronymic_parts(entity.patronymic) if entity.patronymic.strip() else ("", None)
    )
    sex = _SEX.get((entity.sex or "").strip().lower())
    if sex is None:
        sex = given_sex or patronymic_sex
    years: tuple[int, int] | None = None
    if entity.dob_year is not None:
        years = _year(entity.dob_year)
    elif entity.age is not None and entity.age_on is not None and 0 <= entity.age <= 120:
        years = age_to_birth_year_range(entity.age, entity.age_on)
    place_keys, oblasts, place_latin = _place_part(tuple(entity.places), entity.region)
    return Features(
        entity=entity,
        surnames=surnames,
        surname_latin=surname_latin,
        surname_blocks=surname_blocks,
        given=given,
        given_latin=given_latin,
        given_from_family=given_from_family,
        surnames_from_given=surnames_from_given,
        blocks_from_given=blocks_from_given,
        patronymic=patronymic_key,
        sex=sex,
        years=years,
        place_keys=place_keys,
        oblasts=oblasts,
        place_latin=place_latin,
        extra=_extra(entity),
    )


# The further fields a case and a partner record carry (the import's fields of the same names).
DOCUMENT_NUMBER = "document_number"
_COMPARED_EXTRA = (DOCUMENT_NUMBER, "street_address", "postcode")

# Cyrillic letters typed for the Latin ones they look like (a passport series "КА" or "KA"),
# as a document number is read by eye and retyped on the other keyboard.
_LOOK_ALIKE = str.maketrans("авекмнорстухі", "abekmhopctyxi")


def document_key(text: str) -> str:
    """A document number as compared: letters and digits only, case and look-alike letters
    folded ("КА 123-456", "ka123456" and "№ KA123456" are one number)."""
    folded = fold(text.replace("№", " ")).translate(_LOOK_ALIKE)
    return "".join(c for c in folded if c.isalnum())


def _extra_value(name: str, value: str) -> str:
    if name == DOCUMENT_NUMBER:
        return document_key(value)
    if name == "postcode":
        return "".join(fold(value).split())
    return fold(value)


def _extra(entity: MatchEntity) -> dict[str, str]:
    """The further fields, and a region that names no oblast (a foreign state or province):
    compared as a plain value, as the place is compared when the gazetteer does not know it."""
    extra = {
        k: value
        for k, v in entity.extra.items()
        if v and v.strip() and (value := _extra_value(k, v))
    }
    region = entity.region.strip()
    if region and "region" not in extra and oblast_key(region) is None:
        extra["region"] = fold(region)
    return extra or _NO_EXTRA


def _text(obj: Any, name: str) -> str:
    value = getattr(obj, name, "")
    return value if isinstance(value, str) else ""


def from_case(case: Any, key: Hashable | None = None) -> MatchEntity:
    """A ``Case`` (with its aliases) as a :class:`MatchEntity` keyed ``("case", id)``."""
    return MatchEntity(
        key=key if key is not None else ("case", case.id),
        family_name=_text(case, "family_name"),
        given_name=_text(case, "given_name"),
        patronymic=_text(case, "patronymic"),
        family_name_latin=_text(case, "family_name_latin"),
        given_name_latin=_text(case, "given_name_latin"),
        aliases=tuple(
            (a.family_name, a.given_name, a.patronymic) for a in getattr(case, "aliases", ())
        ),
        sex=_text(case, "sex"),
        dob_year=case.dob_year,
        dob_month=case.dob_month,
        dob_day=case.dob_day,
        age=getattr(case, "estimated_age", None),
        age_on=getattr(case, "age_estimated_on", None),
        places=tuple(_nonempty([_text(case, "place_of_birth"), _text(case, "last_known_place")])),
        region=_text(case, "region"),
        extra={name: _text(case, name) for name in _COMPARED_EXTRA if _text(case, name)},
    )


def from_record(record: Any, key: Hashable | None = None) -> MatchEntity:
    """A ``PartnerRecord`` (or a row with the same attribute names) keyed ``("record", id)``."""
    entity = from_record_row(tuple(getattr(record, name, None) for name in RECORD_ROW))
    if key is not None:
        entity.key = key
    return entity


# The partner-record columns :func:`from_record_row` reads, in this order: the id and the
# fields that tell who a person is. Where they are now (a location, an institution) does not;
# the parents' names are not compared yet.
_NOT_COMPARED = frozenset({"current_location", "institution", "mother_name", "father_name"})
RECORD_ROW = ("id", *(name for name in RECORD_FIELDS if name not in _NOT_COMPARED))


def from_record_row(row: tuple[Any, ...]) -> MatchEntity:
    """:func:`from_record` for a row of :data:`RECORD_ROW` values. A full run streams a
    million rows; reading them by position instead of by attribute saves a fifth of it.

    The texts are interned: a million rows hold a few thousand distinct names and places, and
    a run keeps the entities of every blocked record (a third of them) until it has scored
    them: one copy of "Коваленко" instead of thousands. An interned text also keeps its hash,
    which the caches of :func:`prepare` would otherwise compute again for every row. The
    further fields (a document number, an address) are nearly unique, so they are not."""
    rid, family, given, patronymic, sex, year, month, day, age, age_on, born, origin = row[:12]
    region, *further = row[12:]  # document_number, street_address, postcode
    born = intern(born.strip()) if born else ""
    origin = intern(origin.strip()) if origin else ""
    extra = {name: value for name, value in zip(_COMPARED_EXTRA, further, strict=True) if value}
    return MatchEntity(
        key=("record", rid),
        family_name=intern(family) if family else "",
        given_name=intern(given) if given else "",
        patronymic=intern(patronymic) if patronymic else "",
        sex=intern(sex) if sex else "",
        dob_year=year,
        dob_month=month,
        dob_day=day,
        age=age,
        age_on=age_on,
        places=_places(born, origin),
        region=intern(region) if region else "",
        extra=extra or _NO_EXTRA,
    )


# Shared by the entities and features that have no further field (most records): read, never
# written, so one empty dict serves them all instead of two for each kept record.
_NO_EXTRA: dict[str, str] = {}


class _ByText(dict[Any, Any]):
    """A cache of what one column's text gives, emptied when full (bounded memory; what it
    holds is a pure function of the text and the given-name table's version, so emptying it
    changes no result). :func:`_by_text_of` empties them all when the table changes."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key: Any, value: Any) -> Any:
        if len(self) >= self.size:
            self.clear()
        self[key] = value
        return value


_FAMILY_BY_TEXT = _ByText(_CACHE)
_GIVEN_BY_TEXT = _ByText(_CACHE)
_PATRONYMIC_BY_TEXT = _ByText(_CACHE)
_PLACES_BY_TEXT = _ByText(_CACHE)
_SEX_BY_TEXT = _ByText(64)  # the column's text: the interned text, and m, f or None
_BY_TEXT_VERSION = [-1]  # the given-name table's version the caches above hold


def _by_text_of(version: int) -> None:
    """Empty the caches of :func:`prepare_row` if they hold another table's keys."""
    if _BY_TEXT_VERSION[0] != version:
        for cache in (_FAMILY_BY_TEXT, _GIVEN_BY_TEXT, _PATRONYMIC_BY_TEXT, _PLACES_BY_TEXT):
            cache.clear()
        _BY_TEXT_VERSION[0] = version


def prepare_row(row: Sequence[Any]) -> Features:
    """``prepare(from_record_row(row[:-1]))`` with ``row[-1]`` as the entity's source: the
    same entity and features, field for field (a test holds it on random rows), for the million
    rows of a full run.

    Each column's text is looked up once in a cache of what it gives (the family name's keys,
    the given name's, the patronymic's, the places' and region's), where :func:`prepare` builds
    the tuples of spellings its caches are keyed by and calls a dozen functions per record:
    a million rows hold some ten thousand distinct names of each kind and two thousand sets of
    places (their combinations are nearly all distinct, so the cache is per column)."""
    rid, family, given, patronymic, sex, year, month, day, age, age_on, born, origin = row[:12]
    region, document, street, postcode, source = row[12:]
    version = given_names_version()
    if _BY_TEXT_VERSION[0] != version:
        _by_text_of(version)
    family = family or ""
    found = _FAMILY_BY_TEXT.get(family)
    if found is None:
        families = _texts(family, "", (), 0)
        found = _FAMILY_BY_TEXT.put(
            family,
            (
                intern(family) if family else "",
                *_family_part(families),
                _given_from_family(families[0] if families else "", version),
            ),
        )
    family, surnames, surname_latin, surname_blocks, given_from_family = found
    given = given or ""
    named = _GIVEN_BY_TEXT.get(given)
    if named is None:
        named = _GIVEN_BY_TEXT.put(
            given,
            (intern(given) if given else "", *_given_part(_texts(given, "", (), 1), version)),
        )
    given, given_keys, given_latin, surnames_from_given, blocks_from_given, given_sex = named
    patronymic = patronymic or ""
    fathered = _PATRONYMIC_BY_TEXT.get(patronymic)
    if fathered is None:
        fathered = _PATRONYMIC_BY_TEXT.put(
            patronymic,
            (
                intern(patronymic) if patronymic else "",
                *(patronymic_parts(patronymic) if patronymic.strip() else ("", None)),
            ),
        )
    patronymic, patronymic_key, patronymic_sex = fathered
    located = (born or "", origin or "", region or "")
    placed = _PLACES_BY_TEXT.get(located)
    if placed is None:
        born_text = intern(born.strip()) if born else ""
        origin_text = intern(origin.strip()) if origin else ""
        region_text = intern(region) if region else ""
        places = _places(born_text, origin_text)
        stripped = region_text.strip()
        placed = _PLACES_BY_TEXT.put(
            located,
            (
                places,
                region_text,
                *_place_part(places, region_text),
                # A region that names no oblast is compared as a further field (see _extra).
                fold(stripped) if stripped and oblast_key(stripped) is None else None,
            ),
        )
    places, region, place_keys, oblasts, place_latin, region_value = placed
    if document or street or postcode:
        further = (document, street, postcode)
        entity_extra = {n: v for n, v in zip(_COMPARED_EXTRA, further, strict=True) if v}
    else:
        entity_extra = _NO_EXTRA
    sexed = _SEX_BY_TEXT.get(sex)
    if sexed is None:
        sexed = _SEX_BY_TEXT.put(
            sex, (intern(sex) if sex else "", _SEX.get((sex or "").strip().lower()))
        )
    sex, known_sex = sexed
    # By position, in the fields' order (a third faster than by keyword, for a million rows):
    # key, family_name, given_name, patronymic, family_name_latin, given_name_latin, aliases,
    # sex, dob_year, dob_month, dob_day, age, age_on, places, region, extra, source.
    entity = MatchEntity(
        ("record", rid), family, given, patronymic, "", "", (), sex, year, month, day, age,
        age_on, places, region, entity_extra, source,
    )  # fmt: skip
    if entity_extra:
        extra = _extra(entity)
    elif region_value is not None:
        extra = {"region": region_value}
    else:
        extra = _NO_EXTRA
    years: tuple[int, int] | None = None
    if year is not None:
        years = _year(year)
    elif age is not None and age_on is not None and 0 <= age <= 120:
        years = age_to_birth_year_range(age, age_on)
    # By position too: entity, surnames, surname_latin, surname_blocks, given, given_latin,
    # given_from_family, surnames_from_given, blocks_from_given, patronymic, sex, years,
    # place_keys, oblasts, place_latin, extra.
    return Features(
        entity, surnames, surname_latin, surname_blocks, given_keys, given_latin,
        given_from_family, surnames_from_given, blocks_from_given, patronymic_key,
        known_sex if known_sex is not None else given_sex or patronymic_sex, years,
        place_keys, oblasts, place_latin, extra,
    )  # fmt: skip


@lru_cache(maxsize=_CACHE)
def _places(born: str, origin: str) -> tuple[str, ...]:
    """The places of a record (stripped texts), one tuple for every record naming the same."""
    return tuple(p for p in (born, origin) if p)


def trim_caches() -> None:
    """Empty the caches under :func:`prepare_row`'s own: those of :func:`prepare`'s parts and
    of the normalisers they call (each keyed by a text or a tuple of texts). prepare_row looks
    each column's text up in its own cache first, so these are read only for a text it has not
    met, and what they hold is a pure function of their arguments: emptying them changes no
    result. A record process of a national run calls this every :data:`TRIM_EVERY` records:
    500,000 generated rows through prepare_row grew a process by 78 MB, 40 MB with these
    emptied every 50,000 (about 25,000 entries each at the end, with the caches' own links,
    where prepare_row's caches hold the values that matter again)."""
    for cached in (
        _family_part, _given_part, _given_from_family, _place_part, _places, fold,
        to_latin_key, given_name_keys, patronymic_parts, surname_key, phonetic_block_key,
        oblast_key,
    ):  # fmt: skip
        cached.cache_clear()


# Records prepared between two calls of trim_caches in a national run's streams.
TRIM_EVERY = 50_000
