"""Canonical import fields and the column headers (Ukrainian, Russian, English) that mean them.

Partner lists arrive with whatever headers their authors typed. :func:`guess_mapping` proposes
a field for each column; the operator confirms or corrects it before the import runs.

Header matching is exact after :func:`normalise_header`, which removes the differences that do
not change meaning: case, Unicode compatibility forms (NFKC, so "№" reads as "No"), the byte
order mark, apostrophes of any kind (so "Ім'я", "Ім’я", "Імʼя" and "Імя" are one header),
dots ("П.І.Б." is "ПІБ"), underscores and hyphens (so canonical names such as
``date_of_birth`` match), repeated spaces, a trailing ":" or "*", a parenthesised hint
("Дата народження (дд.мм.рррр)"), and Latin letters typed by mistake inside Cyrillic words
("ПIБ" with a Latin I).
If the exact header is unknown, words such as "дитини" / "ребенка" / "child" are dropped and
the lookup is tried once more ("Прізвище дитини" is ``family_name``).

"Father's name" is a patronymic: product owners use it as the English gloss of
"по батькові" / "отчество". The father's own name is ``father_name`` and is matched from
"Father", "Father full name", "Father name" (the canonical name), "ПІБ батька", "ФИО отца".
"""

from __future__ import annotations

import re
import unicodedata

from app.names.text import repair_mixed_scripts

__all__ = [
    "ALIASES",
    "ANSWER_FIELDS",
    "FIELDS",
    "FIELD_LABELS",
    "guess_field",
    "guess_mapping",
    "normalise_header",
]

# Display order of the fields in the mapping screen.
FIELDS: list[str] = [
    "external_id",
    "family_name",
    "given_name",
    "patronymic",
    "full_name",
    "sex",
    "date_of_birth",
    "age",
    "place_of_birth",
    "place_of_origin",
    "current_location",
    "institution",
    "mother_name",
    "father_name",
    "region",
    # What identifies a person besides the name and birth: compared by the matching.
    "document_number",
    "street_address",
    "postcode",
    "contact_phone",
    "record_date",
    "notes",
    # The other side's answer to a list we handed over (answer files, see app/answers): kept in
    # the raw row only, read by the exchange the file answers.
    "answer",
    "answer_reason",
    # A prisoner list's columns (case lists; a partner records import keeps them in the raw row).
    "service_number",
    "rank",
    "unit",
    "captured_on",
    "place_of_capture",
]

# Not converted into a record's fields: an exchange reads them from the raw row (app/answers).
ANSWER_FIELDS = ("answer", "answer_reason")

FIELD_LABELS: dict[str, str] = {
    "external_id": "Source ID",
    "family_name": "Family name",
    "given_name": "Given name",
    "patronymic": "Patronymic",
    "full_name": "Full name",
    "sex": "Sex",
    "date_of_birth": "Date of birth",
    "age": "Age",
    "place_of_birth": "Place of birth",
    "place_of_origin": "Place of origin / last known place",
    "current_location": "Current location",
    "institution": "Institution",
    "mother_name": "Mother's name",
    "father_name": "Father's full name",
    "region": "Region",
    "document_number": "Identity document number",
    "street_address": "Street address",
    "postcode": "Postcode",
    "contact_phone": "Contact phone",
    "record_date": "Record date",
    "notes": "Notes",
    "answer": "The other side's answer",
    "answer_reason": "The other side's reason",
    "service_number": "Service number",
    "rank": "Rank",
    "unit": "Unit",
    "captured_on": "Date of capture",
    "place_of_capture": "Place of capture",
}

