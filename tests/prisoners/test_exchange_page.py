"""A prisoner exchange's page: the 18-25 flag and the health category on its lines, as columns
and filters; where the other side holds each person, recorded per line and shown on the case."""

from __future__ import annotations

import re
from datetime import date

import pytest

from app.auth.models import User
from app.exchanges.models import ExchangeLine
from app.exchanges.services import add_line
from app.extensions import db
from tests import factories
from tests.conftest import csrf_token
from tests.exchanges.conftest import line_of, make_exchange
from tests.matching.conftest import make_record

HELD_ON = date(2026, 6, 15)


@pytest.fixture
def world(app, users):
    with app.test_request_context():
        supervisor = db.session.get(User, users["supervisor"])
        caseworker = db.session.get(User, users["caseworker"])
        other = factories.make_user("caseworker")

        def prisoner(owner, name, **fields):
            return factories.make_case(
                supervisor,
                assigned_to=owner,
                family_name=name,
                case_type="prisoner_of_war",
                **fields,
            )

        young = prisoner(
            caseworker, "Молодий-Тестовий", dob_year=2003, dob_month=5, dob_day=1,
            health_category="seriously_wounded",
        )  # fmt: skip
        older = prisoner(caseworker, "Старший-Тестовий", dob_year=1980, health_category="none")
        turning = prisoner(caseworker, "Рубіжний-Тестовий", dob_year=2008)  # 17 or 18
        theirs = prisoner(
            other, "Чужий-Тестовий", dob_year=2004, dob_month=1, dob_day=1,
            health_category="seriously_wounded",
        )  # fmt: skip
        exchange = make_exchange(supervisor, young, older, turning, theirs, held_on=HELD_ON)
        record = make_record(family_name="ЗАПИСНИЙ-ТЕСТОВИЙ", age=20, age_on=date(2026, 1, 1))
        add_line(exchange, supervisor, partner_record=record)
        handover = make_exchange(
            supervisor, young, kind="list_handover", categories=[("all", None)]
        )
        db.session.commit()
        return {
            "exchange": exchange.id,
            "handover": handover.id,
            "young": young.id,
            "older": older.id,
            "turning": turning.id,
            "theirs": theirs.id,
            "line": line_of(exchange, young.id).id,
            "handover_line": line_of(handover, young.id).id,
        }


def _young(html: str) -> dict[str, str]:
    """Each shown line's person and their 18-25 cell."""
    rows = re.findall(r'<tr data-line="\d+">(.*?)</tr>', html, re.S)
    flags = {}
    for row in rows:
        name = re.search(r"(\w+-\w+)", row)
        flags[name.group(1) if name else "?"] = re.search(r'data-young="(\w+)"', row).group(1)
    return flags


def test_the_lines_show_the_flag_as_of_the_exchange_date_and_the_health(supervisor, world):
    html = supervisor.get(f"/exchanges/{world['exchange']}").get_data(as_text=True)
    assert "Aged 18 to 25 on" in html
    assert _young(html) == {
        "Молодий-Тестовий": "yes",
        "Старший-Тестовий": "no",
        "Рубіжний-Тестовий": "unknown",
        "Чужий-Тестовий": "yes",
        "ЗАПИСНИЙ-ТЕСТОВИЙ": "yes",
    }
    assert html.count('data-health="seriously_wounded"') == 2
    # The categories beside their quotas.
    assert re.search(r"seriously wounded</td><td>4</td><td>50</td>", html)


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("young=yes", {"Молодий-Тестовий", "Чужий-Тестовий", "ЗАПИСНИЙ-ТЕСТОВИЙ"}),
        ("young=no", {"Старший-Тестовий"}),
        ("young=unknown", {"Рубіжний-Тестовий"}),
        ("health=seriously_wounded", {"Молодий-Тестовий", "Чужий-Тестовий"}),
        ("young=yes&health=none", set()),
        ("young=maybe", None),  # not a choice: every line
    ],
)
def test_the_filters(supervisor, world, query, shown):
    response = supervisor.get(f"/exchanges/{world['exchange']}?{query}")
    assert response.status_code == 200
    names = set(_young(response.get_data(as_text=True)))
    assert names == (shown if shown is not None else set(_young(supervisor.get(
        f"/exchanges/{world['exchange']}").get_data(as_text=True))))  # fmt: skip


