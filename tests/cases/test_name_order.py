"""Names sort in the alphabet of the UI (Ukrainian, then Latin), not by code point: by code
point Є, І and Ї came before А and Ґ after Я (issue 11). On SQLite the order is
app/alphabet.py's collation; on PostgreSQL ICU's Ukrainian one (a migration names it)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from app.alphabet import NAME_COLLATION, alphabet_key, compare
from app.auth.models import User
from app.cases.models import Case
from app.extensions import db

ALPHABETICAL = ["Ґалина", "Євген", "Ігор", "Їжак", "Яна", "Andrii"]


def test_the_key_follows_the_ukrainian_alphabet_then_latin():
    assert sorted(reversed(ALPHABETICAL), key=alphabet_key) == ALPHABETICAL
    assert sorted(["Гнат", "Ґалина", "Галина"], key=alphabet_key) == ["Галина", "Гнат", "Ґалина"]
    assert sorted(["Йосип", "Їжак", "Іван", "Ирина"], key=alphabet_key) == [
        "Ирина",
        "Іван",
        "Їжак",
        "Йосип",
    ]


def test_case_apostrophes_and_accents_only_break_ties():
    assert alphabet_key("мар'яна") == alphabet_key("Марʼяна") == alphabet_key("МАРЯНА")
    assert sorted(["Zoe", "Émile", "Eva"], key=alphabet_key) == ["Émile", "Eva", "Zoe"]
    assert compare("Іван", "іван") != 0  # two spellings are never equal
    assert compare("Іван", "Іван") == 0
    assert compare("Яна", "Andrii") == -1
    assert compare(None, "А") == -1


def _server_has_ukrainian_icu() -> bool:
    if db.engine.dialect.name != "postgresql":
        return True
    return bool(
        db.session.scalar(text("SELECT count(*) FROM pg_collation WHERE collname = 'uk-x-icu'"))
    )


def test_the_database_sorts_names_in_the_alphabet(app):
    with app.app_context():
        if not _server_has_ukrainian_icu():
            pytest.skip("this PostgreSQL has no ICU: the lists keep the database's own order")
        values = " UNION ALL ".join(f"SELECT '{name}' AS name" for name in ALPHABETICAL[::-1])
        ordered = db.session.scalars(
            # The names are this test's constants.
            text(f"SELECT name FROM ({values}) AS names ORDER BY name COLLATE {NAME_COLLATION}")  # noqa: S608
        ).all()
        assert ordered == ALPHABETICAL


@pytest.mark.parametrize("path", ["/cases?sort=name", "/cases?sort=-name"])
def test_the_case_list_sorts_names_in_the_alphabet(app, supervisor, make_case, path):
    ids = {name: make_case(family_name=name, given_name="Тест") for name in ALPHABETICAL[::-1]}
    with app.app_context():
        if not _server_has_ukrainian_icu():
            pytest.skip("this PostgreSQL has no ICU: the lists keep the database's own order")
    html = supervisor.get(path).get_data(as_text=True)
    shown = [int(case_id) for case_id in re.findall(r'<tr data-case="(\d+)"', html)]
    expected = [ids[name] for name in ALPHABETICAL]
    assert shown == (expected if path.endswith("=name") else expected[::-1])


def test_the_caseworker_column_sorts_by_name_with_nobody_last(app, supervisor, make_case, users):
    with app.app_context():
        db.session.get(User, users["caseworker"]).name = "Ігор Тестовий"
        db.session.get(User, users["supervisor"]).name = "Євген Тестовий"
        db.session.commit()
    nobody = make_case(owner=None)
    igor = make_case(owner="caseworker")
    yevhen = make_case(owner="supervisor")
    for param, expected in (
        ("caseworker", [yevhen, igor, nobody]),
        ("-caseworker", [igor, yevhen, nobody]),
    ):
        html = supervisor.get(f"/cases?sort={param}").get_data(as_text=True)
        shown = [int(case_id) for case_id in re.findall(r'<tr data-case="(\d+)"', html)]
        assert shown == expected, param


def test_names_are_collated_in_the_query(app):
    """The order is the database's, so a page boundary splits the rows as the order says."""
    from app.cases.queues import CASE_SORTS

    with app.app_context():
        sql = str(select(Case).order_by(*CASE_SORTS["name"]).compile(db.engine))
        assert f"COLLATE {NAME_COLLATION}" in sql
