"""Every form, posted with hostile values: never a server error.

Driven by the application itself. Each route that takes a POST is found in ``app.url_map``;
a first post (only a valid CSRF token) shows which forms its view builds (every FlaskForm
constructed during the request is recorded) and which role may use it (the first of
anonymous, caseworker, supervisor, administrator and DNA reviewer that is neither sent to
sign in nor refused). Hypothesis then fills each field of those forms by its type, out of
range, in odd Unicode, kilobytes long, repeated, or left out, and posts it as that role with a
valid CSRF token. GET filter forms (no CSRF) get the same in the query string.

A new POST route fails :func:`test_every_post_route_has_a_target` until it is given a place
to post to in :data:`TARGETS`; a form field of a new type fails until :data:`FIELD_VALUES`
has values for it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

import pytest
import wtforms
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from hypothesis import event, given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from app.auth.models import User
from app.cases.models import TransitionRequest
from app.cases.services import add_relative, log_contact
from app.exchanges.models import ExchangeRemains
from app.extensions import db, limiter
from app.imports.batches import create_batch, import_target
from app.imports.models import ImportKind
from app.imports.storage import store_upload
from app.names import given as given_names
from tests import factories
from tests.answers.conftest import answer_ids
from tests.conftest import csrf_token
from tests.exchanges.conftest import exchange_ids, remains_ids
from tests.identification.conftest import dna_ids
from tests.matching.conftest import make_candidate, make_record
from tests.security.conftest import counted, database_settings
from tests.security.strategies import hostile_text

# "pending": a supervisor who passed the password and waits for the second step.
ROLES = ("anonymous", "pending", "caseworker", "supervisor", "admin", "dna_reviewer")

# --- what a field may be sent ---------------------------------------------------------------

TEXT = st.one_of(
    hostile_text(max_size=40),
    st.builds(lambda piece, n: piece * n, hostile_text(max_size=3), st.integers(50, 3000)),
)
NUMBERS = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(["-1", "0", "121", "2147483648", "9" * 40, "1e9", "NaN", "0x10", " 7 "]),
)
DATES = st.one_of(
    st.dates().map(date.isoformat),
    st.sampled_from(["0001-01-01", "9999-12-31", "2024-02-30", "05.03.2014", "2014-13-01"]),
)
BOOLEANS = st.sampled_from(["y", "", "false", "on", "0"])


def _choices(form_field: Any) -> st.SearchStrategy[str]:
    values = [str(choice.value) for choice in form_field.iter_choices()]
    return st.sampled_from(values) if values else st.nothing()


def _file(_field: Any) -> st.SearchStrategy[Any]:
    contents = st.one_of(
        st.binary(max_size=300),
        st.lists(st.lists(hostile_text(max_size=12), min_size=1, max_size=4), max_size=6).map(
            lambda rows: "\n".join(";".join(r) for r in rows).encode("utf-8", "surrogatepass")
        ),
    )
    names = st.one_of(
        st.sampled_from(["list.csv", "list.tsv", "list.txt", "list.exe", "../../etc/passwd.csv"]),
        hostile_text(max_size=20),
    )
    return st.tuples(contents, names).map(lambda pair: (io.BytesIO(pair[0]), pair[1]))


# Field class -> strategy of one value for a field of it. Looked up along the class's bases,
# so a subclass of a known field is covered; any other field class fails the test.
FIELD_VALUES: dict[type, Callable[[Any], st.SearchStrategy[Any]]] = {
    wtforms.StringField: lambda _: TEXT,  # TextAreaField, EmailField, PasswordField, HiddenField
    wtforms.IntegerField: lambda _: st.one_of(NUMBERS, TEXT),
    wtforms.DateField: lambda _: st.one_of(DATES, TEXT),
    wtforms.SelectField: lambda f: st.one_of(_choices(f), NUMBERS, TEXT),
    wtforms.RadioField: lambda f: st.one_of(_choices(f), TEXT),
    wtforms.BooleanField: lambda _: st.one_of(BOOLEANS, TEXT),
    wtforms.SubmitField: lambda _: st.one_of(st.sampled_from(["", "1", "y"]), TEXT),
    FileField: _file,
}
SKIPPED_FIELDS = ("csrf_token",)  # always sent, and valid: the point is what comes after it


def field_strategy(form_field: Any) -> st.SearchStrategy[Any]:
    for cls in type(form_field).__mro__:
        if cls in FIELD_VALUES:
            return FIELD_VALUES[cls](form_field)
    raise LookupError(
        f"No hostile values for {type(form_field).__name__} ({form_field.name}): "
        "add its class to FIELD_VALUES in tests/security/test_hostile_forms.py"
    )


def form_data(fields: list[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A value, two values or none for each field."""
    entries = {}
    for form_field in fields:
        if form_field.short_name in SKIPPED_FIELDS:
            continue
        values = field_strategy(form_field)
        entries[form_field.name] = st.one_of(st.none(), values, st.lists(values, max_size=3))
    return st.fixed_dictionaries(entries)


