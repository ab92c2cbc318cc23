"""The case page's summary header (status, caseworker, next step, latest contact, open match
candidates, the actions at hand) and its activity stream (notes, contacts, status changes and
match decisions in one list, filterable by kind)."""

from __future__ import annotations

from datetime import date, timedelta
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from app.auth.models import User
from app.cases.models import ActivityKind, Case, CaseEventKind, ContactLog
from app.cases.services import (
    add_event,
    add_note,
    archive_case,
    change_status,
    complete_next_step,
    log_contact,
    next_open_step,
)
from app.extensions import db
from app.matching.models import MatchCandidate

TODAY = date.today()
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Part(HTMLParser):
    """The text of the element whose ``data-testid`` is ``testid``, and the ``data-kind`` of
    the list items inside it."""

    def __init__(self, testid: str) -> None:
        super().__init__(convert_charrefs=True)
        self.testid = testid
        self.depth = 0  # open elements inside the part, itself included; 0 outside it
        self.found = False
        self.text: list[str] = []
        self.kinds: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if self.depth == 0 and a.get("data-testid") == self.testid and not self.found:
            self.found = True
            self.depth = 0 if tag in VOID else 1
            return
        if self.depth:
            if tag == "li" and a.get("data-kind"):
                self.kinds.append(a["data-kind"] or "")
            if tag == "a":
                self.links.append(a.get("href") or "")
            if tag not in VOID:
                self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text.append(data)

    @property
    def joined(self) -> str:
        """The part's text, its white space collapsed."""
        return " ".join(" ".join(self.text).split())


def part(html: str, testid: str) -> _Part:
    reader = _Part(testid)
    reader.feed(html)
    assert reader.found, f"no data-testid={testid!r} on the page"
    return reader


def text(html: str, testid: str) -> str:
    return part(html, testid).joined


@pytest.fixture
def case_id(make_case) -> int:
    return make_case(owner="caseworker")


def _act(app, users, case_id: int, act, who: str = "caseworker") -> None:
    """Run ``act(case, user)`` through the services, as the request would, and commit."""
    with app.app_context():
        case = db.session.get_one(Case, case_id)
        act(case, db.session.get_one(User, users[who]))
        db.session.commit()


def _contact(case, user, **fields) -> ContactLog:
    fields.setdefault("contacted_on", TODAY - timedelta(days=3))
    fields.setdefault("channel", "phone")
    return log_contact(case, user, **fields)


# --- the next step, a pure choice -----------------------------------------------------------


def _step(id: int, next_step: str = "Call", due: date | None = None, done: bool = False):
    """A contact as next_open_step reads it, without the database."""
    return SimpleNamespace(id=id, next_step=next_step, next_step_due=due, next_step_done=done)


def test_the_next_step_is_the_earliest_open_one_and_overdue_once_its_day_has_passed() -> None:
    yesterday, tomorrow = TODAY - timedelta(days=1), TODAY + timedelta(days=1)
    steps = [
        _step(1, due=tomorrow),
        _step(2, due=yesterday - timedelta(days=5), done=True),
        _step(3, next_step="", due=None),
        _step(4, due=yesterday),
        _step(5, due=None),
    ]
    first = next_open_step(steps, TODAY)
    assert first is not None and first.contact.id == 4 and first.overdue
    due_today = next_open_step([_step(1, due=TODAY)], TODAY)
    assert due_today is not None and not due_today.overdue
    undated = next_open_step([_step(7, due=None), _step(6, due=None)], TODAY)
    assert undated is not None and undated.contact.id == 6 and not undated.overdue
    assert next_open_step([_step(1, done=True), _step(2, next_step="")], TODAY) is None


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("notes", ActivityKind.NOTES),
        ("matches", ActivityKind.MATCHES),
        (None, ActivityKind.ALL),
        ("", ActivityKind.ALL),
        ("NOTES", ActivityKind.ALL),
        ("note'><script>", ActivityKind.ALL),
    ],
)
def test_an_activity_filter_is_one_of_the_kinds_or_all(value, kind) -> None:
    assert ActivityKind.parse(value) is kind


# --- the summary header ---------------------------------------------------------------------