# Aliases as people write them; they are normalised when the lookup table is built. The
# canonical field name is always an alias of itself and need not be listed.
ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": (
        "№",
        "N",
        "No",
        "No.",
        "Nr",
        "#",
        "ID",
        "Номер",
        "Row id",
        "Record id",
        "№ п/п",
        "№ з/п",
        "N п/п",
        "Ідентифікатор",
        "Идентификатор",
    ),
    "family_name": (
        "Прізвище",
        "Фамилия",
        "Surname",
        "Last name",
        "Lastname",
        "Family name",
    ),
    "given_name": (
        "Ім'я",
        "Имя",
        "First name",
        "Firstname",
        "Given name",
        "Name",
    ),
    "patronymic": (
        "По батькові",
        "По-батькові",
        "Отчество",
        "Father's name",
        "Patronymic",
        "Middle name",
    ),
    "full_name": (
        "ПІБ",
        "ФИО",
        "ФІО",
        "П.І.Б.",
        "Ф.И.О.",
        "Full name",
        "Name and surname",
        "Прізвище, ім'я, по батькові",
        "Прізвище ім'я по батькові",
        "Фамилия, имя, отчество",
        "Фамилия имя отчество",
    ),
    "sex": ("Стать", "Пол", "Sex", "Gender"),
    "date_of_birth": (
        "Дата народження",
        "Дата рождения",
        "Date of birth",
        "DOB",
        "D.O.B.",
        "Birth date",
        "Birthdate",
        "Д.н.",
        "Д/н",
        "Рік народження",
        "Год рождения",
        "Year of birth",
    ),
    "age": ("Вік", "Возраст", "Age", "Повних років", "Полных лет"),
    "place_of_birth": (
        "Місце народження",
        "Место рождения",
        "Place of birth",
        "Birthplace",
    ),
    "place_of_origin": (
        "Населений пункт",
        "Населенный пункт",
        "Откуда прибыл",
        "Откуда прибыла",
        "Звідки прибув",
        "Звідки прибула",
        "Place of origin",
        "Origin",
        "Last known place",
        "last_known_place",
        "Останнє відоме місце",
        "Последнее известное место",
    ),
    "current_location": (
        "Місце перебування",
        "Место пребывания",
        "Current location",
        "Current place",
        "Місцезнаходження",
        "Местонахождение",
        "Location",
    ),
    "institution": (
        "Заклад",
        "Установа",
        "Учреждение",
        "Institution",
        "Facility",
        "Назва закладу",
        "Название учреждения",
    ),
    "mother_name": (
        "ФИО матери",
        "ПІБ матері",
        "Мати",
        "Мать",
        "Mother's name",
        "Mother",
        "Mother full name",
    ),
    "father_name": (
        "ФИО отца",
        "ПІБ батька",
        "Батько",
        "Отец",
        "Father",
        "Father full name",
        "Father's full name",
    ),
    "region": ("Область", "Регіон", "Регион", "Region", "Oblast"),
    # Any identity document's number: a passport, a birth certificate, a military ID.
    "document_number": (
        "Номер документа",
        "Документ",
        "Документ, що посвідчує особу",
        "Документ, удостоверяющий личность",
        "Серія та номер паспорта",
        "Серия и номер паспорта",
        "Паспорт",
        "Номер паспорта",
        "Свідоцтво про народження",
        "Свидетельство о рождении",
        "Номер свідоцтва про народження",
        "Номер свидетельства о рождении",
        "Військовий квиток",
        "Военный билет",
        "Document",
        "Document number",
        "Identity document",
        "ID number",
        "Passport",
        "Passport number",
        "Birth certificate",
        "Birth certificate number",
        "Military ID",
    ),
    "street_address": (
        "Адреса",
        "Адрес",
        "Адреса проживання",
        "Адрес проживания",
        "Вулиця",
        "Улица",
        "Address",
        "Street address",
        "Street",
        "Home address",
    ),
    "postcode": (
        "Поштовий індекс",
        "Почтовый индекс",
        "Індекс",
        "Индекс",
        "Postcode",
        "Post code",
        "Postal code",
        "ZIP",
        "ZIP code",
    ),
    "contact_phone": (
        "Телефон",
        "Контактний телефон",
        "Контактный телефон",
        "Phone",
        "Contact phone",
        "Telephone",
        "Tel",
        "Тел",
    ),
    "record_date": (
        "Дата запису",
        "Дата записи",
        "Дата реєстрації",
        "Дата регистрации",
        "Record date",
        "Date of record",
        "Date recorded",
    ),
    "notes": (
        "Примітка",
        "Примітки",
        "Примечание",
        "Примечания",
        "Коментар",
        "Комментарий",
        "Notes",
        "Note",
        "Comment",
        "Comments",
    ),
    "answer": (
        "Ответ",
        "Відповідь",
        "Answer",
        "Статус",
        "Status",
        "Результат",
        "Result",
        "Результат розыска",
        "Результат розшуку",
        "Search result",
        "Ответ стороны",
        "Відповідь сторони",
    ),
    "answer_reason": (
        "Причина",
        "Причина отказа",
        "Причина відмови",
        "Підстава",
        "Основание",
        "Пояснение",
        "Пояснення",
        "Reason",
        "Reason given",
        "Комментарий к ответу",
        "Коментар до відповіді",
        "Answer comment",
    ),
    "service_number": (
        "Особистий номер",
        "Особовий номер",
        "Личный номер",
        "Номер жетона",
        "Service number",
        "Service No",
        "Personal number",
    ),
    "rank": (
        "Звання",
        "Військове звання",
        "Звание",
        "Воинское звание",
        "Rank",
        "Military rank",
    ),
    "unit": (
        "Військова частина",
        "Воинская часть",
        "В/ч",
        "Підрозділ",
        "Подразделение",
        "Unit",
        "Military unit",
    ),
    "captured_on": (
        "Дата полону",
        "Дата потрапляння в полон",
        "Дата захоплення в полон",
        "Дата пленения",
        "Дата попадания в плен",
        "Date of capture",
        "Capture date",
        "Captured on",
    ),
    "place_of_capture": (
        "Місце полону",
        "Місце потрапляння в полон",
        "Місце захоплення в полон",
        "Место пленения",
        "Место попадания в плен",
        "Place of capture",
        "Captured at",
    ),
}