# --- where each POST route posts to ---------------------------------------------------------


@dataclass
class World:
    """Objects for the routes to act on, all on a case of the caseworker's."""

    app: Flask
    users: dict[str, int]
    ids: dict[str, int] = field(default_factory=dict)

    def new_batch(self) -> int:
        """A fresh pending upload: the preview's first good post starts it."""
        with self.app.app_context():
            target = import_target(ImportKind.RECORDS, "Hostile register")
            data = "ID;Прізвище;Ім'я;Дата народження\n1;Коваленко;Олена;05.03.2014\n".encode()
            stored, sha256, size = store_upload(io.BytesIO(data))
            batch = create_batch(
                ImportKind.RECORDS,
                target,
                "list.csv",
                sha256,
                size,
                stored_name=stored,
                user_id=self.users["caseworker"],
            )
            db.session.commit()
            return batch.id


def _path(template: str, **ids: Any) -> Callable[[World], str]:
    return lambda world: template.format(**{name: world.ids[key] for name, key in ids.items()})


# Endpoint -> the path to post to. Paths use the objects of World.
TARGETS: dict[str, Callable[[World], str]] = {
    "admin.user_edit": _path("/admin/users/{user}", user="other_user"),
    "admin.user_new": _path("/admin/users/new"),
    "admin.user_end_sessions": _path("/admin/users/{user}/sessions/end", user="other_user"),
    "admin.user_reset_second_factor": _path(
        "/admin/users/{user}/second-factor/reset", user="other_user"
    ),
    "answers.decide": _path(
        "/exchanges/{x}/answers/pairings/{p}/decide", x="exchange", p="pairing"
    ),
    "answers.upload": _path("/exchanges/{x}/answers/upload", x="exchange"),
    "auth.enrol": _path("/account/second-factor"),
    "auth.password": _path("/account/password"),
    "auth.second_step": _path("/login/code"),
    "auth.login": _path("/login"),
    "auth.logout": _path("/logout"),
    "cases.alias_add": _path("/cases/{case}/aliases", case="case"),
    "cases.archive": _path("/cases/{case}/archive", case="case"),
    "cases.assign": _path("/cases/assign"),
    "cases.contact_add": _path("/cases/{case}/contacts", case="case"),
    "cases.contact_done": _path(
        "/cases/{case}/contacts/{contact}/done", case="case", contact="contact"
    ),
    "cases.decide": _path("/approvals/{request}", request="request"),
    "cases.duplicate": _path("/cases/{case}/duplicate", case="case"),
    "cases.edit": _path("/cases/{case}/edit", case="case"),
    "cases.new": _path("/cases/new"),
    "cases.note_add": _path("/cases/{case}/notes", case="case"),
    "cases.relative_add": _path("/cases/{case}/relatives", case="case"),
    "cases.relative_edit": _path(
        "/cases/{case}/relatives/{relative}", case="case", relative="relative"
    ),
    "cases.sibling_link": _path("/cases/{case}/siblings", case="case"),
    "cases.source_list_new": _path("/source-lists/new"),
    "cases.status": _path("/cases/{case}/status", case="case"),
    "dna.frequencies": _path("/dna/frequencies"),
    "dna.lab_upload": _path("/dna/lab-files"),
    "dna.proposal_forward": _path("/dna/proposals/{p}/forward", p="proposal"),
    "dna.sample_new": _path("/cases/{case}/dna/samples/new", case="case"),
    "dna.screening": _path("/dna/screening"),
    "exchanges.deceased_decide": _path(
        "/exchanges/{x}/lines/{l}/deceased/decide", x="exchange", l="line"
    ),
    "exchanges.deceased_propose": _path(
        "/exchanges/{x}/lines/{l}/deceased", x="exchange", l="line"
    ),
    "exchanges.edit": _path("/exchanges/{x}/edit", x="exchange"),
    "exchanges.line_add": _path("/exchanges/{x}/lines", x="exchange"),
    "exchanges.lines_from_source_list": _path("/exchanges/{x}/lines/source-list", x="exchange"),
    "exchanges.line_state": _path("/exchanges/{x}/lines/{l}/state", x="exchange", l="line"),
    "exchanges.line_where_held": _path("/exchanges/{x}/lines/{l}/held", x="exchange", l="line"),
    "exchanges.new": _path("/exchanges/new"),
    "exchanges.remains_add": _path("/exchanges/{x}/remains", x="repatriation"),
    "exchanges.remains_decide": _path("/exchanges/remains/{r}/link/decide", r="remains"),
    "exchanges.remains_link": _path("/exchanges/remains/{r}/link", r="remains"),
    "exchanges.status": _path("/exchanges/{x}/status", x="exchange"),
    "exchanges.version_make": _path("/exchanges/{x}/versions", x="exchange"),
    "imports.preview": lambda world: f"/imports/{world.new_batch()}/preview",
    "imports.retry": _path("/imports/{batch}/retry", batch="batch"),
    "imports.upload": _path("/imports/new"),
    "main.set_language": _path("/language/uk"),
    "matching.confirm_candidate": _path("/matches/{c}/confirm", c="candidate"),
    "matching.decide_candidate": _path("/matches/{c}/decide", c="candidate"),
    "matching.given_names": _path("/matches/given-names"),
    "matching.reject_candidate": _path("/matches/{c}/reject", c="candidate"),
    "matching.runs": _path("/matches/runs"),
}
# Values a view reads from the request besides its forms.
EXTRA_VALUES: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "cases.assign": {"case_ids": st.lists(st.one_of(NUMBERS, TEXT), max_size=4)},
    "main.set_language": {"next": st.one_of(TEXT, st.just("//evil.example/"))},
    "matching.confirm_candidate": {"next": st.one_of(TEXT, st.just("https://evil.example/"))},
}
# Page numbers a list reads (beyond any page, zero, negative, not a number); numbers too big for
# the database: test_huge_page_numbers.
PAGES = st.one_of(
    st.integers(-(10**6), 10**9).map(str), st.sampled_from(["", "x", "1.5", "-0", " 2", "٣"])
)
HUGE_PAGES = st.sampled_from(["9" * 40, str(2**63), str(2**64 + 1)])
# GET pages whose filter forms read the query string.
FILTER_PAGES = {
    "cases.index": "/cases",
    "matching.queue": "/matches",
    "admin.audit": "/admin/audit/",
}