def test_the_header_shows_the_next_open_step_and_that_it_is_overdue(
    app, users, caseworker, case_id
) -> None:
    html = caseworker.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "None open" in text(html, "next-step")

    def steps(case, user):
        _contact(case, user, next_step="Write to the school", next_step_due=TODAY + timedelta(9))
        _contact(case, user, next_step="Ring the aunt again", next_step_due=TODAY - timedelta(2))
        done = _contact(
            case, user, next_step="Ask the register", next_step_due=TODAY - timedelta(30)
        )
        complete_next_step(done, user)

    _act(app, users, case_id, steps)
    html = caseworker.get(f"/cases/{case_id}").get_data(as_text=True)
    header = part(html, "next-step")
    assert "Ring the aunt again" in header.joined
    assert "overdue" in header.joined
    assert "Write to the school" not in header.joined
    assert "data-overdue" in html


def test_a_step_due_later_is_not_shown_as_overdue(app, users, caseworker, case_id) -> None:
    _act(
        app,
        users,
        case_id,
        lambda case, user: _contact(
            case, user, next_step="Visit the shelter", next_step_due=TODAY + timedelta(1)
        ),
    )
    html = caseworker.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Visit the shelter" in text(html, "next-step")
    assert "overdue" not in text(html, "next-step") and "data-overdue" not in html


def test_the_header_shows_the_latest_contact_its_channel_and_with_whom(
    app, users, caseworker, case_id
) -> None:
    assert "No contacts yet." in text(
        caseworker.get(f"/cases/{case_id}").get_data(as_text=True), "latest-contact"
    )

    def contacts(case, user):
        _contact(case, user, contacted_on=date(2026, 3, 2), channel="email", with_whom="school")
        _contact(case, user, contacted_on=date(2026, 3, 9), channel="visit", with_whom="the aunt")
        _contact(case, user, contacted_on=date(2026, 3, 5), channel="phone", with_whom="police")

    _act(app, users, case_id, contacts)
    latest = text(caseworker.get(f"/cases/{case_id}").get_data(as_text=True), "latest-contact")
    assert "9 Mar 2026" in latest and "Visit" in latest and "the aunt" in latest
    assert "school" not in latest and "police" not in latest


def test_the_header_counts_the_open_match_candidates(app, users, make_case, caseworker) -> None:
    case_id = make_case(owner="caseworker")
    others = [make_case(owner="caseworker", given_name=f"Other {i}") for i in range(4)]
    with app.app_context():
        statuses = ["proposed", "awaiting_approval", "rejected", "confirmed"]
        for other, status in zip(others, statuses, strict=True):
            db.session.add(
                MatchCandidate(case_id=case_id, other_case_id=other, score=0.9, likely=True,
                               explanation={"fields": []}, status=status)
            )  # fmt: skip
        db.session.commit()
    html = caseworker.get(f"/cases/{case_id}").get_data(as_text=True)
    count = part(html, "open-candidates")
    assert "Open match candidates" in count.joined and "2" in count.joined.split()
    assert count.links == ["#matches"]


def _actions(client, case_id: int) -> str:
    response = client.get(f"/cases/{case_id}")
    assert response.status_code == 200
    return text(response.get_data(as_text=True), "case-actions")


def test_the_caseworker_has_the_actions_of_an_open_case_at_hand(caseworker, case_id) -> None:
    html = caseworker.get(f"/cases/{case_id}").get_data(as_text=True)
    actions = part(html, "case-actions")
    for label in ("Log contact", "Add note", "Change status", "Edit case", "Print summary"):
        assert label in actions.joined
    assert "Approve" not in actions.joined
    # Each link jumps to its form, which is on the page under that id.
    for fragment in ("#log-contact", "#add-note", "#change-status"):
        assert fragment in actions.links
        assert f'id="{fragment[1:]}"' in html


def test_a_pending_change_takes_change_status_away_and_gives_the_supervisor_approve(
    app, users, caseworker, supervisor, case_id
) -> None:
    _act(
        app,
        users,
        case_id,
        lambda case, user: change_status(case, user, "closed", "Family withdrew.", "withdrawn"),
    )
    mine = _actions(caseworker, case_id)
    assert "Change status" not in mine and "Approve" not in mine and "Log contact" in mine
    theirs = _actions(supervisor, case_id)
    assert "Approve or reject the change" in theirs
    html = supervisor.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "#pending-request" in part(html, "case-actions").links and 'id="pending-request"' in html


