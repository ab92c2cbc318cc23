"""A source list's progress counts each case once, by how it ended: a reunified case that is
then closed as reunified stays among the reunified."""

import re

from app.extensions import db
from tests import factories


def _make_list(app, users):
    from app.auth.models import User

    with app.app_context():
        actor = db.session.get(User, users["supervisor"])
        source_list = factories.make_source_list(name="Outcome list")
        for status, reason in [
            ("new", None),
            ("reunified", None),
            ("closed", "reunified"),
            ("closed", "reunified"),
            ("closed", "withdrawn"),
        ]:
            factories.make_case(
                actor, source_list=source_list, status=status, closure_reason=reason
            )
        db.session.commit()
        return source_list.id


def test_cases_closed_as_reunified_count_as_reunified(app, supervisor, users):
    list_id = _make_list(app, users)
    html = supervisor.get(f"/source-lists/{list_id}").get_data(as_text=True)
    assert '<g data-status="reunified" data-count="3">' in html
    assert '<g data-status="closed" data-count="1">' in html
    assert '<g data-status="new" data-count="1">' in html
    assert "5 cases" in html


def test_source_lists_page_counts_reunified_the_same_way(app, supervisor, users):
    list_id = _make_list(app, users)
    html = supervisor.get("/source-lists").get_data(as_text=True)
    row = re.search(rf'source-lists/{list_id}">Outcome list</a>.*?</tr>', html, re.S).group(0)
    assert re.findall(r"<td>(\d+)</td>", row) == ["5", "3"]