_APOSTROPHES = "'’ʼ‘`´′ʹ"
_APOSTROPHE_RE = re.compile(f"[{_APOSTROPHES}]")
_SPACES = re.compile(r"\s+")
_HINT_ENDS = {"(": ")", "[": "]"}
_HINT_START = re.compile(r"[(\[]")

# Words that qualify a header without changing its field: "Прізвище дитини", "Child's name".
_QUALIFIERS = frozenset({"дитини", "ребенка", "ребёнка", "child", "childs", "of", "the"})


def normalise_header(header: str) -> str:
    """Fold a column header to the form used for lookup (see the module docstring)."""
    # A stray Latin letter in a Cyrillic word ("ПIБ", "Прiзвище") is repaired before casefolding.
    text = repair_mixed_scripts(unicodedata.normalize("NFKC", header).replace("\ufeff", ""))
    text = text.casefold()
    without_hint = _without_hints(text)
    if without_hint.strip():
        text = without_hint
    text = _APOSTROPHE_RE.sub("", text)
    text = text.replace(".", "").replace("_", " ").replace("-", " ")
    end = len(text)
    while end and (text[end - 1] in ":*" or text[end - 1].isspace()):
        end -= 1  # trailing marks and spaces
    return _SPACES.sub(" ", text[:end]).strip(" :*")


def _without_hints(text: str) -> str:
    """Each "(...)" or "[...]" replaced by a space, leftmost first, a hint ending at the first
    closing bracket after it. A scan, not a regular expression: the expression tried every
    opening bracket up to the end of the text, minutes for a header of many "(" (headers come
    from uploaded files)."""
    last_closer = {closer: text.rfind(closer) for closer in _HINT_ENDS.values()}
    parts: list[str] = []
    kept_from = 0
    opening = _HINT_START.search(text)
    while opening:
        start = opening.start()
        closer = _HINT_ENDS[opening.group()]
        if start < last_closer[closer]:
            end = text.index(closer, start + 1)
            parts += (text[kept_from:start], " ")
            kept_from = end + 1
            opening = _HINT_START.search(text, kept_from)
        else:
            opening = _HINT_START.search(text, start + 1)
    parts.append(text[kept_from:])
    return "".join(parts)


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for field in FIELDS:
        for alias in (field, *ALIASES[field]):
            key = normalise_header(alias)
            if lookup.setdefault(key, field) != field:
                raise ValueError(f"header alias {alias!r} is claimed by two fields")
    return lookup


_LOOKUP = _build_lookup()


def guess_field(header: str | None) -> str | None:
    """The canonical field a header means, or None when it is not recognised."""
    if not header:
        return None
    key = normalise_header(header)
    if not key:
        return None
    if key in _LOOKUP:
        return _LOOKUP[key]
    unqualified = " ".join(word for word in key.split(" ") if word not in _QUALIFIERS)
    return _LOOKUP.get(unqualified) if unqualified else None


def guess_mapping(headers: list[str]) -> dict[int, str | None]:
    """Map each column index to a field; a field is used once (first column wins).

    Unknown columns, and later columns repeating a field, map to None; the caller keeps
    their values in the raw row.
    """
    mapping: dict[int, str | None] = {}
    used: set[str] = set()
    for index, header in enumerate(headers):
        field = guess_field(header)
        if field is not None and field in used:
            field = None
        if field is not None:
            used.add(field)
        mapping[index] = field
    return mapping
