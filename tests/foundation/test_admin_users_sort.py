"""The admin's users list sorts by each of its columns (issue 11)."""

from __future__ import annotations

import re

import pytest

from app.auth.models import User
from app.extensions import db


@pytest.mark.parametrize("key", ["email", "name", "role", "status", "last_sign_in"])
def test_each_users_column_sorts_both_ways(admin, key):
    for param, state in ((key, "ascending"), (f"-{key}", "descending")):
        response = admin.get(f"/admin/users?sort={param}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert re.search(rf'aria-sort="{state}"><a [^>]*data-sort="{key}"', html), param
        assert html.count("aria-sort=") == 1


def test_names_sort_in_the_alphabet(app, admin, users):
    with app.app_context():
        for role, name in (("caseworker", "Яна"), ("supervisor", "Ігор"), ("admin", "Ґалина")):
            db.session.get(User, users[role]).name = name
        db.session.commit()
    html = admin.get("/admin/users?sort=name").get_data(as_text=True)
    names = [n for n in re.findall(r"<td>([^<]*)</td>", html) if n in ("Яна", "Ігор", "Ґалина")]
    assert names == ["Ґалина", "Ігор", "Яна"]
