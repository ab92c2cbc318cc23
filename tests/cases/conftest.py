import pytest

from app.auth.models import User
from app.extensions import db
from tests import factories


@pytest.fixture
def people(app, users):
    """The users as ORM objects, inside an app context the test keeps open."""
    with app.app_context():
        yield {role: db.session.get(User, user_id) for role, user_id in users.items()}


@pytest.fixture
def make_case(app, users):
    """Create and commit a case; returns its id. Caseworker-owned unless told otherwise."""

    def make(owner: str | None = "caseworker", **fields) -> int:
        with app.app_context():
            supervisor = db.session.get(User, users["supervisor"])
            if owner:
                fields.setdefault("assigned_to", db.session.get(User, users[owner]))
            case = factories.make_case(supervisor, **fields)
            db.session.commit()
            return case.id

    return make
