"""merge_edit, the pure three-way merge of one case edit: a table of base / mine / saved."""

from __future__ import annotations

import pytest

from app.cases.services import merge_edit

SAVED = {
    "region": "Херсонська",
    "document_number": "AB1",
    "dob_year": 2014,
    "dob_month": 3,
    "dob_day": None,
}


@pytest.mark.parametrize(
    ("base", "mine", "choices", "changes", "kept", "clashes", "unresolved"),
    [
        # Nobody else saved: my change is written.
        (SAVED, {"region": "Донецька"}, {}, {"region": "Донецька"}, [], [], []),
        # They changed it, I did not touch it: theirs stays.
        ({**SAVED, "region": "Київська"}, {"region": "Київська"}, {}, {}, ["region"], [], []),
        # I changed a field they did not: mine is written beside theirs.
        (
            {**SAVED, "document_number": ""},
            {"document_number": "", "region": "Донецька"},
            {},
            {"region": "Донецька"},
            ["document_number"],
            [],
            [],
        ),
        # Both changed it, to the same value: nothing to write, nothing to ask.
        ({**SAVED, "region": "Київська"}, {"region": "Херсонська"}, {}, {}, [], [], []),
        # Both changed it differently: a clash, settled by a choice only.
        (
            {**SAVED, "region": "Київська"},
            {"region": "Донецька"},
            {},
            {},
            [],
            ["region"],
            ["region"],
        ),
        (
            {**SAVED, "region": "Київська"},
            {"region": "Донецька"},
            {"region": "mine"},
            {"region": "Донецька"},
            [],
            ["region"],
            [],
        ),
        (
            {**SAVED, "region": "Київська"},
            {"region": "Донецька"},
            {"region": "theirs"},
            {},
            [],
            ["region"],
            [],
        ),
        (
            {**SAVED, "region": "Київська"},
            {"region": "Донецька"},
            {"region": "nonsense"},
            {},
            [],
            ["region"],
            ["region"],
        ),
        # No base: every difference is a clash.
        (None, {"region": "Донецька"}, {}, {}, [], ["region"], ["region"]),
        # A date of birth is one field of three columns.
        (
            {**SAVED, "dob_month": None},
            {"dob_year": 2014, "dob_month": None, "dob_day": None},
            {},
            {},
            ["date_of_birth"],
            [],
            [],
        ),
        (
            {**SAVED, "dob_month": None},
            {"dob_year": 2015, "dob_month": None, "dob_day": None},
            {},
            {},
            [],
            ["date_of_birth"],
            ["date_of_birth"],
        ),
    ],
)
def test_merge_edit(base, mine, choices, changes, kept, clashes, unresolved):
    merge = merge_edit(base, mine, SAVED, choices)
    assert (merge.changes, merge.kept, merge.clashes, merge.unresolved) == (
        changes,
        kept,
        clashes,
        unresolved,
    )
