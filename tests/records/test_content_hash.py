"""A row's content hash decides "unchanged" on re-import: fields added later must not change the
hash of rows that leave them empty (else an upgrade reports every row of a list updated)."""

import hashlib
import json

from app.records.fields import ADDED_FIELDS
from app.records.services import content_hash

RAW = {"ПІБ": "Коваленко Олена", "Дата народження": "05.03.2014"}
BEFORE = {"family_name": "Коваленко", "given_name": "Олена", "dob_year": 2014, "region": ""}


def _hash_as_stored_before(values, raw):
    """The hash as the import computed it before ADDED_FIELDS existed."""
    payload = json.dumps([values, raw], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def test_a_row_leaving_the_added_fields_empty_hashes_as_before_they_existed():
    now = {**BEFORE, **dict.fromkeys(ADDED_FIELDS, "")}
    assert content_hash(now, RAW) == _hash_as_stored_before(BEFORE, RAW)


def test_an_added_field_with_a_value_changes_the_hash():
    filled = {**BEFORE, **dict.fromkeys(ADDED_FIELDS, ""), "document_number": "І-БК 123456"}
    assert content_hash(filled, RAW) != _hash_as_stored_before(BEFORE, RAW)


def test_an_older_field_left_empty_still_counts():
    """Only the added fields are left out when empty: clearing a region is a change."""
    assert content_hash({**BEFORE, "region": "Херсонська"}, RAW) != content_hash(BEFORE, RAW)
    assert content_hash(BEFORE, RAW) == _hash_as_stored_before(BEFORE, RAW)