def _post_endpoints(app: Flask) -> list[str]:
    return sorted(
        rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())
    )


def test_every_post_route_has_a_target(app: Flask) -> None:
    missing = sorted(set(_post_endpoints(app)) - set(TARGETS))
    assert not missing, f"POST routes with no target in TARGETS (test_hostile_forms): {missing}"
    assert not set(TARGETS) - set(_post_endpoints(app)), "TARGETS names routes that are gone"


@pytest.fixture
def world(app: Flask, users: dict[str, int], make_case, tmp_path, monkeypatch) -> World:
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    world = World(app, users)
    case_id = make_case(owner="caseworker")
    world.ids["case"] = case_id
    world.ids["other_case"] = make_case(owner="caseworker", given_name="Сашко")
    with app.app_context():
        from app.cases.models import Case

        case = db.session.get(Case, case_id)
        caseworker = db.session.get(User, users["caseworker"])
        relative = add_relative(case, caseworker, relationship_kind="mother", full_name="Марія")
        contact = log_contact(
            case,
            caseworker,
            contacted_on=date(2024, 5, 1),
            channel="phone",
            outcome="Called",
            next_step="Call again",
        )
        request = TransitionRequest(
            case_id=case_id, from_status=case.status, to_status="closed", reason="Found"
        )
        db.session.add(request)
        record = make_record()
        candidate = make_candidate(case_id, record.id)
        other_user = factories.make_user(role="caseworker")
        supervisor = db.session.get(User, users["supervisor"])
        exchange = exchange_ids(supervisor, case, db.session.get(Case, world.ids["other_case"]))
        answer = answer_ids(exchange["exchange_id"], exchange["line_id"])
        found = db.session.get(ExchangeRemains, remains_ids(supervisor)["remains_id"])
        dna = dna_ids(supervisor, case, found.id)
        db.session.commit()
        world.ids.update(
            relative=relative.id,
            contact=contact.id,
            request=request.id,
            candidate=candidate.id,
            other_user=other_user.id,
            exchange=exchange["exchange_id"],
            line=exchange["line_id"],
            pairing=answer["pairing_id"],
            remains=found.id,
            repatriation=found.exchange_id,
            proposal=dna["proposal_id"],
        )
    world.ids["batch"] = world.new_batch()
    return world


@pytest.fixture
def given_name_table() -> Iterator[None]:
    """An admin's names extend a table kept in memory: put it back as it was."""
    yield
    given_names._EXTRA_GIVEN_NAMES.clear()
    given_names.extend_given_names([])


