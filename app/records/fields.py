"""The fields of a partner record, stated once. Pure: matching's pure core reads them too."""

from __future__ import annotations

__all__ = ["ADDED_FIELDS", "RECORD_FIELDS"]

# The values of a record that an import fills from a row (and compares to tell an unchanged
# row), besides the row id and the raw row. Matching compares a subset
# (app.matching.entities.RECORD_ROW).
RECORD_FIELDS = (
    "family_name",
    "given_name",
    "patronymic",
    "sex",
    "dob_year",
    "dob_month",
    "dob_day",
    "age",
    "age_on",
    "place_of_birth",
    "place_of_origin",
    "current_location",
    "institution",
    "region",
    "document_number",
    "street_address",
    "postcode",
    "mother_name",
    "father_name",
)

# Fields added after records' content hashes were first stored (migration 397845f9f2a1): they
# count in a row's hash only when they hold something, so that the first re-import of an
# unchanged list after an upgrade reports its rows unchanged, not every one of them updated
# (which would also send the whole list to the next matching run as changed).
ADDED_FIELDS = frozenset({"document_number", "street_address", "postcode"})
