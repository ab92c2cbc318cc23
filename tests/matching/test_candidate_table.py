"""The match queues' rows are written in Python (app/matching/table.py) and their filter form is
kept as markup per choice (issue 9 item 4): the pages must say what the templates said. The
``candidate_row`` macro is the rows' plain definition; WTForms renders the reference form."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import render_template_string

from app.extensions import db
from app.matching.forms import MatchDecisionForm
from app.matching.review import Named, QueueRow, ShownCase, ShownRecord, queue_rows
from app.matching.table import candidate_rows_html
from app.records.models import PartnerSource
from app.web import id_url
from tests.matching.conftest import explanation, make_candidate, make_record

ROW = re.compile(r'<tr data-candidate="\d+">.*?</tr>', flags=re.S)


def _squeezed(html: str) -> str:
    """The markup without the whitespace beside its tags (the template's indentation)."""
    return re.sub(r"\s*(<[^>]*>)\s*", r"\1", re.sub(r"\s+", " ", str(html)).strip())


def _note(code: str, left="", right="", sign="", **more) -> dict:
    return {"code": code, "left": left, "right": right, "sign": sign, **more}


# Every kind of note a row may show: dates and ages, parameters that are keys, the endings,
# a sentence kept as text, a code this version does not know, a field without a note, and
# values that must be escaped.
KINDS_OF_NOTES = [
    _note("day_month_swapped", "2014-12-03", "2014-03-12", "/"),
    _note("age_fits_year", {"age": 9, "on": "2023-05-01"}, "2014", "≈"),
    _note("different_surnames", "<b>Шевченко</b>", 'Мельник & "Ко"', "≠", params={"percent": 31}),
    _note(
        "same_father",
        "Сергеевна",
        "Сергійович",
        "=",
        params={"father": "serhii"},
        flags=["other_gender"],
    ),
    _note(
        "diminutive",
        "Саша",
        "Олександр",
        "=",
        params={"also": "Олександра"},
        flags=["alias", "someday"],
    ),
    _note(
        "different_gazetteer_places",
        "Херсон",
        "Олешки",
        "≠",
        params={"place_left": "kherson", "place_right": "oleshky"},
    ),
    {"code": "text", "params": {"text": "Схожі імена (written before codes)"}},
    _note("a_code_from_the_future", "x", "y", "?", params={"n": 1}),
    _note("different_names", "Олександр", "Марія", "≠"),  # its percent is missing
    _note("same_sex"),
]


def _fields(notes: list) -> list[dict]:
    return [
        {"field": "given_name", "level": level, "bits": bits, "note": note}
        for note, level, bits in zip(
            notes,
            ["same", "swapped", "different", "close", "odd"][: len(notes)],
            [9.1, -12.0, 1.4, None, 3.0][: len(notes)],
            strict=True,
        )
    ] + [{"field": "sex", "level": "same", "bits": 0.5}]


def _rows() -> list[QueueRow]:
    """A record and a possible duplicate, proposed and reviewed, of each kind of note, with
    text that must be escaped and scores that round half to even."""
    rows = []
    for n in range(0, len(KINDS_OF_NOTES), 2):
        reviewed = n % 4 == 2
        record = ShownRecord(100 + n, f"Тестенко <i>{n}</i>", Named("Register & 'list'"))
        other = ShownCase(200 + n, f"RU-{200 + n:06d}", "Інша справа")
        rows.append(
            QueueRow(
                id=n + 1,
                case_id=300 + n,
                score=[0.125, 0.135, 0.995, 0.5, 1.0][n // 2],
                likely=n % 3 == 0,
                explanation={"fields": _fields(KINDS_OF_NOTES[n : n + 5])},
                status=["proposed", "awaiting_approval", "confirmed", "rejected", "odd"][n // 2],
                review_reason='Та сама мати, <same> "village"' if reviewed else "",
                reviewed_at=datetime(2026, 3, 5, 14, 30, tzinfo=UTC) if reviewed else None,
                case=ShownCase(300 + n, f"RU-{300 + n:06d}", "Лисенко & Ко"),
                other_case=None if n % 4 == 0 else other,
                record=record if n % 4 == 0 else None,
                reviewed_by=Named("Супервізор O'Neil") if reviewed else None,
            )
        )
    return rows


@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize("decisions", [False, True], ids=["queue", "approvals"])
def test_the_python_rows_are_the_candidate_row_macro(app, language, decisions):
    """candidate_rows_html writes what candidate_row, their plain definition, writes: records
    and duplicates, every status, reviewed or not, every kind of note, escaped text, with and
    without the approvals page's decision form, in both languages."""
    rows = _rows()
    with app.test_request_context(
        "/matches/approvals?page=2", headers={"Accept-Language": language}
    ):
        options = {}
        if decisions:
            options = {
                "decision_form": MatchDecisionForm(),
                "decide_url": id_url("matching.decide_candidate", "candidate_id"),
                "next_url": "/matches/approvals?page=2&x=<y>",
            }
        urls = (id_url("cases.detail", "case_id"), id_url("matching.show", "candidate_id"))
        expected = render_template_string(
            '{% from "matching/_macros.html" import candidate_row with context %}'
            "{% for c in rows %}{{ candidate_row(c, *urls, **options) }}{% endfor %}",
            rows=rows,
            urls=urls,
            options=options,
        )
        written = candidate_rows_html(rows, *urls, **options)
    assert _squeezed(written) == _squeezed(expected)
    assert written.count("<tr ") == len(rows)
    assert "&lt;b&gt;Шевченко&lt;/b&gt; ≠ Мельник &amp; &#34;Ко&#34;" in written
    assert "Register &amp; &#39;list&#39;" in written
    # The spaces the page shows between inline elements, as the macros write them.
    assert '%</span> <span class="badge ' in written
    assert "</a> Лисенко &amp; Ко</td>" in written
    assert '&lt;/i&gt; <span class="muted small">(' in written
    if decisions:
        assert '"> <input class="small secondary" name="decision-send_back"' in written
        assert written.count(
            'name="next" value="/matches/approvals?page=2&amp;x=&lt;y&gt;"'
        ) == len(rows)
        assert 'id="decision-note-3"' in written


def test_an_empty_queue_says_so(supervisor):
    html = supervisor.get("/matches?band=all").get_data(as_text=True)
    assert "No matches here." in html
    assert "<tr data-candidate" not in html


@pytest.fixture
def populated(app, make_case, users):
    """A queue of records and duplicates, one reviewed, each explanation of every kind."""
    with app.app_context():
        ids = []
        for n in range(4):
            case_id = make_case(owner="caseworker", family_name=f"Тест<енко> {n}")
            fields = explanation(0.9 + n / 100)
            fields["fields"] += _fields(KINDS_OF_NOTES[n * 2 : n * 2 + 3])
            if n % 2:
                other = make_case(owner="caseworker", given_name="Сашко")
                candidate = make_candidate(case_id, other_case_id=other, explanation=fields)
            else:
                candidate = make_candidate(
                    case_id, make_record(family_name=f"Запис & {n}").id, explanation=fields
                )
            ids.append(candidate.id)
        db.session.commit()
        return ids


@pytest.mark.parametrize("language", ["en", "uk"])
def test_the_queue_page_shows_its_rows_as_the_macro_does(app, supervisor, populated, language):
    """The page itself (a populated queue, through the view): its rows are the macro's."""
    html = supervisor.get("/matches?band=all", headers={"Accept-Language": language}).text
    shown = ROW.findall(html)
    ids = [int(re.search(r"\d+", row).group()) for row in shown]
    assert sorted(ids) == sorted(populated)
    with app.test_request_context(headers={"Accept-Language": language}):
        expected = render_template_string(
            '{% from "matching/_macros.html" import candidate_row with context %}'
            '{% set urls = (id_url("cases.detail", "case_id"),'
            ' id_url("matching.show", "candidate_id")) %}'
            "{% for c in rows %}{{ candidate_row(c, *urls) }}{% endfor %}",
            rows=queue_rows(ids),
        )
    assert _squeezed("".join(shown)) == _squeezed(expected)


def _filter_form(html: str) -> str:
    return re.search(r'<form method="get" class="filters".*?</form>', html, flags=re.S).group()


def _wtforms_filter_form(app, client, query: str, language: str) -> str:
    """The filter form as WTForms renders it for this query (what the page showed before)."""
    from app.matching.forms import QueueFilterForm

    sources = db.session.execute(
        db.select(PartnerSource.id, PartnerSource.name).order_by(PartnerSource.name)
    ).all()
    with app.test_request_context(f"/matches?{query}", headers={"Accept-Language": language}):
        from flask import request
        from flask_babel import gettext

        form = QueueFilterForm(request.args)
        form.source.choices = [("", gettext("all"))] + [(str(s.id), s.name) for s in sources]
        form.validate()
        return render_template_string(
            '{% from "_macros/forms.html" import field %}'
            '<form method="get" class="filters" aria-label="{{ _("Filter matches") }}">'
            '<div class="grid"><div>{{ field(form.band) }}</div>'
            "<div>{{ field(form.status) }}</div><div>{{ field(form.kind) }}</div>"
            "<div>{{ field(form.source) }}</div></div>"
            '<div class="actions"><button type="submit">{{ _("Filter") }}</button></div></form>',
            form=form,
        )


@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize(
    "query",
    [
        "",
        "band=all&status=confirmed&kind=case",
        "band=possible&kind=&source={source}",
        "band=bogus&status=zzz&kind=q&source=abc",  # each select says its value is not offered
        "band=&status=%20",  # empty: the defaults, as WTForms reads them
        "source=999999",
    ],
)
def test_the_kept_filter_form_is_what_wtforms_renders(app, supervisor, populated, language, query):
    with app.app_context():
        query = query.format(source=make_source_id())
        expected = _wtforms_filter_form(app, supervisor, query, language)
    for _ in range(2):  # built, then kept
        html = supervisor.get(f"/matches?{query}", headers={"Accept-Language": language}).text
        assert _squeezed(_filter_form(html)) == _squeezed(expected)


def make_source_id() -> int:
    return db.session.scalar(db.select(PartnerSource.id).order_by(PartnerSource.id))


def test_a_value_not_offered_is_refused_and_not_kept(app, supervisor, populated):
    html = supervisor.get("/matches?band=<script>&kind=case").text
    assert "Not a valid choice." in _filter_form(html)
    assert "<script>" not in html
    kept = app.extensions.get("blank_forms", {})
    assert not any("<script>" in repr(key) for key in kept)


def test_a_renamed_source_shows_its_new_name_in_the_filters(app, supervisor, populated):
    """The kept form is kept per list of sources: a new name is a new form."""
    assert "Evacuation register (test)" in _filter_form(supervisor.get("/matches").text)
    with app.app_context():
        source = db.session.scalar(db.select(PartnerSource))
        source.name = "Перейменований реєстр"
        db.session.commit()
    form = _filter_form(supervisor.get("/matches").text)
    assert "Перейменований реєстр" in form
    assert "Evacuation register (test)" not in form