@dataclass
class Poster:
    """Signs in as a role and posts with a valid CSRF token, recording the forms built."""

    app: Flask
    login: Callable[[int], FlaskClient]
    users: dict[str, int]
    built: list[FlaskForm] = field(default_factory=list)

    def client(self, role: str) -> FlaskClient:
        limiter.reset()  # sign-in throttling is tested elsewhere; here it would hide the form
        if role == "anonymous":
            return self.app.test_client()
        if role == "pending":
            return self._pending_sign_in()
        return self.login(self.users[role])

    def _pending_sign_in(self) -> FlaskClient:
        with self.app.app_context():
            supervisor = db.session.get(User, self.users["supervisor"])
            if not supervisor.has_second_factor:
                factories.make_second_factor(supervisor, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
                db.session.commit()
            email = supervisor.email
        client = self.app.test_client()
        token = csrf_token(client, "/login", follow_redirects=True)
        sent = {"email": email, "password": factories.DEFAULT_PASSWORD, "csrf_token": token}
        assert client.post("/login", data=sent).location.endswith("/login/code")
        return client

    def post(self, role: str, path: str, data: dict[str, Any]) -> Any:
        client = self.client(role)
        token = csrf_token(client, "/login", follow_redirects=True)
        self.built.clear()
        return client.post(path, data=MultiDict({"csrf_token": token, **data}))


@pytest.fixture
def poster(app: Flask, login, users, monkeypatch) -> Poster:
    poster = Poster(app, login, users)
    original = FlaskForm.__init__

    def recording(form: FlaskForm, *args: Any, **kwargs: Any) -> None:
        original(form, *args, **kwargs)
        poster.built.append(form)

    monkeypatch.setattr(FlaskForm, "__init__", recording)
    return poster


def _allowed(response: Any) -> bool:
    if response.status_code in (403, 404):
        return False
    # Sent to sign in (with the page to come back to); signing out also ends on that page.
    return not (response.status_code == 302 and "/login?next=" in response.location)


def _pairs(data: dict[str, Any]) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    for name, value in data.items():
        if value is None:
            continue
        for one in value if isinstance(value, list) else [value]:
            pairs.append((name, one))
    return pairs


@pytest.mark.parametrize("endpoint", sorted(TARGETS))
def test_hostile_posts_never_fail_on_the_server(
    endpoint: str, world: World, poster: Poster, given_name_table: None
) -> None:
    path = TARGETS[endpoint](world)
    for role in ROLES:
        # A role that is only redirected builds no form: try the next one.
        if _allowed(poster.post(role, path, {})) and poster.built:
            break
    else:
        pytest.fail(f"no role may post to {endpoint}")
    fields = [f for form in poster.built if form.meta.csrf for f in form]
    assert fields, f"{endpoint} built no form with a CSRF token"
    data = form_data(fields)
    extra = st.fixed_dictionaries(EXTRA_VALUES.get(endpoint, {}))

    @database_settings(0.1)
    @given(values=data, more=extra, language=st.one_of(st.just("uk"), TEXT))
    @counted(name=f"forms::POST {endpoint}")
    def post_hostile(values: dict[str, Any], more: dict[str, Any], language: str) -> None:
        target = path
        if endpoint == "main.set_language":
            target = "/language/" + quote(language, safe="")
        elif endpoint == "imports.preview":
            target = TARGETS[endpoint](world)  # a fresh upload: the last one may have started
        response = poster.post(role, target, MultiDict(_pairs({**values, **more})))
        event(f"{role}: {response.status_code}")  # --hypothesis-show-statistics
        assert response.status_code < 500, (endpoint, role, response.status_code)

    post_hostile()


@pytest.mark.parametrize(("endpoint", "path"), sorted(FILTER_PAGES.items()))
def test_hostile_filters_never_fail_on_the_server(
    endpoint: str, path: str, world: World, poster: Poster
) -> None:
    client = poster.client("supervisor" if endpoint != "admin.audit" else "admin")
    poster.built.clear()
    assert client.get(path).status_code == 200
    fields = [f for form in poster.built if not form.meta.csrf for f in form]
    assert fields, f"{endpoint} built no filter form"
    data = form_data(fields)

    @database_settings(0.1)
    @given(values=data, page=st.one_of(st.none(), PAGES))
    @counted(name=f"forms::GET {endpoint}")
    def get_hostile(values: dict[str, Any], page: str | None) -> None:
        query = _pairs(values) + ([("page", page)] if page is not None else [])
        response = client.get(path, query_string=MultiDict(query))
        assert response.status_code < 500, (endpoint, response.status_code)

    get_hostile()


@pytest.mark.parametrize(("endpoint", "path"), sorted(FILTER_PAGES.items()))
def test_huge_page_numbers(endpoint: str, path: str, world: World, poster: Poster) -> None:
    client = poster.client("supervisor" if endpoint != "admin.audit" else "admin")

    @database_settings(0.01)
    @given(page=HUGE_PAGES)
    @counted(name=f"forms::GET {endpoint} huge page")
    def get_huge_page(page: str) -> None:
        assert client.get(path, query_string={"page": page}).status_code < 500

    get_huge_page()