def test_a_caseworker_filters_their_own_lines_and_others_are_only_counted(caseworker, world):
    html = caseworker.get(f"/exchanges/{world['exchange']}?health=seriously_wounded").get_data(
        as_text=True
    )
    assert set(_young(html)) == {"Молодий-Тестовий"}
    assert "Чужий-Тестовий" not in html
    assert 'data-testid="hidden-lines"' in html
    # Only a supervisor records where a person is held.
    assert 'data-testid="where-held-form"' not in html


def test_other_kinds_of_exchange_have_no_prisoner_columns(supervisor, world):
    html = supervisor.get(f"/exchanges/{world['handover']}").get_data(as_text=True)
    assert "data-young" not in html and 'name="young"' not in html


def _held(client, exchange_id, line_id, **data):
    token = csrf_token(client, "/login", follow_redirects=True)
    version = data.pop("version", None)
    fields = {"csrf_token": token, "held-submit": "y"}
    fields.update({f"held-{key}": value for key, value in data.items()})
    if version is not None:
        fields["held-version"] = version
    return client.post(f"/exchanges/{exchange_id}/lines/{line_id}/held", data=fields)


def test_where_held_per_role(app, client, caseworker, admin, supervisor, world):
    path = (world["exchange"], world["line"])
    assert _held(client, *path, where_held="Колонія 1").status_code == 302  # to sign in
    assert _held(caseworker, *path, where_held="Колонія 1").status_code == 403
    assert _held(admin, *path, where_held="Колонія 1").status_code == 403
    with app.app_context():
        assert db.session.get(ExchangeLine, world["line"]).where_held == ""
    response = _held(
        supervisor, *path, where_held=" СІЗО Тестове ", reported_on="01.06.2026", version="1"
    )
    assert response.status_code == 302
    with app.app_context():
        line = db.session.get(ExchangeLine, world["line"])
        assert (line.where_held, line.where_held_reported_on) == ("СІЗО Тестове", date(2026, 6, 1))
    html = supervisor.get(f"/exchanges/{world['exchange']}").get_data(as_text=True)
    assert "СІЗО Тестове" in html
    assert "Where held, as the other side reports" in html  # the timeline's event


def test_where_held_refusals(app, supervisor, world):
    path = (world["exchange"], world["line"])
    blank = _held(supervisor, *path, where_held="   ")
    assert blank.status_code == 200
    future = _held(supervisor, *path, where_held="Колонія", reported_on="01.01.2099")
    assert future.status_code == 200 and "cannot be in the future" in future.get_data(as_text=True)
    stale = _held(supervisor, *path, where_held="Колонія", version="99")
    assert stale.status_code == 200 and "reload the page" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ExchangeLine, world["line"]).where_held == ""


def test_the_case_page_shows_the_latest_report_of_where_the_person_is_held(
    caseworker, supervisor, world
):
    _held(
        supervisor,
        world["exchange"],
        world["line"],
        where_held="Колонія Нова",
        reported_on="01.06.2026",
    )
    _held(
        supervisor, world["handover"], world["handover_line"], where_held="Колонія Стара",
        reported_on="01.02.2026",
    )  # fmt: skip
    html = caseworker.get(f"/cases/{world['young']}").get_data(as_text=True)
    header = html.split('data-testid="where-held"', 1)[1].split("</div>", 1)[0]
    assert "Колонія Нова" in header and "Колонія Стара" not in header
    # Each exchange's report stays in the case's exchanges section.
    assert "Колонія Стара" in html
    other = caseworker.get(f"/cases/{world['older']}").get_data(as_text=True)
    assert 'data-testid="where-held"' not in other