def test_an_archived_case_offers_only_its_printed_summary(app, users, caseworker, case_id) -> None:
    _act(
        app,
        users,
        case_id,
        lambda case, user: archive_case(case, user, "Entered twice."),
        who="supervisor",
    )
    assert _actions(caseworker, case_id) == "Print summary"


def test_the_case_page_stays_closed_to_an_admin_and_another_caseworker(
    admin, other_caseworker, case_id
) -> None:
    assert admin.get(f"/cases/{case_id}").status_code == 403
    assert other_caseworker.get(f"/cases/{case_id}").status_code == 403
    assert other_caseworker.get(f"/cases/{case_id}?activity=notes").status_code == 403


# --- the activity stream --------------------------------------------------------------------


@pytest.fixture
def busy_case(app, users, case_id) -> int:
    """A case with a contact, a note, a status change and a match decision, in that order."""

    def history(case, user):
        _contact(
            case, user, channel="visit", with_whom="the grandmother", outcome="She has a photo."
        )
        add_note(case, user, "The grandmother prefers calls after six.")
        change_status(case, user, "under_investigation")
        add_event(case, user, CaseEventKind.MATCH, text="Other mother.", state="rejected")

    _act(app, users, case_id, history)
    return case_id


def test_the_stream_shows_every_kind_newest_first_with_what_was_said(caseworker, busy_case) -> None:
    stream = part(caseworker.get(f"/cases/{busy_case}").get_data(as_text=True), "timeline")
    assert stream.kinds == ["match", "status_changed", "note", "contact", "created"]
    said = stream.joined
    for content in ("The grandmother prefers calls after six.", "She has a photo.",
                    "the grandmother", "Match rejected", "Under investigation"):  # fmt: skip
        assert content in said


@pytest.mark.parametrize(
    ("kind", "kinds"),
    [
        ("contacts", ["contact"]),
        ("notes", ["note"]),
        ("status", ["status_changed"]),
        ("matches", ["match"]),
        ("all", ["match", "status_changed", "note", "contact", "created"]),
    ],
)
def test_the_filter_narrows_the_stream(caseworker, busy_case, kind, kinds) -> None:
    html = caseworker.get(f"/cases/{busy_case}?activity={kind}").get_data(as_text=True)
    assert part(html, "timeline").kinds == kinds
    filters = part(html, "activity-filter")
    current = [
        line for line in html.splitlines() if 'aria-current="true"' in line and "#activity" in line
    ]
    assert len(filters.links) == 5
    assert len(current) == 1
    assert f"activity={kind}" in current[0] if kind != "all" else "activity=" not in current[0]


@pytest.mark.parametrize(
    "query",
    [
        "activity=bogus",
        "activity=",
        "activity=NOTES",
        "activity=%27%3E%3Cscript%3Ealert(1)%3C/script%3E",
        "activity=" + "x" * 5000,
        "activity=notes&activity=contacts&shown=abc",
        "shown=-5",
        "shown=99999999999999999999999999",
        "activity=%00",
    ],
)
def test_a_hostile_filter_shows_the_whole_stream(caseworker, busy_case, query) -> None:
    response = caseworker.get(f"/cases/{busy_case}?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    if "activity=notes" not in query:
        assert part(html, "timeline").kinds == [
            "match",
            "status_changed",
            "note",
            "contact",
            "created",
        ]
    assert "<script>alert" not in html


def test_a_long_stream_is_capped_with_show_more(app, users, caseworker, case_id) -> None:
    _act(
        app,
        users,
        case_id,
        lambda case, user: [add_note(case, user, f"Note {n}") for n in range(24)],
    )
    first = part(
        caseworker.get(f"/cases/{case_id}?activity=notes").get_data(as_text=True), "timeline"
    )
    assert first.kinds == ["note"] * 20 and "Note 23" in first.joined
    more = part(
        caseworker.get(f"/cases/{case_id}?activity=notes").get_data(as_text=True), "show-more"
    )
    assert more.found
    html = caseworker.get(f"/cases/{case_id}?activity=notes&shown=40").get_data(as_text=True)
    assert part(html, "timeline").kinds == ["note"] * 24 and 'data-testid="show-more"' not in html
