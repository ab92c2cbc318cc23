"""The diff of two list versions: pure, over plain rows."""

from __future__ import annotations

import pytest

from app.exchanges.listdiff import FieldChange, diff_versions


def person(key: str, **fields) -> dict:
    fields.setdefault("family_name", "Тимошенко-Списочна")
    fields.setdefault("given_name", "Дарина")
    fields.setdefault("date_of_birth", "2014-03-05")
    fields.setdefault("sex", "female")
    return {"key": key, **fields}


def test_the_same_list_has_no_changes():
    rows = [person("case:1"), person("case:2", given_name="Остап")]
    diff = diff_versions(rows, [dict(row) for row in rows])
    assert not diff.changed and diff.unchanged == 2


def test_people_added_and_removed_keep_their_versions_order():
    old = [person("case:1"), person("case:2"), person("record:9")]
    new = [person("case:1"), person("case:5"), person("case:4")]
    diff = diff_versions(old, new)
    assert [row["key"] for row in diff.added] == ["case:5", "case:4"]
    assert [row["key"] for row in diff.removed] == ["case:2", "record:9"]
    assert diff.corrected == () and diff.unchanged == 1


def test_a_corrected_person_names_each_field_old_and_new():
    old = [person("case:1", family_name="Тимошенко", region="Харківська")]
    new = [person("case:1", family_name="Тимошенко-Списочна", region="Харківська", sex="male")]
    (correction,) = diff_versions(old, new).corrected
    assert correction.key == "case:1"
    assert correction.changes == (
        FieldChange("family_name", "Тимошенко", "Тимошенко-Списочна"),
        FieldChange("sex", "female", "male"),
    )


def test_a_list_re_sorted_is_the_same_list():
    rows = [person(f"case:{n}", given_name=f"Ім'я {n}") for n in range(1, 6)]
    diff = diff_versions(rows, list(reversed(rows)))
    assert not diff.changed and diff.unchanged == 5


@pytest.mark.parametrize(
    ("before", "after", "changed"),
    [
        ("2014", "2014", False),
        ("2014", "2014-03", True),  # made precise: a correction
        ("2014-03", "2014-03-05", True),
        ("2014-03-05", "2014-05-03", True),  # day and month swapped
        ("2014-03", "", True),  # no longer known
        ("", None, False),  # unknown either way
    ],
)
def test_partial_dates_of_birth(before, after, changed):
    diff = diff_versions(
        [person("case:1", date_of_birth=before)], [person("case:1", date_of_birth=after)]
    )
    assert bool(diff.corrected) is changed
    if changed:
        assert diff.corrected[0].changes == (
            FieldChange("date_of_birth", before or "", after or ""),
        )


def test_spacing_and_unicode_forms_are_no_correction_but_letter_case_is():
    decomposed = "Андрі" + "и\u0306"  # и + combining breve: reads as Андрій
    old = [person("case:1", given_name="Андрій", family_name="Тимошенко ")]
    assert not diff_versions(
        old, [person("case:1", given_name=decomposed, family_name="Тимошенко")]
    ).changed
    upper = diff_versions(old, [person("case:1", given_name="Андрій", family_name="ТИМОШЕНКО")])
    assert [c.field for c in upper.corrected[0].changes] == ["family_name"]


def test_fields_outside_the_identity_are_not_compared():
    diff = diff_versions([person("case:1", position=1)], [person("case:1", position=7)])
    assert not diff.changed


def test_a_first_version_adds_everyone():
    diff = diff_versions([], [person("case:1"), person("record:2")])
    assert len(diff.added) == 2 and diff.unchanged == 0


def test_a_person_twice_in_one_version_is_refused():
    with pytest.raises(ValueError, match="twice"):
        diff_versions([person("case:1"), person("case:1")], [])


def test_narrowed_to_the_people_a_reader_may_see():
    old = [person("case:1"), person("case:2", region="x")]
    new = [person("case:2", region="y"), person("case:3")]
    narrowed = diff_versions(old, new).only({"case:3"})
    assert [r["key"] for r in narrowed.added] == ["case:3"]
    assert narrowed.removed == () and narrowed.corrected == ()
